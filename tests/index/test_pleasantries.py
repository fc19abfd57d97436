"""A question written as a message: greeting, thanks and signature are not searched or checked."""

from __future__ import annotations

import pytest

from index.pleasantries import without_pleasantries


@pytest.mark.parametrize(("message", "question"), [
    ("Binnen hoeveel werkdagen moeten we een startbericht sturen? Groet, Marieke",
     "Binnen hoeveel werkdagen moeten we een startbericht sturen?"),
    ("Goedemiddag, wij vroegen ons af binnen hoeveel werkdagen we een startbericht moeten sturen. Alvast bedankt! "
     "Groet, Marieke", "wij vroegen ons af binnen hoeveel werkdagen we een startbericht moeten sturen."),
    ("Beste Vraagbaak, welke code gebruik ik bij overlijden? Met vriendelijke groet, Jan de Vries, Zorggroep Oost",
     "welke code gebruik ik bij overlijden?"),
    ("Geachte heer/mevrouw,\nIk wil graag weten welke code ik gebruik voor overlijden.\nMet vriendelijke groet,\n\n"
     "Petra Jansen\nGemeente Zwolle\n038-1234567", "Ik wil graag weten welke code ik gebruik voor overlijden."),
    ("Hoi! Mag IAJ-behandeling naast GWV worden ingezet? Thx", "Mag IAJ-behandeling naast GWV worden ingezet?"),
    ("Hallo, vraagje: welke reden beeindiging gebruik ik als een client overlijdt?",
     "welke reden beeindiging gebruik ik als een client overlijdt?"),
    ("Goedemorgen allemaal, wanneer gaat release 3.3 live? Gr. Kees", "wanneer gaat release 3.3 live?"),
    ("hoi, binnen hoeveel dagen moet de stop eruit? mvg", "binnen hoeveel dagen moet de stop eruit?"),
    ("Dag Petra, hoe werkt de indexering? Bvd!", "hoe werkt de indexering?"),
    ("Beste collega's van de helpdesk,\nwat is een VOT?", "wat is een VOT?"),
    ("Goeiemorgen, wat is een VOT? Kind regards, Anna", "wat is een VOT?"),
    # the question mark left out before the closing
    ("wat is een open beschikking Mvg, Petra", "wat is een open beschikking"),
    ("mag status aanlevering 2 nog bij een correctie Dank je wel!", "mag status aanlevering 2 nog bij een correctie"),
    ("Hallo allemaal,\ncbs gemeentecode almelo Groetjes Sanne", "cbs gemeentecode almelo"),
    # a forwarded e-mail: its header lines and separators go too
    ("Van: Petra Jansen <>\nVerzonden: maandag 2 december 2024 10:15\nAan: Helpdesk Toegang\nOnderwerp: vraag\n\n"
     "Goedemiddag,\n\nBinnen hoeveel werkdagen moeten wij het startbericht versturen?\n\nMet vriendelijke groet,\n"
     "Petra Jansen", "Binnen hoeveel werkdagen moeten wij het startbericht versturen?"),
    ("-----Oorspronkelijk bericht-----\nDoorgestuurd bericht:\nWelke reden gebruik ik bij overlijden?",
     "Welke reden gebruik ik bij overlijden?"),
    # a note of whom and when (its personal data already removed, api/privacy.py) is no part of the question
    ("Over cliënt (01-02-2025): welk bericht stuur ik als de zorg stopt?", "welk bericht stuur ik als de zorg stopt?"),
    ("Betreft mevr. [NAAM] (15-3-2024): En bij de Wmo?", "En bij de Wmo?"),
    ("Casus jongere (15 jr): hoe lang mag een toewijzing lopen?", "hoe lang mag een toewijzing lopen?"),
    # a closing plea asks for help, not about anything
    ("Ik begrijp niet welk bericht we bij de start moeten sturen. Kunnen jullie helpen?",
     "Ik begrijp niet welk bericht we bij de start moeten sturen."),
    ("Welk bericht stuur ik bij de start? Weet iemand dit?", "Welk bericht stuur ik bij de start?"),
    ("Hoe werkt de indexering? Graag jullie advies. Groet, Jan", "Hoe werkt de indexering?"),
])
def test_greeting_and_signature_are_left_out(message: str, question: str) -> None:
    assert without_pleasantries(message) == question


@pytest.mark.parametrize("question", [
    "Welk bericht stuur ik als de zorg start?",
    "Dag en nacht zorg, valt dat onder verblijf?",  # "Dag" opens a subject here, not a greeting
    "Beste manier om een VOT in te trekken, is dat via een VOW?",  # "Beste" addresses no one
    "Bedankt voor je antwoord, maar geldt dat ook in Twente?",
    "Hoe lang mag een groet van de gemeente duren?",
    "Kan de cliënt bedankt worden voor deelname?",
    "Beste",  # nothing would be left: as typed
    "Hallo",
    "Groet, Marieke",
    "Kunnen jullie helpen met welk bericht ik bij de start moet sturen?",  # the plea holds the question
    "Over de indexering: hoe werkt dat?",  # a subject before the colon is asked about
    "Cliëntondersteuning: wat is dat?",
    "Cliënt met pgb (2025): mag de toewijzing doorlopen?",  # the note says more than who and when
])
def test_a_question_without_pleasantries_is_unchanged(question: str) -> None:
    assert without_pleasantries(question) == question
