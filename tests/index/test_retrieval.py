"""Hybrid retrieval over the real index of the bundled corpus: dense + BM25 in the embedded store, fused."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from haystack import Document

from api.service import open_store
from index.embedders import QueryEncoder
from index.embedding_model import EmbeddingModel
from index.retriever import HybridRetriever, region_filter
from index.settings import Settings
from index.store import VraagbaakDocumentStore

pytestmark = pytest.mark.slow


@pytest.fixture
def store(index_copy: Settings, embedding_model: EmbeddingModel) -> Iterator[VraagbaakDocumentStore]:
    store = open_store(index_copy, embedding_model, purpose="ask")
    try:
        yield store
    finally:
        store.close()


def _retrieve(
    store: VraagbaakDocumentStore,
    model: EmbeddingModel,
    query: str,
    fusion: str = "rrf",
    filters: dict | None = None,
    top_k: int = 5,
) -> list[Document]:
    encoded = QueryEncoder(model).run(query)
    retriever = HybridRetriever(store, top_k=top_k, fusion=fusion)
    return retriever.run(encoded["embedding"], encoded["sparse_embedding"], filters)["documents"]


def test_init_rejects_unknown_fusion(store: VraagbaakDocumentStore) -> None:
    with pytest.raises(ValueError, match="fusion must be"):
        HybridRetriever(store, fusion="max")
    retriever = HybridRetriever(store, top_k=3, candidates=20, fusion="weighted", rrf_k=10, dense_weight=2.0)
    assert (
        retriever.top_k,
        retriever.candidates,
        retriever.fusion,
        retriever.rrf_k,
        retriever.dense_weight,
    ) == (3, 20, "weighted", 10, 2.0)


def test_start_of_care_question_finds_the_305_passage(
    store: VraagbaakDocumentStore, embedding_model: EmbeddingModel
) -> None:
    docs = _retrieve(store, embedding_model, "Welk bericht stuur ik als de zorg start?")

    assert len(docs) == 5
    assert any("305" in d.content and "5 werkdagen" in d.content for d in docs[:3]), [
        d.content[:80] for d in docs
    ]
    assert [d.score for d in docs] == sorted((d.score for d in docs), reverse=True)
    top = docs[0]
    assert {"dense_rank", "dense_score"} <= set(top.meta) or {"bm25_rank", "bm25_score"} <= set(top.meta)
    assert top.meta["document_id"] and top.meta["title"] and top.meta["section"] is not None


def test_bm25_finds_an_exact_code(store: VraagbaakDocumentStore, embedding_model: EmbeddingModel) -> None:
    docs = _retrieve(store, embedding_model, "54Z01", fusion="bm25", top_k=3)
    assert "54Z01" in docs[0].content
    assert "bm25_score" in docs[0].meta and "dense_score" not in docs[0].meta


def test_hybrid_finds_a_code_asked_about_in_a_question(
    store: VraagbaakDocumentStore, embedding_model: EmbeddingModel
) -> None:
    docs = _retrieve(store, embedding_model, "Wat betekent productcode 54Z01?")
    assert any("54Z01" in d.content for d in docs), [d.content[:60] for d in docs]


def test_dense_only_mode_uses_only_the_dense_channel(
    store: VraagbaakDocumentStore, embedding_model: EmbeddingModel
) -> None:
    docs = _retrieve(
        store, embedding_model, "Hoe gaat de SDD om met indexering van tarieven?", fusion="dense"
    )
    assert all("bm25_rank" not in d.meta for d in docs)
    assert docs[0].meta["document_id"] == "sdd-fot-begeleiding-2024-09-17"


@pytest.mark.parametrize("region", ["drechtsteden", "achterhoek", "de-fryske-marren"])
def test_region_filter_returns_only_that_region_and_national(
    store: VraagbaakDocumentStore, embedding_model: EmbeddingModel, region: str
) -> None:
    docs = _retrieve(
        store,
        embedding_model,
        "Welk bericht stuur ik als de zorg start?",
        filters=region_filter(region),
        top_k=20,
    )
    scopes = {d.meta["scope"] for d in docs}
    assert scopes <= {region, "landelijk"}
    assert region in scopes


def test_top_k_at_run_time(store: VraagbaakDocumentStore, embedding_model: EmbeddingModel) -> None:
    encoded = QueryEncoder(embedding_model).run("overgangsregeling")
    retriever = HybridRetriever(store, top_k=5)
    assert (
        len(retriever.run(encoded["embedding"], encoded["sparse_embedding"], None, top_k=2)["documents"]) == 2
    )
    assert len(retriever.run(encoded["embedding"], encoded["sparse_embedding"], None)["documents"]) == 5


def test_session_index_holds_every_passage_of_the_corpus(store: VraagbaakDocumentStore) -> None:
    state = store.index_state()
    assert set(state) == {
        "sda-nieuwe-werkwijze-faq",
        "sda-inkoop-2022-vraag-antwoord",
        "dfm-wmo-resultaatgericht-2022",
        "sdd-fot-begeleiding-2024-09-17",
        "zin-referentiegroep-iwmo-ijw-2024-1",
    }
    for doc_id, entry in state.items():
        (count,) = entry["counts"]
        assert sorted(entry["positions"]) == list(range(count)), doc_id
        assert len(entry["hashes"]) == 1, doc_id
    assert store.regions() == ["achterhoek", "de-fryske-marren", "drechtsteden", "landelijk"]


def test_copies_of_a_passage_take_one_place_in_the_ranking() -> None:
    from index.retriever import without_copies

    text = "OP274: per aangevraagd product moet binnen vijf werkdagen een toewijzing worden afgegeven."
    ranked = [Document(id="jw", content=text, score=0.9), Document(id="wmo", content=f"  {text.upper()} ", score=0.8),
              Document(id="other", content="Een ander artikel.", score=0.7)]
    assert [d.id for d in without_copies(ranked)] == ["jw", "other"]


def test_retriever_returns_no_identical_passages_on_the_reference_like_copies(
    tmp_path, embedding_model: EmbeddingModel  # noqa: ANN001
) -> None:
    from index.embedders import BM25DocumentEncoder, PassageEmbedder
    from tests.helpers import settings_for

    settings = settings_for(tmp_path / "data")
    store = open_store(settings, embedding_model, purpose="test")
    try:
        rule = "Na ontvangst van een startbericht stuurt de gemeente binnen drie werkdagen een retourbericht."
        docs = [Document(id=f"00000000-0000-0000-0000-00000000000{i}", content=c,
                         meta={"document_id": d, "scope": "landelijk", "context": d})
                for i, (d, c) in enumerate([("jw", rule), ("wmo", rule), ("faq", "Het retourbericht volgt op elk "
                                                                                  "startbericht.")])]
        docs = BM25DocumentEncoder().run(PassageEmbedder(embedding_model).run(docs)["documents"])["documents"]
        store.write_documents(docs)
        retriever = HybridRetriever(store, top_k=3, fusion="weighted")
        encoded = QueryEncoder(embedding_model).run("Wanneer volgt het retourbericht op een startbericht?")
        found = retriever.run(encoded["embedding"], encoded["sparse_embedding"])["documents"]
        assert [d.content for d in found].count(rule) == 1 and len(found) == 2
    finally:
        store.close()
