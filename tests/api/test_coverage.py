"""Coverage report on the real index: statuses, topics, unused documents, the HTML page, question files."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.coverage import QuestionInput, build_report, cluster, read_questions, write_report
from api.coverage_html import render
from api.service import QAService

QUESTIONS = [
    QuestionInput("Welk bericht stuur ik als de zorg start?"),
    QuestionInput("Welk bericht moet ik versturen wanneer de zorg begint?"),
    QuestionInput("Binnen hoeveel werkdagen volgt het startbericht?"),
    QuestionInput("Wat kost een parkeervergunning voor mantelzorgers in Zwolle?"),
    QuestionInput("Hoe werkt de indexering bij de SDD?", region="drechtsteden"),
]


@pytest.fixture(scope="module")
def report(qa_service: QAService) -> dict:
    return build_report(qa_service, QUESTIONS, "test")


def test_statuses_topics_and_regions(report: dict) -> None:
    assert report["questions"] == 5
    totals = report["totals"]
    assert sum(totals.values()) == 5 and totals["not_answered"] >= 1
    parking = next(r for r in report["results"] if "parkeervergunning" in r["question"])
    assert parking["status"] == "niet beantwoord" and parking["closest"]
    start = [t for t in report["topics"] if "Welk bericht stuur ik als de zorg start?" in t["questions"]][0]
    assert "Welk bericht moet ik versturen wanneer de zorg begint?" in start["questions"]  # same topic
    assert start["documents"]  # the cited documents of the topic
    assert set(report["per_region"]) == {"alle regio's", "drechtsteden"}
    assert report["topics"][0]["not_answered"] + report["topics"][0]["weak"] >= 1  # gaps come first


def test_documents_never_cited_are_listed(report: dict, qa_service: QAService) -> None:
    docs = report["documents"]
    cited = {c["document_id"] for r in report["results"] for c in r["cited"]}
    never = {d["document_id"] for d in docs["never_cited"]}
    assert never and not never & cited
    assert {d["document_id"] for d in docs["per_document"]} == cited | never


def test_html_and_json_are_written(report: dict, tmp_path: Path) -> None:
    history = {"hit@5": [("run 1", 0.9), ("run 2", 0.95)], "mrr@10": [("run 1", 0.7), ("run 2", 0.78)]}
    json_path, html_path = write_report(report, tmp_path / "out", history)
    html = html_path.read_text(encoding="utf-8")
    assert json_path.exists() and html.startswith("<!doctype html>")
    for text in ("Dekkingsrapport", "Per onderwerp", "Nooit geciteerde documenten", "<svg", "<polyline"):
        assert text in html
    assert "parkeervergunning" in html
    assert "Nog te weinig evaluatieruns" in render(report, {})


def test_cluster_groups_similar_vectors() -> None:
    import numpy as np

    a, b = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    assert cluster(np.stack([a, b, a * 0.99 + b * 0.01, b])) == [0, 1, 0, 1]


def test_read_questions_csv_jsonl_and_errors(tmp_path: Path) -> None:
    csv_file = tmp_path / "vragen.csv"
    csv_file.write_text("vraag;regio\nWelk bericht bij start?;achterhoek\n;\nEn bij stop?;\n", encoding="utf-8-sig")
    assert read_questions(csv_file) == [QuestionInput("Welk bericht bij start?", "achterhoek"),
                                        QuestionInput("En bij stop?", None)]
    jsonl = tmp_path / "vragen.jsonl"
    jsonl.write_text('{"question": "Wat is 305?"}\n\n{"question": "En 307?", "region": "drechtsteden"}\n')
    assert [q.region for q in read_questions(jsonl)] == [None, "drechtsteden"]
    bad = tmp_path / "fout.csv"
    bad.write_text("tekst\nhallo\n", encoding="utf-8")
    with pytest.raises(ValueError, match="geen kolom 'question' of 'vraag'"):
        read_questions(bad)
    broken = tmp_path / "kapot.jsonl"
    broken.write_text('{"question": "ok"}\n{kapot\n', encoding="utf-8")
    with pytest.raises(ValueError, match="regel 2"):
        read_questions(broken)


def test_cluster_needs_a_shared_subject_word_when_given() -> None:
    import numpy as np

    a = np.array([1.0, 0.0])
    assert cluster(np.stack([a, a, a]), subjects=[{"stopbericht"}, {"vakantiedag", "cao"}, {"stopbericht", "zorg"}]) \
        == [0, 1, 0]
