"""The trained reranker on disk: the model, the IDF table and heading vectors of the index it was trained for.

Stored in `<data_dir>/ranker/` next to the index (never in the repository). `RankerModel.load` returns None when no
model was trained, so the service falls back to the rule-based ranking and says so in /health.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from api.answering.features import FEATURES, MODEL_FEATURES

MODEL_FILE = "model.json"
LEGACY_MODEL_FILE = "model.pkl"  # before 2026-12-07: a pickled scikit-learn pipeline
INFO_FILE = "info.json"
DF_FILE = "document_frequency.json"
HEADINGS_FILE = "headings.npz"


def ranker_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "ranker"


def index_fingerprint(content_hashes: list[str]) -> str:
    """A short digest of the passages in the index: tells whether the ranker was trained for this index state."""
    digest = hashlib.sha256("\n".join(sorted(h or "" for h in content_hashes)).encode()).hexdigest()
    return digest[:16]


@dataclass(frozen=True)
class LogisticModel:
    """A standardised logistic regression as plain numbers: P = sigmoid(coef . (x - mean) / scale + intercept).
    Stored as JSON, so a service that answers neither imports scikit-learn (2.4 s of every start) nor unpickles a
    file."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    @classmethod
    def from_pipeline(cls, pipeline: Any) -> LogisticModel:
        """From a fitted scikit-learn make_pipeline(StandardScaler(), LogisticRegression())."""
        scaler, regression = pipeline[0], pipeline[-1]
        return cls(np.asarray(scaler.mean_, dtype=np.float64), np.asarray(scaler.scale_, dtype=np.float64),
                   np.asarray(regression.coef_[0], dtype=np.float64), float(regression.intercept_[0]))

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        z = ((np.asarray(x, dtype=np.float64) - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500)))

    def to_json(self) -> dict[str, Any]:
        return {"kind": "standardised logistic regression", "mean": self.mean.tolist(),
                "scale": self.scale.tolist(), "coef": self.coef.tolist(), "intercept": self.intercept}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LogisticModel:
        """ValueError when a number is missing or the lengths differ."""
        try:
            mean, scale, coef = (np.asarray(data[k], dtype=np.float64) for k in ("mean", "scale", "coef"))
            intercept = float(data["intercept"])
        except (KeyError, TypeError) as exc:
            raise ValueError(f"{MODEL_FILE} mist {exc}") from exc
        if not (mean.ndim == 1 and mean.shape == scale.shape == coef.shape) or not np.all(scale > 0):
            raise ValueError(f"{MODEL_FILE}: mean, scale en coef passen niet bij elkaar")
        return cls(mean, scale, coef, intercept)


@dataclass
class RankerModel:
    estimator: LogisticModel
    document_frequency: dict[str, int]
    n_passages: int
    heading_vectors: dict[str, np.ndarray]
    info: dict[str, Any] = field(default_factory=dict)

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """P(passage answers the question) per row of features."""
        if len(x) == 0:
            return np.zeros(0)
        columns = [FEATURES.index(f) for f in self.info.get("model_features", FEATURES)]
        return self.estimator.probabilities(np.nan_to_num(x[:, columns]))

    def save(self, directory: Path) -> int:
        """Write every file (each replaced atomically); returns the size in bytes."""
        directory.mkdir(parents=True, exist_ok=True)
        headings = list(self.heading_vectors)
        vectors = np.stack([self.heading_vectors[h] for h in headings]) if headings else np.zeros((0, 1))
        files = {
            MODEL_FILE: json.dumps(self.estimator.to_json()).encode(),
            DF_FILE: json.dumps({"n_passages": self.n_passages, "df": self.document_frequency},
                                ensure_ascii=False).encode(),
        }
        for name, data in files.items():
            tmp = directory / f".{name}.tmp"
            tmp.write_bytes(data)
            tmp.replace(directory / name)
        tmp = directory / ".headings.tmp.npz"
        np.savez_compressed(tmp, headings=np.asarray(headings, dtype=str), vectors=vectors.astype(np.float16))
        tmp.replace(directory / HEADINGS_FILE)
        size = sum((directory / n).stat().st_size for n in (MODEL_FILE, DF_FILE, HEADINGS_FILE))
        info = {"model_features": list(MODEL_FEATURES), **self.info, "features": list(FEATURES), "size_bytes": size}
        tmp = directory / f".{INFO_FILE}.tmp"
        tmp.write_text(json.dumps(info, ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(directory / INFO_FILE)  # written last: a model without info.json is incomplete
        self.info = info
        return size

    @classmethod
    def load(cls, directory: Path) -> RankerModel | None:
        """The model in `directory`, or None when none was trained (or it was trained by another version of the
        code: other features, or the pickled model of before 2026-12-07). OSError/ValueError when its files are
        damaged."""
        info_path = directory / INFO_FILE
        if not info_path.is_file():
            return None
        info = json.loads(info_path.read_text(encoding="utf-8"))
        if info.get("features") != list(FEATURES) or not set(info.get("model_features", ())) <= set(FEATURES):
            return None  # trained by another version of the code: its columns mean something else
        if not (directory / MODEL_FILE).exists() and (directory / LEGACY_MODEL_FILE).exists():
            return None
        estimator = LogisticModel.from_json(json.loads((directory / MODEL_FILE).read_text(encoding="utf-8")))
        if len(estimator.coef) != len(info.get("model_features", FEATURES)):
            raise ValueError(f"{MODEL_FILE} heeft {len(estimator.coef)} gewichten, info.json noemt er "
                             f"{len(info.get('model_features', FEATURES))}")
        df = json.loads((directory / DF_FILE).read_text(encoding="utf-8"))
        with np.load(directory / HEADINGS_FILE, allow_pickle=False) as data:
            vectors = data["vectors"].astype(np.float32)
            headings = {str(h): vectors[i] for i, h in enumerate(data["headings"])}
        return cls(estimator, df["df"], int(df["n_passages"]), headings, info)
