"""The service layer (no HTTP): ask / search / run, errors with codes, the index built on first use."""

from __future__ import annotations

import uuid
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from api.answering.followups import FollowUpContext
from api.chat import _prior, _record, build_rewriter
from api.errors import HTTP_STATUS, ErrorCode, VraagbaakError
from api.service import QAService, embedding_model_for, open_store
from index.embedding_model import EmbeddingModel
from index.settings import Settings
from tests.helpers import settings_for, small_corpus_documents, write_corpus

pytestmark = pytest.mark.slow

START_QUESTION = "Welk bericht stuur ik als de zorg start?"


def test_ask_answers_from_the_index(qa_service: QAService) -> None:
    response = qa_service.ask(START_QUESTION)
    assert response.answered and response.citations
    assert response.question == START_QUESTION
    assert any("305" in c.text for c in response.citations)
    assert all(c.quote in c.text for c in response.citations)


def test_run_returns_the_answer_and_the_ranked_passages(qa_service: QAService) -> None:
    response, docs = qa_service.run(START_QUESTION, top_k=7)
    assert len(docs) == 7
    assert [d.score for d in docs] == sorted((d.score for d in docs), reverse=True)
    cited = {c.document_id for c in response.citations}
    assert cited <= {d.meta["document_id"] for d in docs}


def test_search_ranks_passages(qa_service: QAService) -> None:
    result = qa_service.search("Wat is de overgangsregeling?", region="achterhoek", top_k=4)
    assert [p.rank for p in result.passages] == [1, 2, 3, 4]
    assert {p.scope for p in result.passages} <= {"achterhoek", "landelijk"}
    assert result.query == "Wat is de overgangsregeling?" and result.region == "achterhoek"


def test_regions_are_read_from_the_index(qa_service: QAService) -> None:
    assert qa_service.regions == ["achterhoek", "de-fryske-marren", "drechtsteden", "landelijk"]


def test_unknown_region_is_a_domain_error(qa_service: QAService) -> None:
    with pytest.raises(VraagbaakError) as info:
        qa_service.ask(START_QUESTION, region="zeeland")
    assert info.value.code is ErrorCode.UNKNOWN_REGION
    assert HTTP_STATUS[info.value.code] == 422
    assert info.value.detail == (
        "Onbekende regio 'zeeland'. Kies uit: achterhoek, de-fryske-marren, drechtsteden, landelijk."
    )


def test_reconfigure_switches_retrieval_mode_on_the_same_index(qa_service: QAService) -> None:
    original = qa_service.settings
    try:
        qa_service.reconfigure(
            original.model_copy(
                update={"retrieval": original.retrieval.model_copy(update={"fusion": "bm25"})}
            )
        )
        passages = qa_service.search("54Z01", top_k=3).passages
        assert all(p.dense_score is None and p.bm25_score is not None for p in passages)
        assert "54Z01" in passages[0].text
    finally:
        qa_service.reconfigure(original)
    assert any(p.dense_score is not None for p in qa_service.search("54Z01", top_k=3).passages)


def test_a_second_opener_of_the_same_index_gets_index_busy(
    qa_service: QAService, embedding_model: EmbeddingModel
) -> None:
    with pytest.raises(VraagbaakError) as info:
        open_store(qa_service.settings, embedding_model, purpose="ingest")
    assert info.value.code is ErrorCode.INDEX_BUSY
    assert HTTP_STATUS[info.value.code] == 503
    assert "is in gebruik door 'vraagbaak ask'" in info.value.detail


def test_service_that_is_not_started_says_so(tmp_path: Path) -> None:
    service = QAService(settings_for(tmp_path / "data"))
    with pytest.raises(VraagbaakError) as info:
        service.ask(START_QUESTION)
    assert info.value.code is ErrorCode.INDEX_UNAVAILABLE
    assert "nog niet gestart" in info.value.detail
    service.close()  # closing a service that never started is harmless


