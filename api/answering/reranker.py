"""The learned reranker: scores the hybrid candidates with P(passage answers the question).

Replaces the hand-written answer-type rules (answer_type_rules.py) when a model is trained for the index
(`vraagbaak train`). With order "fused" (the default: ordering by the model measured worse on the dev split) the
candidates keep the retrieval's order and the probability decides whether to answer and which passages to cite
(selection.py); with order "model" they are sorted by it. Exact code rows (a table lookup rather than a judgement)
stay on top. Passages that only list search terms (a rule's "Zoektermen", "Kernbegrippen") come after the others:
their words help retrieval find the rule, but read on their own they answer nothing (dev MRR 0.625 -> 0.634).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from haystack import Document, component

from api.answering.features import Featurizer
from api.answering.ranker_model import RankerModel
from api.answering.sources import is_keyword_list
from index.analyzer import DutchAnalyzer
from index.code_lookup import EXACT


@component
class LearnedReranker:
    """Scores every candidate with the trained model; `score` becomes the probability, `meta.rerank_score` too.
    `documents`: the first `top_k` (those shown); `candidates`: all of them in the same order (whole sources are
    cited from them, see sources.py)."""

    def __init__(self, model: RankerModel, stemmer: str = "dutch", top_k: int = 10, order: str = "fused") -> None:
        if order not in ("fused", "model"):
            raise ValueError(f"order must be fused or model, not {order!r}")
        self.model = model
        self.stemmer = stemmer
        self.top_k = top_k
        self.order = order
        self._featurizer = Featurizer(DutchAnalyzer(stemmer), model.document_frequency, model.n_passages,
                                      model.heading_vectors)

    def to_dict(self) -> dict[str, Any]:
        return {"type": f"{__name__}.LearnedReranker",
                "init_parameters": {"model": self.model.info.get("trained_at"), "stemmer": self.stemmer,
                                    "top_k": self.top_k, "order": self.order}}

    def idf(self, term: str) -> float:
        """The IDF of an index term in the index the model was trained for (the answer stage weighs the question's
        words with it, selection.py)."""
        return self._featurizer.idf(term)

    @component.output_types(documents=list[Document], candidates=list[Document])
    def run(self, query: str, documents: list[Document], query_embedding: list[float] | None = None,
            top_k: int | None = None) -> dict[str, Any]:
        if not documents:
            return {"documents": [], "candidates": []}
        probabilities = self.model.probabilities(self._featurizer.matrix(query, query_embedding, documents))
        scored = [replace(d, score=float(p), meta={**d.meta, "fused_score": d.score, "rerank_score": float(p)})
                  for d, p in zip(documents, probabilities, strict=True)]
        exact = [d for d in scored if d.meta.get("match") == EXACT]
        rest = [d for d in scored if d.meta.get("match") != EXACT]
        if self.order == "model":
            rest.sort(key=lambda d: d.score or 0.0, reverse=True)
        ranked = exact + [d for d in rest if not is_keyword_list(d)] + [d for d in rest if is_keyword_list(d)]
        return {"documents": ranked[: max(top_k or self.top_k, len(exact))], "candidates": ranked}
