"""Versions of one document: read a version or date from a file name, chain versions, mark the superseded ones.

A manifest says `supersedes: <id>` explicitly. For a folder without manifest, files in one folder whose
names differ only by a version string or date ("Specificaties_GGk0310-v2.1.03.pdf", "... -v2.1.04.pdf")
form a family; the newest (by date, else by version number) is current and each older one is superseded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ingest.manifest import DocumentEntry

MONTHS = {m: i for i, m in enumerate(("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
                                        "september", "oktober", "november", "december"), start=1)}
_SEP = r"[-_ .]"
_VERSION = re.compile(rf"(?:^|{_SEP})(?:v|versie{_SEP}?|version{_SEP}?)(\d+(?:[._ ]\d+)*)(?={_SEP}|$)", re.I)
_QUALIFIER = re.compile(rf"(?:^|{_SEP})(revisie|patch|release|rev|r){_SEP}?(\d+)(?={_SEP}|$)", re.I)
_BARE_VERSION = re.compile(rf"(?:^|{_SEP})(\d+\.\d+(?:\.\d+)*)(?={_SEP}|$)")
_COMPACT_DATE = re.compile(rf"(?:^|{_SEP})((?:19|20)\d{{2}})(\d{{2}})(\d{{2}})(?={_SEP}|$)")
_WORD_DATE = re.compile(
    rf"(?:^|{_SEP})(\d{{1,2}}){_SEP}({'|'.join(MONTHS)}){_SEP}((?:19|20)\d{{2}})(?={_SEP}|$)", re.I
)
_NOISE = {"definitief", "concept", "final", "def", "per", "van", "de", "het", "en", "versie", "v"}


@dataclass(frozen=True)
class NameVersion:
    """What a file name says about its version: the family words, a version tuple, a date."""

    family: frozenset[str]
    version: tuple[int, ...] | None
    date: str | None

    @property
    def label(self) -> str | None:
        return ".".join(f"{p:02d}" if i >= 2 else str(p) for i, p in enumerate(self.version)) if self.version else None


def _valid_date(y: int, m: int, d: int) -> str | None:
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def read_name(file: str) -> NameVersion:
    """Version and date from a file name; the remaining words are the family name."""
    stem = PurePosixPath(file).name.rsplit(".", 1)[0] if re.search(r"\.[a-z]{2,5}$", file, re.I) else file
    stem = PurePosixPath(stem).name
    version: tuple[int, ...] | None = None
    found_date: str | None = None
    rest = stem
    if match := _COMPACT_DATE.search(rest):
        found_date = _valid_date(int(match[1]), int(match[2]), int(match[3]))
        if found_date:
            rest = rest.replace(match[0], " ")
    if not found_date and (match := _WORD_DATE.search(rest)):
        found_date = _valid_date(int(match[3]), MONTHS[match[2].lower()], int(match[1]))
        rest = rest.replace(match[0], " ")
    matches = list(_VERSION.finditer(rest)) or list(_BARE_VERSION.finditer(rest))[:1]
    for match in matches:  # "v2.1.04 - versie 3": one version of several parts
        version = (*(version or ()), *(int(p) for p in re.split(r"[._ ]", match[1]) if p))
        rest = rest.replace(match[0], " ")
    for match in list(_QUALIFIER.finditer(rest)):
        version = (*(version or ()), int(match[2]))
        rest = rest.replace(match[0], " ")
    words = {w for w in re.split(r"[^a-z0-9]+", rest.lower()) if w and w not in _NOISE and not w.isdigit()}
    return NameVersion(frozenset(words), version, found_date)


def _same_family(a: NameVersion, b: NameVersion) -> bool:
    common = a.family & b.family
    return len(common) >= 2 and (a.family <= b.family or b.family <= a.family)


def _order_key(entry: DocumentEntry, name: NameVersion) -> tuple[str, tuple[int, ...]]:
    # Dates compare across naming schemes; the version number decides between equal or missing dates.
    return (entry.date or name.date or "", name.version or ())


def link_derived_versions(entries: list[DocumentEntry]) -> list[DocumentEntry]:
    """For entries derived from files: version (and date) from the name; families chained by `supersedes`."""
    names = {e.id: read_name(e.file) for e in entries}
    out: dict[str, DocumentEntry] = {}
    for entry in entries:
        name = names[entry.id]
        update: dict[str, object] = {}
        if name.label and not entry.version:
            update["version"] = name.label
        if name.date and (not entry.date or "date" in entry.derived_fields):
            # A date in the name is the publisher's label; a file's own date is often that of a conversion.
            update |= {"date": name.date, "date_precision": "day", "date_estimated": False}
        guessed = [f for f in ("version", "date") if f in update and f not in entry.derived_fields]
        out[entry.id] = entry.model_copy(update={**update, "derived_fields": [*entry.derived_fields, *guessed]})
    # Families: same folder, names that differ only by version or date, each with a version or date.
    versioned = [e for e in out.values() if names[e.id].version or names[e.id].date]
    seen: set[str] = set()
    for entry in versioned:
        if entry.id in seen:
            continue
        folder = PurePosixPath(entry.file).parent
        family = [e for e in versioned if PurePosixPath(e.file).parent == folder
                  and _same_family(names[entry.id], names[e.id])]
        seen.update(e.id for e in family)
        if len(family) < 2:
            continue
        family.sort(key=lambda e: _order_key(e, names[e.id]))
        for older, newer in zip(family, family[1:], strict=False):
            if not newer.supersedes:
                fields = [*newer.derived_fields, "supersedes"]
                out[newer.id] = newer = out[newer.id].model_copy(update={"supersedes": older.id,
                                                                          "derived_fields": fields})
    return [out[e.id] for e in entries]


def mark_superseded(entries: list[DocumentEntry]) -> list[DocumentEntry]:
    """Each superseded entry learns the newest version of its chain (id, title, date) for notes and ranking."""
    by_id = {e.id: e for e in entries}
    successor = {e.supersedes: e.id for e in entries if e.supersedes}
    out = []
    for entry in entries:
        newest, steps = entry.id, 0
        while newest in successor and steps < len(entries):
            newest, steps = successor[newest], steps + 1
        if newest == entry.id:
            out.append(entry.model_copy(update={"superseded_by": None, "superseded_by_title": None,
                                                "superseded_by_date": None}))
            continue
        current = by_id[newest]
        out.append(entry.model_copy(update={"superseded_by": current.id, "superseded_by_title": current.title,
                                            "superseded_by_date": current.date}))
    return out
