"""A question written as a message: the greeting, the thanks and the signature around it are not what is asked.

Helpdesks and access staff paste e-mails and write chat messages the way they write to a colleague: "Goedemiddag,
... binnen hoeveel werkdagen moeten we het startbericht sturen? Alvast bedankt! Groet, Marieke". The name in the
signature read as a specific term that no passage holds, so the question was refused ("De best passende passages
noemen niet: marieke"), and the greeting's words joined the search. The opening greeting (with whom it addresses) and
everything from a closing formula on (thanks, regards, the name, organisation and phone number after them) are left
out of what is searched and checked. The forms are Dutch letter and chat conventions, not words of any question.
"""

from __future__ import annotations

import re

from index.spelling import typed_in_capitals

# An opening greeting with up to five words of whom it addresses, closed by a comma, colon, exclamation mark or line
# break: "Goedemiddag,", "Beste collega's van de helpdesk,", "Hallo allemaal!", "Geachte heer/mevrouw,".
_GREETING = re.compile(
    r"^\s*(?:goe(?:de|ie)(?:morgen|middag|navond|ndag)|hallo|hoi|hey|hee|hé|hi)\b"
    r"(?:[ \t]+[^\s,:;!?.]+){0,5}?[ \t]*(?:[,:!]+|\n)\s*",
    re.IGNORECASE)
# "Beste" and "Geachte" open a letter only before whom it addresses (a name, "collega's", "heer/mevrouw" ...): "Beste
# manier om een VOT in te trekken, is dat ...?" opens a question.
_ADDRESS = re.compile(
    r"^\s*(?:[Bb]este|[Gg]eachte)(?:[ \t]+(?:[A-Z][^\s,:;!?.]*|collega'?s?|helpdesk|allen|allemaal|team|mensen|"
    r"heer/mevrouw|heer|mevrouw|lezer|van|de|der|het))*[ \t]*(?:[,:!]+|\n)\s*")
# "Dag," or "Dag Petra," only: "Dag en nacht zorg, valt dat onder verblijf?" opens with a subject.
_DAG = re.compile(r"^\s*[Dd]ag(?:[ \t]+[A-Z][\w'-]*)?[ \t]*(?:[,!]+|\n)\s*")
# A question announced before it is asked: "Ik heb een vraag:", "Korte vraag:", "Vraagje,".
_ANNOUNCED = re.compile(r"^\s*(?:(?:ik|wij|we) (?:heb|hebben) )?(?:een )?(?:korte |snelle )?vraag(?:je)?"
                        r"(?: (?:aan|voor) (?:jullie|u|je))?\s*[:,]\s*", re.IGNORECASE)
# Closing formulas that are one wherever they stand (users often leave out the question mark before them:
# "... van een startbericht Dank je wel!"); they and all after them (name, organisation, telephone) go.
_CLOSING = re.compile(
    r"(?:^|(?<=\s)|(?<=[.!?,;:]))(?:"
    r"(?:alvast|bij voorbaat) (?:hartelijk |heel erg |erg )?(?:bedankt|dank)\b"
    r"|dank (?:je|jullie|u) ?wel\b|dankjewel\b|dankuwel\b"
    r"|(?:met )?(?:vriendelijke|hartelijke|warme|collegiale) groet(?:en)?\b|met (?:beste )?groet(?:en)?\b"
    r"|groetjes\b|m\.?v\.?g\.?(?=[\s,]|$)|b\.?v\.?d\.?(?=[\s,!]|$)|(?:kind |best )?regards\b"
    r")",
    re.IGNORECASE)
# Formulas that are one only at the start of a sentence or line ("Bedankt!", "Groet, Marieke", "Gr. Kees"), or at the
# end ("Thx"): "Bedankt voor je antwoord, maar ..." and "een groet van de gemeente" are not.
_CLOSING_SENTENCE = re.compile(
    r"(?:^|(?<=[.!?,;:\n])\s*|\n)\s*(?:"
    r"(?:hartelijk |heel erg |erg )?bedankt\s*(?:[.!,]|$)"
    r"|groet(?:en)?\s*(?:[,.!]|\n|$)|groet(?:en)?[ \t]+(?=[A-Z])"
    r"|gr\.?(?=[\s,]|$)|fijne (?:dag|middag|avond|week|weekend)\b"
    r")|(?<=\s)(?:thx|thanks|tnx|dank)\s*[.!]*\s*$",
    re.IGNORECASE)
