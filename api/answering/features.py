"""What the learned reranker sees of a (question, candidate passage) pair: a fixed vector of numbers.

The features are general signals, not rules: both retrieval channels' scores and ranks, how much of the question
(IDF-weighted, stemmed) the passage body and its heading cover, how close the question is to the heading alone in
embedding space, and the passage's shape (table row, FAQ answer, length). Relative versions (this candidate against
the best candidate of the same question) let the model compare candidates of a question whatever its wording.
The ranker learns how to weigh them from pairs mined from the corpus itself (see pairs.py, training.py).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

import numpy as np
from haystack import Document

from index.analyzer import DutchAnalyzer
from index.code_lookup import EXACT

FEATURES = (
    "dense", "dense_gap", "dense_rank_inv", "bm25_log", "bm25_rel", "bm25_rank_inv", "fused_rank_inv",
    "cover_body", "cover_head", "cover_all", "cover_all_gap", "cover_plain", "missing_idf", "bigrams",
    "head_cos", "head_cos_gap", "title_cover",
    "is_row", "is_faq", "log_words", "depth", "exact_code", "superseded",
    "asks_value", "has_number", "value_match", "query_terms",
)
# The columns the stored model uses: how strongly each retrieval channel found the passage, and how close its heading
# is to the question. The lexical and shape features (coverage, rows, values) made the model worse on the dev split:
# they separate mined pairs (whose queries are headings) but not real questions.
MODEL_FEATURES = (
    "dense", "dense_gap", "dense_rank_inv", "bm25_log", "bm25_rel", "bm25_rank_inv", "fused_rank_inv",
    "head_cos", "head_cos_gap",
)
_NUMBER = re.compile(r"\b\d[\d.,]*\b|\b(?:twee|drie|vier|vijf|zes|zeven|acht|negen|tien|twaalf|twintig|dertig|"
                     r"veertig|zestig|honderd)\b", re.IGNORECASE)
# Words that open a question asking for a quantity; a learned weight decides what it is worth.
_ASKS_VALUE = re.compile(r"\b(?:hoeveel|hoe ?lang|hoe snel|hoe vaak|binnen welke|welke termijn|wanneer|"
                         r"hoe hoog|uiterlijk|termijn|deadline)\b", re.IGNORECASE)


def heading_text(doc: Document) -> str:
    """The passage's heading: its context header (title | section) or, failing that, its title."""
    return str(doc.meta.get("context") or doc.meta.get("title") or "")


class Featurizer:
    """Computes FEATURES for the candidates of one question.

    `document_frequency`/`n_passages` give the IDF of the index the ranker was trained for; `heading_vectors` maps a
    heading text to its normalised embedding (missing headings get NaN, which the model handles)."""

    def __init__(self, analyzer: DutchAnalyzer, document_frequency: Mapping[str, int], n_passages: int,
                 heading_vectors: Mapping[str, np.ndarray] | None = None) -> None:
        self.analyzer = analyzer
        self.document_frequency = document_frequency
        self.n_passages = max(n_passages, 1)
        self.heading_vectors = heading_vectors or {}

    def idf(self, term: str) -> float:
        df = self.document_frequency.get(term, 0)
        return math.log(1 + (self.n_passages - df + 0.5) / (df + 0.5))

    def matrix(self, query: str, query_embedding: Sequence[float] | None, documents: Sequence[Document]) -> np.ndarray:
        """One row of FEATURES per candidate, in the candidates' order (their fused ranking)."""
        if not documents:
            return np.zeros((0, len(FEATURES)), dtype=np.float32)
        q_terms = list(dict.fromkeys(self.analyzer.terms(query)))
        weights = {t: self.idf(t) for t in q_terms}
        total = sum(weights.values()) or 1.0
        q_bigrams = set(zip(q_terms, q_terms[1:], strict=False))
        q_vec = np.asarray(query_embedding, dtype=np.float32) if query_embedding is not None else None
        asks_value = float(bool(_ASKS_VALUE.search(query)))
        rows = []
        for position, doc in enumerate(documents, start=1):
            meta = doc.meta
            body_terms = self.analyzer.terms(doc.content or "")
            body = set(body_terms)
            head = set(self.analyzer.terms(heading_text(doc)))
            title = set(self.analyzer.terms(str(meta.get("title") or "")))
            both = body | head
            missing = [weights[t] for t in q_terms if t not in both]
            vec = self.heading_vectors.get(heading_text(doc))
            head_cos = float(vec @ q_vec) if vec is not None and q_vec is not None else math.nan
            has_number = float(bool(_NUMBER.search(doc.content or "")))
            bm25 = meta.get("bm25_score")
            rows.append([
                float(meta.get("dense_score") or 0.0), 0.0,
                1.0 / meta["dense_rank"] if meta.get("dense_rank") else 0.0,
                math.log1p(float(bm25)) if bm25 else 0.0, float(bm25 or 0.0), 
                1.0 / meta["bm25_rank"] if meta.get("bm25_rank") else 0.0,
                1.0 / position,
                sum(w for t, w in weights.items() if t in body) / total,
                sum(w for t, w in weights.items() if t in head) / total,
                sum(w for t, w in weights.items() if t in both) / total, 0.0,
                len([t for t in q_terms if t in both]) / max(len(q_terms), 1),
                max(missing, default=0.0),
                len(q_bigrams & set(zip(body_terms, body_terms[1:], strict=False))) / max(len(q_bigrams), 1),
                head_cos, 0.0,
                sum(w for t, w in weights.items() if t in title) / total,
                float(meta.get("row") is not None),
                float(bool(meta.get("heading_path")) and str(meta["heading_path"][-1]).rstrip().endswith("?")),
                math.log1p(len((doc.content or "").split())),
                float(len(meta.get("heading_path") or [])),
                float(meta.get("match") == EXACT),
                float(bool(meta.get("superseded_by"))),
                asks_value, has_number, asks_value * has_number,
                float(len(q_terms)),
            ])
        x = np.asarray(rows, dtype=np.float32)
        col = {name: i for i, name in enumerate(FEATURES)}
        x[:, col["dense_gap"]] = x[:, col["dense"]] - x[:, col["dense"]].max()
        top_bm25 = x[:, col["bm25_rel"]].max()
        x[:, col["bm25_rel"]] = x[:, col["bm25_rel"]] / top_bm25 if top_bm25 > 0 else 0.0
        x[:, col["cover_all_gap"]] = x[:, col["cover_all"]] - x[:, col["cover_all"]].max()
        head = x[:, col["head_cos"]]
        if not np.all(np.isnan(head)):
            x[:, col["head_cos_gap"]] = head - np.nanmax(head)
        else:
            x[:, col["head_cos_gap"]] = math.nan
        return x
