"""XLSX and CSV: one record per data row with headers, sheet and row number; hostile and broken files refused.

Every workbook here is generated at test time with openpyxl and holds fictitious codes only (99X01 ...).
"""

from __future__ import annotations

import datetime as dt
import struct
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from ingest.converters import FileConverter, Limits, SourceFile
from ingest.converters.base import ConversionError
from ingest.converters.sniff import sniff
from ingest.converters.spreadsheet import MAX_COMPRESSION_RATIO, convert_csv, convert_xlsx, sniff_delimiter
from ingest.manifest import DocumentEntry

HEADER = ["Oude productcode", "Omschrijving", "Nieuw subsegment", "Ingangsdatum", "Tarief"]


def write_xlsx(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


def conversion_sheet() -> list[list[Any]]:
    return [
        ["Conversietabel fictieve producten 2099"],
        [],
        HEADER,
        ["99X01", "Fictieve begeleiding", "Fictief subsegment A", dt.date(2099, 1, 1), 12.5],
        [],
        ["99X02", "Fictieve dagbesteding", "Fictief subsegment B", dt.datetime(2099, 2, 1), 30.0],
        ["99X03", None, "Fictief subsegment C", None, 7],
    ]


def _convert(path: Path, **limits: Any) -> tuple[list[Any], list[Any]]:
    entry = DocumentEntry(id=path.stem.lower(), title=f"Titel {path.name}", file=path.name)
    result = FileConverter(limits=limits or None).run([SourceFile(path, entry, "hash")])
    return result["documents"], result["failures"]


# -- XLSX ----------------------------------------------------------------------------------------------


def test_xlsx_rows_become_records_with_headers_sheet_and_row_numbers(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "conversie.xlsx",
                      {"Conversie": conversion_sheet(), "Leeg": [], "Toelichting": [["Alleen tekst"]]})
    pages = convert_xlsx(path, Limits())

    assert [p.markup for p in pages] == ["records", "records"]  # the empty sheet gives no page
    title, first, second, third = pages[0].records
    assert (title.text, title.row) == ("Conversietabel fictieve producten 2099", 1)
    assert first.text == ("Oude productcode: 99X01; Omschrijving: Fictieve begeleiding; "
                          "Nieuw subsegment: Fictief subsegment A; Ingangsdatum: 2099-01-01; Tarief: 12.5")
    assert [r.row for r in (first, second, third)] == [4, 6, 7]  # the sheet's own row numbers, blanks skipped
    assert second.text.endswith("Ingangsdatum: 2099-02-01; Tarief: 30")  # a datetime at midnight, 30.0 -> 30
    assert third.text == "Oude productcode: 99X03; Nieuw subsegment: Fictief subsegment C; Tarief: 7"
    assert first.section == ("Conversie",)
    assert first.meta == {"sheet": "Conversie", "codes": ["99X01"], "key_code": "99X01"}
    assert pages[1].records[0].text == "Alleen tekst" and pages[1].records[0].meta["sheet"] == "Toelichting"


def test_xlsx_header_row_is_the_first_row_of_mostly_text(tmp_path: Path) -> None:
    rows = [["Overzicht", None], [None, None], ["Code", "Betekenis"], ["01", "Fictieve eenheid"],
            [2, "Fictieve eenheid twee"]]
    path = write_xlsx(tmp_path / "codes.xlsx", {"Codes": rows})
    records = convert_xlsx(path, Limits())[0].records
    assert [r.text for r in records] == ["Overzicht", "Code: 01; Betekenis: Fictieve eenheid",
                                         "Code: 2; Betekenis: Fictieve eenheid twee"]
    assert [r.meta["codes"] for r in records] == [[], ["01"], ["2"]]  # short codes: the column is called Code


def test_xlsx_without_header_keeps_the_cells(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "getallen.xlsx", {"Blad1": [[1, 2.25, True], [3, 4, False]]})
    records = convert_xlsx(path, Limits())[0].records
    assert [(r.text, r.row) for r in records] == [("1; 2.25; ja", 1), ("3; 4; nee", 2)]


def test_file_converter_reads_xlsx_by_content(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "conversie.xlsx", {"Conversie": conversion_sheet()})
    renamed = path.rename(tmp_path / "conversie.bin")
    assert sniff(renamed) == "xlsx"
    docs, failures = _convert(renamed)
    assert failures == []
    (doc,) = docs
    assert doc.meta["markup"] == "records" and doc.content == ""
    assert [r["row"] for r in doc.meta["records"]] == [1, 4, 6, 7]


def test_empty_workbook_is_reported(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "leeg.xlsx", {"Blad1": [], "Blad2": [[None, None]]})
    docs, failures = _convert(path)
    assert docs == []
    assert [f.reason for f in failures] == ["geen tekst gevonden in het bestand"]


def _zip_with_member(path: Path, member_size: int) -> Path:
    """A workbook-shaped zip whose sheet is `member_size` bytes of zeros (compresses about 1000:1)."""
    chunk = b"0" * 1_000_000
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            for _ in range(member_size // len(chunk)):
                member.write(chunk)
    return path


@pytest.fixture
def no_openpyxl(monkeypatch: pytest.MonkeyPatch) -> None:
    """Proves that a refused archive is never handed to openpyxl."""
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("openpyxl.load_workbook was called on a refused archive")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)


def test_zip_bomb_is_refused_before_unpacking(tmp_path: Path, no_openpyxl: None) -> None:
    path = _zip_with_member(tmp_path / "bom.xlsx", 300_000_000)
    assert path.stat().st_size < 2_000_000
    docs, failures = _convert(path)
    assert docs == []
    assert failures[0].reason == "XLSX lijkt een zip-bom (uitgepakt 300 MB, maximum 200 MB)"


def test_zip_with_an_extreme_compression_ratio_is_refused(tmp_path: Path, no_openpyxl: None) -> None:
    path = _zip_with_member(tmp_path / "bom.xlsx", 40_000_000)  # under the size limit, but ~1000:1
    with pytest.raises(ConversionError, match=rf"zip-bom \(uitgepakt 40 MB uit .* maximum {MAX_COMPRESSION_RATIO}:1"):
        convert_xlsx(path, Limits())


def test_zip_whose_directory_declares_huge_sizes_is_refused(tmp_path: Path, no_openpyxl: None) -> None:
    path = write_xlsx(tmp_path / "klein.xlsx", {"Blad1": [["Code", "Omschrijving"], ["99X01", "Fictief"]]})
    data = bytearray(path.read_bytes())
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 0xF0000000)  # uncompressed size of the first member: ~4 GB
    path.write_bytes(bytes(data))
    with pytest.raises(ConversionError, match=r"zip-bom \(uitgepakt 4027 MB, maximum 200 MB\)"):
        convert_xlsx(path, Limits())


