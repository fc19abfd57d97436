"""Store round trips on the embedded engine (qdrant-edge) and, when configured, on a Qdrant server."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from haystack import Document
from haystack.document_stores.types import DuplicatePolicy

from index.analyzer import DutchAnalyzer
from index.backend import StoreError, date_int
from index.retriever import region_filter
from index.server_backend import IN_PROCESS
from index.sparse import BM25Encoder
from index.store import VraagbaakDocumentStore
from tests.helpers import QDRANT_URL

_BM25 = BM25Encoder(DutchAnalyzer())

# (scope, doc_type, date, text); the dense vector of passage i is the unit vector e_i.
_PASSAGES = [
    ("achterhoek", "faq", "2022-09", "De zorgaanbieder stuurt een 305 bericht binnen 5 werkdagen."),
    ("drechtsteden", "notulen", "2024-09-17", "De SDD indexeert de tarieven per 1 januari."),
    ("landelijk", "verslag", "2023-06-20", "De nieuwe release van de iStandaard gaat in op 1 april 2024."),
    ("de-fryske-marren", "informatiebrief", "2021-07", "Per 1 januari 2022 werken we resultaatgericht."),
    ("achterhoek", "webpagina", "2021-12", "De overgangsregeling loopt tot het einde van 2022."),
]
DIM = len(_PASSAGES)


def _pid(i: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"vraagbaak-test-{i}"))


def _unit(i: int) -> list[float]:
    return [1.0 if j == i else 0.0 for j in range(DIM)]


def _documents() -> list[Document]:
    return [
        Document(
            id=_pid(i),
            content=text,
            meta={
                "document_id": f"doc-{i}",
                "scope": scope,
                "doc_type": doc_type,
                "date": date,
                "title": f"Titel {i}",
                "position": 0,
                "heading_path": ["Kop", f"Sub {i}"],
            },
            embedding=_unit(i),
            sparse_embedding=_BM25.encode_passage(text),
        )
        for i, (scope, doc_type, date, text) in enumerate(_PASSAGES)
    ]


def _server_param() -> object:
    return pytest.param(
        "server",
        marks=[
            pytest.mark.server,
            pytest.mark.skipif(
                not QDRANT_URL, reason="VRAAGBAAK_QDRANT_URL is not set: no Qdrant server to test against"
            ),
        ],
    )


# The server backend's code through qdrant-client's local mode: the same client calls, answered in this process. It
# runs everywhere; "server" runs the same tests against a real Qdrant server where VRAAGBAAK_QDRANT_URL names one.
BACKENDS = ["edge", pytest.param("client-local", marks=pytest.mark.filterwarnings(
    "ignore:Payload indexes have no effect in the local Qdrant")), _server_param()]


def backend_url(backend: str) -> str | None:
    """The Qdrant URL a test backend opens: None for the embedded engine."""
    return {"edge": None, "client-local": IN_PROCESS, "server": QDRANT_URL}[backend]


def _open_store(backend: str, folder: Path) -> VraagbaakDocumentStore:
    if backend == "edge":
        return VraagbaakDocumentStore(str(folder), model_name="test-model").open(DIM)
    return VraagbaakDocumentStore(
        str(folder),
        model_name="test-model",
        qdrant_url=backend_url(backend),
        collection=f"vraagbaak-test-{uuid.uuid4().hex[:8]}",
    ).open(DIM)


def _dispose(store: VraagbaakDocumentStore) -> None:
    if not store.embedded:
        store.backend.drop_collection()  # type: ignore[attr-defined]
    store.close()


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[VraagbaakDocumentStore]:
    """An empty store of its own, for tests that write."""
    store = _open_store(request.param, tmp_path / "data")
    try:
        yield store
    finally:
        _dispose(store)


@pytest.fixture
def filled(store: VraagbaakDocumentStore) -> VraagbaakDocumentStore:
    assert store.write_documents(_documents()) == DIM
    return store


@pytest.fixture(scope="module", params=BACKENDS)
def readonly(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[VraagbaakDocumentStore]:
    """One filled store per backend, shared by the tests that only read."""
    store = _open_store(request.param, tmp_path_factory.mktemp("readonly-store"))
    try:
        store.write_documents(_documents())
        yield store
    finally:
        _dispose(store)


def _ids(docs: list[Document]) -> set[str]:
    return {d.id for d in docs}


def test_write_count_and_read_back(readonly: VraagbaakDocumentStore) -> None:
    assert readonly.count_documents() == DIM
    stored = {d.id: d for d in readonly.filter_documents()}
    for original in _documents():
        got = stored[original.id]
        assert got.content == original.content
        assert got.meta == original.meta  # content and date_int are storage details, not meta
        assert got.embedding is None  # vectors are not returned by filter_documents


def test_rewriting_the_same_ids_is_idempotent(filled: VraagbaakDocumentStore) -> None:
    docs = _documents()
    docs[0] = Document(
        id=docs[0].id,
        content="Gewijzigde tekst.",
        meta={**docs[0].meta, "title": "Nieuw"},
        embedding=docs[0].embedding,
        sparse_embedding=docs[0].sparse_embedding,
    )
    filled.write_documents(docs, policy=DuplicatePolicy.OVERWRITE)
    assert filled.count_documents() == DIM
    (first,) = filled.filter_documents({"field": "id", "operator": "==", "value": docs[0].id})
    assert (first.content, first.meta["title"]) == ("Gewijzigde tekst.", "Nieuw")


def test_duplicate_policy_fail_refuses_existing_ids(filled: VraagbaakDocumentStore) -> None:
    with pytest.raises(StoreError, match="1 passages bestaan al"):
        filled.write_documents(_documents()[:1], policy=DuplicatePolicy.FAIL)


def test_passage_without_embeddings_is_refused(store: VraagbaakDocumentStore) -> None:
    with pytest.raises(StoreError, match="heeft geen embedding"):
        store.write_documents([Document(id=_pid(99), content="zonder vectoren")])
    assert store.count_documents() == 0


def test_delete_documents(filled: VraagbaakDocumentStore) -> None:
    filled.delete_documents([_pid(0), _pid(1)])
    assert filled.count_documents() == DIM - 2
    assert _pid(0) not in _ids(filled.filter_documents())
    filled.delete_documents([])
    assert filled.count_documents() == DIM - 2


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"field": "meta.scope", "operator": "in", "value": ["drechtsteden", "landelijk"]}, {1, 2}),
        ({"field": "meta.scope", "operator": "==", "value": "achterhoek"}, {0, 4}),
        ({"field": "meta.scope", "operator": "!=", "value": "achterhoek"}, {1, 2, 3}),
        ({"field": "meta.scope", "operator": "not in", "value": ["achterhoek", "landelijk"]}, {1, 3}),
        ({"field": "meta.doc_type", "operator": "in", "value": ["faq", "notulen"]}, {0, 1}),
        ({"field": "meta.date_int", "operator": ">=", "value": date_int("2023-01")}, {1, 2}),
        ({"field": "meta.date_int", "operator": "<", "value": date_int("2022")}, {3, 4}),
        (
            {
                "operator": "AND",
                "conditions": [
                    {"field": "meta.date_int", "operator": ">=", "value": date_int("2021-12")},
                    {"field": "meta.date_int", "operator": "<=", "value": date_int("2022-12-31")},
                ],
            },
            {0, 4},
        ),
        (
            {
                "operator": "OR",
                "conditions": [
                    {"field": "meta.scope", "operator": "==", "value": "de-fryske-marren"},
                    {"field": "meta.doc_type", "operator": "==", "value": "verslag"},
                ],
            },
            {2, 3},
        ),
        (
            {
                "operator": "NOT",
                "conditions": [{"field": "meta.scope", "operator": "==", "value": "achterhoek"}],
            },
            {1, 2, 3},
        ),
        ({"field": "id", "operator": "in", "value": [_pid(2), _pid(3)]}, {2, 3}),
        ({"field": "meta.document_id", "operator": "==", "value": "doc-4"}, {4}),
    ],
)
def test_haystack_filters(readonly: VraagbaakDocumentStore, filters: dict, expected: set[int]) -> None:
    assert _ids(readonly.filter_documents(filters)) == {_pid(i) for i in expected}
    assert readonly.backend.count(filters) == len(expected)


def test_region_filter_returns_that_region_and_national_only(readonly: VraagbaakDocumentStore) -> None:
    docs = readonly.filter_documents(region_filter("drechtsteden"))
    assert {d.meta["scope"] for d in docs} == {"drechtsteden", "landelijk"}
    dense, sparse = readonly.search(
        _unit(0), _BM25.encode_query("305 bericht werkdagen"), region_filter("drechtsteden"), limit=10
    )
    assert {d.meta["scope"] for d in dense + sparse} <= {"drechtsteden", "landelijk"}
    assert _pid(0) not in _ids(dense + sparse)


def test_region_filter_with_document_type_and_start_date(readonly: VraagbaakDocumentStore) -> None:
    flt = region_filter("achterhoek", doc_types=["faq", "verslag"], date_from="2022-01")
    assert _ids(readonly.filter_documents(flt)) == {_pid(0), _pid(2)}


def test_unknown_filter_operator_is_a_store_error(readonly: VraagbaakDocumentStore) -> None:
    with pytest.raises(StoreError, match="onbekende filter-operator"):
        readonly.filter_documents({"field": "meta.scope", "operator": "~", "value": "x"})


def test_search_returns_both_channels_ranked(readonly: VraagbaakDocumentStore) -> None:
    dense, sparse = readonly.search(_unit(2), _BM25.encode_query("tarieven indexeren januari"), None, limit=3)

    assert len(dense) == 3 and dense[0].id == _pid(2)
    assert dense[0].score == pytest.approx(1.0, abs=1e-4)
    assert [d.score for d in dense] == sorted((d.score for d in dense), reverse=True)
    assert sparse[0].id == _pid(1)  # "tarieven", "januari" and "indexeert" ~ "indexeren"
    assert all(d.content for d in dense + sparse)
    dense_only, none = readonly.search(_unit(0), None, None, limit=2)
    assert dense_only[0].id == _pid(0) and none == []
    no_dense, bm25 = readonly.search(None, _BM25.encode_query("overgangsregeling"), None, limit=2)
    assert no_dense == [] and bm25[0].id == _pid(4)


def test_a_passage_is_found_by_its_closest_vector_once(tmp_path: Path) -> None:
    """Each passage has a vector with its header and one of its body alone; the dense ranking scores a passage by the
    closer of the two and lists it once."""
    from index.store import BODY_EMBEDDING

    docs = _documents()
    # Passage 0's header vector points at e_0, its body at e_3; passage 3 has no separate body vector.
    docs[0] = replace(docs[0], meta={**docs[0].meta, BODY_EMBEDDING: _unit(3)})
    store = VraagbaakDocumentStore(str(tmp_path / "data"), model_name="m").open(DIM)
    try:
        store.write_documents(docs)
        dense, _ = store.search(_unit(3), None, None, limit=DIM)
        ids = [d.id for d in dense]
        assert ids[:2] == [_pid(0), _pid(3)] or ids[:2] == [_pid(3), _pid(0)]
        assert dense[0].score == pytest.approx(1.0, abs=1e-4) and dense[1].score == pytest.approx(1.0, abs=1e-4)
        assert len(ids) == len(set(ids)) == DIM
        assert BODY_EMBEDDING not in dense[0].meta  # the vector is not copied into the payload
        by_header, _ = store.search(_unit(0), None, None, limit=1)
        assert by_header[0].id == _pid(0)
        assert store.vectors_of([_pid(0)])[_pid(0)][3] == pytest.approx(_unit(3))
    finally:
        store.close()


def test_bm25_idf_favours_rare_terms(readonly: VraagbaakDocumentStore) -> None:
    # "januari" is in three passages, "resultaatgericht" in one: the rare term decides.
    _, sparse = readonly.search(None, _BM25.encode_query("januari resultaatgericht"), None, limit=5)
    assert sparse[0].id == _pid(3)


def test_index_state_vectors_and_regions(readonly: VraagbaakDocumentStore) -> None:
    state = readonly.index_state()
    assert set(state) == {f"doc-{i}" for i in range(DIM)}
    assert state["doc-0"]["ids"] == {_pid(0)} and state["doc-0"]["positions"] == [0]
    vectors = readonly.vectors_of([_pid(1)])
    dense, sparse, _, body = vectors[_pid(1)]
    assert dense == pytest.approx(_unit(1))
    assert body == pytest.approx(_unit(1))  # written without a body vector: the passage has no header
    expected = _BM25.encode_passage(_PASSAGES[1][3])
    assert dict(zip(sparse.indices, sparse.values, strict=True)) == pytest.approx(
        dict(zip(expected.indices, expected.values, strict=True))
    )
    assert readonly.vectors_of([]) == {}
    assert readonly.regions() == ["achterhoek", "de-fryske-marren", "drechtsteden", "landelijk"]


def test_to_dict_from_dict(tmp_path: Path) -> None:
    store = VraagbaakDocumentStore(
        str(tmp_path), model_name="m", collection="c", purpose="serve", public_url="http://127.0.0.1:8000"
    )
    data = store.to_dict()
    assert data["type"] == "index.store.VraagbaakDocumentStore"
    assert data["init_parameters"]["purpose"] == "serve"
    restored = VraagbaakDocumentStore.from_dict(data)
    assert (restored.data_dir, restored.model_name, restored.collection) == (str(tmp_path), "m", "c")


def test_unopened_store_says_so(tmp_path: Path) -> None:
    store = VraagbaakDocumentStore(str(tmp_path))
    assert not store.exists()
    with pytest.raises(StoreError, match="niet geopend"):
        store.count_documents()


def test_data_persists_after_close_and_reopen(tmp_path: Path) -> None:
    first = VraagbaakDocumentStore(str(tmp_path / "data"), model_name="m").open(DIM)
    first.write_documents(_documents())
    first.close()
    assert first.exists()
    again = VraagbaakDocumentStore(str(tmp_path / "data"), model_name="m").open(DIM)
    try:
        assert again.count_documents() == DIM
        assert again.shard_path == tmp_path / "data" / "index" / "m-2"
    finally:
        again.close()


def test_date_int_orders_partial_dates() -> None:
    assert date_int("2022-09") == 20220900
    assert date_int("2024-09-17") == 20240917
    assert date_int("2021") == 20210000
    assert date_int(None) is None
    assert date_int("2021-12") < date_int("2022") < date_int("2022-01-01")


def test_region_filter_shapes() -> None:
    assert region_filter(None) is None
    assert region_filter("achterhoek") == {
        "field": "meta.scope",
        "operator": "in",
        "value": ["achterhoek", "landelijk"],
    }
    combined = region_filter("drechtsteden", ["notulen"], "2024-01")
    assert combined["operator"] == "AND" and len(combined["conditions"]) == 3


def test_allowed_regions_bound_the_filter_whatever_is_asked(readonly: VraagbaakDocumentStore) -> None:
    from index.retriever import region_filter

    def scopes(filters: dict | None) -> set[str]:
        return {d.meta["scope"] for d in readonly.filter_documents(filters)}

    everything = scopes(None)
    assert {"achterhoek", "drechtsteden", "landelijk"} <= everything
    assert scopes(region_filter(None, allowed=["achterhoek"])) == {"achterhoek", "landelijk"}
    assert scopes(region_filter("achterhoek", allowed=["achterhoek"])) == {"achterhoek", "landelijk"}
    # A region outside the caller's: never its passages, only national ones (the service refuses it before).
    assert scopes(region_filter("drechtsteden", allowed=["achterhoek"])) == {"landelijk"}
    assert scopes(region_filter(None, allowed=[])) == {"landelijk"}


def test_the_region_field_is_the_tenant_key_of_a_server_collection() -> None:
    from qdrant_client import models

    from index.server_backend import TENANT_FIELD, payload_index_schema

    assert TENANT_FIELD == "scope"
    tenant = payload_index_schema("scope")
    assert isinstance(tenant, models.KeywordIndexParams) and tenant.is_tenant is True
    assert payload_index_schema("doc_type") == models.PayloadSchemaType.KEYWORD


@pytest.mark.server
@pytest.mark.skipif(not QDRANT_URL, reason="VRAAGBAAK_QDRANT_URL is not set: no Qdrant server to test against")
def test_server_collection_has_a_tenant_index_on_the_region(tmp_path: Path) -> None:
    from index.retriever import region_filter

    store = _open_store("server", tmp_path / "data")
    try:
        info = store.backend.client.get_collection(store.backend.collection)  # type: ignore[attr-defined]
        params = info.payload_schema["scope"].params
        assert params is not None and params.is_tenant is True
        store.write_documents(_documents())
        found = store.filter_documents(region_filter(None, allowed=["achterhoek"]))
        assert found and {d.meta["scope"] for d in found} <= {"achterhoek", "landelijk"}
    finally:
        _dispose(store)
