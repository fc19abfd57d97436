"""Personal data is removed before anything is stored; codes and numbers that are not personal data stay."""

from __future__ import annotations

import pytest

from api.privacy import elfproef, iban_valid, scrub, without_personal_data


def test_elfproef() -> None:
    assert elfproef("111222333") and elfproef("123456782")
    assert not elfproef("123456789") and not elfproef("000000000") and not elfproef("12345678a")


@pytest.mark.parametrize(("text", "expected"), [
    ("Cliënt met BSN 111222333 vraagt om een 305.", "Cliënt met BSN [BSN] vraagt om een 305."),
    ("bsn: 123.456.782, graag terugbellen", "bsn: [BSN], graag terugbellen"),
    ("bsn 123 456 782", "bsn [BSN]"),
    ("Mail naar j.jansen@gemeente-oost.nl of bel 06-12345678.", "Mail naar [E-MAIL] of bel [TELEFOON]."),
    ("Bel 020 123 45 67 of +31 6 1234 5678", "Bel [TELEFOON] of [TELEFOON]"),
    ("Telefoon (020) 1234567.", "Telefoon [TELEFOON]."),
    ("Betaal op NL91 ABNA 0417 1643 00 voor 1 mei.", "Betaal op [IBAN] voor 1 mei."),
    ("IBAN NL91ABNA0417164300", "IBAN [IBAN]"),
])
def test_personal_data_is_replaced(text: str, expected: str) -> None:
    assert scrub(text) == expected


@pytest.mark.parametrize("text", [
    "Welk bericht stuur ik als de zorg start? (305, binnen 5 werkdagen)",
    "Naar welk subsegment gaat productcode 54001 of 45A48?",
    "Het nummer 123456789 voldoet niet aan de elfproef.",  # 9 digits, but not a BSN
    "Retourcode 9321 en foutcode IB103 op 17-09-2024, ingang 01-01-2015.",
    "AGB-code 12345678 van de aanbieder.",  # 8 digits that fail the elfproef
    "Het tarief is € 1.234.567 per jaar.",
    "NL91ABNA0417164301 is geen geldig IBAN.",
])
def test_non_personal_numbers_and_codes_stay(text: str) -> None:
    assert scrub(text) == text


def test_iban_check() -> None:
    assert iban_valid("NL91ABNA0417164300") and iban_valid("GB82 WEST 1234 5698 7654 32")
    assert not iban_valid("NL91ABNA0417164301")


def test_search_query_has_no_personal_data_and_no_placeholders() -> None:
    from api.privacy import without_personal_data

    assert without_personal_data("Cliënt 111222333 (j.jansen@example.nl, 06-12345678): welk bericht bij start?") == (
        "Cliënt: welk bericht bij start?")
    plain = "Welk bericht stuur ik als de zorg start?"
    assert without_personal_data(plain) == plain


@pytest.mark.parametrize(("text", "stored", "searched"), [
    ("Onze client Jan Jansen is overleden, welke reden?", "Onze client [NAAM] is overleden, welke reden?",
     "Onze client is overleden, welke reden?"),
    ("Mevrouw De Vries krijgt begeleiding. Welk bericht?", "Mevrouw [NAAM] krijgt begeleiding. Welk bericht?",
     "Mevrouw krijgt begeleiding. Welk bericht?"),
    ("dhr. van der Berg verhuist naar Zwolle", "dhr. [NAAM] verhuist naar Zwolle", "dhr. verhuist naar Zwolle"),
    # no name: a short form after the role word, a single capitalised word after it, a form of address alone
    ("cliënt Wmo-begeleiding stopt", "cliënt Wmo-begeleiding stopt", "cliënt Wmo-begeleiding stopt"),
    ("De cliënt Heeft geen indicatie", "De cliënt Heeft geen indicatie", "De cliënt Heeft geen indicatie"),
    ("mevrouw heeft een indicatie", "mevrouw heeft een indicatie", "mevrouw heeft een indicatie"),
])
def test_a_person_named_as_such_is_personal_data(text: str, stored: str, searched: str) -> None:
    """A name after a form of address or, first and last name, after the word for the person: not stored, not
    searched (as a proper name no passage holds, it refused the question)."""
    assert scrub(text) == stored
    assert without_personal_data(text) == searched