def test_truncated_xlsx_is_reported_as_damaged(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "kapot.xlsx", {"Conversie": conversion_sheet()})
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    docs, failures = _convert(path)
    assert docs == []
    assert failures[0].file == "kapot.xlsx"
    assert failures[0].reason.startswith("XLSX is beschadigd of geen geldig zip-bestand")


def test_xlsx_with_a_damaged_part_is_reported(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "deel.xlsx", {"Conversie": conversion_sheet()})
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(broken, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info, b"<worksheet><sheetData><row" if info.filename.endswith("sheet1.xml") else data)
    with pytest.raises(ConversionError, match="XLSX kan niet worden gelezen"):
        convert_xlsx(broken, Limits())


def test_spreadsheet_over_the_row_limit_is_refused_naming_the_limit(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Groot")
    sheet.append(HEADER)
    for i in range(3_000):
        sheet.append([f"99X{i:04d}", f"Fictief product {i}", "Fictief subsegment", None, i])
    path = tmp_path / "groot.xlsx"
    workbook.save(path)
    docs, failures = _convert(path, max_rows=2_500)
    assert docs == []
    assert failures[0].reason == ("te veel rijen: meer dan 2.500 (limiet max_rows); splits het bestand of verhoog "
                                  "de limiet")
    assert len(convert_xlsx(path, Limits(max_rows=3_001))[0].records) == 3_000


# -- CSV -----------------------------------------------------------------------------------------------

_CSV = (
    "Oude productcode;Omschrijving;Nieuw subsegment;Tarief\r\n"
    "99X01;Fictieve begeleiding;Fictief subsegment A;12,50\r\n"
    "\r\n"
    '99X02;"Fictieve dagbesteding; met ""vervoer""\r\nen lunch";Fictief subsegment B;30\r\n'
    "99X03;Financiële fictie;Fictief subsegment C;\r\n"
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_csv_with_semicolons_quotes_and_dutch_encodings(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "Conversie 2099.csv"
    path.write_bytes(_CSV.encode(encoding))
    assert sniff(path) == "csv"
    (page,) = convert_csv(path, Limits())
    first, second, third = page.records
    assert first.text == ("Oude productcode: 99X01; Omschrijving: Fictieve begeleiding; "
                          "Nieuw subsegment: Fictief subsegment A; Tarief: 12,50")
    assert second.text.startswith('Oude productcode: 99X02; Omschrijving: Fictieve dagbesteding; met "vervoer" en')
    assert third.text == ("Oude productcode: 99X03; Omschrijving: Financiële fictie; "
                          "Nieuw subsegment: Fictief subsegment C")
    assert [r.row for r in page.records] == [2, 4, 6]  # the line where each row starts; row 99X02 spans two
    assert first.section == ("Conversie 2099",)
    assert [r.meta["codes"] for r in page.records] == [["99X01"], ["99X02"], ["99X03"]]
    assert [r.meta["key_code"] for r in page.records] == ["99X01", "99X02", "99X03"]


@pytest.mark.parametrize(
    ("sample", "suffix", "expected"),
    [
        ("Code,Omschrijving\n01,Fictief\n02,Ook fictief\n", ".csv", ","),
        ("Code;Bedrag\n01;12,50\n02;13,75\n", ".csv", ";"),
        ("Code\tOmschrijving\n01\tFictief, met komma\n", ".tsv", "\t"),
        ('Code,Omschrijving\n01,"Fictief; met puntkomma"\n02,"Nog een; en nog een"\n', ".csv", ","),
    ],
)
def test_delimiter_is_sniffed(sample: str, suffix: str, expected: str) -> None:
    assert sniff_delimiter(sample, "\t" if suffix == ".tsv" else ";") == expected


def test_tsv_is_read_with_tabs(tmp_path: Path) -> None:
    path = tmp_path / "codes.tsv"
    path.write_text("Code\tOmschrijving\n99A01\tFictief, met komma\n", encoding="utf-8")
    docs, failures = _convert(path)
    assert failures == []
    assert docs[0].meta["records"][0]["text"] == "Code: 99A01; Omschrijving: Fictief, met komma"


def test_csv_over_the_row_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "groot.csv"
    path.write_text("Code;Omschrijving\n" + "".join(f"99X{i:04d};Fictief {i}\n" for i in range(120)), "utf-8")
    with pytest.raises(ConversionError, match=r"meer dan 100 \(limiet max_rows\)"):
        convert_csv(path, Limits(max_rows=100))


def test_binary_file_named_csv_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(b"\x00\x01\x02binair")
    docs, failures = _convert(path)
    assert docs == [] and "binair bestand" in failures[0].reason


def test_xml_entities_in_a_sheet_are_refused_by_defusedxml(tmp_path: Path) -> None:
    assert openpyxl.DEFUSEDXML  # openpyxl found defusedxml (a dependency) and parses through it
    path = write_xlsx(tmp_path / "ok.xlsx", {"Blad1": [["Code", "Omschrijving"], ["99X01", "Fictief"]]})
    evil = tmp_path / "entiteiten.xlsx"
    laughs = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
              '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
              '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData></worksheet>')
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(evil, "w") as target:
        for info in source.infolist():
            target.writestr(info, laughs if info.filename.endswith("sheet1.xml") else source.read(info))
    with pytest.raises(ConversionError, match="XLSX kan niet worden gelezen") as info:
        convert_xlsx(evil, Limits())
    causes, error = [], info.value.__cause__
    while error is not None:
        causes.append(type(error).__name__)
        error = error.__cause__ or error.__context__
    assert "EntitiesForbidden" in causes  # defusedxml refused the DTD entities, openpyxl wrapped the error
