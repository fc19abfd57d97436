"""API tests run against their own copy of the session's real index (one per test module)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from index.settings import Settings
from tests.conftest import SessionIndex
from tests.helpers import copy_data_dir, settings_for


@pytest.fixture(scope="module")
def settings(session_index: SessionIndex, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return settings_for(copy_data_dir(session_index.data_dir, tmp_path_factory.mktemp("api") / "data"))


@pytest.fixture(scope="module")
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client
