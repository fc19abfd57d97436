"""What Word's style and numbering definitions say about a paragraph: heading level, list label, bold."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_HEADING = re.compile(r"^(?:heading|kop)\s*([1-9])$")
_TITLE = {"title", "titel"}
_TOC = re.compile(r"^(?:toc|inhopg)\b|inhoudsopgave|table of contents")
# Subtrees whose text is not part of the paragraph: text moved elsewhere (tracked), text boxes, VML duplicates.
_SKIP = {W + "moveFrom", W + "del", W + "txbxContent", _MC_FALLBACK}
_FALSE = {"0", "false", "off"}


def paragraph_text(p: Any) -> str:
    """The visible text of a paragraph, tracked insertions included; tabs as spaces, line breaks as newlines."""
    out: list[str] = []
    _collect(p, out)
    return "".join(out)


def _collect(element: Any, out: list[str]) -> None:
    for child in element.iterchildren():
        tag = child.tag
        if tag == W + "t":
            out.append(child.text or "")
        elif tag in (W + "tab", W + "ptab"):
            out.append(" ")
        elif tag in (W + "br", W + "cr"):
            out.append("\n")
        elif tag == W + "noBreakHyphen":
            out.append("-")
        elif isinstance(tag, str) and tag not in _SKIP:
            _collect(child, out)


def _val(element: Any, path: str) -> str | None:
    found = element.find(path) if element is not None else None
    return None if found is None else found.get(W + "val")


@dataclass(frozen=True)
class ParagraphKind:
    heading: int | None = None  # 0 = document title, 1-9 = heading level
    numbering: tuple[str, int] | None = None  # (numId, level) of a list item
    toc: bool = False  # a line of the table of contents
    bold: bool = False  # every run with text is bold


@dataclass(frozen=True)
class _Style:
    name: str
    based_on: str | None
    outline: int | None
    num_id: str | None
    num_level: int | None


class Styles:
    """Paragraph styles by id, with heading level and list membership resolved through `basedOn`."""

    def __init__(self, document: Any) -> None:
        self._styles: dict[str, _Style] = {}
        for style in document.styles.element.iterchildren(W + "style"):
            if style.get(W + "type") != "paragraph" or not style.get(W + "styleId"):
                continue
            ppr = style.find(W + "pPr")
            outline = _val(ppr, W + "outlineLvl")
            level = _val(ppr, f"{W}numPr/{W}ilvl")
            self._styles[style.get(W + "styleId")] = _Style(
                name=(_val(style, W + "name") or "").strip().lower(),
                based_on=_val(style, W + "basedOn"),
                outline=int(outline) if outline and outline.isdigit() else None,
                num_id=_val(ppr, f"{W}numPr/{W}numId"),
                num_level=int(level) if level and level.isdigit() else None,
            )
        self._cache: dict[str, tuple[int | None, tuple[str, int] | None, bool]] = {}

    def kind(self, p: Any) -> ParagraphKind:
        ppr = p.find(W + "pPr")
        style_id = _val(ppr, W + "pStyle") or ""
        heading, numbering, toc = self._resolve(style_id)
        outline = _val(ppr, W + "outlineLvl")
        if heading is None and outline and outline.isdigit() and int(outline) < 9:
            heading = int(outline) + 1
        num_id = _val(ppr, f"{W}numPr/{W}numId")
        if num_id is not None:
            level = _val(ppr, f"{W}numPr/{W}ilvl")
            numbering = None if num_id == "0" else (num_id, int(level) if level and level.isdigit() else 0)
        return ParagraphKind(heading, numbering, toc, _all_bold(p))

    def _resolve(self, style_id: str) -> tuple[int | None, tuple[str, int] | None, bool]:
        if style_id in self._cache:
            return self._cache[style_id]
        heading: int | None = None
        numbering: tuple[str, int] | None = None
        toc = False
        seen: set[str] = set()
        current: str | None = style_id
        first = True
        while current and current in self._styles and current not in seen:
            seen.add(current)
            style = self._styles[current]
            names = (style.name, current.lower())
            if first and any(_TOC.search(n) for n in names):
                toc = True
            if heading is None:
                if any(n in _TITLE for n in names):
                    heading = 0 if first else None
                elif match := next((m for n in names if (m := _HEADING.match(n))), None):
                    heading = int(match.group(1))
                elif style.outline is not None and style.outline < 9:
                    heading = style.outline + 1
            if numbering is None and style.num_id is not None:
                numbering = None if style.num_id == "0" else (style.num_id, style.num_level or 0)
            current, first = style.based_on, False
        self._cache[style_id] = (heading, numbering, toc)
        return self._cache[style_id]


def _all_bold(p: Any) -> bool:
    runs = [r for r in p.iter(W + "r") if any((t.text or "").strip() for t in r.iterchildren(W + "t"))]
    return bool(runs) and all(
        (b := r.find(f"{W}rPr/{W}b")) is not None and b.get(W + "val", "true") not in _FALSE for r in runs
    )


class Numbering:
    """List labels ("3.", "2.1", "b)") as Word would number them; "" for bullets, None for unnumbered levels."""

    def __init__(self, document: Any) -> None:
        self._levels: dict[str, dict[int, tuple[str, str, int]]] = {}  # abstractNumId -> level -> (fmt, text, start)
        self._abstract: dict[str, str] = {}  # numId -> abstractNumId
        self._overrides: dict[str, dict[int, int]] = {}  # numId -> level -> restart value
        self._counters: dict[str, dict[int, int]] = {}  # abstractNumId -> level -> value
        self._started: set[str] = set()
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError):
            return
        for abstract in root.iterchildren(W + "abstractNum"):
            levels: dict[int, tuple[str, str, int]] = {}
            for lvl in abstract.iterchildren(W + "lvl"):
                start = _val(lvl, W + "start")
                levels[int(lvl.get(W + "ilvl", "0"))] = (
                    _val(lvl, W + "numFmt") or "decimal",
                    _val(lvl, W + "lvlText") or "",
                    int(start) if start and start.lstrip("-").isdigit() else 1,
                )
            self._levels[abstract.get(W + "abstractNumId", "")] = levels
        for num in root.iterchildren(W + "num"):
            num_id = num.get(W + "numId", "")
            self._abstract[num_id] = _val(num, W + "abstractNumId") or ""
            for override in num.iterchildren(W + "lvlOverride"):
                start = _val(override, W + "startOverride")
                if start and start.isdigit():
                    self._overrides.setdefault(num_id, {})[int(override.get(W + "ilvl", "0"))] = int(start)

    def label(self, num_id: str, level: int) -> str | None:
        abstract = self._abstract.get(num_id)
        levels = self._levels.get(abstract or "", {})
        if level not in levels:
            return ""  # a list without definitions: show it as a bullet
        fmt, text, _ = levels[level]
        if fmt == "bullet":
            return ""
        if fmt == "none" and "%" not in text:
            return None
        # Lists sharing an abstract definition continue each other's numbering unless a restart says otherwise.
        counters = self._counters.setdefault(abstract or "", {})
        if num_id not in self._started:
            self._started.add(num_id)
            for lvl, start in self._overrides.get(num_id, {}).items():
                counters[lvl] = start - 1
        counters[level] = counters[level] + 1 if level in counters else levels[level][2]
        for deeper in [lvl for lvl in counters if lvl > level]:
            del counters[deeper]

        def number(match: re.Match[str]) -> str:
            lvl = int(match.group(1)) - 1
            fmt, _, start = levels.get(lvl, ("decimal", "", 1))
            return _format(counters.get(lvl, start), fmt)

        return re.sub(r"%([1-9])", number, text).strip() or None


def _format(value: int, fmt: str) -> str:
    if fmt in ("lowerLetter", "upperLetter") and value > 0:
        letters = ""
        while value > 0:
            value, rest = divmod(value - 1, 26)
            letters = chr(ord("a") + rest) + letters
        return letters if fmt == "lowerLetter" else letters.upper()
    if fmt in ("lowerRoman", "upperRoman") and 0 < value < 4000:
        roman = ""
        for number, symbol in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
                               (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
            while value >= number:
                roman, value = roman + symbol, value - number
        return roman if fmt == "lowerRoman" else roman.upper()
    if fmt == "decimalZero":
        return f"{value:02d}"
    return str(value)
