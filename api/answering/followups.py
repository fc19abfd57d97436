"""Follow-up questions rewritten into a standalone query from the conversation, without a language model.

Toegangsmedewerkers ask on: "En als de zorg stopt?", "En bij Verblijf Groep?", "Geldt dat ook in de Achterhoek?".
Such a message is recognised by a leading "En/Maar/Ook", a word that points back ("dat", "die", "daarbij"), or by
being a fragment without a subject of its own, and is completed from the previous turn's standalone query:

1. substitution: a term of the same kind (message type, product, law, region, year, document type) replaces the
   one in the previous query ("zorg start" -> "zorg stopt"), or a clause with the same head word replaces that
   clause ("over indexering" -> "over de SLA-rapportages"), or the fragment is added to the previous query;
2. otherwise the message is kept and the subject of the previous query (its content words, the codes its answer
   quoted, its region and document type) is added in brackets.

A message with enough words of its own and nothing pointing back starts a new topic: nothing but the region is
carried over. A region named in the message always wins; otherwise the conversation's region carries over.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from api.answering.followup_terms import (
    ASKING,
    COMPARATIVE,
    CONDITION,
    DEMONSTRATIVES,
    ENTITIES,
    EVENT_NOUNS,
    FINITE,
    FOLLOWUP_OPENERS,
    GENERIC,
    LEAD,
    NOT_AFTER_DEMONSTRATIVE,
    PREPOSITIONS,
    PRONOMINAL,
    QUESTION_WORDS,
    RESET,
    SOFT_KINDS,
    START_TO_STOP,
    STOP_TO_START,
    TRAILING_PRONOUNS,
    WEAK,
    WORD,
    YEAR,
    folded,
    region_name,
    term_pattern,
)
from api.privacy import without_personal_data
from index.analyzer import STOPWORDS
from index.pleasantries import FORMS_OF_ADDRESS, the_question

# A question that asks which message to send: its answer (the message) is what a follow-up is about.
ASKED_MESSAGE = re.compile(r"(?<![\w-])welke?\s+(?:\w+\s+)?bericht(?:en)?(?![\w])")
MAX_CONTEXT_WORDS = 9  # words of the previous question's subject added to a follow-up
# "Mevrouw", "meneer": how a case names a person, no subject to carry over (capitalised in the context, it would
# become a name the answer must mention).
ADDRESS = frozenset(w for w in re.findall(r"[a-z]+", FORMS_OF_ADDRESS) if len(w) > 3)
# "En als ...", "Maar bij ...": a message opening like this continues the conversation however long it is.
CONTINUES = re.compile(r"^(?:en|maar)\s+(?:als|bij|voor|met|in|na|zonder|wanneer|indien|dan)\b", re.IGNORECASE)
SUBJECT_PRONOUNS = frozenset({"het", "hij", "zij", "ze", "die", "dat", "dit", "deze"})
DETERMINERS = frozenset({"de", "het", "een", "mijn", "onze", "uw", "zijn", "haar", "hun", "die", "deze", "dat", "dit"})


@dataclass(frozen=True)
class PriorTurn:
    """What the rewriter needs of an earlier turn."""

    question: str
    query: str  # the standalone query that was searched
    region: str | None = None
    region_source: str | None = None
    codes: tuple[str, ...] = ()  # codes in the quotes the answer cited
    cited: tuple[str, ...] = ()  # headings ("title | section") of the passages the answer cited, best first
    cited_ids: tuple[str, ...] = ()  # their passage ids in the index, same order (empty for older records)


@dataclass(frozen=True)
class FollowUpContext:
    """The conversation a follow-up continues: the previous query and what its answer cited. Its words join the BM25
    query and it pulls the dense query towards it (index/embedders.QueryEncoder); the words of the query decide."""

    text: str  # the previous query and the headings of the passages its answer cited (for BM25)
    query: str  # the previous query
    passage_ids: tuple[str, ...] = ()  # the passages its answer cited: their stored vectors stand for them
    # The follow-up as the user typed it: the specific terms (codes, numbers, names) the answer must find are its
    # own, not the codes its search took over from the previous answer's passages.
    message: str = ""


@dataclass(frozen=True)
class Rewrite:
    query: str
    region: str | None
    region_source: str | None  # "vraag" (named), "gesprek" (carried over), "keuze" (chosen by the user) or None
    kind: str  # "nieuw", "vervolg" or "context"
    explanation: str  # for the user, in Dutch
    context: FollowUpContext | None = None  # for a follow-up: the conversation it continues

    @property
    def is_followup(self) -> bool:
        return self.kind != "nieuw"


@dataclass(frozen=True)
class _Mention:
    kind: str
    canonical: str
    start: int
    end: int
    surface: str


class FollowUpRewriter:
    """Turns a chat message plus the earlier turns into the query to search and the region to search in."""

    def __init__(self, regions: Mapping[str, Sequence[str]] | None = None,
                 abbreviations: Mapping[str, str] | None = None) -> None:
        self.regions = {slug: list(names) for slug, names in (regions or {}).items()}
        self.abbreviations = dict(abbreviations or {})
        entries: list[tuple[str, str, str]] = [
            (phrase, kind, canonical)
            for kind, groups in ENTITIES.items() for canonical, phrases in groups.items() for phrase in phrases
        ]
        # A short form the corpus defines is the term its long form is: "VOW" (verzoek om wijziging) is message 317,
        # so "En bij een VOW?" after a question about a VOT replaces it.
        known = {folded(phrase): (kind, canonical) for phrase, kind, canonical in entries}
        entries += [(short, *known[folded(long)]) for short, long in self.abbreviations.items()
                    if folded(long) in known and folded(short) not in known]
        entries += [(alias, "regio", slug) for slug, names in self.regions.items() for alias in names]
        entries.sort(key=lambda e: len(e[0]), reverse=True)  # longest first: "declaratie-antwoordbericht" wins
        self._lexicon = [
            (term_pattern(p), kind, canonical)
            for p, kind, canonical in entries
        ]

    # -- analysis ------------------------------------------------------------------------------------
    def mentions(self, text: str) -> list[_Mention]:
        """Known terms in the text, longest first, never overlapping, in text order."""
        lowered = folded(text)
        taken: list[tuple[int, int]] = []
        found: list[_Mention] = []
        for pattern, kind, canonical in self._lexicon:
            for match in pattern.finditer(lowered):
                start, end = match.span()
                if any(start < e and s < end for s, e in taken):
                    continue
                taken.append((start, end))
                found.append(_Mention(kind, canonical, start, end, text[start:end]))
        for match in YEAR.finditer(lowered):
            start, end = match.span()
            if not any(start < e and s < end for s, e in taken):
                found.append(_Mention("jaar", match.group(0), start, end, text[start:end]))
        return sorted(found, key=lambda m: m.start)

    @staticmethod
    def content_words(text: str) -> list[str]:
        """The words that carry a subject: no stopwords, question words or generic verbs."""
        words = WORD.findall(folded(text))
        return [w for w in words if w not in STOPWORDS and w not in QUESTION_WORDS and w not in GENERIC
                and w not in PREPOSITIONS and w not in DEMONSTRATIVES and w not in ADDRESS
                and (len(w) > 2 or w.isdigit())]

    @staticmethod
    def _points_back(text: str) -> tuple[bool, bool]:
        """(strong, weak) signs that the message leans on the previous turn."""
        if LEAD.match(text) or FOLLOWUP_OPENERS.match(text):
            return True, True
        words = WORD.findall(folded(text))
        strong = weak = False
        for i, word in enumerate(words):
            if PRONOMINAL.match(word):
                strong = True
            elif word in DEMONSTRATIVES:
                following = words[i + 1] if i + 1 < len(words) else ""
                if following in NOT_AFTER_DEMONSTRATIVE:
                    continue
                if i <= 3 or (i and words[i - 1] in PREPOSITIONS):
                    strong = True
            elif word == "dan" and i and not CONDITION & set(words) and not COMPARATIVE.match(words[i - 1]):
                strong = True
            elif word in WEAK:
                weak = True
        if words and words[-1] in TRAILING_PRONOUNS and len(words) > 1:
            strong = True
        return strong, weak

    # -- the rewrite ---------------------------------------------------------------------------------
    def rewrite(self, message: str, history: Sequence[PriorTurn], region: str | None = None,
                selected_before: str | None = None) -> Rewrite:
        """The standalone query for `message`; `region` is the user's choice now, `selected_before` at the last turn."""
        # read as the search reads it: without personal data, greeting and signature, caps lock (index/pleasantries.py)
        message = " ".join(the_question(without_personal_data(message)).split())
        reset = RESET.match(message)
        if reset and message[reset.end():].strip():
            message = message[reset.end():].strip()
        prev = history[-1] if history else None
        mentioned = {m.canonical for m in self.mentions(message) if m.kind == "regio"}
        chosen_region, source = self._region(mentioned, prev, region, selected_before)
        if prev is None or reset:
            return Rewrite(message, chosen_region, source, "nieuw", self._explain("", source, chosen_region))

        own = self.content_words(message)
        strong, weak = self._points_back(message)
        switched = bool(mentioned) and chosen_region != prev.region
        opener = bool(CONTINUES.match(message))
        if (strong and (len(own) < 6 or opener)) or (weak and not switched and len(own) <= 3) or len(own) <= 1:
            query, how = self._complete(message, prev, chosen_region)
            return Rewrite(query, chosen_region, source, "vervolg", self._explain(how, source, chosen_region),
                           _conversation(prev, message))
        if len(own) <= 3:
            extra = self._soft_context(message, prev, chosen_region)
            if extra:
                return Rewrite(f"{_strip_end(message)}? ({extra})", chosen_region, source, "context",
                               self._explain("Aangevuld uit het gesprek.", source, chosen_region),
                               _conversation(prev, message))
        return Rewrite(message, chosen_region, source, "nieuw", self._explain("", source, chosen_region))

    def _region(self, mentioned: set[str], prev: PriorTurn | None, region: str | None,
                selected_before: str | None) -> tuple[str | None, str | None]:
        if len(mentioned) == 1:
            named = next(iter(mentioned))
            return named, ("keuze" if named == region else "vraag")
        if region and (prev is None or region != selected_before):
            return region, "keuze"
        if prev is not None and prev.region:
            return prev.region, ("keuze" if prev.region == region else "gesprek")
        return region, ("keuze" if region else None)

    def _complete(self, message: str, prev: PriorTurn, region: str | None) -> tuple[str, str]:
        """A follow-up made standalone: substitution into the previous query, or the message plus its subject."""
        body = LEAD.sub("", message).strip() or message
        base = prev.query
        replaced: list[str] = []
        used: list[_Mention] = []
        for mention in self.mentions(body):
            target = next((p for p in self.mentions(base) if p.kind == mention.kind and p.canonical !=
                           mention.canonical), None)
            if target is None:
                continue
            before = base[:target.start]
            surface = _same_form(target, mention)
            if surface[:3].lower() in ("de ", "het") and re.search(r"(?i)\b(?:de|het)\s$", before):
                before = re.sub(r"(?i)\b(?:de|het)\s$", "", before)  # "in de" + "De Fryske Marren"
            base = before + surface + base[target.end:]
            replaced.append(f"‘{target.surface}’ door ‘{surface}’")
            used.append(mention)
        rest = body
        for mention in sorted(used, key=lambda m: m.start, reverse=True):
            rest = rest[:mention.start] + rest[mention.end:]
        leftover = self.content_words(rest)
        if replaced and not leftover:
            return base, "Vervolgvraag: in de vorige vraag " + ", ".join(replaced) + " vervangen."
        if not replaced:
            swapped = _swap_events(base, body)
            if swapped:
                return swapped

        words = WORD.findall(folded(body))
        # "En als de kinderrechter het heeft opgelegd?" after "Welke code gebruik ik als de huisarts heeft
        # doorverwezen?": the new condition replaces the previous question's condition.
        if not replaced and words and words[0] in CONDITION:
            query = _replace_clause(base, _strip_end(body), words[0])
            if query:
                return query, "Vervolgvraag: de voorwaarde van de vorige vraag vervangen."
        # An elliptic follow-up asks nothing of its own ("En bij de Wmo?", "en het retourbericht daarop?").
        elliptic = not any(w in QUESTION_WORDS or w in FINITE for w in words)
        fragment = bool(words) and words[0] in PREPOSITIONS and len(self.content_words(body)) <= 3 and elliptic
        if fragment and not replaced:
            clause = _strip_end(body)
            main, bracket = _split_bracket(base)
            query = _replace_clause(base, clause, words[0]) or f"{_strip_end(main)} {clause}? {bracket}".strip()
            return query, "Vervolgvraag: aangevuld met de vorige vraag."

        # An elliptic follow-up asks what the previous question asked ("binnen welke termijn"): the words that asked
        # are part of the subject carried over.
        context = self._subject(body, base if replaced else prev.query, prev, region, elliptic)
        body = _capitalise(body)
        query = f"{_strip_end(body)}? ({context})" if context else body
        return query, "Vervolgvraag: onderwerp van de vorige vraag toegevoegd."

    def _subject(self, body: str, previous_query: str, prev: PriorTurn, region: str | None,
                 elliptic: bool = False) -> str:
        """The previous query's subject: its content words and terms (minus what the message already says); for an
        `elliptic` message also what the previous question asked for ("hoeveel werkdagen")."""
        have = {_stem(w) for w in self.content_words(body)}
        parts: list[str] = []
        mentions = self.mentions(previous_query)
        answered = self._answered_message(previous_query, mentions)
        if answered:
            return " ".join([answered] + [m.surface for m in mentions if m.kind in SOFT_KINDS and
                                           (m.kind != "regio" or m.canonical == region)])
        spans = [(m.start, m.end) for m in mentions]
        for mention in mentions:
            if mention.kind == "regio" and mention.canonical != region:
                continue  # the user moved to another region: its name (and "SDD") would pull the wrong documents
            words = self.content_words(mention.surface) or [mention.surface.lower()]
            if not all(_stem(w) in have for w in words):
                parts.append(mention.surface)
                have.update(_stem(w) for w in words)
        lowered = folded(previous_query)
        previous_word = ""
        for match in WORD.finditer(lowered):
            word, asked = match.group(0), previous_word in ASKING and not elliptic
            previous_word = word
            if asked or any(s <= match.start() < e for s, e in spans):
                continue  # "hoeveel werkdagen": what the previous question asked for, not its subject
            if word in self.content_words(word) and _stem(word) not in have:
                parts.append(previous_query[match.start():match.end()])
                have.add(_stem(word))
        codes = [c for c in prev.codes if c.lower() not in lowered and _stem(c.lower()) not in have]
        if not any(m.kind == "bericht" for m in mentions):
            parts.extend(codes[:2])
        return " ".join(parts[:MAX_CONTEXT_WORDS])

    @staticmethod
    def _answered_message(previous_query: str, mentions: Sequence[_Mention]) -> str | None:
        """The message a "Welk bericht ...?" question was answered with, by its name ("startbericht"): what a
        follow-up ("Hoeveel tijd heb ik daarvoor?") is about. The situation the question described ("als de zorg
        start") found the process descriptions of the previous answer again, not the message's rule."""
        if not ASKED_MESSAGE.search(folded(previous_query)):
            return None
        names = ENTITIES["bericht"]
        named = [m for m in mentions if m.kind == "bericht" and m.canonical in names]
        if not named or folded(named[0].surface) == names[named[0].canonical][0]:
            return None  # no message situation named (the answer's codes are carried instead), or its name itself
        return names[named[0].canonical][0]

    def _soft_context(self, message: str, prev: PriorTurn, region: str | None) -> str:
        """Region, law and document type of the conversation, for a question that has its own subject."""
        have = {m.canonical for m in self.mentions(message)}
        kinds_here = {m.kind for m in self.mentions(message)}
        parts = []
        for mention in self.mentions(prev.query):
            if mention.kind not in SOFT_KINDS or mention.canonical in have or mention.kind in kinds_here:
                continue
            if mention.kind == "regio" and mention.canonical != region:
                continue
            parts.append(mention.surface)
            have.add(mention.canonical)
        return " ".join(parts)

    def _explain(self, how: str, source: str | None, region: str | None) -> str:
        if source == "gesprek" and region:
            return f"{how} Regio {region_name(region)} uit het gesprek.".strip()
        if source == "vraag" and region:
            return f"{how} Regio {region_name(region)} uit de vraag.".strip()
        return how


