"""Domain vocabulary: the words users type mapped to the words the documents use.

Users write "ontvangstbevestiging" where the standard says retourbericht, "startbericht" for
305 and "de gemeente" for toegang. A query that contains a trigger phrase is expanded with
the document terms (at a lower weight for BM25, appended for the dense query).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.analyzer import DutchAnalyzer, fold

# (trigger phrases as users type them, document terms they stand for)
_GROUPS: list[tuple[tuple[str, ...], tuple[str, ...]]] = [
    (("ontvangstbevestiging", "bevestiging van ontvangst", "ontvangst bevestigen", "ontvangstbericht",
      "ontvangstmelding", "bevestigt de ontvangst", "ontvangst bevestigd", "ontvangst van bevestigen"),
     ("retourbericht", "retourcode")),
    (("retourbericht",), ("ontvangst", "bevestiging")),
    (("startbericht", "start zorg", "zorg start", "zorg begint", "begin van de zorg", "zorg is gestart",
      "starten met de zorg", "start van de zorg", "aanvang zorg"), ("305", "start zorg", "startbericht")),
    (("stopbericht", "stop zorg", "zorg stopt", "zorg eindigt", "einde zorg", "zorg beeindigd",
      "zorg is gestopt", "beeindiging zorg", "zorg afgelopen"), ("307", "stop zorg", "stopbericht")),
    (("toewijzingsbericht", "toewijzing ontvangen"), ("301", "toewijzing")),
    (("verzoek om toewijzing", "aanvraagbericht", "aanvraag indienen"), ("315", "verzoek toewijzing", "vot")),
    (("verzoek om wijziging", "wijzigingsverzoek", "wijziging doorgeven", "wijziging aanvragen"),
     ("317", "verzoek wijziging", "vow")),
    (("antwoordbericht",), ("319",)),
    (("factuur", "factureren", "rekening sturen", "declareren"), ("declaratie", "303")),
    (("de gemeente", "gemeente", "wmo-consulent", "consulent", "toegangsmedewerker"),
     ("toegang", "consulent", "gemeente")),
    (("toegang",), ("gemeente", "consulent")),
    (("indicatie", "geindiceerd"), ("beschikking", "toewijzing", "indicatie")),
    (("beschikking",), ("indicatie", "toewijzing")),
    (("zorgaanbieder", "aanbieder", "zorgverlener", "zorgpartij", "hulpverlener"),
     ("zorgaanbieder", "aanbieder", "opdrachtnemer")),
    (("tarief", "tarieven", "kostprijs"), ("prijs", "tarief")),
    (("prijs",), ("tarief",)),
    (("wachtlijst", "wachtlijsten"), ("wachttijd", "wachtlijst")),
    (("wachttijd",), ("wachtlijst",)),
    (("indexatie", "indexeren", "prijsstijging", "prijsverhoging"), ("indexering", "indexcijfer")),
    (("budget", "vast bedrag", "vaste vergoeding"), ("lumpsum",)),
    (("sap", "administratieprotocol"), ("standaard administratieprotocol", "sap")),
    (("productcode", "oude code", "oude codes"), ("productcode", "conversietabel")),
    (("omzetten", "omzetting", "overzetten", "conversie"), ("conversietabel", "conversie", "omgezet")),
    (("overgangsperiode", "overgangstermijn", "overgang"), ("overgangsregeling", "overgangsperiode")),
    (("kpi", "prestatie-indicator", "prestatie indicatoren"), ("kpi", "prestatie")),
    (("verantwoording", "verantwoorden", "accountant"), ("verantwoording", "accountantscontrole")),
    (("pgb", "persoonsgebonden budget"), ("pgb", "persoonsgebonden budget")),
    (("evaluatie", "evalueren", "evaluatiegesprek"), ("evaluatie", "evaluatieformulier")),
    (("werkdagen", "dagen"), ("werkdagen",)),
    (("termijn", "hoe snel", "hoe lang", "hoelang", "deadline", "uiterlijk"), ("binnen", "werkdagen", "termijn")),
    (("plekken", "plaatsen", "capaciteit"), ("plekken", "plekbezetting")),
    (("betaling", "betalen", "uitbetaling"), ("betaling", "bevoorschotting")),
    (("release", "nieuwe versie standaard"), ("release", "istandaard")),
    (("vergadering", "overleg"), ("overlegtafel", "overleg")),
    (("resultaatgericht", "resultaatgerichte"), ("resultaatgericht", "resultaten", "resultaat")),
    (("uren", "aantal uur", "hoeveel uur", "uurtjes"), ("omvang", "frequentie", "uur")),
    (("wijkteam", "sociaal team", "wijkteams"), ("swt", "sociaal wijkteam", "toegang")),
    (("geld", "kosten", "goedkoop", "duur"), ("prijs", "geld", "tarief")),
    (("weigeren", "afwijzen", "niet aannemen"), ("acceptatieplicht",)),
    (("kalenderjaar",), ("boekjaar", "1 januari")),
    (("wachttijd", "wachten", "tot de start"), ("overbrugging", "wachtlijst")),
    (("toegewezen", "toewijzen"), ("toewijzing",)),
    (("gedeclareerd", "declareren"), ("declaratie",)),
    (("gecontracteerd", "contract"), ("overeenkomst", "contract", "gecontracteerd")),
    (("bezwaar maken", "bezwaar"), ("bezwaar", "onderbouwd bezwaar")),
    (("jeugdhulpaanbieder", "jeugdzorg"), ("jeugdhulp",)),
    (("huishoudelijke hulp", "huishoudelijke ondersteuning", "hbh"), ("huishoudelijke hulp", "ho", "hh")),
    (("hoe groot", "maximale grootte", "te groot", "bestandsgrootte"), ("grootte", "maximum", "megabyte")),
    (("bsn klopt", "bsn controleren", "bsn geldig", "burgerservicenummer controleren", "geldig bsn"),
     ("elfproef", "bsn")),
    (("foutmelding", "foutbericht", "error"), ("foutcode", "foutbericht", "fout")),
]


def vocabulary_words() -> set[str]:
    """Every single word of the vocabulary, as users type it and as documents use it (for the speller)."""
    return {w for triggers, expansions in _GROUPS for phrase in (*triggers, *expansions) for w in fold(phrase).split()}


_MESSAGE_NUMBER = re.compile(r"^3\d\d$")
_GENERIC = {"zorg"}


def message_concepts() -> list[tuple[list[re.Pattern[str]], set[str]]]:
    """The vocabulary's message types (startbericht = 305 = 'Start zorg', verzoek om toewijzing = 315 = VOT ...) as
    (trigger patterns, the words that name the type in a passage). Not the retourbericht: "bevestigt de gemeente de
    ontvangst" is also said of the answer to a request (301 or 319)."""
    concepts = []
    for triggers, expansions in _GROUPS:
        if not any(_MESSAGE_NUMBER.match(e) for e in expansions):
            continue
        names = {w for phrase in expansions for w in fold(phrase).split() if w not in _GENERIC}
        names |= {fold(t) for t in triggers if " " not in t}
        concepts.append(([_trigger(t) for t in triggers], names))
    return concepts


