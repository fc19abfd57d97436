"""Versions: read from file names, chained into families, superseded entries know their newest version."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.manifest import ManifestError, load_manifest
from ingest.versions import read_name

REFERENCE_NAMES = {
    "Specificaties_GGk0310-v2.1.04.pdf": ((2, 1, 4), None),
    "Specificaties_StUF-GGk0310-v2.0_Definitief.pdf": ((2, 0), None),
    "Specificaties_GGk0210-v2.1.04_-_versie_3.pdf": ((2, 1, 4, 3), None),
    "Foutcodes_asynchroon_berichtenverkeer_ISD-keten_20170328.pdf": (None, "2017-03-28"),
    "Foutcodes_asynchroon_berichtenverkeer_per_3_april_2017.pdf": (None, "2017-04-03"),
    "invulinstructie_IV013.md": (None, None),
    "Uitvoeringsregeling_Wmo 2015.md": (None, None),
}


@pytest.mark.parametrize(("name", "expected"), REFERENCE_NAMES.items())
def test_read_name_finds_versions_and_dates(name: str, expected: tuple[object, object]) -> None:
    parsed = read_name(name)
    assert (parsed.version, parsed.date) == expected


def test_read_name_keeps_codes_in_the_family() -> None:
    assert read_name("Specificaties_GGk0310-v2.1.pdf").family == {"specificaties", "ggk0310"}
    assert read_name("Specificaties_GGk0310-v2.1.04.pdf").label == "2.1.04"


def _touch(folder: Path, *names: str) -> None:
    for name in names:
        (folder / name).write_text(f"# {name}\n\nTekst van {name} over berichten.\n", encoding="utf-8")


def test_folder_without_manifest_chains_versions_newest_current(tmp_path: Path) -> None:
    _touch(tmp_path, "Protocol_X-v1.0.md", "Protocol_X-v1.2.md", "Protocol_X-v1.1.md", "Los_document.md",
           "Andere_reeks-v3.md")
    docs = {d.file: d for d in load_manifest(tmp_path).documents}
    v10, v11, v12 = docs["Protocol_X-v1.0.md"], docs["Protocol_X-v1.1.md"], docs["Protocol_X-v1.2.md"]
    assert v11.supersedes == v10.id and v12.supersedes == v11.id and v10.supersedes is None
    assert v10.superseded_by == v12.id and v11.superseded_by == v12.id and v12.superseded_by is None
    assert v10.superseded_by_title == v12.title
    assert v12.version == "1.2" and {"version", "supersedes"} <= set(v12.derived_fields)
    assert docs["Los_document.md"].supersedes is None and docs["Andere_reeks-v3.md"].supersedes is None
    assert docs["Andere_reeks-v3.md"].superseded_by is None


def test_dates_in_names_order_a_family_and_become_the_document_date(tmp_path: Path) -> None:
    _touch(tmp_path, "Foutcodes_berichtenverkeer_per_3_april_2017.md", "Foutcodes_berichtenverkeer_20170328.md")
    docs = {d.file: d for d in load_manifest(tmp_path).documents}
    old, new = docs["Foutcodes_berichtenverkeer_20170328.md"], docs["Foutcodes_berichtenverkeer_per_3_april_2017.md"]
    assert (old.date, new.date) == ("2017-03-28", "2017-04-03")
    assert new.supersedes == old.id and old.superseded_by == new.id
    assert "date" in old.derived_fields and not old.date_estimated  # a date in the name is the publisher's


def _manifest(folder: Path, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.yaml").write_text(f"documents:\n{body}", encoding="utf-8")
    return folder


def test_manifest_chain_marks_the_newest_version(tmp_path: Path) -> None:
    folder = _manifest(tmp_path, """
  - {id: sap-1, title: SAP 1.0, file: a.txt, date: 2020-01}
  - {id: sap-2, title: SAP 2.0, file: b.txt, date: 2022-05, supersedes: sap-1}
  - {id: sap-3, title: SAP 3.0, file: c.txt, date: 2024-02, supersedes: sap-2, version: "3.0"}
""")
    docs = {d.id: d for d in load_manifest(folder).documents}
    assert docs["sap-1"].superseded_by == "sap-3" and docs["sap-2"].superseded_by == "sap-3"
    assert docs["sap-1"].superseded_by_date == "2024-02" and docs["sap-3"].superseded_by is None
    assert docs["sap-3"].version == "3.0"


def test_manifest_supersedes_cycle_and_fork_are_refused(tmp_path: Path) -> None:
    cycle = _manifest(tmp_path / "kring", """
  - {id: a, title: A, file: a.txt, supersedes: b}
  - {id: b, title: B, file: b.txt, supersedes: a}
""")
    with pytest.raises(ManifestError, match="kring"):
        load_manifest(cycle)
    fork = _manifest(tmp_path / "vork", """
  - {id: a, title: A, file: a.txt}
  - {id: b, title: B, file: b.txt, supersedes: a}
  - {id: c, title: C, file: c.txt, supersedes: a}
""")
    with pytest.raises(ManifestError, match="zowel 'b' als 'c'"):
        load_manifest(fork)


def test_title_from_properties_is_used_only_when_its_codes_match_the_name() -> None:
    from ingest.manifest import _title_fits

    assert _title_fits("Specificaties GGk0310 v2.1.01", "Specificaties_GGk0310-v2.1.01.pdf")
    assert not _title_fits("Specificaties ggs0301", "Specificaties_GGk0210-v2.1.04_-_versie_2.pdf")
    assert _title_fits("Foutcodes asynchroon berichtenverkeer", "Foutcodes_20170328.pdf")
    assert not _title_fits(None, "a.pdf")
