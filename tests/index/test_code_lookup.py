"""Exact code lookup: codes in questions and table rows, the CodeLookup component, and answers end to end.

The corpora are written at test time: fictitious conversion tables (99X01 ...) as XLSX next to ordinary text
documents; the reference tests read real code lists from ../shared/reference (never copied into the repo).
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from haystack import Document
from haystack.core.serialization import component_to_dict

from api.service import QAService
from index.analyzer import DutchAnalyzer
from index.code_lookup import EXACT, CodeLookup, code_filter
from index.codes import codes_in_question, normalise_code, row_codes
from index.sparse import BM25Encoder
from index.store import VraagbaakDocumentStore
from tests.helpers import (
    REPO,
    cli_env,
    make_data_dir,
    run_cli,
    settings_for,
    small_corpus_documents,
    write_corpus,
)
from tests.index.test_store import BACKENDS, backend_url

REFERENCE = REPO.parent / "shared" / "reference" / "istandaarden"


def _open_store(backend: str, folder: Path, dim: int) -> VraagbaakDocumentStore:
    return VraagbaakDocumentStore(str(folder), model_name="test-model", qdrant_url=backend_url(backend),
                                  collection=f"vraagbaak-test-{uuid.uuid4().hex[:8]}").open(dim)


# -- which codes ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "codes"),
    [
        ("Naar welk subsegment gaat productcode 54001?", ["54001"]),
        ("Wat betekent 54Z01?", ["54Z01"]),
        ("Wat betekent productcategorie 54?", ["54"]),
        ("Wat is retourcode 8848?", ["8848"]),
        ("waar staat 45a48 voor", ["45A48"]),
        ("Wat betekent code 01 bij de eenheid?", ["01"]),
        ("Is OP271 hetzelfde als JZ020?", ["OP271", "JZ020"]),
        ("Wat betekent foutcode IB103?", ["IB103"]),
        ("Naar welk subsegment gaat productcode 54Z01?", ["54Z01"]),
        ("Vecozo foutmelding BRS13", ["BRS13"]),  # nothing else asked: the code is the question
        ("Wanneer stuur ik een JW305?", []),  # a message named in passing is no lookup, as "317-bericht" below
        ("Welke gegevens moeten in een JW301 staan?", []),
        ("Wat betekent eenheid 14 in een toewijzing?", ["14"]),
        ("Welke code voor reden beëindiging is 33?", ["33"]),
        ("Hoeveel codes zijn er sinds 2015?", []),
        ("Welke retourcode hoort bij een ongeldige gemeentecode?", []),  # asks for a code, names none
        ("Wanneer stuur ik een 317-bericht?", []),  # a message number in passing is no lookup
        ("Mag een 305-bericht met terugwerkende kracht?", []),
        ("Wat is een 317-bericht?", ["317"]),  # what the message is: looked up
        ("Wat betekent berichttype 315?", ["315"]),
        ("Wat is het verschil tussen een 315 en een 317?", ["315", "317"]),
        ("Wat is het verschil tussen 54Z01 en 54Z02?", ["54Z01", "54Z02"]),
        ("Binnen 5 werkdagen na de start van 2024?", []),
        ("Hoeveel dagen is 10 werkdagen?", []),
        ("Cliënt is per 01-02-2025 gestopt, welk bericht moet ik sturen?", []),  # a date's 01 and 02 are no codes
        ("Wat verandert er per 2025-01-01?", []),
        ("Naar welk subsegment gaat productcode 54001 per 1-1-2025?", ["54001"]),
    ],
)
def test_codes_in_question(question: str, codes: list[str]) -> None:
    assert codes_in_question(question) == codes


def test_row_codes_come_from_code_columns_and_whole_cells() -> None:
    headers = ["Code", "Betekenis", "TR-regel", "Berichttypen"]
    assert row_codes(headers, ["8848", "Dagtekening fictief.", "TR135", "JW301, JW305"]) == ["8848"]
    assert row_codes(["Oude product", "Nieuw product"], ["45A48", "**54001**"]) == ["45A48", "54001"]
    assert row_codes(["Omschrijving", "Jaar"], ["Fictief", "2024"]) == []  # a year outside a code column
    assert row_codes(["Code", "Omschrijving"], ["01", "Minuut"]) == ["01"]
    assert row_codes(["Omschrijving", "Aantal"], ["Minuut", "01"]) == []  # short: only under a code header
    assert normalise_code(" **54z01** ") == "54Z01"


def test_code_filter_keeps_the_other_filters() -> None:
    region = {"field": "meta.scope", "operator": "in", "value": ["achterhoek", "landelijk"]}
    assert code_filter(["99X01"]) == {"field": "meta.codes", "operator": "in", "value": ["99X01"]}
    assert code_filter(["99X01"], region) == {"operator": "AND", "conditions": [
        region, {"field": "meta.codes", "operator": "in", "value": ["99X01"]}]}


def test_init_and_to_dict(tmp_path: Path) -> None:
    store = VraagbaakDocumentStore(str(tmp_path))
    lookup = CodeLookup(store, max_rows=2, candidates=10)
    data = component_to_dict(lookup, "lookup")
    assert data["init_parameters"]["max_rows"] == 2 and data["init_parameters"]["candidates"] == 10
    with pytest.raises(ValueError, match="max_rows"):
        CodeLookup(store, max_rows=5, candidates=2)


# -- the filter on both backends, and the component on a real store ----------------------------------------

_ROWS = [  # (scope, codes, key code, text); the dense vector of row i is the unit vector e_i
    ("achterhoek", ["99X01", "98A01"], "99X01", "Oude productcode: 99X01; Nieuw subsegment: Fictief Licht"),
    ("achterhoek", ["99X02"], "99X02", "Oude productcode: 99X02; Nieuw subsegment: Fictief Midden"),
    ("drechtsteden", ["99X02"], "99X02", "Oude productcode: 99X02; Nieuw subsegment: Fictief Zuid"),
    ("landelijk", [], None, "Een gewone passage over productcodes zonder tabel."),
    ("landelijk", ["99X01"], None, "Regel: fictieve controle; Productcode: 99X01; Gebruik: Fictief gebruik"),
]


@pytest.fixture(params=BACKENDS)
def row_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[VraagbaakDocumentStore]:
    store = _open_store(request.param, tmp_path / "data", len(_ROWS))
    encoder = BM25Encoder(DutchAnalyzer())
    docs = []
    for i, (scope, codes, key, text) in enumerate(_ROWS):
        meta: dict[str, Any] = {"document_id": f"doc-{i}", "scope": scope, "title": f"Tabel {i}", "row": i + 1}
        if codes:
            meta.update(codes=codes, key_code=key)
        docs.append(Document(id=_row_id(i), content=text, meta=meta,
                             embedding=[1.0 if j == i else 0.0 for j in range(len(_ROWS))],
                             sparse_embedding=encoder.encode_passage(text)))
    store.write_documents(docs)
    try:
        yield store
    finally:
        if not store.embedded:
            store.backend.drop_collection()  # type: ignore[attr-defined]
        store.close()


def _row_id(i: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"row-{i}"))


def _texts(docs: list[Document]) -> list[str]:
    return sorted((d.content or "").rsplit(" ", 1)[-1] for d in docs)


def test_codes_filter_on_the_backend(row_store: VraagbaakDocumentStore) -> None:
    def find(flt: dict[str, Any]) -> list[str]:
        return _texts(row_store.filter_documents(flt))

    assert find({"field": "meta.codes", "operator": "in", "value": ["99X02"]}) == ["Midden", "Zuid"]
    assert find({"field": "meta.codes", "operator": "==", "value": "98A01"}) == ["Licht"]  # any element matches
    assert find({"field": "meta.codes", "operator": "in", "value": ["99X77"]}) == []
    assert find(code_filter(["99X02"], {"field": "meta.scope", "operator": "in", "value": ["drechtsteden"]})) == [
        "Zuid"]


def test_lookup_puts_exact_rows_first_and_orders_them_by_similarity(row_store: VraagbaakDocumentStore) -> None:
    hybrid = row_store.filter_documents({"field": "id", "operator": "==", "value": _row_id(3)})
    lookup = CodeLookup(row_store, max_rows=3)
    query = [0.0, 0.2, 0.9, 0.0, 0.0]  # closer to the Zuid row than to the Midden row
    result = lookup.run("Naar welk subsegment gaat productcode 99X02?", hybrid, query_embedding=query, top_k=5)
    docs = result["documents"]
    assert result["codes"] == ["99X02"]
    assert [d.content.rsplit(" ", 1)[-1] for d in docs] == ["Zuid", "Midden", "tabel."]
    assert [d.meta.get("match") for d in docs] == [EXACT, EXACT, None]
    assert docs[0].score > docs[1].score > (docs[2].score or 0.0)
    assert docs[0].meta["matched_codes"] == ["99X02"]
    region = {"field": "meta.scope", "operator": "in", "value": ["achterhoek", "landelijk"]}
    docs = lookup.run("productcode 99X02", hybrid, query_embedding=query, filters=region, top_k=5)["documents"]
    assert [d.meta.get("match") for d in docs] == [EXACT, None] and docs[0].content.endswith("Midden")


def test_rows_defining_the_code_go_before_rows_using_it(row_store: VraagbaakDocumentStore) -> None:
    query = [0.0, 0.0, 0.0, 0.0, 1.0]  # most similar to the row that only uses 99X01
    docs = CodeLookup(row_store, max_rows=3).run("Wat is productcode 99X01?", [], query_embedding=query,
                                                 top_k=3)["documents"]
    assert [d.meta["key_code"] for d in docs] == ["99X01", None]
    assert docs[0].score > docs[1].score and docs[0].meta["exact_score"] < docs[1].meta["exact_score"]


def test_a_row_published_twice_takes_one_place(tmp_path: Path) -> None:
    """The same table in two documents (a case description as .md twice) gave three of the five shown places to
    one row; like the hybrid ranking, the lookup keeps the best copy."""
    store = _open_store("edge", tmp_path / "data", 2)
    encoder = BM25Encoder(DutchAnalyzer())
    text = "Stap: 2; Omschrijving: De aanbieder stuurt een fictief startbericht; Berichten: 99X05"
    store.write_documents([
        Document(id=_row_id(10 + i), content=text, embedding=[1.0, 0.0], sparse_embedding=encoder.encode_passage(text),
                 meta={"document_id": f"copy-{i}", "scope": "landelijk", "row": 2, "codes": ["99X05"]})
        for i in range(2)])
    try:
        docs = CodeLookup(store, max_rows=3).run("Wat is 99X05?", [], query_embedding=[1.0, 0.0],
                                                  top_k=5)["documents"]
    finally:
        store.close()
    assert len(docs) == 1 and docs[0].meta["match"] == EXACT


def test_lookup_without_a_code_or_switched_off_changes_nothing(row_store: VraagbaakDocumentStore) -> None:
    hybrid = row_store.filter_documents()
    assert CodeLookup(row_store).run("Welke retourcode hoort bij een fout?", hybrid)["documents"] == hybrid
    assert CodeLookup(row_store, max_rows=0).run("productcode 99X02", hybrid)["documents"] == hybrid
    unknown = CodeLookup(row_store).run("productcode 99X77", hybrid, query_embedding=[0.2] * 5)
    assert unknown == {"documents": hybrid, "codes": ["99X77"]}


# -- end to end on a corpus with spreadsheets -----------------------------------------------------------


def _workbook(path: Path, rows: list[list[Any]], notes: list[str]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Conversie"
    sheet.append(["Conversietabel fictieve producten (voorbeeld, geen echte codes)"])
    sheet.append([])
    sheet.append(["Oude productcode", "Omschrijving", "Nieuw subsegment", "Nieuwe productcode"])
    for row in rows:
        sheet.append(row)
    workbook.create_sheet("Toelichting").append(notes)
    workbook.save(path)
    return path.read_bytes()


def _table_corpus(folder: Path) -> Path:
    scratch = folder.parent / f"{folder.name}-scratch"
    scratch.mkdir(parents=True, exist_ok=True)
    regional = _workbook(scratch / "a.xlsx", [
        ["99X01", "Fictieve individuele begeleiding", "Fictief subsegment Licht", "98A01"],
        ["99X02", "Fictieve groepsbegeleiding", "Fictief subsegment Midden", "98A02"],
        ["99X03", "Fictieve dagbesteding met vervoer", "Fictief subsegment Zwaar", "98A03"],
        ["99X04", "Fictief kortdurend verblijf", "Fictief subsegment Verblijf", "98A04"],
    ], ["De conversie geldt vanaf de fictieve startdatum."])
    other = _workbook(scratch / "b.xlsx", [
        ["99X02", "Fictieve groepsbegeleiding", "Fictief subsegment Zuid", "97B02"],
    ], ["Alleen voor de fictieve regio Zuid."])
    documents = small_corpus_documents() + [
        {"id": "achterhoek-conversie", "title": "Conversietabel productcodes Achterhoek (fictief)",
         "publisher": "Sociaal Domein Achterhoek", "scope": "achterhoek", "doc_type": "tabel", "date": "2099-01",
         "file": "conversie-achterhoek.xlsx", "text": regional},
        {"id": "drechtsteden-conversie", "title": "Conversietabel productcodes Drechtsteden (fictief)",
         "publisher": "Sociale Dienst Drechtsteden", "scope": "drechtsteden", "doc_type": "tabel",
         "date": "2099-01", "file": "conversie-drechtsteden.xlsx", "text": other},
    ]
    return write_corpus(folder, documents)


@pytest.fixture(scope="module")
def table_service(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Iterator[QAService]:
    root = tmp_path_factory.mktemp("tables")
    settings = settings_for(make_data_dir(root / "data", model_cache), _table_corpus(root / "corpus"))
    service = QAService(settings)
    service.start()
    try:
        assert service.build_report is not None and service.build_report.failed == 0
        yield service
    finally:
        service.close()


@pytest.mark.slow
def test_code_question_is_answered_from_its_row_with_sheet_and_row(table_service: QAService) -> None:
    response, docs = table_service.run("Naar welk subsegment gaat productcode 99X03?")
    assert docs[0].meta["match"] == EXACT and docs[0].meta["matched_codes"] == ["99X03"]
    assert response.answered
    first = response.citations[0]
    assert (first.document_id, first.sheet, first.row) == ("achterhoek-conversie", "Conversie", 6)
    assert "Nieuw subsegment: Fictief subsegment Zwaar" in first.quote and first.quote == first.text
    assert "blad Conversie, rij 6" in response.answer
    assert all(c.row is None or c.document_id.endswith("conversie") for c in response.citations)


@pytest.mark.slow
def test_new_code_is_found_too(table_service: QAService) -> None:
    response = table_service.ask("Wat is de oude code van 98A04?")
    assert response.answered and response.citations[0].row == 7
    assert "Oude productcode: 99X04" in response.citations[0].quote


@pytest.mark.slow
@pytest.mark.parametrize(("region", "expected"), [("achterhoek", "Midden"), ("drechtsteden", "Zuid")])
def test_code_lookup_respects_the_region(table_service: QAService, region: str, expected: str) -> None:
    response, docs = table_service.run("Naar welk subsegment gaat productcode 99X02?", region=region)
    exact = [d for d in docs if d.meta.get("match") == EXACT]
    assert [d.meta["scope"] for d in exact] == [region]
    assert response.answered and f"Fictief subsegment {expected}" in response.citations[0].quote


@pytest.mark.slow
def test_code_in_two_tables_cites_both_rows(table_service: QAService) -> None:
    response, docs = table_service.run("Naar welk subsegment gaat productcode 99X02?")
    assert {d.meta["document_id"] for d in docs if d.meta.get("match") == EXACT} == {
        "achterhoek-conversie", "drechtsteden-conversie"}
    # Both regions' rows are quoted; which comes first is up to their similarity to the question (the rows are alike).
    assert response.answered
    assert {(c.document_id, c.row) for c in response.citations[:2]} == {
        ("achterhoek-conversie", 5), ("drechtsteden-conversie", 4)}


@pytest.mark.slow
def test_unknown_code_falls_back_to_hybrid_retrieval(table_service: QAService) -> None:
    question = "Naar welk subsegment gaat productcode 99X77?"
    assert table_service.pipeline is not None
    result = table_service._run(question, None, 5)
    assert result["lookup"]["codes"] == ["99X77"]
    ranked = result["ranker"]["documents"]  # the lookup added no row: the retrieved passages, at most reordered
    assert {d.id for d in ranked} == {d.id for d in result["retriever"]["documents"]}
    assert all(d.meta.get("match") is None for d in ranked)


@pytest.mark.slow
def test_question_without_code_is_answered_as_before(table_service: QAService) -> None:
    response, docs = table_service.run("Welk bericht stuur ik als de zorg start?")
    assert response.answered and "305" in response.citations[0].quote
    assert all(d.meta.get("match") is None for d in docs)


@pytest.mark.slow
def test_search_shows_sheet_row_and_match(table_service: QAService) -> None:
    passages = table_service.search("productcode 99X01", top_k=3).passages
    assert (passages[0].sheet, passages[0].row, passages[0].match) == ("Conversie", 4, EXACT)


@pytest.mark.slow
def test_cli_ask_lists_sheet_and_row(tmp_path: Path, model_cache: Path) -> None:
    corpus = _table_corpus(tmp_path / "corpus")
    data = make_data_dir(tmp_path / "data", model_cache)
    result = run_cli(["ask", "Naar welk subsegment gaat productcode 99X01?", "--region", "achterhoek"],
                     cli_env(data, corpus))
    assert result.returncode == 0, result.stderr
    assert "Fictief subsegment Licht" in result.stdout
    assert "blad Conversie, rij 4" in result.stdout


# -- reference code lists (real Markdown tables) ---------------------------------------------------------

_REFERENCE_FILES = [
    "jw/codelijsten/JZ020_Productcategorie.md",
    "jw/codelijsten/WJ001_Retourcode.md",
    "jw/codelijsten/WJ756_Eenheid.md",
    "jw/codelijsten/JZ588_Reden_beeindiging.md",
    "wmo/codelijsten/20220105-indeling-categorien-hulpmiddelen-iWmo.md",
    "jw/Weeknummer_berekenen.md",
]


@pytest.fixture(scope="module")
def reference_service(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Iterator[QAService]:
    if not REFERENCE.is_dir():
        pytest.skip(f"referentiecorpus {REFERENCE} ontbreekt")
    root = tmp_path_factory.mktemp("reference-tables")
    corpus = root / "corpus"
    for name in _REFERENCE_FILES:
        target = corpus / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REFERENCE / name, target)
    # Trained when built, as a user's index is: the code answers go through the learned selection.
    service = QAService(settings_for(make_data_dir(root / "data", model_cache), corpus,
                                     ranker={"train_on_build": True}))
    service.start()
    try:
        yield service
    finally:
        service.close()


@pytest.mark.slow
@pytest.mark.reference
def test_reference_product_category_is_answered_from_its_row(reference_service: QAService) -> None:
    response = reference_service.ask("Wat betekent productcategorie 54?")
    assert response.answered
    first = response.citations[0]
    assert "productcategorie" in first.document_id and first.row is not None
    assert first.quote == "Code: 54; Omschrijving: Jeugd-ggz"


@pytest.mark.slow
@pytest.mark.reference
def test_reference_return_code_is_answered_from_its_row(reference_service: QAService) -> None:
    response = reference_service.ask("Wat betekent retourcode 8848?")
    assert response.answered
    first = response.citations[0]
    assert "retourcode" in first.document_id and first.row is not None
    assert first.quote.startswith("Code: 8848; Betekenis: Dagtekening moet gelijk zijn aan of voor de systeemdatum")


@pytest.mark.slow
@pytest.mark.reference
def test_reference_product_code_with_letters(reference_service: QAService) -> None:
    response = reference_service.ask("Wat is productcode 11X31?")
    assert response.answered and "Buggy" in response.citations[0].quote
    assert response.citations[0].row is not None


@pytest.mark.slow
@pytest.mark.reference
@pytest.mark.parametrize(("question", "quote"), [
    ("Wat betekent eenheid 14 in een toewijzing?", "Code: 14; Betekenis: Etmaal"),
    ("Welke code voor reden beëindiging is 33?", "Code: 33; Omschrijving: Voortijdig afgesloten, door aanbieder"),
])
def test_reference_code_named_by_its_list(reference_service: QAService, question: str, quote: str) -> None:
    response = reference_service.ask(question)
    assert response.answered and response.citations[0].quote.startswith(quote)


@pytest.mark.slow
@pytest.mark.reference
def test_reference_code_answer_reads_its_row_and_cites_what_else_was_found(reference_service: QAService) -> None:
    assert reference_service.learned  # the learned selection (trained when the index was built)
    response = reference_service.ask("Wat betekent retourcode 8848?")
    body = response.answer.split("\n\nBronnen:")[0]
    assert response.citations[0].row is not None and body.endswith("[1]") and "[2]" not in body
    assert len(response.citations) > 1  # the other shown sources stay checkable, after the row


@pytest.mark.slow
@pytest.mark.reference
def test_reference_code_named_in_passing_is_searched_not_looked_up(reference_service: QAService) -> None:
    """A question that names a code while asking about something else gets the hybrid ranking, not the code's row
    forced first; asked about, the same code is looked up."""
    def exact(question: str) -> list[bool]:
        return [p.match == "exact" for p in reference_service.search(question).passages]

    assert not any(exact("Mag ik 11X31 nog declareren als de hulp al gestopt is?"))
    assert exact("Wat is 11X31?")[0]
