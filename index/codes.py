"""What counts as a code (54001, 45A48, 54Z01, OP271, JZ020, 8848, 01), in table cells and in questions.

Ingestion tags every table row with the codes in its cells (`meta["codes"]`); the query side finds the codes
a question asks about. Both use `normalise_code`, so the exact lookup is a plain keyword match.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Letters then digits (JZ020, OP271, S300, WMO020, TR378, JW301) or digits-letters-digits (54Z01, 45A48, 11X01).
_MIXED = re.compile(r"^(?:[A-Z]{1,4}\d{2,6}[A-Z]?|\d{1,3}[A-Z]{1,2}\d{1,4})$")
_DIGITS = re.compile(r"^\d{3,8}$")  # 305, 0001, 8848, 54001
_SHORT = re.compile(r"^(?:\d{1,2}|[A-Z]{1,3})$")  # 01, 54, J: codes only in a column that says it holds codes
_YEAR = re.compile(r"^(?:19|20)\d\d$")
# A column holds codes when its header says so: "Code", "Productcode", "Waarde", "Nummer", "Nr", "ID", "Categorie".
_CODE_HEADER = re.compile(r"code|waarde|nummer|\bnr\b|\bid\b|categorie", re.IGNORECASE)
_MARKUP = "*_`'\" \t"

# Question side: a number is a code only right after a word that names one ("productcode 54001",
# "productcategorie 54", "retourcode 8848", "eenheid 14"), in "wat betekent 8848?", or as the last word of a
# "wat is/betekent ...?" question or of one that names a code ("Welke code voor reden beëindiging is 33?").
# A mixed code (54Z01, JZ020, JW305) is recognisable on its own, but it is looked up only when the question is about
# it: the same, or a question that asks what something is or compares ("verschil", "hetzelfde"), or one of at most
# three words ("Vecozo foutmelding BRS13"). "Wanneer stuur ik een JW305?" names a message in passing, as
# "Wanneer stuur ik een 317-bericht?" does: its rows (a case description's "Stap 2; ...; Berichten: JW305") were
# put before the passages that answer.
_TOKEN = re.compile(r"[0-9A-Za-z]+")
# Words that name a code or a code list ("eenheid 14", "reden beëindiging 33", "frequentie 2").
_CODE_WORD = re.compile(r"(?:code|codes|categorie|categorieën|categorieen|eenheid|frequentie|beëindiging|beeindiging)$",
                        re.IGNORECASE)
# A three-digit number next to "bericht" is a message code (305, 317-bericht, berichttype 315).
_MESSAGE_WORD = re.compile(r"bericht(?:type)?$", re.IGNORECASE)
_MESSAGE_AFTER = re.compile(r"\s?-?\s?bericht", re.IGNORECASE)
_PAIR = re.compile(r"\b([0-9A-Za-z]*\d[0-9A-Za-z]*)(?:\s?-?\s?berichten?)?\s+(?:en|of|versus|vs\.?)\s+"
                   r"(?:een\s+|het\s+|de\s+)?([0-9A-Za-z]*\d[0-9A-Za-z]*)\b", re.IGNORECASE)
_WHAT = re.compile(r"^\s*(?:wat\s+(?:is|zijn|betekent|betekenen)|waar\s+staat|waarvoor\s+staat)\b", re.IGNORECASE)
_MEANS = re.compile(r"\b(?:wat\s+is|betekent|betekenen|betekenis\s+van|waar\s+staat)\s+(?:de\s+|het\s+)?(?:code\s+)?$",
                    re.IGNORECASE)


def normalise_code(value: str) -> str:
    """The stored and compared form of a code: markup and spaces stripped, upper case."""
    return value.strip().strip(_MARKUP).strip().upper()


def is_code_header(header: str) -> bool:
    return bool(_CODE_HEADER.search(header or ""))


def _kind(value: str) -> str | None:
    """'long' for a code that is recognisable on its own, 'short' for one that needs a code column."""
    code = normalise_code(value)
    if not code or " " in code:
        return None
    if _MIXED.match(code) or (_DIGITS.match(code) and not _YEAR.match(code)):
        return "long"
    if _SHORT.match(code) and (code.isdigit() or value.strip(_MARKUP).isupper()):
        return "short"
    if _DIGITS.match(code):  # a year-like number: a code only in a code column
        return "short"
    return None


def row_codes(headers: Sequence[str], cells: Sequence[str]) -> list[str]:
    """The codes of one table row: whole-cell codes from the code columns (any column if none says 'code').

    A cell that merely mentions codes ("JW301, JW305") is no code of the row: the row does not define them.
    """
    code_columns = {i for i, h in enumerate(headers) if is_code_header(h)}
    codes: list[str] = []
    for i, cell in enumerate(cells):
        kind = _kind(cell)
        if kind is None:
            continue
        in_code_column = i in code_columns
        if (kind == "long" and (in_code_column or not code_columns)) or (kind == "short" and in_code_column):
            code = normalise_code(cell)
            if code not in codes:
                codes.append(code)
    return codes


# A date written in numbers: 01-02-2025, 1/2/25, 2025-02-01.
# The id of a business rule or instruction: its letters and its number (OP271, TR301, IV079, OP090x4).
RULE_ID_LETTERS, RULE_ID_NUMBER = r"[A-Za-z]{2,3}", r"\d{2,4}(?:x\d+)?"
RULE_ID = re.compile(rf"(?<![\w-]){RULE_ID_LETTERS}{RULE_ID_NUMBER}(?![\w-])")
NUMERIC_DATE = re.compile(r"(?<![\w-])(?:\d{1,2}[-/.]\d{1,2}[-/.](?:\d{4}|\d{2})|\d{4}-\d{1,2}-\d{1,2})(?![\w-])")


def codes_in_question(question: str) -> list[str]:
    """The codes a question asks about, normalised; empty when it names none ("Welke retourcode hoort bij ...?")."""
    found: list[str] = []
    previous = ""
    # Only a question about what a message is ("Wat is een 317-bericht?", "het verschil tussen 315 en 317")
    # looks its number up; "Mag een 305-bericht later?" asks about the procedure, not the code.
    defining = bool(_WHAT.match(question)) or bool(re.search(r"\b(?:verschil|hetzelfde)\b", question, re.IGNORECASE))
    short = len(_TOKEN.findall(question)) <= 3
    dates = [m.span() for m in NUMERIC_DATE.finditer(question)]
    for match in _TOKEN.finditer(question):
        token = match.group(0)
        if any(start <= match.start() < end for start, end in dates):
            continue  # "per 01-02-2025": the day and month of a date are no codes 01 and 02
        code = token.upper()
        is_code = False
        if _MIXED.match(code) and not code.isdigit():
            is_code = (defining or short or bool(_CODE_WORD.search(previous))
                       or bool(_MEANS.search(question[: match.start()])))
        elif token.isdigit():
            # "productcode 54001", "bericht 315", "het 317-bericht", "een 305 bericht"
            named = bool(_CODE_WORD.search(previous)) or (len(token) == 3 and defining and (
                bool(_MESSAGE_WORD.search(previous)) or bool(_MESSAGE_AFTER.match(question[match.end():]))))
            last = not _TOKEN.search(question, match.end()) or bool(re.match(r"\s+voor\W*$", question[match.end():]))
            asked = len(token) >= 2 and (bool(_MEANS.search(question[: match.start()])) or (last and (
                bool(_WHAT.match(question)) or any(_CODE_WORD.search(w) for w in _TOKEN.findall(question)))))
            padded = token.startswith("0") and len(token) >= 2
            is_code = named or ((asked or padded) and not _YEAR.match(token))
        if is_code and code not in found:
            found.append(code)
        previous = token
    for pair in _PAIR.finditer(question):  # "tussen een 315 en een 317": both or neither
        first, second = pair.group(1).upper(), pair.group(2).upper()
        if len(first) != len(second) or (first in found) == (second in found):
            continue
        if first in found:
            found.append(second)
        else:
            found.insert(found.index(second), first)
    return found
