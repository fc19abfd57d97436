"""FileConverter: one Document per page with manifest metadata; a bad file is reported by name, skipped."""

from __future__ import annotations

from pathlib import Path

import pytest
from haystack.core.serialization import component_from_dict, component_to_dict

from ingest.converters import Failure, FileConverter, SourceFile
from ingest.manifest import DocumentEntry


def _source(folder: Path, name: str, content: str | bytes | None, **entry: object) -> SourceFile:
    path = folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    doc_id = entry.pop("id", path.stem.lower().replace("_", "-"))
    return SourceFile(
        path, DocumentEntry(id=doc_id, title=f"Titel {name}", file=name, **entry), f"hash-{name}"
    )


def test_init_and_to_dict() -> None:
    converter = FileConverter(max_bytes=1000)
    assert converter.max_bytes == 1000
    data = component_to_dict(converter, "converter")
    assert data == {"type": "ingest.converters.component.FileConverter",
                    "init_parameters": {"max_bytes": 1000, "limits": None}}
    assert component_from_dict(FileConverter, data, "converter").max_bytes == 1000


def test_run_converts_text_and_markdown_with_metadata(tmp_path: Path) -> None:
    sources = [
        _source(
            tmp_path,
            "brief.txt",
            "Beste aanbieder,\r\n\r\nPer 1 januari werken we resultaatgericht.\r\n",
            scope="de-fryske-marren",
            publisher="Gemeente De Fryske Marren",
            doc_type="informatiebrief",
            date="2021-07",
            url="https://example.org/brief",
        ),
        _source(tmp_path, "faq.md", "# Vragen\n\n## Wanneer?\n\nPer 1 januari.\n"),
    ]
    result = FileConverter().run(sources)

    assert result["failures"] == []
    brief, faq = result["documents"]
    assert (
        brief.content == "Beste aanbieder,\n\nPer 1 januari werken we resultaatgericht.\n"
    )  # CRLF normalised
    assert brief.meta["document_id"] == "brief"
    assert brief.meta["markup"] == "text" and faq.meta["markup"] == "markdown"
    assert brief.meta["source_hash"] == "hash-brief.txt"
    assert brief.meta["page"] is None
    for key, value in {
        "title": "Titel brief.txt",
        "scope": "de-fryske-marren",
        "doc_type": "informatiebrief",
        "publisher": "Gemeente De Fryske Marren",
        "date": "2021-07",
        "date_precision": "month",
        "file": "brief.txt",
        "url": "https://example.org/brief",
    }.items():
        assert brief.meta[key] == value
    assert "id" not in brief.meta and "derived_fields" not in brief.meta


def test_run_decodes_utf8_bom_and_cp1252(tmp_path: Path) -> None:
    sources = [
        _source(tmp_path, "bom.txt", "\ufeffFinanciële werkwijze".encode()),
        _source(tmp_path, "oud.txt", "Financiële werkwijze".encode("cp1252")),
    ]
    docs = FileConverter().run(sources)["documents"]
    assert [d.content for d in docs] == ["Financiële werkwijze", "Financiële werkwijze"]


def test_bad_files_are_reported_by_name_and_the_others_converted(tmp_path: Path) -> None:
    sources = [
        _source(tmp_path, "goed_een.txt", "Een 305 bericht binnen 5 werkdagen."),
        _source(tmp_path, "leeg.txt", ""),
        _source(tmp_path, "spaties.txt", "  \n\n \t\n"),
        _source(tmp_path, "plaatje.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))),
        _source(tmp_path, "tabel.xyz", "kolom;waarde"),
        _source(tmp_path, "LEESMIJ", "geen extensie"),
        _source(tmp_path, "weg.txt", None),
        _source(tmp_path, "goed_twee.md", "# Kop\n\nNog een goed document.\n"),
    ]
    result = FileConverter().run(sources)

    assert [d.meta["file"] for d in result["documents"]] == ["goed_een.txt", "goed_twee.md"]
    reasons = {f.file: f.reason for f in result["failures"]}
    assert set(reasons) == {"leeg.txt", "spaties.txt", "plaatje.txt", "tabel.xyz", "LEESMIJ", "weg.txt"}
    assert reasons["leeg.txt"] == "leeg bestand"
    assert reasons["spaties.txt"] == "geen tekst gevonden in het bestand"
    assert reasons["plaatje.txt"].startswith("binair bestand")
    assert reasons["tabel.xyz"].startswith("bestandstype '.xyz' wordt niet ondersteund")
    assert ".md" in reasons["tabel.xyz"] and ".txt" in reasons["tabel.xyz"]
    assert reasons["LEESMIJ"].startswith("bestandstype '(geen)' wordt niet ondersteund")
    assert reasons["weg.txt"].startswith("kan bestand niet lezen")
    failure = next(f for f in result["failures"] if f.file == "tabel.xyz")
    assert failure == Failure("tabel", "tabel.xyz", reasons["tabel.xyz"])


def test_too_large_file_is_reported(tmp_path: Path) -> None:
    source = _source(tmp_path, "groot.txt", "x" * 2_000_001)
    result = FileConverter(max_bytes=1_000_000).run([source])
    assert result["documents"] == []
    assert result["failures"][0].reason == "bestand te groot (2 MB, maximum 1 MB)"


def test_run_with_no_sources() -> None:
    assert FileConverter().run([]) == {"documents": [], "failures": []}


def test_check_file_is_the_converters_pre_check(tmp_path: Path) -> None:
    """What an upload is checked with while the user waits: the same reasons the converter gives."""
    import zipfile

    from ingest.converters import ConversionError, Limits, check_file

    def write(name: str, data: bytes) -> Path:
        (tmp_path / name).write_bytes(data)
        return tmp_path / name

    assert check_file(write("a.txt", b"Gewone tekst."), Limits()) == "text"
    assert check_file(write("pagina.txt", b"<!doctype html><html><title>x</title></html>"), Limits()) == "html"
    assert check_file(write("b.pdf", b"%PDF-1.4\n..."), Limits()) == "pdf"
    refused = {
        "leeg.txt": (b"", "leeg bestand"),
        "groot.txt": (b"x" * 2_000, "bestand te groot"),
        "plaatje.txt": (b"\x89PNG\r\n\x1a\n\x00\x00", "binair bestand"),
        "foto.jpg": (b"\xff\xd8\xff\xe0", "bestandstype '.jpg' wordt niet ondersteund"),
    }
    for name, (data, reason) in refused.items():
        with pytest.raises(ConversionError) as exc:
            check_file(write(name, data), Limits(max_bytes=1_000))
        assert str(exc.value).startswith(reason), name
    bomb = tmp_path / "bom.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * 5_000_000)
    with pytest.raises(ConversionError, match="zip-bom"):
        check_file(bomb, Limits(max_unpacked_bytes=1_000_000))
