"""Helpers shared by the tests: corpora written to disk, settings for a data directory, subprocesses."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from index.settings import Settings

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"


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
    """Explicit settings for a test; nothing comes from the developer's environment (see conftest)."""
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
    )
    env.update(extra)
    return env


def run_cli(args: list[str], env: dict[str, str], timeout: float = 300, **kwargs: Any) -> subprocess.CompletedProcess:
    """Run `vraagbaak ARGS` to completion (the timeout only guards against a hang)."""
    return subprocess.run(
        [*vraagbaak_command(), *args], env=env, capture_output=True, text=True, timeout=timeout, cwd=REPO, **kwargs
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
