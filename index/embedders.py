"""Haystack components that add the dense and the BM25 vectors to passages and queries."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
from haystack import Document, component
from haystack.dataclasses import SparseEmbedding

from index.abbreviations import Abbreviations
from index.analyzer import DutchAnalyzer
from index.embedding_model import EmbeddingModel
from index.pleasantries import the_question
from index.sentences import question_sentence
from index.sparse import BM25Encoder
from index.spelling import NATIONAL, Speller
from index.store import BODY_EMBEDDING
from index.vocabulary import DomainVocabulary


def passage_text(doc: Document) -> str:
    """What gets embedded and indexed: the context header (title | section) and the passage."""
    context = doc.meta.get("context")
    return f"{context}\n{doc.content}" if context else doc.content or ""


@component
class PassageEmbedder:
    """Adds the dense embedding of 'context + passage' to each Document, and of the passage alone (meta
    `body_embedding`, stored as the second dense vector) when it has a context header (copies, inputs untouched)."""

    def __init__(self, model: EmbeddingModel, progress_bar: bool = False) -> None:
        self.model = model
        self.progress_bar = progress_bar

    def warm_up(self) -> None:
        self.model.warm_up()

    def to_dict(self) -> dict[str, Any]:
        return {"type": f"{__name__}.PassageEmbedder", "init_parameters": {"model": vars(self.model.spec)}}

    @component.output_types(documents=list[Document])
    def run(self, documents: list[Document]) -> dict[str, Any]:
        if not documents:
            return {"documents": []}
        bodies = [i for i, d in enumerate(documents) if d.meta.get("context")]
        texts = [passage_text(d) for d in documents] + [documents[i].content or "" for i in bodies]
        vectors = self.model.embed_passages(texts, show_progress=self.progress_bar)
        body_of = dict(zip(bodies, vectors[len(documents):], strict=True))
        out = []
        for i, (doc, vector) in enumerate(zip(documents, vectors[: len(documents)], strict=True)):
            meta = {**doc.meta, BODY_EMBEDDING: body_of[i].tolist()} if i in body_of else doc.meta
            out.append(replace(doc, embedding=vector.tolist(), meta=meta))
        return {"documents": out}


@component
class BM25DocumentEncoder:
    """Adds the BM25 sparse vector of 'context + passage' to each Document."""

    def __init__(self, stemmer: str = "dutch") -> None:
        self.stemmer = stemmer
        self._encoder = BM25Encoder(DutchAnalyzer(stemmer))

    @component.output_types(documents=list[Document])
    def run(self, documents: list[Document]) -> dict[str, Any]:
        return {"documents": [replace(d, sparse_embedding=self._encoder.encode_passage(passage_text(d)))
                              for d in documents]}


@component
class QueryEncoder:
    """Turns a question into the dense and the BM25 query, expanded with the domain vocabulary."""

    def __init__(self, model: EmbeddingModel, stemmer: str = "dutch", expand_synonyms: bool = True,
                 expand_dense: bool = False, speller: Speller | None = None, context_weight: float = 0.5,
                 abbreviations: Abbreviations | None = None) -> None:
        self.model = model
        self.abbreviations = abbreviations
        self.context_weight = context_weight
        self.speller = speller
        self.stemmer = stemmer
        self.expand_synonyms = expand_synonyms
        self.expand_dense = expand_dense
        analyzer = DutchAnalyzer(stemmer)
        self._encoder = BM25Encoder(analyzer)
        self._vocabulary = DomainVocabulary(analyzer)

    def warm_up(self) -> None:
        self.model.warm_up(passages=False)

    def to_dict(self) -> dict[str, Any]:
        params = {"model": vars(self.model.spec), "stemmer": self.stemmer, "expand_synonyms": self.expand_synonyms,
                  "expand_dense": self.expand_dense}
        return {"type": f"{__name__}.QueryEncoder", "init_parameters": params}

    def _dense_query(self, query: str, dense_text: str, named: Sequence[tuple[str, str]] = ()) -> list[float]:
        """The question's embedding. A question told as a case ("Een cliënt werd opgenomen, dus ... Nu blijkt ...
        Hoeveel tijd hebben we om ...?") is searched with the mean of the whole text and its last question
        sentence: the case alone pulls towards passages about the case, the question sentence alone lacks it.
        `named`: message codes as typed and their names, which the embedding reads instead of the codes (a code is
        only digits to it: with "JW305" the rule on the startbericht was at dense rank 73, with "startbericht" 2)."""
        asked = question_sentence(query)
        for typed, name in named:
            as_typed = re.compile(rf"(?<![\w-]){re.escape(typed)}(?![\w-])")
            dense_text = as_typed.sub(name, dense_text)
            asked = as_typed.sub(name, asked) if asked is not None else None
        if asked is None:
            return self.model.embed_queries([dense_text])[0].tolist()
        whole, sentence = self.model.embed_queries([dense_text, asked])
        return ((whole + sentence) / 2).tolist()

    def _defined_forms(self, query: str, extra: dict[str, float],
                       allowed: frozenset[str] | None = None) -> tuple[list[str], list[tuple[str, str]]]:
        """What the corpus defines for the question's short forms and message codes, whose words join the BM25
        terms `extra` at the vocabulary's weight: the long forms ("VOT" -> "verzoek om toewijzing"), and (code as
        typed, its name) for the message codes ("JW305" -> "startbericht"). Each only when it adds words the
        question does not already hold."""
        if self.abbreviations is None:
            return [], []
        present = set(self._encoder.analyzer.terms(query))

        def adds(text: str) -> bool:
            new = [t for t in self._encoder.analyzer.terms(text) if t not in present]
            for term in new:
                extra[term] = max(extra.get(term, 0.0), self._vocabulary.weight)
            return bool(new)

        spelled = [long for _short, long in self.abbreviations.in_query(query, allowed) if adds(long)]
        named = [(typed, name) for typed, name in self.abbreviations.messages_in_query(query) if adds(name)]
        return spelled, named

    @component.output_types(embedding=list[float], sparse_embedding=SparseEmbedding, expansion=str, query=str)
    def run(self, query: str, context: str | None = None, allowed: list[str] | None = None,
            context_vectors: list[list[float]] | None = None) -> dict[str, Any]:
        """`query` out is the question without its greeting and signature (index/pleasantries.py) and with typing
        errors corrected: what was searched, and what the answer is composed for; `expansion` names the corrected
        words and the extra vocabulary terms. `context` (a follow-up's
        conversation: the previous query and the headings it cited) pulls both channels towards it: its embedding
        is added at `context_weight` and its words join the BM25 query at that weight (the question's own words
        keep theirs); `context_vectors`, when given, stand for the context's embedding (their normalised mean).
        `allowed`: the regions of a caller bound to some (None: all); its question is corrected and spelled out
        only with words of those regions' and national documents, as these are shown to it."""
        query = the_question(query)  # "Goedemiddag, ... Groet, Marieke", "WAT IS EEN VOT": the question only
        scopes = frozenset([*allowed, NATIONAL]) if allowed is not None else None
        corrections: dict[str, str] = {}
        if self.speller is not None:
            query, corrections = self.speller.correct(query, scopes)
        expansion = self._vocabulary.expand(query) if self.expand_synonyms else None
        dense_text = f"{query} ({expansion.text})" if self.expand_dense and expansion and expansion.text else query
        extra = dict(expansion.terms) if expansion else {}
        spelled, named = self._defined_forms(query, extra, scopes)
        embedding = self._dense_query(query, dense_text, named)
        if context and self.context_weight > 0:
            for term in self._encoder.analyzer.terms(context):
                extra[term] = max(extra.get(term, 0.0), self.context_weight)
            if context_vectors:  # the conversation already embedded (see api/service.QAService._context_vectors)
                conversation = np.mean(np.asarray(context_vectors, dtype=np.float32), axis=0)
                conversation /= max(float(np.linalg.norm(conversation)), 1e-9)
            else:
                conversation = self.model.embed_queries([context])[0]
            mixed = np.asarray(embedding) + self.context_weight * conversation
            embedding = (mixed / max(float(np.linalg.norm(mixed)), 1e-9)).tolist()
        sparse = self._encoder.encode_query(query, extra or None)
        searched = " ".join([*dict.fromkeys(corrections.values()), *([expansion.text] if expansion else []),
                             *spelled, *(n for _, n in named)]).strip()
        return {"embedding": embedding, "sparse_embedding": sparse, "expansion": searched, "query": query}
