"""The learned reranker end to end on the bundled corpus: training, storage, the service using it, /health, and the
fallback to the rule-based ranking without a model (or with a damaged one)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from fastapi.testclient import TestClient
from haystack import Document

from api.answering.features import FEATURES, Featurizer
from api.answering.pipeline import build_speller
from api.answering.ranker_model import INFO_FILE, LEGACY_MODEL_FILE, MODEL_FILE, LogisticModel, RankerModel, ranker_dir
from api.answering.training import train_ranker
from api.app import create_app
from api.service import QAService, open_store
from index.analyzer import DutchAnalyzer
from index.embedding_model import EmbeddingModel
from index.settings import Settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def trained(session_index, tmp_path_factory, embedding_model: EmbeddingModel) -> Settings:  # noqa: ANN001
    """A copy of the session index with a ranker trained for it."""
    from tests.helpers import copy_data_dir, settings_for

    settings = settings_for(copy_data_dir(session_index.data_dir, tmp_path_factory.mktemp("trained") / "data"))
    store = open_store(settings, embedding_model, purpose="train")
    try:
        report = train_ranker(settings, store, embedding_model, build_speller(settings, store))
    finally:
        store.close()
    assert report.usable_pairs >= 10
    assert report.size_bytes > 0
    return settings


def test_training_stores_a_model_that_loads(trained: Settings) -> None:
    directory = ranker_dir(trained.data_dir)
    info = json.loads((directory / INFO_FILE).read_text(encoding="utf-8"))
    assert info["features"] == list(FEATURES)
    assert info["pairs"] >= info["usable_pairs"] > 0
    assert set(info["pairs_by_kind"]) & {"faq", "heading", "sentence"}
    model = RankerModel.load(directory)
    assert model is not None and model.n_passages > 0 and model.heading_vectors
    # The model separates the mined answers from the other candidates on the pairs it was checked on.
    assert info["held_out_mrr_after"] > 0.3


def test_service_answers_with_the_learned_ranker(trained: Settings) -> None:
    with QAService(trained) as service:
        service.start()
        assert service.learned
        response, docs = service.run("Binnen hoeveel werkdagen moet het startbericht verstuurd worden?",
                                     "achterhoek")
        assert docs and all(0.0 <= d.meta["rerank_score"] <= 1.0 for d in docs)
        # Order "fused" (the default): the retrieval's order is kept, the probability only selects and abstains.
        fused = [d.meta["fused_score"] for d in docs if d.meta.get("match") != "exact"]
        assert fused == sorted(fused, reverse=True)
        assert response.answered and response.citations
        assert "5 werkdagen" in " ".join(c.text for c in response.citations)
        assert 0.0 < response.relevance <= 1.0


def test_a_municipality_of_a_region_is_answered_from_that_region(trained: Settings) -> None:
    """Users name where they work: Papendrecht is in the Drechtsteden (the bundled manifest's `regions:`), whose
    documents never name it. A place of no region still has to be named by a passage."""
    with QAService(trained) as service:
        service.start()
        assert "Papendrecht" in service.places["drechtsteden"]
        answer = service.ask("Hoe werkt de indexering in Papendrecht?")
        assert answer.answered and answer.citations[0].scope == "drechtsteden"
        assert not service.ask("Hoe werkt de indexering in Zwolle?").answered


def test_a_region_named_in_a_question_is_searched_as_if_chosen(trained: Settings) -> None:
    """/v1/ask and `vraagbaak ask` search the region a question names, as the chat does: the Drechtsteden's notes on
    indexation are no answer about Doetinchem (Achterhoek), but the refusal says that they exist. A caller bound to
    other regions keeps its own bounds."""
    with QAService(trained) as service:
        service.start()
        response, docs = service.run("Hoe werkt de indexering in Doetinchem?", top_k=10)
        assert response.region == "achterhoek"
        assert docs and {d.meta["scope"] for d in docs} <= {"achterhoek", "landelijk"}
        assert {c.scope for c in response.citations} <= {"achterhoek", "landelijk"}
        # The Achterhoek's documents say nothing about indexation: refused, and the user is told where it is written.
        assert not response.answered
        assert "andere regio" in response.answer and "(regio Drechtsteden)" in response.answer
        assert service.search("indexering in Doetinchem", top_k=5).region == "achterhoek"
        # A caller who may not see the Drechtsteden is not told about its documents.
        own = service.ask("Hoe werkt de indexering in Doetinchem?", allowed=["achterhoek"])
        assert not own.answered and "Drechtsteden" not in own.answer
        unnamed, unnamed_docs = service.run("Hoe werkt de indexering?", top_k=10)
        assert unnamed.region is None and "drechtsteden" in {d.meta["scope"] for d in unnamed_docs}
        # two regions compared: both searched
        both = service.run("Wat is het verschil in indexering tussen de Achterhoek en de Drechtsteden?", top_k=10)
        assert both[0].region is None and {"achterhoek", "drechtsteden"} <= {d.meta["scope"] for d in both[1]}
        bound, bound_docs = service.run("Hoe werkt de indexering in Doetinchem?", top_k=10, allowed=["drechtsteden"])
        assert bound.region is None and {d.meta["scope"] for d in bound_docs} <= {"drechtsteden", "landelijk"}


def test_a_follow_up_needs_only_its_own_specific_terms_not_the_codes_its_search_took_over(trained: Settings) -> None:
    from dataclasses import replace

    from api.chat import _prior, _record, build_rewriter

    question = "Mag er naast gezinshuiszorg ook nog GGZ-behandeling ingezet worden?"
    with QAService(trained) as service:
        service.start()
        first = service.run(question, None)[0]
        # The codes quoted by the previous answer join a follow-up's search; before its citations were whole
        # sources this answer quoted a survey table with "100" (now a sentence of the same source): set it here.
        prior = replace(_prior(_record(first, question, question, None, None)), codes=("100",))
        rewrite = build_rewriter(service).rewrite("En dagbesteding, moet daar een aparte indicatie voor?", [prior],
                                                  None)
        assert rewrite.context is not None and rewrite.context.message.startswith("En dagbesteding")
        taken_over = [c for c in prior.codes if c in rewrite.query]  # a code of the cited passages joins the search
        assert taken_over, rewrite.query
        answer = service.run(rewrite.query, rewrite.region, context=rewrite.context)[0]
        # Checked against the whole searched text, the taken-over code (in none of the shown passages) refused it.
        checked_on_all = service.run(rewrite.query, rewrite.region, context=replace(rewrite.context, message=""))[0]
    assert answer.answered
    # the follow-up's own words choose the sentence that opens the answer, not the subject taken over
    assert "geen aparte indicatie" in answer.answer.split("[1]")[0]
    assert not checked_on_all.answered and taken_over[0] in checked_on_all.answer


def test_every_shown_passage_is_cited_but_the_text_quotes_only_those_that_answer(trained: Settings) -> None:
    with QAService(trained) as service:
        service.start()
        response = service.run("Welk bericht stuur ik als de zorg start?", "achterhoek")[0]
    body, sources = response.answer.split("\n\nBronnen:\n")
    cited = [c.n for c in response.citations]
    assert cited == list(range(1, 6))
    assert all(f"[{n}]" in sources for n in cited)
    quoted = [n for n in cited if f"[{n}]" in body]
    assert quoted[0] == 1 and "305" in body.split("[1]")[0]
    assert len(quoted) < len(cited)  # the weak matches are listed as sources, not read out as the answer


def test_order_by_the_model_sorts_by_probability(trained: Settings, embedding_model: EmbeddingModel) -> None:
    from api.answering.reranker import LearnedReranker

    model = RankerModel.load(ranker_dir(trained.data_dir))
    docs = [Document(id=str(i), content=text, meta={"dense_score": dense, "dense_rank": i + 1, "bm25_score": bm25,
                                                   "bm25_rank": i + 1, "context": "Berichten | Start zorg"})
            for i, (text, dense, bm25) in enumerate([("Gemeentecodes en hun namen.", 0.80, 0.5),
                                                     ("Het startbericht 305 binnen 5 werkdagen.", 0.90, 9.0)])]
    query = "Wanneer stuur ik het startbericht?"
    vector = embedding_model.embed_queries([query])[0]
    kept = LearnedReranker(model, order="fused").run(query, docs, vector)["documents"]
    assert [d.id for d in kept] == ["0", "1"]
    ranked = LearnedReranker(model, order="model").run(query, docs, vector)["documents"]
    assert [d.id for d in ranked] == ["1", "0"] and ranked[0].score > ranked[1].score


def test_a_list_of_search_terms_comes_after_the_passages_that_say_something(
        trained: Settings, embedding_model: EmbeddingModel) -> None:
    from api.answering.reranker import LearnedReranker

    model = RankerModel.load(ranker_dir(trained.data_dir))
    rule = ["OP271 - De aanbieder verzendt een startbericht binnen vijf werkdagen"]
    docs = [Document(id=str(i), content=text, meta={"dense_score": 0.9 - i / 10, "dense_rank": i + 1,
                                                   "bm25_score": 9.0 - i, "bm25_rank": i + 1, "heading_path": path})
            for i, (text, path) in enumerate([("startbericht, termijn, vijf werkdagen, 305", [*rule, "Zoektermen"]),
                                              ("De aanbieder verstuurt het startbericht binnen vijf werkdagen.",
                                               [*rule, "Definitie"]),
                                              ("Gemeentecodes en hun namen.", ["Codelijst gemeenten"])])]
    query = "Wanneer stuur ik het startbericht?"
    vector = embedding_model.embed_queries([query])[0]
    for order in ("fused", "model"):
        ranked = LearnedReranker(model, order=order).run(query, docs, vector)["documents"]
        assert ranked[-1].id == "0" and len(ranked) == 3


def test_health_names_the_ranking(trained: Settings) -> None:
    with TestClient(create_app(trained)) as client:
        ranker = client.get("/health").json()["ranker"]
    assert ranker["learned"] is True and ranker["ranking"] == "geleerd" and ranker["trained_at"]


def test_without_a_model_the_rule_ranking_answers_and_health_says_so(index_copy: Settings) -> None:
    assert not ranker_dir(index_copy.data_dir).exists()
    with TestClient(create_app(index_copy)) as client:
        health = client.get("/health").json()
        answer = client.post("/v1/ask", json={"question": "Welk bericht stuur ik als de zorg start?"}).json()
    ranker = health["ranker"]
    assert ranker["learned"] is False and "vraagbaak train" in ranker["detail"]
    assert health["abstention"] == {"min_relevance": 0.4, "source": "standaard"}  # no calibration stored
    assert answer["answered"] and answer["citations"]


def test_a_damaged_model_falls_back_to_the_rules(trained: Settings, tmp_path) -> None:  # noqa: ANN001
    import shutil

    copy = trained.model_copy(update={"data_dir": tmp_path / "data"})
    shutil.copytree(trained.data_dir, copy.data_dir, symlinks=True)
    (ranker_dir(copy.data_dir) / MODEL_FILE).write_bytes(b"not a model")
    with QAService(copy) as service:
        service.start()
        assert not service.learned
        assert service.ask("Welk bericht stuur ik als de zorg start?").answered


def test_a_model_trained_by_an_earlier_version_is_not_used_and_the_log_says_retrain(
        trained: Settings, tmp_path, caplog) -> None:  # noqa: ANN001
    import shutil

    copy = trained.model_copy(update={"data_dir": tmp_path / "data"})
    shutil.copytree(trained.data_dir, copy.data_dir, symlinks=True)
    directory = ranker_dir(copy.data_dir)
    (directory / MODEL_FILE).rename(directory / LEGACY_MODEL_FILE)  # the file name before 2026-12-07
    with caplog.at_level("WARNING"), QAService(copy) as service:
        service.start()
        assert not service.learned
        assert service.ask("Welk bericht stuur ik als de zorg start?").answered
    assert "eerdere versie" in caplog.text and "vraagbaak train" in caplog.text


def test_the_stored_model_gives_scikit_learns_probabilities(tmp_path) -> None:  # noqa: ANN001
    """The model is stored as numbers (no pickle, no scikit-learn at start-up): what it computes from them is what the
    fitted scikit-learn pipeline computes, also after writing and reading."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(7)
    x = rng.normal(loc=[0.8, 5.0, 12.0], scale=[0.05, 3.0, 9.0], size=(400, 3))
    y = (x[:, 0] + 0.02 * x[:, 1] - 0.01 * x[:, 2] + rng.normal(scale=0.05, size=400) > 0.85).astype(int)
    pipeline = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=3000)).fit(x, y)
    model = LogisticModel.from_pipeline(pipeline)
    path = tmp_path / MODEL_FILE
    path.write_text(json.dumps(model.to_json()), encoding="utf-8")
    loaded = LogisticModel.from_json(json.loads(path.read_text(encoding="utf-8")))
    probe = rng.normal(loc=[0.8, 5.0, 12.0], scale=[0.2, 10.0, 30.0], size=(200, 3))
    np.testing.assert_allclose(loaded.probabilities(probe), pipeline.predict_proba(probe)[:, 1], rtol=1e-9, atol=1e-12)
    with pytest.raises(ValueError):
        LogisticModel.from_json({"mean": [0.0], "scale": [1.0, 1.0], "coef": [1.0], "intercept": 0.0})


