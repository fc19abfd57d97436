"""Follow-up questions in evaluation: asked after their `history`, compared with the standalone and the bare question.

For an item with a history, the earlier questions are asked first (through the same rewriter and service as
`/v1/chat`), then the follow-up is rewritten and retrieved. The same item is also scored with its fully spelled
out `standalone` question and with the follow-up alone (no conversation), so the report shows what the rewriting
gains and how far it stays from a user who spells everything out.
"""

from __future__ import annotations

from typing import Any

from api.answering.followups import FollowUpRewriter
from api.chat import build_rewriter, rewrite_in_context
from api.service import QAService
from evaluation.dataset import EvalItem
from evaluation.metrics import first_hit_rank, retrieval_metrics

TOLERANCE = 0.05  # the rewritten follow-ups may score at most this much below the standalone questions (hit@5)
TARGET_HIT5 = 0.9


class FollowUpScorer:
    """Ranks for one follow-up item: in conversation, standalone and bare; one rewriter per service."""

    def __init__(self, service: QAService) -> None:
        self.service = service
        self._rewriter: FollowUpRewriter | None = None

    @property
    def rewriter(self) -> FollowUpRewriter:
        if self._rewriter is None:
            self._rewriter = build_rewriter(self.service)
        return self._rewriter

    def _rank(self, item: EvalItem, query: str, region: str | None) -> tuple[int | None, bool]:
        response, docs = self.service.run(query, region, top_k=10)
        hits = [item.is_hit(d.meta.get("document_id", ""), d.content or "", d.meta.get("file")) for d in docs]
        return first_hit_rank(hits), response.answered

    def score(self, item: EvalItem) -> tuple[Any, list[Any], dict[str, Any]]:
        """(response, passages) of the follow-up asked in its conversation, plus comparison fields for the row."""
        rewrite = rewrite_in_context(self.service, self.rewriter, item.history, item.question, item.region)
        response, docs = self.service.run(rewrite.query, rewrite.region, top_k=10, context=rewrite.context)
        extra: dict[str, Any] = {"history": list(item.history), "searched": rewrite.query,
                                 "searched_region": rewrite.region, "followup_kind": rewrite.kind,
                                 "bare_rank": self._rank(item, item.question, item.region)[0]}
        if item.standalone:
            extra["standalone_rank"], extra["standalone_answered"] = self._rank(item, item.standalone, item.region)
        return response, docs, extra


def followup_summary(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """hit@5 etc. of the follow-ups in conversation vs. standalone vs. bare; None when there are no follow-ups."""
    rows = [r for r in rows if r.get("history")]
    if not rows:
        return None
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    out: dict[str, Any] = {"items": len(rows), "answerable": len(answerable)}
    # "cited_in_conversation": the answering passage among the answer's citations (the follow-up target).
    for label, key in (("in_conversation", "rank"), ("cited_in_conversation", "cited_rank"),
                       ("standalone", "standalone_rank"), ("bare", "bare_rank")):
        out[label] = {k: round(v, 4) for k, v in retrieval_metrics([r.get(key) for r in answerable]).items()}
    out["abstained_unanswerable"] = sum(1 for r in unanswerable if not r["answered"])
    out["unanswerable"] = len(unanswerable)
    gap = out["standalone"]["hit@5"] - out["in_conversation"]["hit@5"]
    out["gap_to_standalone_hit@5"] = round(gap, 4)
    out["target_met"] = out["in_conversation"]["hit@5"] >= TARGET_HIT5 and gap <= TOLERANCE
    return out


def print_followups(results: dict[str, Any]) -> None:
    for mode, res in results["modes"].items():
        summary = res.get("followups")
        if not summary:
            continue
        print(f"\n== vervolgvragen ({mode}, {summary['answerable']} beantwoordbaar) ==")
        print(f"{'':<24}{'hit@1':>10}{'hit@5':>10}{'mrr@10':>10}")
        for label, name in (("in_conversation", "in gesprek"), ("cited_in_conversation", "in gesprek, geciteerd"),
                            ("standalone", "volledig gesteld"), ("bare", "zonder gesprek")):
            if label not in summary:  # results written before citations were counted
                continue
            m = summary[label]
            print(f"{name:<24}{m['hit@1']:>10.3f}{m['hit@5']:>10.3f}{m['mrr@10']:>10.3f}")
        print(f"verschil met volledig gesteld (hit@5): {summary['gap_to_standalone_hit@5']:+.3f}; "
              f"terecht geweigerd {summary['abstained_unanswerable']} / {summary['unanswerable']}; doel "
              f"(hit@5 >= {TARGET_HIT5}, verschil <= {TOLERANCE}): "
              f"{'gehaald' if summary['target_met'] else 'NIET gehaald'}")