# A plea that closes the message ("Kunnen jullie helpen?", "Weet iemand dit?", "Graag jullie advies."): it asks for
# help, not about anything; the question is in the sentences before it.
_PLEA = re.compile(
    r"(?:^|(?<=[.!?,;:\n]))\s*(?:"
    r"(?:kunnen|kun|kan|wil|willen) (?:jullie|je|u|iemand) (?:mij |me |ons )?"
    r"(?:hier(?:mee|bij|in) |daar(?:mee|bij|in) |even |verder )?(?:helpen|uitleggen|adviseren)"
    r"|wie kan (?:mij |me |ons )?(?:hier(?:mee|bij) |daar(?:mee|bij) |verder )?helpen"
    r"|weet (?:iemand|jij|u) (?:dit|dat|het antwoord|hoe dit zit|hoe dat zit|raad)"
    r"|(?:ik |wij |we )?(?:hoor|horen) (?:het )?graag(?: van (?:jullie|u|je))?"
    r"|graag (?:jullie|uw|je) (?:advies|reactie|hulp|antwoord)"
    r"|(?:ik ben|wij zijn|we zijn) benieuwd naar (?:jullie|uw|je) (?:reactie|antwoord|advies)"
    r")\s*[?!.]*\s*$",
    re.IGNORECASE)
# A forwarded or pasted e-mail's header lines and separators ("Van: ...", "Onderwerp: ...", "-----Oorspronkelijk
# bericht-----", "Doorgestuurd bericht:"): who wrote to whom and when is not what is asked.
_HEADER = re.compile(
    r"^[ \t>]*(?:(?:van|from|verzonden|sent|aan|to|cc|bcc|onderwerp|subject|datum|date)[ \t]*:.*"
    r"|-{2,}.*|(?:doorgestuurd|oorspronkelijk|forwarded|original) (?:bericht|message)[ \t]*:?.*)$\n?",
    re.IGNORECASE | re.MULTILINE)
# A note of whom and when the question is about, before a colon: "Over cliënt (BSN ..., 01-02-2025):", "Betreft
# mevr. [NAAM]:", "Casus jongere (15 jr):". With its personal data removed (api/privacy.py) it names only a role and
# numbers: words that pulled the search towards passages about clients in general, and that made a follow-up
# ("Over cliënt ...: En bij de Wmo?") read as a new question.
# How a message names a person: a form of address, or the word for the person in this domain (also api/privacy.py,
# which removes the name after them).
FORMS_OF_ADDRESS = r"mevrouw|meneer|mevr\.|mw\.|dhr\.|de heer"
PERSON_WORDS = r"cliënt|client|jongere|jeugdige|inwoner|zoon|dochter"
_ROLE = rf"{FORMS_OF_ADDRESS}|{PERSON_WORDS}|mevr|mw|dhr|kind|ouders?|gezin|familie|casus|\[naam\]|\[bsn\]"
_CASE_LABEL = re.compile(
    rf"^\s*(?:(?:over|betreft|inzake|re|casus|m\.?b\.?t\.?|i\.?v\.?m\.?)[ \t]+)?(?:(?:{_ROLE})[ \t]*)+"
    r"(?:\([\d\s,./-]*(?:(?:bsn|jr|jaar|geb\.?)[\d\s,./-]*)*\)[ \t]*)?:\s*",
    re.IGNORECASE)
_MIN_WORDS = 2  # what is left must still be a question; otherwise the message stays as typed


def without_pleasantries(text: str) -> str:
    """`text` without e-mail header lines, its opening greeting, a note of whom it is about ("Over cliënt
    (01-02-2025):"), an announcement ("Vraagje:"), everything from a closing formula on and a closing plea ("Kunnen
    jullie helpen?"); unchanged when that would leave fewer than two words."""
    body = _HEADER.sub("", text).strip()
    body = _DAG.sub("", _ADDRESS.sub("", _GREETING.sub("", body, count=1), count=1), count=1)
    body = _ANNOUNCED.sub("", _CASE_LABEL.sub("", body, count=1), count=1)
    ends = [m.start() for m in (_CLOSING.search(body), _CLOSING_SENTENCE.search(body)) if m is not None]
    if ends and min(ends) > 0:
        body = body[:min(ends)]
    body = _PLEA.sub("", body.strip(), count=1).strip()
    if len(re.findall(r"\w+", body)) < _MIN_WORDS:
        return text
    return body  # in the case typed: a question typed all in lower case stays so (see Speller.truecase)


def the_question(text: str) -> str:
    """What is asked, as the search and the follow-up rewriter read it: without greeting and signature, and in lower
    case when typed with caps lock (see index/spelling.typed_in_capitals)."""
    question = without_pleasantries(text)
    return question.lower() if typed_in_capitals(question) else question
