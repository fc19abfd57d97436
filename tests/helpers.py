"""Helpers shared by the tests: corpora written to disk, settings for a data directory, subprocesses."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import yaml

from index.settings import Settings

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
# Read at import, before the session fixture hides the developer's VRAAGBAAK_* variables from the tests.
QDRANT_URL = os.environ.get("VRAAGBAAK_QDRANT_URL") or os.environ.get("VRAAGBAAK_QDRANT__URL")


def write_corpus(folder: Path, documents: list[dict[str, Any]]) -> Path:
    """Write files and a manifest.yaml; each item is a manifest entry plus a 'text' (str or bytes)."""
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    for item in documents:
        item = dict(item)
        text = item.pop("text", None)
        if text is not None:
            target = folder / item["file"]
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(text, bytes):
                target.write_bytes(text)
            else:
                target.write_text(text, encoding="utf-8")
        entries.append(item)
    (folder / "manifest.yaml").write_text(
        yaml.safe_dump({"documents": entries}, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    return folder


def make_data_dir(path: Path, model_cache: Path) -> Path:
    """A data directory whose model cache is the session-wide one (a symlink, so copies share it)."""
    path.mkdir(parents=True, exist_ok=True)
    link = path / "cache"
    if not link.exists():
        link.symlink_to(model_cache, target_is_directory=True)
    return path


def settings_for(data_dir: Path, corpus_dir: Path = CORPUS, **overrides: Any) -> Settings:
    """Explicit settings for a test; nothing comes from the developer's environment (see conftest). A test's new
    index is not trained on its first build (`ranker.train_on_build`) unless the test asks for it: the tests of
    the rule-based ranking need none, and the learned ones train explicitly."""
    overrides.setdefault("ranker", {"train_on_build": False})
    return Settings(data_dir=data_dir, corpus_dir=corpus_dir, **overrides)


def copy_data_dir(source: Path, target: Path) -> Path:
    """A private copy of an index (the model cache stays a symlink)."""
    shutil.copytree(source, target, symlinks=True)
    return target


def vraagbaak_command() -> list[str]:
    """The installed `vraagbaak` console script of this virtualenv."""
    script = Path(sys.executable).with_name("vraagbaak")
    assert script.exists(), f"console script not installed next to {sys.executable}: pip install -e ."
    return [str(script)]


def cli_env(data_dir: Path, corpus_dir: Path = CORPUS, **extra: str) -> dict[str, str]:
    """Environment for a subprocess: no VRAAGBAAK_* from the developer, only the given directories."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VRAAGBAAK_")}
    env.update(
        VRAAGBAAK_DATA_DIR=str(data_dir),
        VRAAGBAAK_CORPUS_DIR=str(corpus_dir),
        PYTHONUNBUFFERED="1",
        HF_HUB_OFFLINE="1",
        VRAAGBAAK_RANKER__TRAIN_ON_BUILD="false",  # see settings_for
    )
    env.update(extra)
    return env


