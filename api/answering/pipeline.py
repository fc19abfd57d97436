"""The query pipeline: encode the question -> hybrid retrieval -> exact code rows first -> passages holding the
asked kind of value first (or the learned reranker, then short documents' leads for their cited sources) ->
extractive answer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import networkx as nx
from haystack import Pipeline

from api.answering.answer_type_rules import AnswerTypeRanker
from api.answering.ranker_model import RankerModel
from api.answering.reranker import LearnedReranker
from api.answering.selection import ExtractiveAnswerBuilder
from api.answering.sources import SourceLeads
from index.abbreviations import Abbreviations
from index.analyzer import DutchAnalyzer
from index.code_lookup import CodeLookup
from index.embedders import QueryEncoder
from index.embedding_model import EmbeddingModel
from index.retriever import HybridRetriever
from index.settings import Settings
from index.spelling import Speller
from index.store import VraagbaakDocumentStore


def build_speller(settings: Settings, store: VraagbaakDocumentStore,
                  texts: list[tuple[str, str | None]] | None = None) -> Speller | None:
    """The speller over the index's words (`texts`, else one pass over every passage), or None when correction is
    off."""
    if not settings.retrieval.correct_typos:
        return None
    return Speller.from_texts(store.texts() if texts is None else texts, DutchAnalyzer(settings.stemmer))


def build_abbreviations(settings: Settings, store: VraagbaakDocumentStore,
                        texts: list[tuple[str, str | None]] | None = None) -> Abbreviations | None:
    """The short forms the indexed passages define (`texts`, else one pass over every passage), or None when
    expansion is off."""
    if not settings.retrieval.expand_abbreviations:
        return None
    return Abbreviations.from_texts(store.texts() if texts is None else texts, DutchAnalyzer(settings.stemmer))


def build_query_pipeline(settings: Settings, store: VraagbaakDocumentStore, model: EmbeddingModel,
                         speller: Speller | None = None, ranker: RankerModel | None = None,
                         abbreviations: Abbreviations | None = None,
                         places: Mapping[str, Sequence[str]] | None = None) -> Pipeline:
    """Run with {"encoder": {"query": q}, "retriever": {"filters": f, "top_k": k}, "lookup": {"filters": f,
    "top_k": k}} (plus {"ranker": {"top_k": k}} with a learned `ranker`); the ranked passages are the ranker's
    documents. Lookup, ranker and answer get the question as the encoder searched it (typing errors corrected by
    `speller`, see build_speller). With a trained `ranker` the learned reranker scores the candidates and the answer
    is selected from its probabilities; without one, the rule-based answer-type ranking and answer checks are used.
    `places`: each region's municipalities and towns, which a passage of that region counts as mentioning."""
    r, a, k = settings.retrieval, settings.answer, settings.ranker
    if ranker is not None:
        rank: Any = LearnedReranker(ranker, settings.stemmer, r.top_k, k.order)
        answer = ExtractiveAnswerBuilder(a.min_relevance, a.max_citations, a.max_sentences, settings.stemmer,
                                         "learned", k.min_probability, k.cite_ratio, k.require_value, abbreviations,
                                         a.group_sources, rank.idf, speller.truecase if speller else None, places)
    else:
        rank = AnswerTypeRanker(penalty=r.answer_type_penalty, stemmer=settings.stemmer)
        answer = ExtractiveAnswerBuilder(a.min_relevance, a.max_citations, a.max_sentences, settings.stemmer,
                                         abbreviations=abbreviations,
                                         truecase=speller.truecase if speller else None, places=places)
    pipe = Pipeline()
    pipe.add_component("encoder", QueryEncoder(model, settings.stemmer, r.expand_synonyms, r.expand_dense, speller,
                                                r.context_weight, abbreviations))
    pipe.add_component("retriever", HybridRetriever(store, k.candidates if ranker is not None else r.top_k,
                                                    r.candidates, r.fusion, r.rrf_k, r.dense_weight, r.sparse_weight,
                                                    r.superseded_penalty))
    pipe.add_component("lookup", CodeLookup(store, r.exact_code_rows, max(r.candidates, r.exact_code_rows, 1)))
    pipe.add_component("ranker", rank)
    pipe.add_component("answer", answer)
    for channel in ("embedding", "sparse_embedding"):
        pipe.connect(f"encoder.{channel}", f"retriever.query_{channel}")
        pipe.connect(f"encoder.{channel}", f"lookup.query_{channel}")
    if ranker is not None:
        pipe.connect("encoder.embedding", "ranker.query_embedding")
        if a.group_sources and a.source_leads:
            pipe.add_component("leads", SourceLeads(store.passages_of, a.max_citations))
            pipe.connect("ranker.candidates", "leads.candidates")
            pipe.connect("leads.candidates", "answer.candidates")
        else:
            pipe.connect("ranker.candidates", "answer.candidates")
    pipe.connect("retriever.documents", "lookup.documents")
    pipe.connect("lookup.documents", "ranker.documents")
    pipe.connect("ranker.documents", "answer.documents")
    for name in ("lookup", "ranker", "answer"):
        pipe.connect("encoder.query", f"{name}.query")
    return pipe


def run_in_order(pipeline: Pipeline, data: dict[str, dict[str, Any]],
                 include_outputs_from: set[str] | None = None) -> dict[str, dict[str, Any]]:
    """What `pipeline.run(data, include_outputs_from=...)` returns, for an acyclic pipeline without variadic sockets
    (the query pipeline): each component once, in topological order, outputs passed on as they are.

    Pipeline.run deep-copies every input of every component (the query vector float by float, the candidates with
    their payloads), which was about a quarter of a question's time, all of it holding the GIL, so concurrent
    questions queued behind it; and it counts visits in the shared graph, which concurrent runs would share. Our
    components never change their inputs (they return copies), so nothing needs copying. Call `pipeline.warm_up()`
    once before the first run.
    """
    graph = pipeline.graph
    include = include_outputs_from or set()
    outputs: dict[str, dict[str, Any]] = {}
    result: dict[str, dict[str, Any]] = {}
    for name in nx.topological_sort(graph):
        kwargs = dict(data.get(name, {}))
        for sender, _, edge in graph.in_edges(name, data=True):
            socket = edge["from_socket"].name
            if socket in outputs[sender]:
                kwargs[edge["to_socket"].name] = outputs[sender][socket]
        output = graph.nodes[name]["instance"].run(**kwargs)
        outputs[name] = output
        consumed = {edge["from_socket"].name for _, _, edge in graph.out_edges(name, data=True)}
        leftover = output if name in include else {k: v for k, v in output.items() if k not in consumed}
        if leftover:
            result[name] = leftover
    return result
