"""The service layer: opens the index (building it on first use), answers and searches. No HTTP here."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from haystack import Document, Pipeline

from api.answering.calibration import Calibration
from api.answering.followup_terms import region_aliases
from api.answering.followups import FollowUpContext
from api.answering.pipeline import build_abbreviations, build_query_pipeline, build_speller, run_in_order
from api.answering.places import PlaceScope
from api.answering.ranker_model import INFO_FILE, LEGACY_MODEL_FILE, RankerModel, ranker_dir
from api.answering.selection import scope_label
from api.errors import ErrorCode, VraagbaakError
from api.privacy import without_personal_data
from api.schemas import AskResponse, Citation, Passage, SearchResponse
from api.slots import FairSlots
from index.abbreviations import Abbreviations
from index.backend import StoreError
from index.embedding_model import EmbeddingModel, EmbeddingSpec
from index.lock import IndexBusyError
from index.retriever import NATIONAL, region_filter
from index.settings import Settings
from index.spelling import Speller
from index.store import VraagbaakDocumentStore
from ingest.manifest import region_places
from ingest.runner import IngestReport, run_ingest

logger = logging.getLogger(__name__)


def embedding_model_for(settings: Settings) -> EmbeddingModel:
    return EmbeddingModel(EmbeddingSpec(
        model=settings.embedding_model, backend=settings.embedding_backend, cache_dir=str(settings.cache_dir),
        batch_size=settings.embedding_batch_size, threads=settings.embedding_threads,
        precision=settings.embedding_precision, query_backend=settings.embedding_query_backend,
    ))


def open_store(settings: Settings, model: EmbeddingModel, purpose: str,
               public_url: str | None = None) -> VraagbaakDocumentStore:
    """Open (and lock) the index; errors become VraagbaakError with a message for the user."""
    store = VraagbaakDocumentStore(
        data_dir=str(settings.data_dir), model_name=settings.embedding_model, qdrant_url=settings.qdrant.url,
        collection=settings.qdrant.collection, api_key=settings.qdrant.api_key, purpose=purpose,
        public_url=public_url,
    )
    try:
        return store.open(model.dimension)
    except IndexBusyError as exc:
        raise VraagbaakError(ErrorCode.INDEX_BUSY, str(exc)) from exc
    except StoreError as exc:
        raise VraagbaakError(ErrorCode.INDEX_UNAVAILABLE, str(exc)) from exc


class QAService:
    """Answers questions with citations from the index; one instance per process, started once."""

    def __init__(self, settings: Settings, purpose: str = "ask", public_url: str | None = None) -> None:
        self.settings = settings
        self.purpose = purpose
        self.public_url = public_url
        self.model = embedding_model_for(settings)
        self.store: VraagbaakDocumentStore | None = None
        self.pipeline: Pipeline | None = None
        self.speller: Speller | None = None
        self.abbreviations: Abbreviations | None = None
        self.regions: list[str] = []
        self.places: dict[str, list[str]] = {}  # region -> its municipalities and towns (the corpus manifest's)
        self.place_scope = PlaceScope({})  # how users name each region (api/answering/places.py)
        self.build_report: IngestReport | None = None
        self.ranker: RankerModel | None = None
        self.learned = False  # whether the running pipeline ranks with the learned model
        self.calibration: Calibration | None = None  # the index's abstention threshold, when one is used
        # At most this many questions run the pipeline at once (see AnswerSettings.concurrency).
        self._slots = FairSlots(settings.answer.concurrency or os.cpu_count() or 1)

    def start(self, progress: Callable[[int, int, str], None] | None = None, progress_bar: bool = False,
              training_progress: Callable[[int, int], None] | None = None) -> None:
        """Load the model and open the index; an empty embedded index is built from the corpus first, and the
        reranker trained for it (`training_progress(done, total)` follows the training questions). The passage model
        loads only when passages are embedded."""
        self.model.warm_up(passages=False)
        self.store = open_store(self.settings, self.model, self.purpose, self.public_url)
        if self.store.count_documents() == 0:
            logger.info("Index is leeg: opbouwen uit %s", self.settings.corpus_dir)
            self.build_report = run_ingest(self.settings, self.store, self.model,
                                           progress=progress, progress_bar=progress_bar)
            self._train_after_build(training_progress)
        self.start_pipeline()

    def _train_after_build(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Train the reranker for a newly built index when none is trained (`ranker.train_on_build`); a corpus too
        small to learn from keeps the rule-based ranking, and says why."""
        from api.answering.training import train_ranker

        r = self.settings.ranker
        if (not r.enabled or not r.train_on_build or self.store is None or self.build_report is None
                or not self.build_report.indexed or (ranker_dir(self.settings.data_dir) / INFO_FILE).exists()):
            return
        logger.info("Ranker trainen voor de nieuwe index (eenmalig; 'vraagbaak train' traint opnieuw)")
        try:
            report = train_ranker(self.settings, self.store, self.model, build_speller(self.settings, self.store),
                                  progress=progress)
        except ValueError as exc:
            logger.warning("Ranker niet getraind (%s): regelgebaseerde rangschikking", exc)
            return
        logger.info("Ranker getraind in %.1f s op %d paren", report.seconds, report.usable_pairs)

    def start_pipeline(self) -> None:
        """(Re)build the query pipeline and the region list on the opened index."""
        if self.store is None:
            raise VraagbaakError(ErrorCode.INDEX_UNAVAILABLE, "De service is nog niet gestart.")
        texts = self.store.texts()  # the index's words and definitions, read once per (re)start
        self.speller = build_speller(self.settings, self.store, texts)
        self.abbreviations = build_abbreviations(self.settings, self.store, texts)
        self.ranker = self._load_ranker()
        self.places = region_places(self.settings.corpus_dir)
        self.pipeline = build_query_pipeline(self._calibrated(self.settings), self.store, self.model, self.speller,
                                             self.ranker, self.abbreviations, self.places)
        self.pipeline.warm_up()
        self.learned = self.ranker is not None
        self.regions = self.store.regions()
        self.place_scope = PlaceScope(self._region_aliases())

    def _region_aliases(self) -> dict[str, list[str]]:
        """How users name each region of the index: its name, its publishers and their short forms ("SDD"), and the
        manifest's municipalities and towns ("in Doetinchem" names the Achterhoek)."""
        assert self.store is not None
        pairs = {(p.get("scope", ""), p.get("publisher", "")) for _, p, _ in
                 self.store.backend.scroll(fields=["scope", "publisher"])}
        aliases = region_aliases({(scope, publisher) for scope, publisher in pairs if scope}
                                 | {(r, "") for r in self.regions})
        for region, places in self.places.items():
            if region in aliases:
                aliases[region] = sorted({*aliases[region], *places}, key=len, reverse=True)
        return aliases

    def _calibrated(self, settings: Settings) -> Settings:
        """`settings` with the index's calibrated abstention threshold (api/answering/calibration), unless the
        threshold was set explicitly (environment or code) or no calibration is stored."""
        self.calibration = None
        if "min_relevance" in settings.answer.model_fields_set:
            return settings
        self.calibration = Calibration.load(settings.data_dir)
        if self.calibration is None:
            return settings
        answer = settings.answer.model_copy(update={"min_relevance": self.calibration.min_relevance})
        return settings.model_copy(update={"answer": answer})

    def abstention_status(self) -> dict[str, Any]:
        """For /health: the relevance threshold below which the documents count as not answering, and its source."""
        if self.calibration is not None:
            c = self.calibration
            return {"min_relevance": c.min_relevance, "source": "gekalibreerd", "chosen_on": c.chosen_on,
                    "created_at": c.created_at, "default": c.default}
        return {"min_relevance": self.settings.answer.min_relevance,
                "source": "ingesteld" if "min_relevance" in self.settings.answer.model_fields_set else "standaard"}

    def _load_ranker(self) -> RankerModel | None:
        """The reranker trained for this index, or None (rule-based ranking) when none is trained or it is off."""
        if not self.settings.ranker.enabled:
            return None
        try:
            ranker = RankerModel.load(ranker_dir(self.settings.data_dir))
        except (OSError, ValueError, EOFError) as exc:  # a damaged model file: rank without it, and say so
            logger.warning("Getrainde ranker niet te lezen (%s): regelgebaseerde rangschikking", exc)
            return None
        if ranker is None and (ranker_dir(self.settings.data_dir) / LEGACY_MODEL_FILE).exists():
            logger.warning("De ranker in %s is getraind door een eerdere versie van Vraagbaak: regelgebaseerde "
                           "rangschikking tot 'vraagbaak train' hem opnieuw traint", ranker_dir(self.settings.data_dir))
        elif ranker is None:
            logger.info("Geen getrainde ranker in %s: regelgebaseerde rangschikking ('vraagbaak train' traint er "
                        "een)", ranker_dir(self.settings.data_dir))
        return ranker

    def ranker_status(self) -> dict[str, Any]:
        """For /health: which ranking answers, and for which index state the model was trained."""
        if not self.learned or self.ranker is None:
            return {"ranking": "regels", "learned": False,
                    "detail": "Geen getrainde ranker: de regelgebaseerde rangschikking wordt gebruikt "
                              "('vraagbaak train' traint er een)."}
        info = self.ranker.info
        return {"ranking": "geleerd", "learned": True, "trained_at": info.get("trained_at"),
                "trained_for_passages": info.get("passages"), "pairs": info.get("pairs"),
                "size_bytes": info.get("size_bytes")}

    def close(self) -> None:
        if self.store is not None:
            self.store.close()
            self.store = None

    def __enter__(self) -> QAService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def visible_regions(self, allowed: Sequence[str] | None = None) -> list[str]:
        """The index's regions a caller bound to `allowed` regions (None: all) may choose (national included)."""
        if allowed is None:
            return list(self.regions)
        return [r for r in self.regions if r in allowed or r == NATIONAL]

    def check_region(self, region: str | None, allowed: Sequence[str] | None = None) -> None:
        """422 for a region that is not in the index or not one of the caller's: the same message either way, so
        that a caller cannot learn which other regions exist."""
        visible = self.visible_regions(allowed)
        if region and region not in visible:
            known = ", ".join(visible) or "(geen)"
            raise VraagbaakError(ErrorCode.UNKNOWN_REGION, f"Onbekende regio '{region}'. Kies uit: {known}.")

    def _run(self, query: str, region: str | None, top_k: int, doc_types: list[str] | None = None,
             since: str | None = None, context: FollowUpContext | None = None,
             allowed: Sequence[str] | None = None, name_region: bool = True) -> dict[str, Any]:
        if self.pipeline is None:
            raise VraagbaakError(ErrorCode.INDEX_UNAVAILABLE, "De service is nog niet gestart.")
        self.check_region(region, allowed)
        # No region chosen: the one the question names, if any and the caller's (api/answering/places.py).
        named = None if region or not name_region else self.place_scope.region_of(query)
        region = region or (named if allowed is None or named in allowed else None)
        filters = region_filter(region, doc_types, since, allowed)
        inputs: dict[str, Any] = {"encoder": {"query": query, "context": context.text if context else None,
                                              "allowed": list(allowed) if allowed is not None else None},
                                  "retriever": {"filters": filters, "top_k": top_k},
                                  "lookup": {"filters": filters, "top_k": top_k}}
        if context is not None and context.message:
            inputs["answer"] = {"asked": context.message}
        if self.learned:  # the reranker scores more candidates than are shown
            candidates = max(self.settings.ranker.candidates, top_k)
            inputs |= {"retriever": {"filters": filters, "top_k": candidates},
                       "lookup": {"filters": filters, "top_k": candidates}, "ranker": {"top_k": top_k}}
        try:
            with self._slots:  # the conversation's embedding waits its turn like the rest of the question
                inputs["encoder"]["context_vectors"] = self._context_vectors(context)
                result = run_in_order(self.pipeline, inputs, include_outputs_from={"retriever", "ranker", "encoder"})
                return result | {"region": region}
        except StoreError as exc:
            raise VraagbaakError(ErrorCode.INDEX_UNAVAILABLE, f"De index is niet beschikbaar: {exc}") from exc

    def _context_vectors(self, context: FollowUpContext | None) -> list[list[float]] | None:
        """A follow-up's conversation as vectors: the previous query's embedding and the mean of the stored vectors
        of the passages its answer cited (one short question embedded instead of the query with two headings: ~20
        instead of ~130 ms on one core; dev follow-ups within one rank of the text's embedding, see
        evaluation/MEASUREMENTS.md). None when the answer cited nothing or its passages left the index: the encoder
        then embeds the context text."""
        if context is None or not context.passage_ids or self.store is None or self.model is None:
            return None
        stored = self.store.vectors_of(list(context.passage_ids))
        cited = [stored[i][0] for i in context.passage_ids if i in stored]
        if not cited:
            return None
        previous = self.model.embed_queries([context.query])[0]
        return [previous.tolist(), np.mean(np.asarray(cited, dtype=np.float32), axis=0).tolist()]

    def run(self, question: str, region: str | None = None, top_k: int | None = None,
            context: FollowUpContext | None = None,
            allowed: Sequence[str] | None = None) -> tuple[AskResponse, list[Document]]:
        """Answer and ranked passages from one pipeline run (used by ask, search and evaluation). `context` is the
        conversation a follow-up continues (see api/answering/followups.FollowUpContext); `allowed` the regions the
        caller is bound to (None: all), enforced in the store query."""
        # Personal data in the question (a BSN, telephone number, e-mail address, a client's name) never helps to find
        # a passage, and as a "specific term" no passage holds it refused the question: searched without it.
        query, top_k = without_personal_data(question), top_k or self.settings.retrieval.top_k
        result = self._run(query, region, top_k, context=context, allowed=allowed)
        answer = result["answer"]["answer"]
        text = answer["answer"]
        if not answer["answered"] and result["region"] not in (None, NATIONAL) and context is None:
            text += self._answered_elsewhere(query, result["region"], top_k, allowed)
        response = AskResponse(
            answered=answer["answered"], answer=text,
            citations=[Citation(**c) for c in answer["citations"]], question=question, region=result["region"],
            searched_for=result["encoder"]["expansion"] or None, relevance=answer["relevance"],
            corrected_question=result["encoder"]["query"] if result["encoder"]["query"] != question else None,
        )
        return response, result["ranker"]["documents"]

    def _answered_elsewhere(self, query: str, region: str, top_k: int, allowed: Sequence[str] | None) -> str:
        """For a question that the region's and the national documents do not answer: the document of another region
        (one the caller may see) that does, so that the user knows where it is written and that it is that region's
        rule; "" when there is none."""
        other = self._run(query, None, top_k, allowed=allowed, name_region=False)["answer"]["answer"]
        first = other["citations"][0] if other["answered"] and other["citations"] else None
        if first is None or first["scope"] in (region, NATIONAL):
            return ""
        return (f"\n\nEen document van een andere regio gaat er wel over; die regel geldt alleen daar: "
                f"{first['title']} ({scope_label(first['scope'])}).")

    def ask(self, question: str, region: str | None = None, allowed: Sequence[str] | None = None) -> AskResponse:
        return self.run(question, region, allowed=allowed)[0]

    def search(self, query: str, region: str | None = None, top_k: int = 10, doc_types: list[str] | None = None,
               since: str | None = None, allowed: Sequence[str] | None = None) -> SearchResponse:
        """Ranked passages; optionally only some document types and documents dated `since` or later."""
        if since and not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", since):
            raise VraagbaakError(ErrorCode.VALIDATION,
                                 f"Datum '{since}' moet de vorm JJJJ, JJJJ-MM of JJJJ-MM-DD hebben.")
        result = self._run(query, region, top_k, doc_types, since, allowed=allowed)
        docs = result["ranker"]["documents"]
        passages = [
            Passage(rank=i, id=d.id, document_id=d.meta.get("document_id", ""), title=d.meta.get("title", ""),
                    publisher=d.meta.get("publisher", ""), scope=d.meta.get("scope", ""),
                    date=d.meta.get("date"), doc_type=d.meta.get("doc_type", ""),
                    section=d.meta.get("section") or None, page=d.meta.get("page"), text=d.content or "",
                    score=round(float(d.score or 0.0), 6), dense_score=d.meta.get("dense_score"),
                    bm25_score=d.meta.get("bm25_score"), sheet=d.meta.get("sheet"), row=d.meta.get("row"),
                    match=d.meta.get("match"))
            for i, d in enumerate(docs, start=1)
        ]
        return SearchResponse(query=query, region=result["region"], passages=passages)

    def reconfigure(self, settings: Settings) -> None:
        """Rebuild the query pipeline with other retrieval/answer settings on the same index and model."""
        if self.store is None:
            raise VraagbaakError(ErrorCode.INDEX_UNAVAILABLE, "De service is nog niet gestart.")
        self.settings = settings
        if settings.retrieval.correct_typos and self.speller is None:
            self.speller = build_speller(settings, self.store)  # same index: its words are read only once
        speller = self.speller if settings.retrieval.correct_typos else None
        ranker = self.ranker if settings.ranker.enabled else None
        if ranker is None and settings.ranker.enabled:
            ranker = self.ranker = self._load_ranker()
        if settings.retrieval.expand_abbreviations and self.abbreviations is None:
            self.abbreviations = build_abbreviations(settings, self.store)
        abbreviations = self.abbreviations if settings.retrieval.expand_abbreviations else None
        self.pipeline = build_query_pipeline(self._calibrated(settings), self.store, self.model, speller, ranker,
                                             abbreviations)
        self.pipeline.warm_up()
        self.learned = ranker is not None
