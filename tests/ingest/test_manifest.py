"""The corpus manifest: the bundled one loads, invalid ones fail in Dutch, folders without one work."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest.manifest import DocumentEntry, ManifestError, derive_entries, load_manifest, region_places
from tests.helpers import CORPUS


def _manifest(folder: Path, yaml_text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.yaml").write_text(yaml_text, encoding="utf-8")
    return folder


def _load_error(folder: Path) -> str:
    with pytest.raises(ManifestError) as info:
        load_manifest(folder)
    return str(info.value)


def _assert_dutch(message: str) -> None:
    """No English boilerplate from pydantic or datetime in a message shown to users."""
    english = ("Field required", "Value error", "Input should", "must be", "out of range", "valid string")
    leaked = [w for w in english if w in message]
    assert not leaked, f"English text {leaked} in a user-facing manifest error: {message!r}"


def test_bundled_manifest_lists_the_five_seed_documents() -> None:
    manifest = load_manifest(CORPUS)

    assert not manifest.derived
    by_id = {e.id: e for e in manifest.documents}
    assert len(by_id) == 5
    assert {e.scope for e in manifest.documents} == {
        "achterhoek",
        "de-fryske-marren",
        "drechtsteden",
        "landelijk",
    }
    sdd = by_id["sdd-fot-begeleiding-2024-09-17"]
    assert (sdd.publisher, sdd.scope, sdd.doc_type, sdd.date) == (
        "Sociale Dienst Drechtsteden (SDD)",
        "drechtsteden",
        "notulen",
        "2024-09-17",
    )
    assert sdd.date_precision == "day"
    assert by_id["sda-inkoop-2022-vraag-antwoord"].date_estimated is True
    for entry in manifest.documents:
        assert manifest.path_of(entry).is_file(), entry.file
        assert entry.title.strip()


def test_date_precision_is_derived_from_the_date_when_absent(tmp_path: Path) -> None:
    folder = _manifest(
        tmp_path,
        """
documents:
  - {id: jaar, title: J, file: a.txt, date: "2021"}
  - {id: maand, title: M, file: b.txt, date: "2021-07"}
  - {id: dag, title: D, file: c.txt, date: "2021-07-01"}
  - {id: zonder, title: Z, file: d.txt}
""",
    )
    precisions = {e.id: e.date_precision for e in load_manifest(folder).documents}
    assert precisions == {"jaar": "year", "maand": "month", "dag": "day", "zonder": None}


def test_unquoted_yaml_date_is_accepted(tmp_path: Path) -> None:
    # YAML turns an unquoted 2022-09-13 into a date object; users write it like that.
    folder = _manifest(tmp_path, "documents:\n  - {id: a, title: A, file: a.txt, date: 2022-09-13}\n")
    (entry,) = load_manifest(folder).documents
    assert (entry.date, entry.date_precision) == ("2022-09-13", "day")


def test_duplicate_id_is_refused(tmp_path: Path) -> None:
    folder = _manifest(
        tmp_path,
        """
documents:
  - {id: notulen-1, title: Een, file: a.txt}
  - {id: notulen-1, title: Twee, file: b.txt}
""",
    )
    message = _load_error(folder)
    assert "document-id 'notulen-1' komt twee keer voor" in message
    assert "manifest.yaml" in message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13-09-2022", "moet de vorm JJJJ, JJJJ-MM of JJJJ-MM-DD hebben"),
        ("2022/09", "moet de vorm JJJJ, JJJJ-MM of JJJJ-MM-DD hebben"),
        ("2022-13", "2022-13"),
        ("2024-02-30", "2024-02-30"),
    ],
)
def test_bad_date_is_refused_with_a_dutch_message(tmp_path: Path, value: str, expected: str) -> None:
    folder = _manifest(
        tmp_path,
        f"documents:\n  - {{id: a, title: A, file: a.txt}}\n"
        f'  - {{id: b, title: B, file: b.txt, date: "{value}"}}\n',
    )
    message = _load_error(folder)
    assert "document 2" in message and "date" in message
    assert expected in message
    assert "datum" in message
    _assert_dutch(message)


def test_unknown_supersedes_is_refused(tmp_path: Path) -> None:
    folder = _manifest(
        tmp_path,
        """
documents:
  - {id: brief-2022, title: Brief 2022, file: a.txt}
  - {id: brief-2023, title: Brief 2023, file: b.txt, supersedes: brief-2021}