def run_cli(
    args: list[str], env: dict[str, str], timeout: float = 300, **kwargs: Any
) -> subprocess.CompletedProcess:
    """Run `vraagbaak ARGS` to completion (the timeout only guards against a hang)."""
    return subprocess.run(
        [*vraagbaak_command(), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
        **kwargs,
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(condition: Any, what: str, timeout: float = 180, interval: float = 0.2) -> Any:
    """Poll until condition() returns something truthy; fail with `what` when it never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"gave up waiting for {what} after {timeout:.0f} s")


def normalise(text: str) -> str:
    return " ".join(text.split())


def small_corpus_documents() -> list[dict[str, Any]]:
    """Three short Dutch documents (Markdown FAQ, plain-text minutes, a national report) with metadata."""
    return [
        {
            "id": "achterhoek-berichten-faq",
            "title": "Berichtenverkeer Achterhoek: veelgestelde vragen",
            "publisher": "Sociaal Domein Achterhoek",
            "scope": "achterhoek",
            "doc_type": "faq",
            "date": "2022-09",
            "file": "berichten.md",
            "text": (
                "# Berichtenverkeer bij de start van zorg\n\n"
                "## Welk bericht stuur ik als de zorg start?\n\n"
                "De zorgaanbieder stuurt een 'Start zorg' bericht (305) binnen 5 werkdagen na de "
                "daadwerkelijke "
                "start van de zorg. Zonder 305 kan de gemeente de declaratie niet verwerken.\n\n"
                "## Moet ik een ontvangstbevestiging sturen?\n\n"
                "Ja. Op elk heenbericht volgt binnen 3 werkdagen een retourbericht met een retourcode. Het "
                "retourbericht laat zien of het bericht technisch is goedgekeurd.\n"
            ),
        },
        {
            "id": "drechtsteden-notulen",
            "title": "Notulen overleg begeleiding Drechtsteden",
            "publisher": "Sociale Dienst Drechtsteden",
            "scope": "drechtsteden",
            "doc_type": "notulen",
            "date": "2024-09-17",
            "file": "notulen.txt",
            "text": (
                "Notulen overleg begeleiding\n\n"
                "1. Opening\n\n"
                "De voorzitter opent de vergadering en heet iedereen welkom. "
                "Er zijn vijf aanbieders aanwezig en "
                "twee medewerkers van de SDD.\n\n"
                "2. Indexering\n\n"
                "De SDD indexeert de tarieven per 1 januari op basis van het voorlopige prijsindexcijfer. "
                "Aanbieders kunnen tot 1 november een onderbouwd bezwaar indienen tegen deze werkwijze.\n\n"
                "3. Rondvraag\n\n"
                "Er zijn geen vragen gesteld. De volgende vergadering van de overlegtafel is in december.\n"
            ),
        },
        {
            "id": "landelijk-referentiegroep",
            "title": "Verslag referentiegroep iWmo release 2024",
            "publisher": "Zorginstituut Nederland",
            "scope": "landelijk",
            "doc_type": "verslag",
            "date": "2023-06-20",
            "file": "verslag.txt",
            "text": (
                "Verslag referentiegroep iWmo\n\n"
                "Tijdens de referentiegroep is gesproken over de nieuwe release van de iStandaard. "
                "De release gaat "
                "in op 1 april 2024 en vervangt de huidige versie van de berichten.\n\n"
                "Stopbericht\n\n"
                "Bij een stopbericht (307) geeft de aanbieder de reden van beëindiging door. "
                "De gemeente trekt "
                "daarna de toewijzing in met een nieuw toewijzingsbericht (301).\n"
            ),
        },
    ]


def expected_chunks(corpus_dir: Path, settings: Settings) -> dict[str, list[Any]]:
    """What the index should hold for a corpus, per document id: convert and cut it as ingestion does."""
    from api.service import embedding_model_for
    from index.store import VraagbaakDocumentStore
    from ingest.converters import SourceFile
    from ingest.manifest import load_manifest
    from ingest.pipeline import build_indexing_pipeline
    from ingest.runner import source_hash

    # The converter and chunker exactly as ingestion configures them (building the pipeline loads nothing).
    pipeline = build_indexing_pipeline(
        settings, VraagbaakDocumentStore(str(settings.data_dir)), embedding_model_for(settings)
    )
    manifest = load_manifest(corpus_dir)
    sources = []
    for entry in manifest.documents:
        path = manifest.path_of(entry)
        if path.is_file():
            sources.append(SourceFile(path, entry, source_hash(path, entry, settings)))
    pages = pipeline.get_component("converter").run(sources)["documents"]
    chunks = pipeline.get_component("chunker").run(pages)["documents"]
    out: dict[str, list[Any]] = {}
    for chunk in chunks:
        out.setdefault(chunk.meta["document_id"], []).append(chunk)
    return out


def stored_ids(store: Any) -> dict[str, set[str]]:
    """Passage ids in an opened store, per document id."""
    out: dict[str, set[str]] = {}
    for doc in store.filter_documents():
        out.setdefault(doc.meta["document_id"], set()).add(doc.id)
    return out


@contextmanager
def serving(env: dict[str, str], port: int, log: Path, extra: tuple[str, ...] = ()) -> Iterator[subprocess.Popen]:
    """`vraagbaak serve` on 127.0.0.1:port (plus `extra` options, e.g. --auth), yielded once /health answers;
    stopped (terminate, then kill) after."""
    with log.open("w") as out:
        proc = subprocess.Popen([*vraagbaak_command(), "serve", "--host", "127.0.0.1", "--port", str(port), *extra],
                                env=env, stdout=out, stderr=subprocess.STDOUT, cwd=REPO)
    try:
        def healthy() -> bool:
            assert proc.poll() is None, f"vraagbaak serve exited with {proc.returncode}:\n{log.read_text()[-3000:]}"
            try:
                return httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).status_code == 200
            except httpx.TransportError:
                return False

        wait_until(healthy, "vraagbaak serve to answer /health", timeout=300, interval=0.5)
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=30)
