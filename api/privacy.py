"""Removes personal data from text before it is stored: BSN (elfproef), e-mail, phone numbers, IBAN, and the name of
a person named as such ("mevrouw De Vries", "cliënt Jan Jansen")."""

from __future__ import annotations

import re

from index.pleasantries import FORMS_OF_ADDRESS, PERSON_WORDS

_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){11,30}\b", re.I)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}\b", re.I)
# Dutch numbers: 06-12345678, 020 123 45 67, (020) 1234567, +31 6 1234 5678, 0031 20 1234567.
_PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+31|0031)[ -]?(?:\(0\)[ -]?)?\d(?:[ -]?\d){8}"  # +31 6 1234 5678
    r"|0\d(?:[ -]?\d){8}"  # 06-12345678, 020 123 45 67
    r"|\(0\d{1,3}\)[ -]?\d(?:[ -]?\d){4,7})(?![\d-])"  # (020) 1234567
)
_DATE = re.compile(r"^\d{2}-\d{2}-\d{4}$")
_BSN = re.compile(r"(?<![\d.-])(\d{3})[ .]?(\d{3})[ .]?(\d{3})(?![\d-])|(?<![\d.-])(\d{8,9})(?![\d-])")

# A person's name after a form of address ("mevrouw De Vries", "dhr. Jansen") or, first and last name, after the
# word for the person in this domain ("cliënt Jan Jansen", "jongere Sanne de Boer"). Only capitalised words with a
# lower-case rest are names: "cliënt WMO", "jongere iJw" are not.
_NAME_WORD = r"[A-ZÀ-Þ][a-zß-ÿ]+(?:-[A-ZÀ-Þ][a-zß-ÿ]+)?"
_PARTICLES = r"(?:(?i:van der|van den|van de|van|de|der|den|ter|ten|te|'t)\s+)*"
_PERSON = re.compile(
    rf"(?P<lead>\b(?i:{FORMS_OF_ADDRESS})\s+)"
    rf"(?P<name>{_PARTICLES}{_NAME_WORD}(?:\s+{_PARTICLES}{_NAME_WORD})?)"
    rf"|(?P<role>\b(?i:{PERSON_WORDS})\s+)"
    rf"(?P<full>{_NAME_WORD}(?:\s+{_PARTICLES}{_NAME_WORD}){{1,2}})"
)

PLACEHOLDERS = {"bsn": "[BSN]", "email": "[E-MAIL]", "phone": "[TELEFOON]", "iban": "[IBAN]", "name": "[NAAM]"}


def elfproef(digits: str) -> bool:
    """The BSN check: 9 digits, sum of d_i * (9..2) minus the last digit divisible by 11, and not all zeros."""
    if len(digits) == 8:
        digits = "0" + digits
    if len(digits) != 9 or not digits.isdigit() or int(digits) == 0:
        return False
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) - int(digits[8])
    return total % 11 == 0


def iban_valid(candidate: str) -> bool:
    """ISO 13616 mod-97 check."""
    iban = candidate.replace(" ", "").upper()
    if not 15 <= len(iban) <= 34:
        return False
    rearranged = iban[4:] + iban[:4]
    number = "".join(str(int(c, 36)) for c in rearranged)
    return int(number) % 97 == 1


def _iban(match: re.Match[str]) -> str:
    # The pattern may run on into the next word ("... 1643 00 voor"): take the longest valid prefix.
    text = match[0]
    for end in range(len(text), 14, -1):
        if text[end - 1] != " " and iban_valid(text[:end]):
            return PLACEHOLDERS["iban"] + text[end:]
    return text


def _phone(match: re.Match[str]) -> str:
    return match[0] if _DATE.match(match[0]) else PLACEHOLDERS["phone"]


def _bsn(match: re.Match[str]) -> str:
    digits = "".join(g for g in match.groups() if g)
    return PLACEHOLDERS["bsn"] if len(digits) == 9 and elfproef(digits) else match[0]


def scrub(text: str) -> str:
    """The text with personal data replaced by placeholders; everything else unchanged."""
    text = _IBAN.sub(_iban, text)
    text = _EMAIL.sub(PLACEHOLDERS["email"], text)
    text = _PHONE.sub(_phone, text)
    text = _PERSON.sub(lambda m: (m["lead"] or m["role"]) + PLACEHOLDERS["name"], text)
    return _BSN.sub(_bsn, text)


_PLACEHOLDER = re.compile(r"\s*(?:\[(?:BSN|E-MAIL|TELEFOON|IBAN|NAAM)\])")
# The word that labels the data ("BSN 123456782", "tel.: 06-...") goes with it: as a short form that no passage of a
# corpus without it holds, "BSN" alone refused the question.
_LABEL = re.compile(r"\b(?:bsn|burgerservicenummer|tel(?:efoon(?:nummer)?)?\.?|mobiel|e-?mail(?:adres)?|iban|"
                    r"rekeningnummer)\s*(?:nr\.?|nummer)?\s*[:=]?\s*(?=\[(?:BSN|E-MAIL|TELEFOON|IBAN)\])",
                    re.IGNORECASE)


def without_personal_data(text: str) -> str:
    """The text as a search query: personal data removed entirely (it never helps to find a passage)."""
    cleaned = _PLACEHOLDER.sub("", _LABEL.sub("", scrub(text)))
    cleaned = re.sub(r"\(\s*[,;]?\s*\)", "", cleaned)  # "(, )" left where the data was
    cleaned = re.sub(r"\(\s*[,;]\s*", "(", re.sub(r"\s*[,;]\s*\)", ")", cleaned))  # "(, 01-02-2025)"
    cleaned = re.sub(r"\s+([,.:;?!)])", r"\1", cleaned)
    # spaces collapsed, line breaks kept: a signature on its own line is told apart by them (index/pleasantries.py)
    cleaned = "\n".join(" ".join(line.split()) for line in cleaned.splitlines()).strip()
    return cleaned or text
