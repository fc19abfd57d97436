"""The corpus manifest: one YAML file that lists each document with its metadata."""

from __future__ import annotations

import hashlib
import re
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator

from ingest.versions import MONTHS, link_derived_versions, mark_superseded

MANIFEST_NAMES = ("manifest.yaml", "manifest.yml")
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


class ManifestError(ValueError):
    """The manifest cannot be read or is invalid; the message says where and why (in Dutch)."""


class DocumentEntry(BaseModel):
    """One document of the corpus and the metadata every chunk of it carries."""

    id: str
    title: str
    publisher: str = "onbekend"
    scope: str = "landelijk"
    doc_type: str = "document"
    date: str | None = None
    date_precision: Literal["year", "month", "day"] | None = None
    date_estimated: bool = False
    date_note: str | None = None
    file: str
    url: str | None = None
    supersedes: str | None = None
    version: str | None = None
    # Computed from the other entries' `supersedes`: the newest version of this document's chain.
    superseded_by: str | None = None
    superseded_by_title: str | None = None
    superseded_by_date: str | None = None
    derived_fields: list[str] = Field(default_factory=list)

    @field_validator("id", "scope")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError(f"'{value}' is geen geldige id (kleine letters, cijfers, '-', '_' of '.')")
        return value

    @field_validator("date", mode="before")
    @classmethod
    def _date(cls, value: object) -> str | None:
        if value is None:
            return None
        # YAML reads an unquoted 2022-09-13 as a date and 2022 as an int.
        value = value.strftime("%Y-%m-%d") if isinstance(value, date) else str(value)
        if not _DATE.match(value):
            raise ValueError(f"datum '{value}' moet de vorm JJJJ, JJJJ-MM of JJJJ-MM-DD hebben")
        parts = [int(p) for p in value.split("-")] + [1, 1]
        try:
            date(parts[0], parts[1], parts[2])
        except ValueError:
            raise ValueError(f"datum '{value}' bestaat niet") from None
        return value

    def model_post_init(self, __context: object) -> None:
        if self.date and not self.date_precision:
            self.date_precision = ("year", "month", "day")[self.date.count("-")]

    def fingerprint(self) -> str:
        """Hash of the metadata: a change here re-indexes the document's chunks."""
        return hashlib.sha256(self.model_dump_json().encode("utf-8")).hexdigest()


class Manifest(BaseModel):
    """The documents of one corpus directory."""

    root: Path
    documents: list[DocumentEntry]
    derived: bool = False  # True when there was no manifest and entries were derived from the files
    unsupported: list[str] = Field(default_factory=list)  # files in a folder without manifest that no converter reads
    # The places (municipalities, towns) of each region, as users name where they work: "in Doetinchem" is in the
    # Achterhoek. From the manifest's `regions:` (region slug -> list of names).
    places: dict[str, list[str]] = Field(default_factory=dict)

    def path_of(self, entry: DocumentEntry) -> Path:
        return self.root / entry.file


