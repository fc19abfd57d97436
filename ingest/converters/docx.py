"""Word documents (.docx): the body in document order as Markdown, for minutes, protocols and FAQ documents.

Headings come from paragraph styles (Heading/Kop 1-6, Title/Titel, outline levels), from numbered lists whose
short items are followed by body text (agenda items), and from short bold lines followed by body text.
Tables become pipe tables with the first row as header; lists become "- item" / "1. item" lines.
"""

from __future__ import annotations

import time
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docx
from docx.opc.exceptions import PackageNotFoundError
from lxml import etree

from ingest.converters import markdown_writer as md
from ingest.converters.base import ConversionError, Limits, Page
from ingest.converters.docx_styles import Numbering, ParagraphKind, Styles, paragraph_text

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MAX_MEMBERS = 10_000
_MAX_COLUMNS = 64  # Word allows 63 columns; a larger span or offset is hostile
_CANDIDATE_WORDS = 12
_NO_HEADING_END = tuple(".!;:,")
_BROKEN = (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, etree.XMLSyntaxError, zlib.error,
           EOFError, NotImplementedError)


@dataclass
class _Block:
    kind: str  # "heading" | "para" | "item" | "table"
    text: str
    level: int = 0  # heading: 0 = document title, else 1-9; item: list depth
    list_key: tuple[str, int] | None = None  # numbered item: (list id, depth)
    candidate: bool = False  # short numbered or bold line: a heading when body text follows


def check_package(path: Path, limits: Limits) -> None:
    """Refuse what is no Word document, or would unpack too large (zip bomb), before any part is parsed."""
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(_OLE_MAGIC):
        raise ConversionError("geen .docx: oud Word-formaat (.doc) of met een wachtwoord beveiligd; "
                              "sla het op als .docx zonder wachtwoord")
    if not head.startswith(b"PK"):
        raise ConversionError(f"bestand heet {path.suffix or '(zonder extensie)'} maar is geen Word-document")
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise ConversionError("beschadigd Word-document (zip-archief onleesbaar of afgebroken)") from exc
    if len(infos) > _MAX_MEMBERS:
        raise ConversionError(f"Word-document met te veel onderdelen ({len(infos)}, maximum {_MAX_MEMBERS})")
    if not any(info.filename.startswith("word/") for info in infos):
        raise ConversionError(f"bestand heet {path.suffix or '(zonder extensie)'} maar is geen Word-document "
                              "(zip-archief zonder Word-inhoud)")
    unpacked = sum(info.file_size for info in infos)
    if unpacked > limits.max_unpacked_bytes:
        raise ConversionError(f"Word-document pakt uit tot {unpacked // 1_000_000} MB "
                              f"(maximum {limits.max_unpacked_bytes // 1_000_000} MB): mogelijk een zip-bom")


def open_document(path: Path, limits: Limits) -> Any:
    """The python-docx Document, after the package checks; a broken file becomes a ConversionError."""
    check_package(path, limits)
    try:
        return docx.Document(str(path))
    except ValueError as exc:
        if "not a Word file" in str(exc):
            raise ConversionError("geen Word-document maar een ander Office-bestand of een sjabloon") from exc
        raise _broken(exc) from exc
    except _BROKEN as exc:
        raise _broken(exc) from exc


def _broken(exc: Exception) -> ConversionError:
    if isinstance(exc, etree.XMLSyntaxError):
        why = "onleesbare XML in een onderdeel"
    elif isinstance(exc, zipfile.BadZipFile | zlib.error | EOFError):
        why = "zip-archief onleesbaar of afgebroken"
    elif isinstance(exc, KeyError | PackageNotFoundError):
        why = "een verplicht onderdeel ontbreekt"
    else:
        why = "onleesbaar"
    return ConversionError(f"beschadigd Word-document ({why})")


def convert_docx(path: Path, limits: Limits) -> list[Page]:
    document = open_document(path, limits)
    try:
        blocks = _Reader(document, limits).read()
    except _BROKEN as exc:
        raise _broken(exc) from exc
    return [Page(_render(_assign_headings(blocks)), markup="markdown")]


def docx_metadata(path: Path, limits: Limits | None = None) -> dict[str, str]:
    """Title and dates from the core properties (title falls back to the first heading); {} if unreadable.

    "date" is the last-modified date, else the creation date, as YYYY-MM-DD; both are also given as is.
    """
    try:
        document = open_document(path, limits or Limits())
        props = document.core_properties
        out: dict[str, str] = {}
        title = md.one_line(props.title or "") or _first_heading(document)
        if title:
            out["title"] = title
        if props.created:
            out["created"] = props.created.date().isoformat()
        if props.modified:
            out["modified"] = props.modified.date().isoformat()
        if "modified" in out or "created" in out:
            out["date"] = out.get("modified") or out["created"]
        return out
    except (ConversionError, OSError, *_BROKEN):
        return {}


def _first_heading(document: Any) -> str:
    styles = Styles(document)
    for p in document.element.body.iter(W + "p"):
        if styles.kind(p).heading is not None and (text := md.one_line(paragraph_text(p))):
            return text
    return ""