""",
    )
    assert "'brief-2023' vervangt onbekend document 'brief-2021'" in _load_error(folder)


def test_known_supersedes_is_kept(tmp_path: Path) -> None:
    folder = _manifest(
        tmp_path,
        """
documents:
  - {id: brief-2022, title: Brief 2022, file: a.txt}
  - {id: brief-2023, title: Brief 2023, file: b.txt, supersedes: brief-2022}
""",
    )
    assert load_manifest(folder).documents[1].supersedes == "brief-2022"


def test_missing_file_field_is_refused_with_a_dutch_message(tmp_path: Path) -> None:
    folder = _manifest(tmp_path, "documents:\n  - {id: a, title: A}\n")
    message = _load_error(folder)
    assert "document 1" in message and "file" in message
    assert "ontbreekt" in message
    _assert_dutch(message)


def test_invalid_id_is_refused(tmp_path: Path) -> None:
    folder = _manifest(tmp_path, "documents:\n  - {id: Mijn Document, title: A, file: a.txt}\n")
    assert "'Mijn Document' is geen geldige id" in _load_error(folder)


def test_invalid_date_precision_is_refused_in_dutch(tmp_path: Path) -> None:
    folder = _manifest(tmp_path, "documents:\n  - {id: a, title: A, file: a.txt, date_precision: week}\n")
    message = _load_error(folder)
    assert "date_precision" in message
    _assert_dutch(message)


@pytest.mark.parametrize(
    ("yaml_text", "expected"),
    [
        ("documents: [unclosed\n", "geen geldige YAML"),
        ("titel: geen lijst\n", "verwacht een lijst 'documents:'"),
        ("documents: {a: 1}\n", "verwacht een lijst 'documents:'"),
    ],
)
def test_malformed_manifest_is_refused(tmp_path: Path, yaml_text: str, expected: str) -> None:
    assert expected in _load_error(_manifest(tmp_path, yaml_text))


def test_missing_corpus_folder_is_refused(tmp_path: Path) -> None:
    assert "bestaat niet of is geen map" in _load_error(tmp_path / "nergens")


def test_folder_without_manifest_gets_derived_entries(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "Beleidsregels Wmo.md").write_text(
        "Inleiding\n\n# Beleidsregels Wmo 2024\n\nTekst.\n", encoding="utf-8"
    )
    (tmp_path / "sub" / "notulen_mei.txt").write_text("Notulen van mei.\n", encoding="utf-8")
    (tmp_path / "foto.jpg").write_bytes(b"\xff\xd8\xff\xe0")  # not a supported format
    (tmp_path / ".verborgen.txt").write_text("niet indexeren", encoding="utf-8")

    manifest = load_manifest(tmp_path)

    assert manifest.derived
    by_file = {e.file: e for e in manifest.documents}
    assert set(by_file) == {"Beleidsregels Wmo.md", "sub/notulen_mei.txt"}
    md, txt = by_file["Beleidsregels Wmo.md"], by_file["sub/notulen_mei.txt"]
    assert md.title == "Beleidsregels Wmo 2024"  # the first Markdown heading
    assert txt.title == "notulen mei"  # no heading: from the file name
    assert re.fullmatch(r"beleidsregels-wmo-[0-9a-f]{6}", md.id)
    assert re.fullmatch(r"sub-notulen-mei-[0-9a-f]{6}", txt.id)
    assert (txt.scope, txt.publisher, txt.doc_type) == ("landelijk", "onbekend", "document")
    assert "title" in txt.derived_fields and "id" in txt.derived_fields
    # Derived ids are stable: the same folder gives the same ids.
    assert [e.id for e in derive_entries(tmp_path)] == [e.id for e in manifest.documents]


def test_a_derived_title_is_no_date_section_or_contents_and_the_text_says_publisher_and_date(tmp_path: Path) -> None:
    (tmp_path / "procesbeschrijving-ijw-3.2.md").write_text(
        "Release iJw 3.2\nProcesbeschrijving\n## 30 september 2021\nDit document beschrijft de processen.\n",
        encoding="utf-8")
    (tmp_path / "berichtstromen.md").write_text(
        "onderstaande berichtstromen zijn mogelijk\n\n## VOT\nDirect toewijzen: JW315, JW301\n", encoding="utf-8")
    (tmp_path / "protocol.md").write_text(
        "Protocol productcodes\n\n15 november 2017\n\n# Inhoud\n1 Inleiding\n", encoding="utf-8")
    (tmp_path / "regeling.md").write_text(
        "````markdown\n# Regeling Jeugdwet\n**Auteur:** Ministerie van VWS\nPublicatiedatum: 1 januari 2026\n\n"
        "Juli 2021\n", encoding="utf-8")

    by_file = {e.file: e for e in derive_entries(tmp_path)}

    process, flows = by_file["procesbeschrijving-ijw-3.2.md"], by_file["berichtstromen.md"]
    protocol, regulation = by_file["protocol.md"], by_file["regeling.md"]
    assert (process.title, process.date, process.date_precision) == ("procesbeschrijving ijw 3.2", "2021-09-30", "day")
    assert not process.date_estimated  # the document states it
    assert (flows.title, flows.date) == ("berichtstromen", None)
    assert (protocol.title, protocol.date) == ("protocol", "2017-11-15")
    assert (regulation.title, regulation.publisher, regulation.date) == (
        "Regeling Jeugdwet", "Ministerie van VWS", "2026-01-01")  # the stated date before a date line
    assert process.publisher == "onbekend"


def test_fingerprint_changes_with_metadata() -> None:
    entry = DocumentEntry(id="a", title="Titel", file="a.txt", date="2022-09")
    same = DocumentEntry(id="a", title="Titel", file="a.txt", date="2022-09")
    other = DocumentEntry(id="a", title="Andere titel", file="a.txt", date="2022-09")
    assert entry.fingerprint() == same.fingerprint() != other.fingerprint()


def test_folder_without_manifest_takes_title_and_date_from_the_files(tmp_path: Path) -> None:
    from docx import Document as Docx

    (tmp_path / "faq.html").write_text(
        '<!doctype html><html><head><title>Veelgestelde vragen jeugdhulp | Fictieve regio</title>'
        '<meta name="dcterms.modified" content="2024-03-05"></head><body><main><h1>FAQ</h1>'
        "<p>Tekst over het startbericht.</p></main></body></html>", encoding="utf-8")
    word = Docx()
    word.core_properties.title = "Notulen overleg begeleiding (fictief)"
    word.add_paragraph("Het overleg besprak de indexering.")
    word.save(tmp_path / "notulen.docx")
    (tmp_path / "los.md").write_text("# Werkinstructie\n\nTekst.\n", encoding="utf-8")
    docs = {d.file: d for d in load_manifest(tmp_path).documents}
    assert docs["faq.html"].title == "Veelgestelde vragen jeugdhulp"
    assert docs["faq.html"].date == "2024-03-05" and "date" in docs["faq.html"].derived_fields
    assert docs["faq.html"].date_estimated  # shown as "ongeveer": a file's own date may be a copy's
    assert docs["notulen.docx"].title == "Notulen overleg begeleiding (fictief)"
    assert docs["notulen.docx"].date  # the file's own modified/created date
    assert docs["los.md"].title == "Werkinstructie" and docs["los.md"].date is None


def test_folder_without_manifest_lists_files_it_cannot_read(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# A\n\nTekst.\n", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "lijst.json").write_text("{}", encoding="utf-8")
    (tmp_path / ".verborgen").write_text("x", encoding="utf-8")
    manifest = load_manifest(tmp_path)
    assert [d.file for d in manifest.documents] == ["a.md"]
    assert manifest.unsupported == ["sub/lijst.json"]


def test_the_places_of_each_region_come_from_the_manifest(tmp_path: Path) -> None:
    folder = _manifest(tmp_path, "regions:\n  achterhoek: [Doetinchem, Oost Gelre]\n"
                                 "documents:\n  - {id: a, title: A, file: a.txt, scope: achterhoek}\n")
    assert load_manifest(folder).places == {"achterhoek": ["Doetinchem", "Oost Gelre"]}
    assert region_places(folder) == {"achterhoek": ["Doetinchem", "Oost Gelre"]}
    assert "Papendrecht" in region_places(CORPUS)["drechtsteden"]  # the bundled corpus names its regions' places
    assert region_places(tmp_path / "geen-manifest") == {}


@pytest.mark.parametrize(("regions", "expected"), [
    ("regions: [achterhoek]", "per regio een lijst plaatsen"),
    ("regions:\n  Achterhoek: [Doetinchem]", "geen geldige id"),
    ("regions:\n  achterhoek: Doetinchem", "verwacht een lijst plaatsnamen"),
])
def test_bad_regions_are_refused_with_a_dutch_message(tmp_path: Path, regions: str, expected: str) -> None:
    folder = _manifest(tmp_path, f"{regions}\ndocuments:\n  - {{id: a, title: A, file: a.txt}}\n")
    assert expected in _load_error(folder)