def load_manifest(corpus_dir: Path) -> Manifest:
    """Read `manifest.yaml` from a corpus directory, or derive entries from the files when there is none."""
    if not corpus_dir.is_dir():
        raise ManifestError(f"Corpusmap '{corpus_dir}' bestaat niet of is geen map.")
    manifest_file = next((corpus_dir / n for n in MANIFEST_NAMES if (corpus_dir / n).is_file()), None)
    if manifest_file is None:
        entries = link_derived_versions(derive_entries(corpus_dir))
        return Manifest(root=corpus_dir, documents=mark_superseded(entries), derived=True,
                        unsupported=unsupported_files(corpus_dir))
    try:
        raw = yaml.safe_load(manifest_file.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{manifest_file}: geen geldige YAML ({exc}).") from exc
    items = raw.get("documents") if isinstance(raw, dict) else None
    if not isinstance(items, list):
        raise ManifestError(f"{manifest_file}: verwacht een lijst 'documents:'.")
    entries: list[DocumentEntry] = []
    for i, item in enumerate(items, start=1):
        try:
            entries.append(DocumentEntry.model_validate(item))
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {_dutch(e)}" for e in exc.errors())
            raise ManifestError(f"{manifest_file}, document {i}: {problems}") from exc
    _check_unique(entries, manifest_file)
    places = _places(raw.get("regions"), manifest_file)
    return Manifest(root=corpus_dir, documents=mark_superseded(entries), places=places)


def _places(raw: object, where: Path) -> dict[str, list[str]]:
    """The manifest's `regions:` block: {region slug: [place, ...]}."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ManifestError(f"{where}: 'regions:' moet per regio een lijst plaatsen geven (regio: [plaats, ...]).")
    places: dict[str, list[str]] = {}
    for slug, names in raw.items():
        if not isinstance(slug, str) or not _SLUG.match(slug):
            raise ManifestError(f"{where}: regio '{slug}' is geen geldige id (kleine letters, cijfers, '-', '_', '.').")
        if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
            raise ManifestError(f"{where}: regio '{slug}': verwacht een lijst plaatsnamen.")
        places[slug] = [n.strip() for n in names]
    return places


def region_places(corpus_dir: Path) -> dict[str, list[str]]:
    """The places of each region the corpus's manifest names; none for a corpus without manifest or regions, or one
    that cannot be read (ingest reports that)."""
    if not any((corpus_dir / n).is_file() for n in MANIFEST_NAMES):
        return {}
    try:
        return load_manifest(corpus_dir).places
    except ManifestError:
        return {}


def _dutch(error: Any) -> str:
    """A pydantic validation error as a Dutch message (our own validators already speak Dutch)."""
    kind = error.get("type", "")
    if kind == "missing":
        return "ontbreekt"
    if kind == "literal_error":
        return f"moet {error.get('ctx', {}).get('expected', '').replace(' or ', ' of ')} zijn"
    if kind.startswith("bool"):
        return "moet true of false zijn"
    if kind.startswith("string"):
        return "moet tekst zijn"
    if kind.startswith("list"):
        return "moet een lijst zijn"
    return str(error.get("msg", "")).removeprefix("Value error, ")


def _check_unique(entries: list[DocumentEntry], where: Path) -> None:
    seen: set[str] = set()
    for entry in entries:
        if entry.id in seen:
            raise ManifestError(f"{where}: document-id '{entry.id}' komt twee keer voor.")
        seen.add(entry.id)
    ids = seen
    for entry in entries:
        if entry.supersedes and entry.supersedes not in ids:
            raise ManifestError(f"{where}: '{entry.id}' vervangt onbekend document '{entry.supersedes}'.")
    replaced_by: dict[str, str] = {}
    for entry in entries:
        if entry.supersedes:
            if entry.supersedes in replaced_by:
                raise ManifestError(f"{where}: '{entry.supersedes}' wordt door zowel '{replaced_by[entry.supersedes]}'"
                                    f" als '{entry.id}' vervangen.")
            replaced_by[entry.supersedes] = entry.id
    for entry in entries:
        seen_chain, current = {entry.id}, entry.id
        while current in replaced_by:
            current = replaced_by[current]
            if current in seen_chain:
                raise ManifestError(f"{where}: 'supersedes' vormt een kring rond '{entry.id}'.")
            seen_chain.add(current)


def derive_entries(corpus_dir: Path) -> list[DocumentEntry]:
    """Entries for a folder without manifest: id from the path; title and date from the file where it says so."""
    from ingest.converters.metadata import file_metadata
    from ingest.converters.registry import SUPPORTED_SUFFIXES  # the converters import this module

    entries = []
    for path in sorted(p for p in corpus_dir.rglob("*") if p.is_file() and not p.name.startswith(".")):
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            continue
        rel = path.relative_to(corpus_dir).as_posix()
        slug = re.sub(r"[^a-z0-9]+", "-", rel.lower().rsplit(".", 1)[0]).strip("-")[:80] or "document"
        digest = hashlib.sha1(rel.encode("utf-8")).hexdigest()[:6]
        text = path.suffix.lower() in (".md", ".markdown", ".txt", ".text")
        found = file_metadata(path) if not text else {}
        date_value = found.get("date") if _DATE.match(found.get("date") or "") else None
        opening = _opening_lines(path) if text else []
        publisher, stated = _stated(opening[:20])
        entries.append(
            DocumentEntry(
                id=f"{slug}-{digest}",
                title=(found.get("title") if _title_fits(found.get("title"), path.name)
                       else _guess_title(path, opening if text else None))[:200],
                publisher=publisher or "onbekend",
                date=stated or date_value,
                date_estimated=bool(date_value) and not stated,  # a file's own date may be that of a copy or a template
                file=rel,
                derived_fields=["id", "title", "publisher", "scope", "doc_type", "date"],
            )
        )
    return entries


def unsupported_files(corpus_dir: Path) -> list[str]:
    """Files of a folder without manifest that are not ingested because no converter reads their type."""
    from ingest.converters.registry import SUPPORTED_SUFFIXES

    return sorted(p.relative_to(corpus_dir).as_posix() for p in corpus_dir.rglob("*")
                  if p.is_file() and not p.name.startswith(".") and p.suffix.lower() not in SUPPORTED_SUFFIXES)


_CODE = re.compile(r"\b(?=\w*[a-z])(?=\w*\d)\w{3,}\b", re.I)


def _title_fits(title: str | None, file_name: str) -> bool:
    """A title from document properties is often copied from another document: its codes must be in the name."""
    if not title:
        return False
    name = file_name.lower()
    return all(code.lower() in name for code in _CODE.findall(title))


_WRITTEN_DATE = re.compile(rf"^(?:(\d{{1,2}})\s+)?({'|'.join(MONTHS)})\s+((?:19|20)\d{{2}})$", re.IGNORECASE)
# Headings that open a document without naming it: a table of contents, a version table, a date.
_NOT_A_TITLE = re.compile(r"^(?:inhoud(?:sopgave)?|table of contents|contents|versiebeheer|colofon|voorwoord|"
                          r"\d{1,2}[-/.]\d{1,2}[-/.]\d{4}|\d{4}-\d{2}-\d{2})\W*$", re.IGNORECASE)


def _opening_lines(path: Path) -> list[str]:
    """The first non-empty lines of a text file, without code fences and front matter lines."""
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            lines = [line.strip() for _, line in zip(range(40), handle, strict=False)]
    except OSError:
        return []
    return [line for line in lines if line and not line.startswith(("```", "~~~", "---"))]


def _written_date(line: str) -> str | None:
    """"30 september 2021" -> "2021-09-30", "september 2021" -> "2021-09" (a line that is only a date)."""
    match = _WRITTEN_DATE.match(line.strip("#*_ \t"))
    if not match:
        return None
    month = MONTHS[match[2].lower()]
    if not match[1]:
        return f"{match[3]}-{month:02d}"
    try:
        return date(int(match[3]), month, int(match[1])).isoformat()
    except ValueError:
        return None


def _guess_title(path: Path, opening: list[str] | None = None) -> str:
    """The first heading of a text when it names the document; else the file name ("procesbeschrijving ijw 3.2").
    A sub-heading after other text names a section ("onderstaande berichtstromen ...\n## VOT"), and a date or a
    table of contents ("# Inhoud") names nothing."""
    lines = _opening_lines(path) if opening is None else opening
    at = next((i for i, line in enumerate(lines) if line.startswith("#") and line.lstrip("#").strip()), None)
    if at is not None:
        line = lines[at]
        heading = line.lstrip("#").strip()
        top = at == 0 or not line.startswith("##")  # a sub-heading after text names a section
        if top and not _NOT_A_TITLE.match(heading) and not _written_date(heading):
            return heading[:200]
    return " ".join(path.stem.replace("_", " ").replace("-", " ").split())


_STATED = re.compile(r"^\W*(auteur|uitgever|organisatie|publicatiedatum|datum)\W*:\s*(.+?)\s*$", re.IGNORECASE)


def _stated(lines: list[str]) -> tuple[str | None, str | None]:
    """(publisher, date) as a text states them on its first `lines`: "Auteur: Ministerie van VWS" and
    "Publicatiedatum: 1 januari 2026" in a header block, else a line that is only a date ("## 30 september 2021"
    under the title of a process description)."""
    publisher = written = alone = None
    for line in lines:
        if match := _STATED.match(line):
            value = match[2].strip("*_ ")  # "**Auteur:** Ministerie van VWS"
            if match[1].lower() in ("auteur", "uitgever", "organisatie"):
                publisher = publisher or value[:120] or None
            else:
                written = written or _written_date(value)
        alone = alone or _written_date(line)
    return publisher, written or alone