class _Reader:
    """Walks the body (paragraphs and tables interleaved, content controls opened) into blocks."""

    def __init__(self, document: Any, limits: Limits) -> None:
        self.styles = Styles(document)
        self.numbering = Numbering(document)
        self.body = document.element.body
        self.limits = limits
        self.deadline = time.monotonic() + limits.seconds_per_file
        self.rows = 0

    def read(self) -> list[_Block]:
        blocks: list[_Block] = []
        for n, element in enumerate(self._elements(self.body)):
            if n % 256 == 0 and time.monotonic() > self.deadline:
                raise ConversionError(f"conversie duurt te lang (meer dan {self.limits.seconds_per_file:.0f} s)")
            if element.tag == W + "tbl":
                blocks.extend(self._table(element))
            else:
                block = self._paragraph(element)
                if block is not None:
                    blocks.append(block)
        return blocks

    def _elements(self, parent: Any) -> Any:
        for child in parent.iterchildren():
            if child.tag in (W + "p", W + "tbl"):
                yield child
            elif child.tag == W + "sdt":
                gallery = child.find(f"{W}sdtPr/{W}docPartObj/{W}docPartGallery")
                if gallery is not None and "Table of Contents" in (gallery.get(W + "val") or ""):
                    continue  # the table of contents repeats the headings
                content = child.find(W + "sdtContent")
                if content is not None:
                    yield from self._elements(content)
            elif child.tag == W + "customXml":
                yield from self._elements(child)

    def _paragraph(self, p: Any) -> _Block | None:
        text = paragraph_text(p)
        if not text.strip():
            return None
        kind: ParagraphKind = self.styles.kind(p)
        if kind.toc:
            return None
        if kind.heading is not None:
            # A numbered heading ("3 Werkwijze", "2.1 Toegang") keeps the number Word shows.
            label = self.numbering.label(*kind.numbering) if kind.numbering is not None else None
            return _Block("heading", md.one_line(f"{label} {text}" if label else text), kind.heading)
        short = len(text.split()) <= _CANDIDATE_WORDS and "\n" not in text.strip()
        candidate = short and not text.rstrip().endswith(_NO_HEADING_END)
        if kind.numbering is not None:
            label = self.numbering.label(*kind.numbering)
            if label is not None:
                depth = kind.numbering[1]
                if label == "":
                    return _Block("item", f"- {md.one_line(text)}", depth)
                return _Block("item", f"{label} {md.one_line(text)}", depth, kind.numbering, candidate)
        return _Block("para", text, candidate=candidate and kind.bold)

    def _table(self, tbl: Any) -> list[_Block]:
        rows: list[list[str]] = []
        above: dict[int, str] = {}  # grid column -> text of the cell a vertical merge continues
        for tr in tbl.iterchildren(W + "tr"):
            self.rows += 1
            if self.rows > self.limits.max_rows:
                raise ConversionError(f"te veel tabelrijen (meer dan {self.limits.max_rows})")
            before = tr.find(f"{W}trPr/{W}gridBefore")
            col = min(int(before.get(W + "val", "0")), _MAX_COLUMNS) if before is not None else 0
            row = [""] * col
            for tc in tr.iterchildren(W + "tc"):
                span_el = tc.find(f"{W}tcPr/{W}gridSpan")
                span = min(max(1, int(span_el.get(W + "val", "1"))), _MAX_COLUMNS) if span_el is not None else 1
                vmerge = tc.find(f"{W}tcPr/{W}vMerge")
                continued = vmerge is not None and vmerge.get(W + "val", "continue") == "continue"
                # A vertically merged cell repeats its text in every row (each row stands alone as a passage);
                # a horizontally merged cell is written once.
                text = above.get(col, "") if continued else " ".join(
                    t for p in tc.iter(W + "p") if (t := md.one_line(paragraph_text(p))))
                above[col] = text
                row.extend([text] + [""] * (span - 1))
                col += span
            rows.append(row)
        if max((sum(1 for c in row if c) for row in rows), default=0) <= 1:
            # One cell per row (a text box or layout table): its text is body text.
            return [_Block("para", c) for row in rows for c in row if c]
        table = md.pipe_table(rows)
        return [_Block("table", table)] if table else []


def _assign_headings(blocks: list[_Block]) -> list[_Block]:
    """Final heading levels: the title on top, styled headings below it, detected headings below those."""
    offset = 1 if any(b.kind == "heading" and b.level == 0 for b in blocks) else 0

    def body_follows(i: int) -> bool:
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        return nxt is not None and nxt.kind in ("para", "table") and not nxt.candidate

    # A numbered list is a list of headings (agenda items) when most of its short items are followed by body.
    votes: dict[tuple[str, int], list[bool]] = {}
    for i, block in enumerate(blocks):
        if block.list_key is not None:
            votes.setdefault(block.list_key, []).append(block.candidate and body_follows(i))
    heading_lists = {key for key, v in votes.items() if sum(v) * 2 >= len(v) and any(v)}

    out: list[_Block] = []
    styled = 0
    for i, block in enumerate(blocks):
        if block.kind == "heading":
            styled = 1 if block.level == 0 else block.level + offset
            out.append(_Block("heading", block.text, styled))
        elif block.candidate and (block.list_key in heading_lists or (block.list_key is None and body_follows(i))):
            out.append(_Block("heading", block.text, styled + 1 + block.level))
        else:
            out.append(block)
    return out


def _render(blocks: list[_Block]) -> str:
    parts: list[str] = []
    for i, block in enumerate(blocks):
        if block.kind == "heading":
            parts.append(md.heading(block.level, block.text))
        elif block.kind == "table":
            parts.append(block.text)
        elif block.kind == "item" and block.text.startswith("- "):
            # Bullets of one list stay in one paragraph, a line each.
            joined = i > 0 and blocks[i - 1].kind == "item" and blocks[i - 1].text.startswith("- ")
            if joined:
                parts[-1] += "\n" + block.text
            else:
                parts.append(block.text)
        else:
            parts.append(md.paragraph(block.text))
    return "\n\n".join(p for p in parts if p) + "\n"
