"""Where the answer text is composed: extractive, grounded, every sentence followed by its [n].

The answer consists of sentences taken verbatim from the retrieved passages that best match the
question (local-IDF weighted term overlap), each with the number of its citation, followed by the
sources: whose rule it is (publisher, region) and how recent (date). Below the relevance threshold
the answer says that the documents do not answer the question and lists the closest documents.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from difflib import SequenceMatcher
from typing import Any

from haystack import Document, component

from api.answering.abstention import AnswerRequirement, MessageTypeCheck, is_deferral, missing_terms, specific_terms
from api.answering.followup_terms import QUESTION_WORDS
from api.answering.sources import KEYWORD_SECTION, group_sources, source_text
from api.answering.version_notes import version_notes
from api.dates import date_label
from index.abbreviations import Abbreviations
from index.analyzer import FUNCTION_WORDS, DutchAnalyzer, fold
from index.code_lookup import EXACT
from index.codes import RULE_ID, codes_in_question
from index.sentences import question_sentence, split_sentences
from index.vocabulary import DomainVocabulary

_SHORT_SENTENCE = 8
_QUOTE_SHARE = 0.6  # a cited passage is quoted in the answer's text when its sentence scores this share of the best
# The sentence after the best one is read with it when it matches the question this share as well: the best match
# often names the subject and the next one gives the value ("Per wanneer ...?" -> "... wordt aangepast." + "De beoogde
# ingangsdatum is 1.1.2026."). Measured on the dev split (answered questions without a conversation, before / with):
# the answer's first sentence holds the evidence for 32/33 of 81 reference and 35/37 of 63 seeds questions, the
# answer's text for 46/47 and 43/46, the quotes for 56/57 and 49/52, at a median of 71/71 and 47/54 words. Always
# reading the next sentence gained a little more (text 50 and 49) for 96 and 74 words; a share of 0.3 was between.
_NEXT_SHARE = 0.6
_ROW_QUOTE_WORDS = 80  # a table row up to this length is quoted whole
_REGIONS = {"landelijk": "landelijk"}


def _defines(row: Document) -> bool:
    """Whether a table row defines the asked code (the code is its key) rather than only using it."""
    return row.meta.get("key_code") in set(row.meta.get("matched_codes") or [])


def relevance_of(doc: Document, query_terms: set[str], analyzer: DutchAnalyzer) -> float:
    """0-1: how well the best passage matches; dense cosine (rescaled for e5) and term coverage."""
    cosine = float(doc.meta.get("dense_score") or 0.0)
    dense_part = min(max((cosine - 0.75) / 0.15, 0.0), 1.0)
    if not query_terms:
        return dense_part
    passage_terms = set(analyzer.terms(f"{doc.meta.get('context', '')} {doc.content}"))
    coverage = len(query_terms & passage_terms) / len(query_terms)
    return round(0.6 * dense_part + 0.4 * coverage, 4)


def _names_a_shown_rule(query: str, shown: list[Document]) -> bool:
    """Whether the question names a rule by its id and a shown passage is that rule (its title names the id: "OP271 —
    ...", "invulinstructie IV079"): such a question is answered although its other words ("zegt", "uitleg") are in
    no passage."""
    ids = {m.lower() for m in RULE_ID.findall(query)}
    return bool(ids) and any(ids & {m.lower() for m in RULE_ID.findall(str(d.meta.get("title") or ""))}
                             for d in shown)


def scope_label(scope: str) -> str:
    return _REGIONS.get(scope, "regio " + " ".join(w.capitalize() for w in scope.split("-")))


_LONG_QUOTE_WORDS = 60
# A sentence about both ends of care ("Zowel zorg die ... gestopt is, kan herstart worden, dan stuurt de aanbieder
# opnieuw een startbericht"), for a question about one end, counts this share of its match: "Welk bericht stuurt de
# aanbieder als de zorg start?" quoted that sentence before "De aanbieder stuurt hiervoor een startbericht naar de
# gemeente." of the same passage. Dev and blind sets (quoted, read, cited) unchanged: kept for that answer only.
_MIXED_SHARE = 0.7


# The two ends of care: a question about one end is poorly answered by a sentence about the other only.
_OPPOSITES = [("start starten gestart begint begin aanvang 305 startbericht",
               "stop stopt gestopt einde eindigt beëindigd beëindiging beëindigen afloopt 307 stopbericht")]
# Units and the words around an amount ("binnen vijf werkdagen"): a sentence sharing only these with the question is
# not about what it asks (see version_notes).
_AMOUNT_WORDS = ("binnen na voor tot uiterlijk maximaal minimaal termijn werkdag werkdagen dag dagen kalenderdagen "
                 "week weken maand maanden jaar jaren uur uren minuut minuten procent euro")
_LIST_ITEM = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)]|[a-z][.)])\s+")
_LIST_MARK = re.compile(r"^\s*[-*•]\s+")  # a list item read on its own, in running text, without its dash
_LIST_WORDS = 70  # a lead-in with its list items is quoted up to this many words
# The words that ask for a value; a sentence sharing only these with the question ("Dag Datum Tijd ..." for "Op
# welke datum ...?") holds a value, but not the one asked for. Used with FUNCTION_WORDS (welke, hoeveel ...).
_VALUE_QUESTION_WORDS = ("welk datum dag dagen jaar maand week weken lang vaak hoog termijn maximale maximaal minimale "
                         "percentage procent bedrag aantal")


def _continues(previous: str, line: str) -> bool:
    """Whether `line` goes on with the sentence of `previous`: it opens in lower case and `previous` ends neither a
    sentence nor a lead-in ("1. Bij de bekostiging ..., onderdeel a,\n\nvan de wet kan ..." in a converted law
    text)."""
    previous, line = previous.rstrip(), line.strip()
    if not previous or not line[:1].islower() or previous[-1] in ".!?:;" or _LIST_ITEM.match(line):
        return False
    # After a list item only a comma says so; else the line goes on with the sentence before the list ("dan:").
    return not _LIST_ITEM.match(previous) or previous[-1] == ","


def _continued_from(sentences: list[str], i: int) -> int:
    """Where the sentence at i begins when a list interrupts it: "Binnen vijf werkdagen moet:" + "- een
    toewijzingbericht" + "- of een antwoordbericht" + "worden verstuurd." is one sentence, and its last line alone
    ("worden verstuurd.") opens in lower case. Returns the index of its lead-in, or i itself."""
    start = i
    while sentences[start][:1].islower() and start > 0 and _LIST_ITEM.match(sentences[start - 1]):
        k = start - 1
        while k >= 0 and _LIST_ITEM.match(sentences[k]) and start - k < 8:
            k -= 1
        if k < 0 or not sentences[k].rstrip().endswith(":"):
            break
        start = k
    return start


def _match(terms: set[str], weights: dict[str, float]) -> float:
    """How well a sentence's terms match the weighted question terms; long sentences do not win by length alone."""
    return sum(w for t, w in weights.items() if t in terms) / math.sqrt(len(terms) + 4)


def _letters(text: str) -> str:
    """A quote's letters and digits only, folded: what _same_text compares."""
    return re.sub(r"[^0-9a-z]+", " ", fold(text)).strip()


def _same_text(a: str, b: str) -> bool:
    """Whether quote `a` reads what an earlier quote `b` already read (both as _letters): the same sentence from the
    other standard's copy of a document or from another version ("verstuurd"/"verstuurt"), or a part of it. It stays
    cited under "Bronnen"; the answer's text reads it once."""
    if not a or not b:
        return False
    if a in b:
        return True
    return len(a) >= 0.8 * len(b) and SequenceMatcher(None, a, b, autojunk=False).ratio() >= 0.9


def _words(sentences: list[str]) -> int:
    return sum(len(s.split()) for s in sentences)


def _with_list(sentences: list[str], i: int) -> list[str]:
    """The sentence at i, with the list it introduces ("... binnen vijf werkdagen:" + "- een toewijzing ...")
    or, for a list item, with the lead-in it belongs to ("De standaardtermijn is:" + "- vijf werkdagen ...").
    Either alone reads as half an answer. A sentence that goes on after a list ("dan:", "worden verstuurd.") is
    read from its beginning."""
    sentence = sentences[i]
    if _LIST_ITEM.match(sentence):
        k = i - 1
        while k >= 0 and _LIST_ITEM.match(sentences[k]) and i - k < 8:
            k -= 1
        if k >= 0 and sentences[k].rstrip().endswith(":") and len(sentences[k].split()) <= 40:
            start = _continued_from(sentences, k)
            head = sentences[start : k + 1] if _words([*sentences[start : k + 1], sentence]) <= _LIST_WORDS else []
            return [*(head or [sentences[k]]), sentence]
        return [sentence]
    start = _continued_from(sentences, i)
    chosen = sentences[start : i + 1] if start < i and _words(sentences[start : i + 1]) <= _LIST_WORDS else [sentence]
    if sentence.rstrip().endswith(":"):
        words, lead = _words(chosen), len(chosen)
        for follower in sentences[i + 1 : i + 10]:
            goes_on = len(chosen) > lead and not _LIST_ITEM.match(follower)
            if goes_on and not follower[:1].islower():
                break
            words += len(follower.split())
            if words > _LIST_WORDS:
                break
            chosen.append(follower)
            if goes_on:  # the sentence goes on after its list ("worden verstuurd.", "dan:" with a list of its own)
                if not follower.rstrip().endswith(":"):
                    break
                lead = len(chosen)
    return chosen


def _source_quote(options: list[tuple[bool, Document, list[str], float]], doc: Document, sentences: list[str],
                  score: float) -> str:
    """What a citation of several passages highlights and the answer's text reads: the sentences quoted from `doc`
    and, when another of its passages has a sentence matching about as well (`_QUOTE_SHARE`, as for the answer's
    text), that one too, in the document's order. A source holds the answer in two of its parts often enough (a
    rule's Definitie and its Toepassing) that one sentence would miss it in the other. Reading both in the answer's
    text too (dev, answered questions without a conversation): the evidence in it 42 -> 46 of 81 reference and
    40 -> 43 of 63 seeds questions, in its first sentence 30 -> 32 and 32 -> 35, median 64 -> 68 and 40 -> 46 words."""
    if score <= 0 or all(is_deferral(s) for s in sentences):
        return " ".join(sentences)
    others = [(d, sents, sc) for _, d, sents, sc in options
              if d is not doc and sc > 0 and sc >= _QUOTE_SHARE * score and d.meta.get("row") is None]
    if not others:
        return " ".join(sentences)
    other, other_sentences, _ = max(others, key=lambda o: o[2])
    first, second = sorted([(doc, sentences), (other, other_sentences)],
                           key=lambda part: int(part[0].meta.get("position") or 0))
    if _quote_key(second[1]) in _quote_key(first[1]):
        return " ".join(first[1])  # the same words twice (a summary repeating its rule)
    return " ".join([*first[1], *second[1]])  # whole sentences: "worden verstuurd." ends both of a rule's lists


def section_label(meta: dict[str, Any]) -> str | None:
    """Where in its document a passage stands, without the document's own title: a rule's first heading is its
    title ("OP346 — Na ontvangst ... > Definitie" is shown as "Definitie", next to the title)."""
    path = [str(p) for p in meta.get("heading_path") or []]
    title = " ".join(str(meta.get("title") or "").split())
    if title and path and " ".join(path[0].split()) == title:
        return " > ".join(path[1:]) or None
    return meta.get("section") or None


def _quote_key(sentences: list[str]) -> str:
    return " ".join(" ".join(sentences).lower().split())


@component
class ExtractiveAnswerBuilder:
    """Builds the answer dict (answered, answer, citations, relevance) from ranked passages."""

    def __init__(self, min_relevance: float = 0.5, max_citations: int = 3, max_sentences: int = 3,
                 stemmer: str = "dutch", selection: str = "rules", min_probability: float = 0.1,
                 cite_ratio: float = 0.5, require_value: bool = True,
                 abbreviations: Abbreviations | None = None, group_sources: bool = True,
                 idf: Callable[[str], float] | None = None,
                 truecase: Callable[[str], str] | None = None,
                 places: Mapping[str, Sequence[str]] | None = None) -> None:
        if selection not in ("rules", "learned"):
            raise ValueError(f"selection must be rules or learned, not {selection!r}")
        self.min_relevance = min_relevance
        self.max_citations = max_citations
        self.max_sentences = max_sentences
        self.stemmer = stemmer
        self.selection = selection
        self.min_probability = min_probability
        self.cite_ratio = cite_ratio
        self.require_value = require_value
        self.abbreviations = abbreviations
        self.group_sources = group_sources
        self.idf = idf  # the index's IDF of a term (the learned reranker's): weighs the question's words
        # A question typed in lower case in the documents' case ("twente" -> "Twente", see Speller.truecase): the
        # names and short forms it asks about stay specific terms a shown passage must hold.
        self.truecase = truecase
        self.places = dict(places or {})  # region slug -> its municipalities and towns (ingest/manifest.py)
        self._analyzer = DutchAnalyzer(stemmer)
        self._vocabulary = DomainVocabulary(self._analyzer)
        self._message_type = MessageTypeCheck(self._analyzer)
        # Words that ask (not what is asked about); the value asked for ("hoeveel", "wanneer") is AnswerRequirement's.
        self._asking = set(self._analyzer.terms(" ".join(QUESTION_WORDS)))
        self._value_words = set(self._analyzer.terms(f"{_VALUE_QUESTION_WORDS} {' '.join(FUNCTION_WORDS)}"))
        self._amount_words = set(self._analyzer.terms(_AMOUNT_WORDS))
        self._opposites = [(set(self._analyzer.terms(a)), set(self._analyzer.terms(b))) for a, b in _OPPOSITES]

    def _about(self, query: str) -> Callable[[str], bool] | None:
        """Whether a sentence is about what `query` asks: it holds one of the question's words (or their domain
        vocabulary) other than the words that ask, units and amounts; with the index's IDF only the rarer of them
        (at least half the rarest one's IDF), so that "stuurt" does not make the startbericht's sentence one about
        the retourbericht. None when the question has no such word."""
        asked = set(self._analyzer.terms(query)) | set(self._vocabulary.expand(query).terms)
        topic = asked - self._asking - self._value_words - self._amount_words
        if self.idf is not None and topic:
            weight = {t: self.idf(t) for t in topic}
            topic = {t for t in topic if weight[t] >= 0.5 * max(weight.values())}
        if not topic:
            return None
        return lambda sentence: not topic.isdisjoint(self._analyzer.terms(sentence))

    def _cased(self, text: str) -> str:
        return self.truecase(text) if self.truecase is not None else text

    @component.output_types(answer=dict)
    def run(self, query: str, documents: list[Document], asked: str | None = None,
            candidates: list[Document] | None = None) -> dict[str, Any]:
        """`asked`: the words whose specific terms (codes, numbers, names) a shown passage must hold; for a follow-up
        the message as typed (see FollowUpContext.message), by default the query. `candidates`: all ranked
        candidates (the reranker's), from which the learned selection cites whole sources (see sources.py)."""
        rows = self._exact_rows(query, documents)
        if rows and self.selection != "learned":
            return {"answer": self._answered(self._row_picks(rows), 1.0, query=query)}
        # A case told before the question ("VOT binnengekregen, volgens de BRP ...; hoeveel tijd heb ik ...?") names
        # the situation; the terms a passage must hold are those of the sentence that asks (dev: one of 91
        # answerable reference questions no longer wrongly refused, the same unanswerable ones refused).
        # A follow-up's own words choose the sentence quoted over the subject its search took over from the
        # conversation ("En dagbesteding ...?" quotes the sentence on dagbesteding, not the previous answer's).
        own = set(self._analyzer.terms(asked)) if asked and asked != query else set()
        asked = asked or query
        asked = question_sentence(asked) or asked
        if not own and asked != query:
            own = set(self._analyzer.terms(asked))  # a case's asking sentence chooses the quote over its situation
        if self.selection == "learned":
            return {"answer": self._learned_answer(query, documents, asked, own, candidates, rows)}
        query_terms = set(self._analyzer.terms(query))
        expansion = self._vocabulary.expand(query).terms
        relevance = relevance_of(documents[0], query_terms, self._analyzer) if documents else 0.0
        if relevance < self.min_relevance:
            return {"answer": self._abstain(documents, relevance)}
        candidates = documents[: self.max_citations]
        lacking = [missing_terms(self._cased(asked), self._known_text(d), self._metadata_text(d), self._analyzer,
                                 self.abbreviations)
                   + self._message_type.missing(query, d.content or "", self._metadata_text(d)) for d in candidates]
        candidates = [d for d, missing in zip(candidates, lacking, strict=True) if not missing]
        candidates = [d for d in candidates if d.meta.get("row") is None or self._row_on_subject(query, d)]
        if not candidates:
            return {"answer": self._abstain(documents, relevance, lacking[0])}
        requirement = AnswerRequirement(query)
        opposite = self._opposite(query_terms | set(expansion))
        analysed = {d.id: self._analyse(d) for d in candidates}
        weights = self._term_weights(list(analysed.values()), query_terms, expansion, own)
        topical = set(weights) - self._value_words
        picked: list[tuple[int, Document, list[str]]] = []  # (citation n, passage, sentences)
        best_score = 0.0
        for rank, doc in enumerate(candidates):
            off_topic = requirement and not topical & set(self._analyzer.terms(doc.meta.get("section") or ""))
            sentences, score = self._best_sentences(analysed[doc.id], weights, requirement, opposite,
                                                    topical if off_topic else None)
            if not sentences:
                continue
            if doc.meta.get("row") is not None and len((doc.content or "").split()) <= _ROW_QUOTE_WORDS:
                sentences = [self._row_quote(doc)]  # a table row is read whole: a cell alone loses its key
            if rank == 0 or not picked:
                best_score = score
            elif score < _QUOTE_SHARE * best_score or (doc.score or 0) < 0.5 * (candidates[0].score or 1):
                continue
            if picked and sum(len(x.split()) for x in sentences) > _LONG_QUOTE_WORDS:
                continue  # a flattened table or run-on text: as an extra source it buries the answer
            if _quote_key(sentences) in {_quote_key(s) for _, _, s in picked}:
                continue  # the same sentence from another copy of the text (jw and wmo, two versions): once
            picked.append((len(picked) + 1, doc, sentences))
            if sum(len(s) for _, _, s in picked) >= self.max_sentences:
                break
        if not picked:
            return {"answer": self._abstain(documents, relevance, [requirement.label] if requirement else None)}
        if all(is_deferral(s) for s in picked[0][2]):
            return {"answer": self._not_known_yet(picked[0][1], picked[0][2], relevance)}
        return {"answer": self._answered(picked, relevance, query=query)}

    def _learned_answer(self, query: str, documents: list[Document], asked: str,
                        own: set[str] | frozenset[str] = frozenset(),
                        candidates: list[Document] | None = None,
                        rows: list[Document] | None = None) -> dict[str, Any]:
        """Answer from the learned reranker's probabilities (documents[i].score) over the first `max_citations`
        passages: abstain when the best is below `min_probability`, cite those (in their order) that reach
        `cite_ratio` of the best one, each as a whole source with its passages among `candidates` (sources.py).
        A cited source is never dropped for lack of a matching sentence; the sentence quoted from it is the one of
        its passages that matches the question best.

        `rows`: the table rows holding the code the question asks about (see _exact_rows). They are the answer: read
        whole and cited first, and the other shown sources are cited after them, unread, as for any answer."""
        shown = documents[: self.max_citations]
        probability = max((float(d.score or 0.0) for d in shown), default=0.0)
        query_terms = set(self._analyzer.terms(query))
        # Whether the documents answer at all: the best passage's closeness and term coverage (relevance_of), kept
        # because it separated answerable from unanswerable dev questions better than the model's probability.
        relevance = relevance_of(documents[0], query_terms, self._analyzer) if documents else 0.0
        named = _names_a_shown_rule(query, shown)
        if not rows and not named and (relevance < self.min_relevance or probability < self.min_probability):
            return self._abstain(documents, relevance)
        # A specific term of the question that none of the shown passages holds: they are about something else.
        lacking = [missing_terms(self._cased(asked), self._known_text(d), self._metadata_text(d), self._analyzer,
                                 self.abbreviations) for d in shown]
        if all(lacking) and not rows:
            return self._abstain(documents, relevance, lacking[0])
        chosen = [d for d in shown if float(d.score or 0.0) >= self.cite_ratio * probability]
        expansion = self._vocabulary.expand(query).terms
        requirement = AnswerRequirement(query)
        if self.group_sources:
            ranked = [d for d in (candidates or documents) if float(d.score or 0.0) >= self.cite_ratio * probability]
            groups = group_sources(ranked, self.max_citations)
        else:
            groups = [[d] for d in chosen]
        lead = self._row_picks(rows or [])
        if lead:  # the rows are cited as they are; the other sources after them
            row_ids = {d.id for _, d, _ in lead}
            groups = [g for g in groups if not row_ids & {d.id for d in g}][: max(self.max_citations - len(lead), 0)]
        members = [d for group in groups for d in group]
        analysed = {d.id: self._analyse(d) for d in members}
        # Which sentence answers: the question's content words decide, not the words that ask ("Hoe werkt ...?"
        # made an agenda's "09 Hoe verder?" the best sentence of a passage about nothing asked).
        weights = self._term_weights(list(analysed.values()), query_terms - self._asking, expansion, own, self.idf)
        opposite = self._opposite(query_terms | set(expansion))
        best_sentences = {d.id: self._best_sentences(analysed[d.id], weights, requirement, opposite)
                          for d in members}
        # The value check looks at the best-ranked passage, the one the answer reads first: a value in a lower one
        # was mostly another subject's (a deadline of another message, another amount), see index/settings.py.
        first = chosen[0] if chosen else None
        if (requirement and self.require_value and not lead
                and not (first and (best_sentences[first.id] if first.id in best_sentences
                                    else self._best_sentences(self._analyse(first), weights, requirement))[0])):
            return self._abstain(documents, relevance, [requirement.label])
        picked: list[tuple[int, Document, list[str]]] = list(lead)
        texts: dict[int, tuple[str, list[str], str]] = {}
        scores: dict[int, float] = {}
        for group in groups:
            # The passage whose sentence holds the asked kind of value, then matches best; ties: the best-ranked.
            options = [(bool(best_sentences[d.id][0]), *self._quote_of(d, analysed[d.id], best_sentences[d.id],
                                                                        weights, requirement)) for d in group]
            _, doc, sentences, score = max(options, key=lambda x: (x[0], x[3]))
            if _quote_key(sentences) in {_quote_key(s) for _, _, s in picked}:
                continue
            picked.append((len(picked) + 1, doc, sentences))
            scores[len(picked)] = score
            if len(group) > 1:
                quote = _source_quote(options, doc, sentences, score)
                texts[len(picked)] = (source_text(group), [d.id for d in group], quote)
        if lead:
            return self._answered(picked, 1.0, {n for n, _, _ in lead}, texts, query)
        if not picked:
            return self._abstain(documents, relevance)
        if all(is_deferral(s) for s in picked[0][2]):
            return self._not_known_yet(picked[0][1], picked[0][2], relevance)
        # Every shown source is cited (what retrieval found stays checkable); the answer's text reads the best-ranked
        # source and those whose sentence matches the question about as well as the best match (0.6), as the
        # rule-based selection does. Reading the first source only when its sentence matched that well left the
        # evidence unread when it was cited first (dev, answered questions without a conversation; before / after:
        # the answer's text holds the evidence for 47/52 of 81 reference and 46/50 of 63 seeds questions, its first
        # sentence for 33/37 and 37/40, at a median of 71/78 and 54/58 words).
        best = max(scores.values(), default=0.0)
        quoted = {1} | {n for n, score in scores.items() if score >= _QUOTE_SHARE * best}
        return self._answered(picked, relevance, quoted, texts, query)

    def _quote_of(self, doc: Document, analysed: list[tuple[str, set[str]]], best: tuple[list[str], float],
                  weights: dict[str, float], requirement: AnswerRequirement) -> tuple[Document, list[str], float]:
        """The passage, the sentences quoted from it and their score; a passage without a matching sentence is
        quoted by its best sentence regardless of the asked value, a table row whole, else its first sentences."""
        sentences, score = best
        if not sentences and requirement:
            sentences, score = self._best_sentences(analysed, weights, AnswerRequirement(""))
        if doc.meta.get("row") is not None and len((doc.content or "").split()) <= _ROW_QUOTE_WORDS:
            sentences = [self._row_quote(doc)]
        if not sentences:
            sentences, score = [s for s in split_sentences(doc.content or "") if not s.endswith("?")][:2] or [
                (doc.content or "").strip()], 0.0
        return doc, sentences, score

    def _not_known_yet(self, doc: Document, sentences: list[str], relevance: float) -> dict[str, Any]:
        """Not answered: the best passage says that the answer is not known yet; the user sees that sentence."""
        text = (f"De documenten geven hier nog geen antwoord op. Het best passende document zegt: "
                f"\"{' '.join(sentences)}\"\nBron: {self._source_line(doc)}")
        return {"answered": False, "answer": text, "citations": [], "relevance": relevance}

    def _answered(self, picked: list[tuple[int, Document, list[str]]], relevance: float,
                  quoted: set[int] | None = None,
                  sources_of: dict[int, tuple[str, list[str], str]] | None = None,
                  query: str | None = None) -> dict[str, Any]:
        """The answer: the quoted sentences (those of `quoted`, default all) with their numbers, then every source.
        `sources_of`: for a citation of several passages, its text, their ids and what it highlights (default: the
        quoted passage and its sentences). `query`: what was asked, so that only sources that disagree about it get
        a note."""
        sources_of = sources_of or {}
        # A source's text is read as it is highlighted: with the sentence of a second part that matches about as well.
        # A quote that reads what an earlier one read (the other standard's copy) is not read again: its number joins
        # the earlier one's ("... [1][2]").
        read: list[tuple[list[int], str, str]] = []  # (source numbers, the text read, its letters)
        for n, _, sents in picked:
            if quoted is not None and n not in quoted:
                continue
            text = _LIST_MARK.sub("", sources_of[n][2] if n in sources_of else " ".join(sents))
            letters = _letters(text)
            same = next((numbers for numbers, _, earlier in read if _same_text(letters, earlier)), None)
            if same is not None:
                same.append(n)
            else:
                read.append(([n], text, letters))
        body = " ".join(f"{text} {''.join(f'[{n}]' for n in numbers)}" for numbers, text, _ in read)
        sources = "\n".join(f"[{n}] {self._source_line(doc)}" for n, doc, _ in picked)
        citations = []
        for n, doc, sents in picked:
            text, passage_ids, quote = sources_of.get(n, (None, None, " ".join(sents)))
            citations.append(self._citation(n, doc, quote, text, passage_ids))
        notes = "".join(f"\n\n{note}" for note in version_notes(picked, self._about(query) if query else None))
        return {"answered": True, "answer": f"{body}{notes}\n\nBronnen:\n{sources}", "citations": citations,
                "relevance": relevance}

    def _exact_rows(self, query: str, documents: list[Document]) -> list[Document]:
        """The table rows that hold the asked code, to be quoted whole (a row is the answer); none to answer as usual.

        A row that lacks another specific term of the question ("... in regio X") is not taken; rows after the
        first are added only when they match about as well and, like it, define the code or only use it (a code
        such as 01 is defined in several lists).
        """
        rows = [d for d in documents[: self.max_citations] if d.meta.get("match") == EXACT]
        asked_codes = codes_in_question(query)
        asked = set(asked_codes)  # with two codes asked, a row holds one: the other is not missing
        rows = [d for d in rows if not [t for t in missing_terms(query, self._known_text(d), self._metadata_text(d),
                                                                 self._analyzer, self.abbreviations)
                                        if t.upper() not in asked]]
        if not rows or (len(asked) > 1 and not asked <= {c for d in rows for c in d.meta.get("matched_codes", [])}):
            return []  # "het verschil tussen 315 en 317" with rows for only one of them: answer as usual
        best = float(rows[0].meta.get("exact_score") or 0.0)
        unique: dict[str, Document] = {}
        for row in rows:  # the same row in two lists (jw and wmo): quoted once
            unique.setdefault(_quote_key([self._row_quote(row)]), row)
        rows = list(unique.values())
        if len(asked) > 1:  # each asked code its best row
            best_rows = [next(d for d in rows if code in d.meta.get("matched_codes", []))
                         for code in asked_codes]
            chosen = [d for i, d in enumerate(best_rows) if d.id not in {e.id for e in best_rows[:i]}]
        else:
            chosen = [rows[0], *(d for d in rows[1:] if _defines(d) == _defines(rows[0])
                                 and float(d.meta.get("exact_score") or 0.0) >= 0.5 * best)]
        return chosen

    def _row_picks(self, rows: list[Document]) -> list[tuple[int, Document, list[str]]]:
        """The rows holding the asked code as numbered citations, each quoted whole."""
        return [(n, d, [self._row_quote(d)]) for n, d in enumerate(rows, start=1)]

    def _row_on_subject(self, query: str, doc: Document) -> bool:
        """A table row shares more with the question than a name or number ("... in Zwolle?" vs a row of municipality
        codes): it covers a word of the question that is not one of its specific terms, if the question has one."""
        specific = {t for term in specific_terms(query) for t in self._analyzer.terms(term)}
        subject = set(self._analyzer.terms(query)) - specific
        return not subject or bool(subject & set(self._analyzer.terms(f"{doc.meta.get('context', '')} {doc.content}")))

    @staticmethod
    def _row_quote(doc: Document) -> str:
        """The whole row; of a passage with several lines (a row under its FAQ question) the lines with the code."""
        lines = [ln for ln in (doc.content or "").split("\n") if ln.strip()]
        codes = set(doc.meta.get("matched_codes") or [])
        holding = [ln for ln in lines if codes & {t.upper() for t in re.findall(r"[0-9A-Za-z]+", ln)}]
        return " ".join(holding or lines)

    def _analyse(self, doc: Document) -> list[tuple[str, set[str]]]:
        """A passage's sentences with their index terms, computed once per answer; keyword lists
        ("Zoektermen: - header - lengte") help finding a passage but say nothing when quoted."""
        path = doc.meta.get("heading_path") or []
        if path and KEYWORD_SECTION.match(path[-1]):
            return []
        lines, in_keywords = [], False
        content = doc.content or ""
        if path and path[-1].rstrip().endswith("?") and content.startswith(path[-1]):
            content = content[len(path[-1]):]  # the FAQ question heading the answer: asked, not answered
        for line in content.split("\n"):
            if KEYWORD_SECTION.match(line) and line.rstrip().endswith(":"):
                in_keywords = True
            elif not line.strip():
                continue
            elif not (in_keywords and _LIST_ITEM.match(line)):
                in_keywords = False
                if lines and _continues(lines[-1], line):
                    lines[-1] = f"{lines[-1].rstrip()} {line.strip()}"  # a sentence broken over two lines
                else:
                    lines.append(line)
        sentences = [s for line in lines for s in split_sentences(line, list_items=True)]
        return [(s, set(self._analyzer.terms(s))) for s in sentences]

    @staticmethod
    def _term_weights(passages: list[list[tuple[str, set[str]]]], query_terms: set[str],
                      expansion: dict[str, float], own: set[str] | frozenset[str] = frozenset(),
                      idf: Callable[[str], float] | None = None) -> dict[str, float]:
        """Query terms weighted by a local IDF over the candidate sentences (rare terms count more); the terms of a
        follow-up as typed (`own`) count double. With the index's `idf` the local IDF is multiplied by its square
        root: among the candidates the question's topic is common (all are about "indexering") and a side word rare
        ("werkt" in "gezinsgericht werkt"), in the whole corpus the other way round. Measured on the dev split
        (answered questions without a conversation; local only / x sqrt(idf) / x idf): the answer's first sentence
        holds the evidence for 28/30/30 of 81 reference and 31/32/34 of 63 seeds questions, the whole answer text
        for 44/45/46 and 40/40/41, the highlighted quotes for 55/56/53 and 47/48/47."""
        sentences = [terms for passage in passages for _, terms in passage]
        n = max(len(sentences), 1)
        weights = {}
        for term, base in [*((t, 1.0) for t in query_terms), *expansion.items()]:
            df = sum(term in s for s in sentences)
            weight = base * math.log(1 + n / (1 + df)) * (math.sqrt(idf(term)) if idf else 1.0)
            weights[term] = max(weights.get(term, 0.0), weight)
        for term in own & set(weights):
            weights[term] *= 2.0
        return weights

    def _opposite(self, terms: set[str]) -> tuple[set[str], set[str]]:
        """(the side asked, the other side) when the question is about one end only: stop, not start."""
        for a, b in self._opposites:
            if terms & a and not terms & b:
                return a, b
            if terms & b and not terms & a:
                return b, a
        return set(), set()

    @staticmethod
    def _best_sentences(analysed: list[tuple[str, set[str]]], weights: dict[str, float],
                        requirement: AnswerRequirement,
                        opposite: tuple[set[str], set[str]] = (set(), set()),
                        topical: set[str] | None = None) -> tuple[list[str], float]:
        """The best sentence (with its list or lead-in). With `topical` (a question asking for a value, in a passage
        whose section is not about the question), a sentence must share one of those terms: a date in a sentence
        about something else answers nothing ("Dag Datum Tijd ..." for "Op welke datum gaat de release live?")."""
        sentences = [sentence for sentence, _ in analysed]
        asked, other = opposite

        def other_end_only(terms: set[str]) -> bool:
            return bool(terms & other) and not terms & asked  # about the start of care when the stop was asked

        scored = []
        for i, (sentence, terms) in enumerate(analysed):
            if sentence.endswith("?") and i + 1 < len(sentences):
                continue  # a FAQ question: quote its answer instead
            if requirement and not requirement.satisfied_by(sentence):
                continue  # asked for a number, a date or an amount: this sentence has none
            if topical is not None and not terms & topical:
                continue
            if other_end_only(terms):
                continue  # no answer to it
            mixed = bool(terms & asked and terms & other)  # about both ends ("gestopt ... herstart ... startbericht")
            scored.append((_match(terms, weights) * (_MIXED_SHARE if mixed else 1.0), -i, i))
        if not scored:
            return [], 0.0
        score, _, i = max(scored)
        chosen = _with_list(sentences, i)
        following = analysed[i + 1] if i + 1 < len(analysed) else None
        if len(chosen) == 1 and len(sentences[i].split()) < _SHORT_SENTENCE and following:
            chosen.append(following[0])  # "Ja." alone says nothing: add its explanation
        elif i > 0 and sentences[i].split()[0].lower() in {"dit", "dat", "deze", "daarom", "hierdoor"}:
            chosen.insert(0, sentences[i - 1])
        elif (len(chosen) == 1 and following and not following[0].endswith("?")
              and not other_end_only(following[1])
              and _match(following[1], weights) >= _NEXT_SHARE * score):
            chosen.append(following[0])
        return chosen, score

    def _known_text(self, doc: Document) -> str:
        """What a passage mentions for the specific-terms check: its text and the places of its region ("in
        Papendrecht" is in the Drechtsteden, whose documents do not name each municipality)."""
        places = self.places.get(str(doc.meta.get("scope") or ""), ())
        return f"{doc.content or ''}\n{' '.join(places)}" if places else doc.content or ""

    @staticmethod
    def _metadata_text(doc: Document) -> str:
        meta = doc.meta
        return " ".join(str(meta.get(k) or "") for k in ("title", "publisher", "scope", "section", "date"))

    def _source_line(self, doc: Document) -> str:
        meta = doc.meta
        publisher = meta.get("publisher", "")
        publisher = "uitgever onbekend" if publisher == "onbekend" else publisher  # "— onbekend —" reads as nothing
        parts = [meta.get("title", ""), publisher, scope_label(meta.get("scope", "landelijk"))]
        label = date_label(meta.get("date"), meta.get("date_estimated", False))
        if label:
            parts.append(label)
        if meta.get("version"):
            parts.append(f"versie {meta['version']}" + (" (vervangen)" if meta.get("superseded_by") else ""))
        where = section_label(meta)
        if meta.get("sheet"):
            where = f"blad {meta['sheet']}"
        if meta.get("row") is not None:
            where = f"{where}, rij {meta['row']}" if where else f"rij {meta['row']}"
        if meta.get("page"):
            where = f"{where}, p. {meta['page']}" if where else f"p. {meta['page']}"
        if where:
            parts.append(f"onderdeel: {where}")
        return " — ".join(p for p in parts if p)

    def _citation(self, n: int, doc: Document, quote: str, text: str | None = None,
                  passage_ids: list[str] | None = None) -> dict[str, Any]:
        meta = doc.meta
        return {
            "n": n, "passage_id": doc.id, "document_id": meta.get("document_id", ""), "title": meta.get("title", ""),
            "publisher": meta.get("publisher", ""), "scope": meta.get("scope", "landelijk"),
            "date": meta.get("date"), "date_label": date_label(meta.get("date"), meta.get("date_estimated", False)),
            "doc_type": meta.get("doc_type", ""), "section": section_label(meta), "page": meta.get("page"),
            "text": text or doc.content or "", "passage_ids": passage_ids or [doc.id], "quote": quote,
            "score": round(float(doc.score or 0.0), 6),
            "file": meta.get("file"), "url": meta.get("url"), "version": meta.get("version"),
            "superseded_by": meta.get("superseded_by"), "sheet": meta.get("sheet"), "row": meta.get("row"),
        }

    def _abstain(self, documents: list[Document], relevance: float,
                 missing: list[str] | None = None) -> dict[str, Any]:
        seen: dict[str, Document] = {}
        for doc in documents:
            seen.setdefault(doc.meta.get("document_id", ""), doc)
        closest = list(seen.values())[:3]
        lines = "\n".join(f"- {self._source_line(d)}" for d in closest)
        text = "De documenten geven geen antwoord op deze vraag."
        if missing:
            text += f" De best passende passages noemen niet: {', '.join(missing)}."
        if closest:
            text += f" Het meest verwant zijn:\n{lines}"
        return {"answered": False, "answer": text, "citations": [], "relevance": relevance}
