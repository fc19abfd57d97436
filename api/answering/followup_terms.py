"""The words the follow-up rewriter knows: kinds of terms that replace each other, and the small words that
show a message leans on the previous question (Dutch, as toegangsmedewerkers type it)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from index.analyzer import fold

# Kinds of terms that replace each other in a follow-up: canonical name -> how users write it.
ENTITIES: dict[str, dict[str, tuple[str, ...]]] = {
    "bericht": {
        "305": ("startbericht", "start zorg", "zorg start", "zorg begint", "zorg is gestart", "305"),
        "307": ("stopbericht", "stop zorg", "zorg stopt", "zorg eindigt", "zorg is gestopt", "zorg afloopt",
                "einde zorg", "einde van de zorg", "zorg beëindigd", "beëindiging van de zorg", "beëindiging", "307"),
        "301": ("toewijzingsbericht", "toewijzing", "301"),
        "315": ("verzoek om toewijzing", "aanvraagbericht", "315"),
        "317": ("verzoek om wijziging", "wijzigingsverzoek", "317"),
        "319": ("antwoordbericht", "319"),
        "323": ("declaratiebericht", "declaratie", "323"),
        "325": ("declaratie-antwoordbericht", "declaratieantwoordbericht", "325"),
        "retour": ("retourbericht", "ontvangstbevestiging", "ontvangstbericht"),
    },
    "verblijf": {
        "gezinshuiszorg": ("gezinshuiszorg", "gezinshuis"),
        "verblijf groep": ("verblijf groep", "verblijfsgroep", "groepsverblijf"),
        "pleegzorg": ("pleegzorg",),
    },
    "ondersteuning": {
        "begeleiding": ("individuele begeleiding", "begeleiding", "ib"),
        "huishoudelijke ondersteuning": ("huishoudelijke ondersteuning", "huishoudelijke hulp", "ho", "hh", "hbh"),
        "dagbesteding": ("dagbesteding",),
        "persoonlijke verzorging": ("persoonlijke verzorging",),
        "kortdurend verblijf": ("kortdurend verblijf",),
        "beschermd wonen": ("beschermd wonen",),
    },
    "wet": {"wmo": ("wmo", "iwmo"), "jeugdwet": ("jeugdwet", "jeugdhulp", "ijw"), "wlz": ("wlz",)},
    "document": {
        "notulen": ("notulen",),
        "verslag": ("verslag",),
        "faq": ("faq", "veelgestelde vragen", "vraag en antwoord"),
        "informatiebrief": ("informatiebrief",),
        "webpagina": ("webpagina", "website"),
    },
}
# The start and the end of care, as words that replace each other in a follow-up ("En als de hulp eindigt?" after
# "... de start van de zorg melden?" asks about "de stop van de zorg"), in the same word form where Dutch has one.
# Keys are folded (no accents); a noun "start"/"stop" (after an article) is told apart from the verb in followups.py.
START_TO_STOP = {
    "start": "stopt", "starten": "stoppen", "gestart": "gestopt", "begint": "eindigt", "beginnen": "eindigen",
    "begonnen": "geëindigd", "begin": "einde", "aanvang": "einde", "startdatum": "einddatum",
    "ingangsdatum": "einddatum", "instroom": "uitstroom", "opstarten": "beëindigen", "startbericht": "stopbericht",
}
STOP_TO_START = {
    "stop": "start", "stopt": "start", "stoppen": "starten", "gestopt": "gestart", "eindigt": "begint",
    "eindigen": "beginnen", "geeindigd": "begonnen", "einde": "begin", "beeindiging": "start",
    "beeindigen": "starten", "beeindigd": "gestart", "afloopt": "begint", "aflopen": "beginnen",
    "afgelopen": "begonnen", "einddatum": "startdatum", "uitstroom": "instroom", "stopbericht": "startbericht",
}
EVENT_NOUNS = {"start": "stop", "stop": "start"}  # the noun form after an article: "de start" <-> "de stop"

# Carried into a question that has its own subject but leans on the conversation ("Hoeveel cliënten ...?").
SOFT_KINDS = ("regio", "document", "wet")

RESET = re.compile(r"^(?:nieuwe vraag|andere vraag|ander onderwerp|iets anders)\b[\s:,.!-]*", re.IGNORECASE)
LEAD = re.compile(r"^(?:en|maar|ook|dus|oke|ok|nou|idem)\b[\s,]*", re.IGNORECASE)
FOLLOWUP_OPENERS = re.compile(
    r"^(?:en |maar )?(?:geldt (?:dat|dit|het|die)|hoe zit (?:het|dat|dit)|wat (?:nou )?als|is (?:dat|dit)|"
    r"klopt (?:dat|dit)|hoe is (?:dat|dit)|idem)\b", re.IGNORECASE)
PRONOMINAL = re.compile(r"^(?:daar|hier)(?:bij|voor|na|tegen|van|in|op|mee|aan|over|door|uit|onder|naast|om|toe)?$")
DEMONSTRATIVES = {"dat", "dit", "die", "deze"}
NOT_AFTER_DEMONSTRATIVE = {"de", "het", "een", "er", "ik", "je", "u", "we", "wij", "ze", "zij", "hij", "men"}
PREPOSITIONS = {"als", "bij", "voor", "over", "in", "na", "zonder", "met", "tijdens", "naast", "op", "tot", "vanaf",
                 "wanneer", "onder", "van", "tegen", "uit", "door", "per", "binnen"}
WEAK = {"dan", "ook", "nog", "verder", "daarnaast"}
# "dan" that means "in that case" ("welke reden geven we dan mee?") leans on the previous turn as much as "daarbij";
# not in a message with its own condition ("als ..., wat dan?") or after a comparison ("meer dan").
CONDITION = {"als", "wanneer", "indien", "zodra", "tenzij", "mits"}
COMPARATIVE = re.compile(r"^(?:meer|minder|anders|eerder|later|liever|ander|andere|niets|niet|geen)$|\w+er$")
QUESTION_WORDS = {"wat", "wie", "waar", "wanneer", "welke", "welk", "waarom", "hoe", "hoeveel", "hoelang",
                   "hoezo", "waarvoor", "waarmee", "waarop", "waarover", "waaraan"}
GENERIC = {"moet", "moeten", "mag", "mogen", "kan", "kunnen", "zijn", "is", "wordt", "worden", "gaat", "gaan",
            "geldt", "gelden", "krijg", "krijgen", "krijgt", "doen", "doe", "wil", "willen", "heeft", "hebben",
            "staat", "staan", "komt", "komen", "zit", "zitten", "ligt", "liggen", "valt", "vallen", "precies",
            "eigenlijk", "gewoon", "straks", "nu", "meestal", "snel", "geregeld", "er", "ze", "we", "wij", "ik",
            "jij", "je", "u", "ons", "onze", "mijn", "zo", "wel", "dan", "ook", "nog", "al", "daar", "hier", "niet",
            "geen", "meer", "altijd", "andere", "het", "hij", "zij"}
FINITE = {"moet", "moeten", "mag", "mogen", "kan", "kunnen", "is", "zijn", "wordt", "worden", "gaat", "gaan",
           "geldt", "gelden", "krijg", "krijgt", "krijgen", "heeft", "hebben", "staat", "komt", "zit", "ligt",
           "valt", "doe", "doen", "wil", "willen"}  # a message with one of these is a question, not a fragment
ASKING = {"hoeveel", "welke", "welk"}
TRAILING_PRONOUNS = {"het", "hij", "zij", "ze", "dat", "dit", "die"}  # "Uit hoeveel bandbreedtes bestaat het?"
WORD = re.compile(r"[0-9A-Za-zÀ-ÖØ-öø-ÿ]+(?:[-'’+][0-9A-Za-zÀ-ÖØ-öø-ÿ]+)*")
CODE = re.compile(r"^(?:\d{3}|\d{2}[a-z]\d{2}|[a-z]{2}\d{3})$")
YEAR = re.compile(r"(?<![\w-])20\d{2}(?![\w])")


def folded(text: str) -> str:
    """Lowercase without accents, one character per character (so match positions map back)."""
    return "".join(f if len(f := fold(c)) == 1 else c.lower() for c in text)


def term_pattern(phrase: str) -> re.Pattern[str]:
    """A known term (region name, message, product ...) in folded text: as whole words, plural "-en" or "-s" allowed."""
    return re.compile(rf"(?<![\w-]){re.escape(folded(phrase))}(?:en|s)?(?![\w])")


def region_name(slug: str) -> str:
    """'de-fryske-marren' -> 'De Fryske Marren'."""
    return " ".join(w.capitalize() for w in slug.split("-"))


def region_aliases(region_publishers: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """How users name each region: its name, its publishers' names and acronyms ("SDD"), its adjective."""
    aliases: dict[str, set[str]] = {}
    for slug, publisher in region_publishers:
        name = region_name(slug)
        names = aliases.setdefault(slug, {name})
        words = name.split()
        if len(words) == 1:
            names.update({f"{name}se", f"{name}s"})  # "Achterhoekse gemeenten"
        else:
            names.add("".join(w[0] for w in words).upper())  # DFM
            if words[0] in ("De", "Het"):
                names.add(" ".join(words[1:]))
        if publisher:
            base = re.sub(r"\s*\(.*?\)", "", publisher).strip()
            names.add(base)
            names.update(re.findall(r"\(([A-Z]{2,6})\)", publisher))  # "(SDD)"
            capitalised = base.split()
            if len(capitalised) == 3 and all(w[:1].isupper() for w in capitalised):
                names.add("".join(w[0] for w in capitalised))  # Sociaal Domein Achterhoek -> SDA
    return {slug: sorted(names, key=len, reverse=True) for slug, names in aliases.items()}


def codes_in(texts: Iterable[str]) -> list[str]:
    """Message and product codes (305, 54Z01, OP271) in cited quotes, in order of appearance."""
    seen: dict[str, None] = {}
    for text in texts:
        for word in WORD.findall(text):
            if CODE.match(word.lower()):
                seen.setdefault(word, None)
    return list(seen)
