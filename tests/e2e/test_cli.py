"""The `vraagbaak` command as a user runs it: real subprocesses on a copy of the index or a corpus in tmp."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from api.schemas import AskResponse, SearchResponse
from index.settings import Settings
from index.store import VraagbaakDocumentStore
from tests.helpers import (
    cli_env,
    expected_chunks,
    run_cli,
    settings_for,
    small_corpus_documents,
    stored_ids,
    write_corpus,
)

START_QUESTION = "Welk bericht stuur ik als de zorg start?"


def _env(settings: Settings) -> dict[str, str]:
    return cli_env(settings.data_dir, settings.corpus_dir)


# -- ask / search on the real index --------------------------------------------------------------------


@pytest.mark.slow
def test_ask_json_prints_the_answer_schema(index_copy: Settings) -> None:
    result = run_cli(["ask", START_QUESTION, "--json"], _env(index_copy))

    assert result.returncode == 0, result.stderr[-2000:]
    answer = AskResponse.model_validate(json.loads(result.stdout))
    assert answer.answered and answer.question == START_QUESTION
    assert "[1]" in answer.answer
    assert any("305" in c.text and "5 werkdagen" in c.text for c in answer.citations)
    for c in answer.citations:
        assert c.quote in c.text and c.document_id and c.title and c.publisher and c.date


@pytest.mark.slow
def test_ask_says_what_it_searched_when_it_corrected_a_typing_error(index_copy: Settings) -> None:
    result = run_cli(["ask", "Binnen hoeveel dagen moet het stratbericht eruit?"], _env(index_copy))
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("Gezocht als: Binnen hoeveel dagen moet het startbericht eruit?\n")
    assert "305" in result.stdout


@pytest.mark.slow
def test_ask_prints_a_readable_answer_for_a_region(index_copy: Settings) -> None:
    result = run_cli(
        ["ask", "Wanneer indexeert de SDD de tarieven?", "--region", "drechtsteden"], _env(index_copy)
    )

    assert result.returncode == 0, result.stderr[-2000:]
    assert "[1]" in result.stdout and "Bronnen:" in result.stdout
    assert "Sociale Dienst Drechtsteden" in result.stdout
    assert "regio Achterhoek" not in result.stdout and "regio De Fryske Marren" not in result.stdout


@pytest.mark.slow
def test_ask_batch_writes_one_json_line_per_question(index_copy: Settings, tmp_path: Path) -> None:
    batch = tmp_path / "vragen.jsonl"
    batch.write_text(
        "\n".join(
            [
                json.dumps({"question": START_QUESTION}),
                "{dit is geen json",
                json.dumps({"question": "   "}),
                "",
                json.dumps({"question": "Hoe gaat de indexering?", "region": "Utrecht"}),
                json.dumps(
                    {"question": "Wanneer wordt er geïndexeerd?", "region": "drechtsteden"},
                    ensure_ascii=False,
                ),
            ]
        )
        + "\n",
        encoding="utf-8",
    )

    result = run_cli(["ask", "--batch", str(batch)], _env(index_copy))

    assert result.returncode == 0, result.stderr[-2000:]
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 5  # the blank line is skipped
    first, bad_json, empty, bad_region, last = lines
    assert AskResponse.model_validate(first).answered
    assert bad_json["error_code"] == "invalid_item" and bad_json["detail"].startswith("regel 2:")
    assert empty == {"error_code": "invalid_item", "detail": "regel 3: De vraag is leeg. Typ een vraag."}
    assert bad_region["error_code"] == "invalid_item"
    assert bad_region["detail"].startswith("regel 5: Onbekende regio 'utrecht'")
    answer = AskResponse.model_validate(last)  # the run went on after the bad lines
    assert answer.region == "drechtsteden"
    assert {c.scope for c in answer.citations} <= {"drechtsteden", "landelijk"}


@pytest.mark.slow
def test_search_json_prints_ranked_passages(index_copy: Settings) -> None:
    result = run_cli(
        ["search", "overgangsregeling productcodes", "--json", "--top-k", "3", "--region", "achterhoek"],
        _env(index_copy),
    )

    assert result.returncode == 0, result.stderr[-2000:]
    found = SearchResponse.model_validate(json.loads(result.stdout))
    assert [p.rank for p in found.passages] == [1, 2, 3]
    assert {p.scope for p in found.passages} <= {"achterhoek", "landelijk"}


# -- argument errors (no model, no index) ----------------------------------------------------------------


def test_ask_with_empty_question_fails_with_a_dutch_message(tmp_path: Path) -> None:
    result = run_cli(["ask", "  "], cli_env(tmp_path / "data"))
    assert result.returncode == 2
    assert "Fout: De vraag is leeg. Typ een vraag." in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "data").exists()  # refused before anything was opened


def test_ask_with_too_long_question_fails(tmp_path: Path) -> None:
    result = run_cli(["ask", "x" * 1001], cli_env(tmp_path / "data"))
    assert result.returncode == 2
    assert "De vraag is te lang (1001 tekens, maximaal 1000)" in result.stderr


def test_ask_needs_a_question_or_a_batch(tmp_path: Path) -> None:
    result = run_cli(["ask"], cli_env(tmp_path / "data"))
    assert result.returncode == 2
    assert "geef een vraag óf --batch BESTAND" in result.stderr


# -- ingest -------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_ingest_reports_bad_files_and_exits_non_zero(tmp_path: Path, data_dir: Path) -> None:
    corpus = write_corpus(
        tmp_path / "corpus",
        small_corpus_documents()
        + [
            {"id": "leeg", "title": "Leeg", "file": "leeg.txt", "text": ""},
            {
                "id": "plaatje",
                "title": "Plaatje",
                "file": "plaatje.md",
                "text": b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR",
            },
        ],
    )
    settings = settings_for(data_dir, corpus)

    result = run_cli(["ingest", "--corpus", str(corpus)], cli_env(data_dir, corpus))

    assert result.returncode == 1, result.stderr[-2000:]
    assert "MISLUKT leeg.txt: leeg bestand" in result.stderr
    assert "MISLUKT plaatje.md: binair bestand" in result.stderr
    assert "5 documenten: 3 (opnieuw) geïndexeerd" in result.stdout and "2 mislukt" in result.stdout
    store = VraagbaakDocumentStore(str(data_dir), model_name=settings.embedding_model).open(384)
    try:
        assert stored_ids(store) == {
            k: {c.id for c in v} for k, v in expected_chunks(corpus, settings).items()
        }
    finally:
        store.close()


def test_ingest_with_an_invalid_manifest_fails_with_the_reason(tmp_path: Path) -> None:
    corpus = write_corpus(
        tmp_path / "corpus",
        [
            {"id": "dubbel", "title": "Een", "file": "a.txt", "text": "Tekst een."},
            {"id": "dubbel", "title": "Twee", "file": "b.txt", "text": "Tekst twee."},
        ],
    )
    result = run_cli(["ingest", "--corpus", str(corpus)], cli_env(tmp_path / "data", corpus))
    assert result.returncode == 2
    assert "document-id 'dubbel' komt twee keer voor" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_ingest_json_report_and_idempotent_rerun(tmp_path: Path, data_dir: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", small_corpus_documents())
    env = cli_env(data_dir, corpus)

    first = run_cli(["ingest", "--json"], env)  # the corpus comes from VRAAGBAAK_CORPUS_DIR
    second = run_cli(["ingest", "--json"], env)

    assert first.returncode == 0 and second.returncode == 0, first.stderr[-2000:] + second.stderr[-2000:]
    one, two = json.loads(first.stdout), json.loads(second.stdout)
    assert (one["indexed"], one["failed"], one["corpus"]) == (3, 0, str(corpus))
    assert one["chunks_embedded"] == one["chunks_total"] > 0
    assert (two["unchanged"], two["indexed"], two["chunks_embedded"]) == (3, 0, 0)
    assert two["chunks_total"] == one["chunks_total"]


@pytest.mark.slow
def test_first_ask_builds_the_index_from_the_corpus(tmp_path: Path, data_dir: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", small_corpus_documents())

    result = run_cli(["ask", "Welk bericht stuur ik als de zorg start?"], cli_env(data_dir, corpus))

    assert result.returncode == 0, result.stderr[-2000:]
    assert "Index opgebouwd: 3 documenten" in result.stderr
    assert "305" in result.stdout and "[1]" in result.stdout
    assert "Berichtenverkeer Achterhoek: veelgestelde vragen" in result.stdout
