"""Fusing the dense and the BM25 ranking into one list."""

from __future__ import annotations

from dataclasses import replace

from haystack import Document


def fuse(
    dense: list[Document],
    sparse: list[Document],
    method: str = "rrf",
    k: int = 60,
    weights: tuple[float, float] = (1.0, 1.0),
) -> list[Document]:
    """Reciprocal rank fusion (`rrf`) or a weighted sum of min-max normalised scores (`weighted`).

    Every fused Document keeps both channels' scores and ranks in meta (dense_score, bm25_score,
    dense_rank, bm25_rank) so that answer composition and abstention can look at them.
    """
    docs: dict[str, Document] = {}
    signals: dict[str, dict[str, float]] = {}
    for channel, ranking in (("dense", dense), ("bm25", sparse)):
        scores = [d.score or 0.0 for d in ranking]
        top, bottom = max(scores, default=1.0), min(scores, default=0.0)
        spread = (top - bottom) or 1.0
        for rank, doc in enumerate(ranking, start=1):
            docs.setdefault(doc.id, doc)
            sig = signals.setdefault(doc.id, {})
            sig[f"{channel}_score"] = float(doc.score or 0.0)
            sig[f"{channel}_rank"] = rank
            sig[f"{channel}_norm"] = (float(doc.score or 0.0) - bottom) / spread
    fused: list[Document] = []
    for doc_id, sig in signals.items():
        if method == "rrf":
            score = sum(
                w / (k + sig[f"{ch}_rank"]) for ch, w in (("dense", weights[0]), ("bm25", weights[1]))
                if f"{ch}_rank" in sig
            )
        elif method == "weighted":
            score = weights[0] * sig.get("dense_norm", 0.0) + weights[1] * sig.get("bm25_norm", 0.0)
        else:
            raise ValueError(f"unknown fusion method {method!r} (rrf or weighted)")
        meta = {**docs[doc_id].meta, **{key: val for key, val in sig.items() if not key.endswith("_norm")}}
        fused.append(replace(docs[doc_id], score=score, meta=meta))
    fused.sort(key=lambda d: d.score or 0.0, reverse=True)
    return fused