def _conversation(prev: PriorTurn, message: str) -> FollowUpContext:
    """What a follow-up continues: the previous query and the first two passages its answer cited."""
    return FollowUpContext(" ".join([prev.query, *prev.cited[:2]]), prev.query, prev.cited_ids[:2], message)


def _same_form(target: _Mention, mention: _Mention) -> str:
    """The new term by its main name when the previous query used the old term's main name: "startbericht" is
    replaced by "stopbericht" also when the user wrote "bij beëindiging"; otherwise as the user wrote it."""
    old_names = ENTITIES.get(target.kind, {}).get(target.canonical, ())
    new_names = ENTITIES.get(mention.kind, {}).get(mention.canonical, ())
    here = folded(target.surface)
    if old_names and new_names and here in {folded(old_names[0]) + end for end in ("", "en", "s")}:
        return new_names[0]
    return mention.surface


def _swap_events(previous: str, body: str) -> tuple[str, str] | None:
    """The previous query about the start of care asked about its end, or the other way round, when the follow-up
    names only the other event and at most one other content word: "En als de hulp eindigt?" after "Binnen hoeveel
    dagen moet ik de start van de zorg melden?" -> "... de stop van de zorg melden?". None when it does not apply."""
    words = WORD.findall(folded(body))
    names_start = any(w in START_TO_STOP for w in words)
    names_stop = any(w in STOP_TO_START for w in words)
    if names_start == names_stop:
        return None
    table = STOP_TO_START if names_start else START_TO_STOP  # the previous query's words of the other event
    others = [w for w in words if w not in START_TO_STOP and w not in STOP_TO_START and w not in STOPWORDS
              and w not in PREPOSITIONS and w not in QUESTION_WORDS and w not in GENERIC and len(w) > 2]
    if len(others) > 1:
        return None
    main, bracket = _split_bracket(previous)
    pieces, swapped, last = [], [], 0
    for match in WORD.finditer(folded(main)):
        word = match.group(0)
        if word not in table:
            continue
        before = folded(main[:match.start()]).split()
        new = EVENT_NOUNS.get(word) if before and before[-1] in DETERMINERS and word in EVENT_NOUNS else table[word]
        pieces += [main[last:match.start()], new]
        swapped.append(f"‘{main[match.start():match.end()]}’ door ‘{new}’")
        last = match.end()
    if not swapped:
        return None
    query = "".join([*pieces, main[last:]])
    # The user's own words for it ("eindigt", "hulp") stay searched too: the documents may use them and not ours.
    present = set(WORD.findall(folded(query)))
    own = [m.group(0) for m in WORD.finditer(body) if folded(m.group(0)) in {*others, *START_TO_STOP, *STOP_TO_START}
           and folded(m.group(0)) not in present]
    query = f"{_strip_end(query)}? ({' '.join(own)})" if own else query
    return f"{query} {bracket}".strip(), "Vervolgvraag: in de vorige vraag " + ", ".join(swapped) + " vervangen."