def test_empty_index_is_built_from_the_corpus_on_first_use(tmp_path: Path, data_dir: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", small_corpus_documents())
    settings: Settings = settings_for(data_dir, corpus)

    with QAService(settings) as service:
        service.start()
        report = service.build_report
        assert report is not None and (report.indexed, report.failed) == (3, 0)
        assert service.regions == ["achterhoek", "drechtsteden", "landelijk"]
        response = service.ask("Binnen hoeveel werkdagen volgt het retourbericht?")
        assert response.answered
        assert response.citations[0].document_id == "achterhoek-berichten-faq"
        assert "3 werkdagen" in response.citations[0].quote

    # Closed: the index is free again, and a second start does not rebuild it.
    with QAService(settings) as again:
        again.start()
        assert again.build_report is None
        assert again.store is not None and again.store.count_documents() == report.chunks_total
        assert service.model.passage_model_loaded  # the first start embedded the corpus
        # The second only answers: the passage model (torch, sentence-transformers) is not loaded for that.
        assert again.ask("Binnen hoeveel werkdagen volgt het retourbericht?").answered
        assert not again.model.passage_model_loaded


def test_embedding_model_follows_the_settings(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "data", embedding_batch_size=8, embedding_threads=1)
    spec = embedding_model_for(settings).spec
    assert (spec.model, spec.batch_size, spec.threads) == ("multilingual-e5-small", 8, 1)
    assert spec.cache_dir == str(tmp_path / "data" / "cache")


def test_a_typing_error_finds_what_the_spelled_question_finds(qa_service: QAService) -> None:
    """"stratbericht" is searched as "startbericht" (vocabulary: 305) and said so in searched_for."""
    typed, typed_docs = qa_service.run("Binnen hoeveel werkdagen moet het stratbericht eruit?")
    spelled, spelled_docs = qa_service.run("Binnen hoeveel werkdagen moet het startbericht eruit?")
    assert typed.searched_for and "startbericht" in typed.searched_for
    assert [d.id for d in typed_docs] == [d.id for d in spelled_docs]
    assert typed.answered and typed.answer == spelled.answer and "305" in typed.answer
    assert typed.question == "Binnen hoeveel werkdagen moet het stratbericht eruit?"  # as the user typed it
    assert typed.corrected_question == "Binnen hoeveel werkdagen moet het startbericht eruit?"
    assert spelled.corrected_question is None


def test_a_question_typed_with_caps_lock_is_searched_as_typed_in_lower_case(qa_service: QAService) -> None:
    """"WAT IS ..." made every word a short form ("wat", "een" ...) that no passage holds: refused. Now the question is
    searched and checked as typed in lower case, and says so."""
    shouted, shouted_docs = qa_service.run("BINNEN HOEVEEL WERKDAGEN MOET HET STARTBERICHT ERUIT?")
    lower, lower_docs = qa_service.run("binnen hoeveel werkdagen moet het startbericht eruit?")
    assert shouted.answered and shouted.answer == lower.answer and "305" in shouted.answer
    assert [d.id for d in shouted_docs] == [d.id for d in lower_docs]
    assert shouted.corrected_question == "binnen hoeveel werkdagen moet het startbericht eruit?"


def test_a_signature_on_its_own_line_is_left_out_after_the_personal_data_filter(qa_service: QAService) -> None:
    """The personal-data filter runs first and used to join the lines, so "Groet, Marieke" after a question without
    a question mark no longer stood at the start of a line and was searched (and required) as well."""
    signed = qa_service.run("Hoi,\nWelk bericht stuur ik als de zorg start\nGroet, Marieke")[0]
    assert signed.answered and signed.corrected_question == "Welk bericht stuur ik als de zorg start"


def test_personal_data_in_a_question_is_not_searched_or_required(qa_service: QAService) -> None:
    """A BSN (with its label) in the question is no term a passage must hold: answered from the same passage as
    without it, and the number is not what was searched."""
    with_bsn = qa_service.run("Binnen hoeveel werkdagen moet het startbericht eruit (cliënt met BSN 123456782)?")[0]
    plain = qa_service.run("Binnen hoeveel werkdagen moet het startbericht eruit (cliënt)?")[0]
    assert with_bsn.answered and with_bsn.citations[0].passage_id == plain.citations[0].passage_id
    assert with_bsn.corrected_question == "Binnen hoeveel werkdagen moet het startbericht eruit (cliënt met)?"
    assert "123456782" not in with_bsn.answer
    named = qa_service.run("Mevrouw De Vries krijgt begeleiding. Binnen hoeveel werkdagen moet het startbericht "
                           "eruit?")[0]
    assert named.answered and named.corrected_question.startswith("Mevrouw krijgt begeleiding.")


@pytest.mark.parametrize("question", ["Welk bericht stuur ik als de zorg start?", "En als de zorg stopt?",
                                      "Wat is de code van huishoudelijke ondersteuning?"])
def test_run_in_order_returns_what_pipeline_run_returns(qa_service: QAService, question: str) -> None:
    """The copy-free executor must give Haystack's own Pipeline.run result: same answer, same passages and scores."""
    from api.answering.pipeline import run_in_order
    from index.retriever import region_filter

    filters = region_filter(None)
    inputs = {"encoder": {"query": question}, "retriever": {"filters": filters, "top_k": 5},
              "lookup": {"filters": filters, "top_k": 5}}
    include = {"retriever", "ranker", "encoder"}
    ours = run_in_order(qa_service.pipeline, inputs, include_outputs_from=include)
    theirs = qa_service.pipeline.run(inputs, include_outputs_from=include)
    assert ours.keys() == theirs.keys()
    assert ours["answer"] == theirs["answer"]
    for name in ("retriever", "ranker"):
        ranked = [[(d.id, d.score) for d in run[name]["documents"]] for run in (ours, theirs)]
        assert ranked[0] == ranked[1]
    assert ours["encoder"]["embedding"] == theirs["encoder"]["embedding"]


def test_a_follow_up_leans_on_the_stored_vectors_of_what_the_previous_answer_cited(qa_service: QAService) -> None:
    rewriter = build_rewriter(qa_service)
    first = qa_service.run(START_QUESTION, "achterhoek")[0]
    ids = [c.passage_id for c in first.citations]
    assert len(ids) >= 2 and all(ids)

    prior = _prior(_record(first, START_QUESTION, START_QUESTION, "achterhoek", "keuze"))
    rewrite = rewriter.rewrite("En als het stopt?", [prior], "achterhoek")
    assert rewrite.context is not None and rewrite.context.passage_ids == tuple(ids[:2])
    assert rewrite.context.query == START_QUESTION

    previous, cited = qa_service._context_vectors(rewrite.context) or []
    stored = qa_service.store.vectors_of(ids[:2])
    assert np.allclose(cited, np.mean([stored[i][0] for i in ids[:2]], axis=0), atol=1e-6)
    assert np.allclose(previous, qa_service.model.embed_queries([START_QUESTION])[0], atol=1e-6)
    answer = qa_service.run(rewrite.query, rewrite.region, context=rewrite.context)[0]
    assert answer.answered and "stopbericht" in answer.citations[0].text.lower()


def test_a_follow_up_whose_cited_passages_are_gone_embeds_the_conversation_text(qa_service: QAService) -> None:
    gone = FollowUpContext("Welk bericht stuur ik als de zorg start? Start zorg", START_QUESTION, (str(uuid.uuid4()),))
    assert qa_service._context_vectors(gone) is None
    assert qa_service._context_vectors(FollowUpContext(gone.text, START_QUESTION)) is None
    # an answer stored before citations carried their passage id: its turn has no ids, the text is embedded
    first = qa_service.run(START_QUESTION, "achterhoek")[0]
    record = _record(first, START_QUESTION, START_QUESTION, "achterhoek", "keuze")
    old = replace(record, citations=[{k: v for k, v in c.items() if k != "passage_id"} for c in record.citations])
    assert _prior(old).cited_ids == () and _prior(old).cited == _prior(record).cited
    answer = qa_service.run("En als het stopt?", "achterhoek", context=FollowUpContext(gone.text, START_QUESTION))[0]
    assert answer.citations


def test_a_follow_up_about_the_end_of_care_finds_the_stop_message_without_naming_a_message(
    qa_service: QAService,
) -> None:
    rewriter = build_rewriter(qa_service)
    question = "Welk bericht stuur ik als de zorg start?"
    first = qa_service.run(question, "achterhoek")[0]
    prior = _prior(_record(first, question, question, "achterhoek", "keuze"))

    rewrite = rewriter.rewrite("En als de hulp eindigt?", [prior], "achterhoek")
    answer = qa_service.run(rewrite.query, rewrite.region, context=rewrite.context)[0]

    assert rewrite.query == "Welk bericht stuur ik als de zorg stopt? (hulp eindigt)"
    assert answer.answered and "stopbericht" in answer.citations[0].text.lower()


def test_a_case_told_before_the_question_is_no_term_the_passages_must_hold(qa_service: QAService) -> None:
    case = "De jongere is in 1987 geboren en de hulp is gisteren begonnen. Welk bericht stuur ik als de zorg start?"
    answer = qa_service.run(case, "achterhoek")[0]
    assert answer.answered and "305" in answer.answer
    # in the sentence that asks, the year is what is asked about: no passage holds it, so the documents do not answer
    asked = qa_service.run("Welk bericht stuur ik in 1987 als de zorg start?", "achterhoek")[0]
    assert not asked.answered and "1987" in asked.answer