@dataclass(frozen=True)
class Expansion:
    """The extra terms found for a query: BM25 terms with weights, and text for the dense query."""

    terms: dict[str, float]
    text: str


def _trigger(phrase: str) -> re.Pattern[str]:
    """A trigger phrase as a pattern; up to two words may come between its words (Dutch inversion puts the
    subject there: "bevestigt de gemeente de ontvangst" for "bevestigt de ontvangst"). Not the tail of a compound:
    "declaratie-antwoordbericht" (325) is no "antwoordbericht" (319)."""
    words = [re.escape(w) for w in fold(phrase).split()]
    return re.compile(r"(?<![\w-])" + r"\W+(?:\w+\W+){0,2}?".join(words) + r"\b")


class DomainVocabulary:
    """Finds trigger phrases in a query and returns the document vocabulary they stand for."""

    def __init__(self, analyzer: DutchAnalyzer, weight: float = 0.5) -> None:
        self.analyzer = analyzer
        self.weight = weight
        self._groups = [
            ([_trigger(t) for t in triggers], expansions)
            for triggers, expansions in _GROUPS
        ]

    def expand(self, query: str) -> Expansion:
        folded = fold(query)
        present = set(self.analyzer.terms(query))
        terms: dict[str, float] = {}
        phrases: list[str] = []
        for patterns, expansions in self._groups:
            if not any(p.search(folded) for p in patterns):
                continue
            for phrase in expansions:
                new_terms = [t for t in self.analyzer.terms(phrase) if t not in present]
                if not new_terms:
                    continue
                phrases.append(phrase)
                for term in new_terms:
                    terms.setdefault(term, self.weight)
        return Expansion(terms=terms, text=" ".join(dict.fromkeys(phrases)))