def test_switched_off_by_setting(trained: Settings) -> None:
    settings = trained.model_copy(update={"ranker": trained.ranker.model_copy(update={"enabled": False})})
    with QAService(settings) as service:
        service.start()
        assert not service.learned and service.ranker_status()["learned"] is False


def test_features_compare_candidates_of_one_question() -> None:
    analyzer = DutchAnalyzer()
    docs = [Document(content="De aanbieder stuurt een stopbericht binnen vijf werkdagen.",
                     meta={"dense_score": 0.85, "dense_rank": 1, "bm25_score": 8.0, "bm25_rank": 1,
                           "context": "OP272 | Definitie", "title": "OP272"}),
            Document(content="Een tabel met gemeentecodes.", meta={"dense_score": 0.80, "dense_rank": 2,
                                                                   "row": 4, "title": "Gemeentecodes"})]
    featurizer = Featurizer(analyzer, {"stopbericht": 1, "werkdag": 5}, 100)
    x = featurizer.matrix("Hoe snel moet het stopbericht?", [0.0] * 4, docs)
    col = {name: i for i, name in enumerate(FEATURES)}
    assert x.shape == (2, len(FEATURES))
    assert x[0, col["dense_gap"]] == 0.0 and x[1, col["dense_gap"]] < 0
    assert x[0, col["cover_body"]] > x[1, col["cover_body"]]
    assert x[1, col["is_row"]] == 1.0 and x[0, col["value_match"]] == 1.0
    assert np.isnan(x[0, col["head_cos"]])  # no heading vectors: missing, not zero