def _replace_clause(previous: str, clause: str, head: str) -> str | None:
    """The previous query with its clause opened by `head` ("bij ...", "als ...", up to a comma or the end) replaced
    by the follow-up's `clause`; None when the previous query has no such clause."""
    main, bracket = _split_bracket(previous)
    found = re.search(rf"(?<![\w-]){re.escape(head)}(?![\w])[^?.!;,(]*", folded(main))
    if not found:
        return None
    clause = _resolve_subject(clause, main[found.start():found.end()])
    return f"{main[:found.start()]}{clause}{main[found.end():]} {bracket}".strip()


def _resolve_subject(clause: str, replaced: str) -> str:
    """A pronoun subject in a follow-up's clause takes the subject of the clause it replaces: "als het stopt" after
    "als de zorg start" -> "als de zorg stopt". Dutch subordinate clauses put the verb last, so the replaced clause's
    subject is the (determiner +) word after its head word, when a verb follows it."""
    new, old = clause.split(), replaced.split()
    if len(new) < 3 or new[1].lower() not in SUBJECT_PRONOUNS or len(old) < 3:
        return clause
    subject = old[1:3] if old[1].lower() in DETERMINERS and len(old) >= 4 else old[1:2]
    if subject[0].lower() in SUBJECT_PRONOUNS:
        return clause
    return " ".join([new[0], *subject, *new[2:]])


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _strip_end(text: str) -> str:
    return text.strip().rstrip("?!. ").strip()


def _split_bracket(query: str) -> tuple[str, str]:
    """'Vraag? (context)' -> ('Vraag?', '(context)')."""
    match = re.search(r"\s\([^()]*\)$", query)
    return (query[:match.start()], match.group(0).strip()) if match else (query, "")


def _stem(word: str) -> str:
    """Crude plural/inflection folding for 'already said' checks (not for search)."""
    for suffix in ("en", "s", "e", "t"):
        if len(word) > 4 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word