def test_a_citation_is_a_source_with_its_passages_not_a_fragment_of_one(trained: Settings) -> None:
    from api.answering.sources import same_source

    question = "Hoe werkt de indexering?"
    with QAService(trained) as service:
        service.start()
        passages = {d.id: d for d in service.store.filter_documents()}
        response = service.run(question, None)[0]
        service.reconfigure(trained.model_copy(update={"answer": trained.answer.model_copy(
            update={"group_sources": False})}))
        fragments = service.run(question, None)[0]
    assert response.answered and len(response.citations) == 5
    cited = [[passages[i] for i in c.passage_ids] for c in response.citations]
    several = [(c, docs) for c, docs in zip(response.citations, cited, strict=True) if len(docs) > 1]
    assert several, [c.passage_ids for c in response.citations]
    for citation, docs in several:  # the user reads the source's passages in the document's order
        positions = [d.meta["position"] for d in docs]
        starts = [citation.text.index((d.content or "").strip()) for d in docs]
        assert sorted(starts) == [s for _, s in sorted(zip(positions, starts, strict=True))]
        assert citation.passage_id in citation.passage_ids and citation.quote.split()[0] in citation.text
    assert not any(same_source(a[0], b[0]) for i, a in enumerate(cited) for b in cited[i + 1:])
    # cited one passage at a time, two of the five places went to one source
    singles = [passages[c.passage_id] for c in fragments.citations]
    assert any(same_source(a, b) for i, a in enumerate(singles) for b in singles[i + 1:])


def test_a_new_index_is_trained_on_its_first_build_and_not_again(
        data_dir, embedding_model: EmbeddingModel, tmp_path) -> None:  # noqa: ANN001
    """A new user's first `vraagbaak ask` builds the index and trains the reranker for it (ranker.train_on_build):
    the learned ranking answers without a second command. A corpus too small to learn from keeps the rules."""
    from tests.helpers import settings_for

    settings = settings_for(data_dir, ranker={"train_on_build": True})
    with QAService(settings) as service:
        service.model = embedding_model
        done: list[tuple[int, int]] = []
        service.start(training_progress=lambda i, n: done.append((i, n)))
        assert service.learned and service.ranker_status()["ranking"] == "geleerd"
        assert done and done[-1][0] == done[-1][1]  # the training questions were followed to the end
        trained_at = service.ranker_status()["trained_at"]
    with QAService(settings) as service:  # the index is there: started again, it keeps its model
        service.model = embedding_model
        service.start()
        assert service.learned and service.ranker_status()["trained_at"] == trained_at

    tiny = tmp_path / "tiny"
    tiny.mkdir()
    (tiny / "notitie.md").write_text("# Notitie\n\nHet startbericht gaat binnen vijf werkdagen.\n", encoding="utf-8")
    small = settings_for(tmp_path / "tiny-data", tiny, ranker={"train_on_build": True})
    with QAService(small) as service:
        service.model = embedding_model
        service.start()
        assert not service.learned and service.ranker_status()["ranking"] == "regels"
