"""Reading the structure of plain text and Markdown: headings with levels, agenda items, lead-ins, tables."""

from __future__ import annotations

from ingest.structure import Block, parse, parse_markdown, parse_plain

MINUTES = """Notulen overleg begeleiding

1. Opening

2. Mededelingen

- a. De pilot casemanager dementie is succesvol afgerond. De werkwijze wordt uitgerold.

3. Werkwijze indexering

De manier van indexering gaat veranderen. De SDD indexeert weer per 1 januari.

Datum: 17-09-2024

Conclusie:

De SDD gaat terug naar de oude systematiek.
"""


def _headings(blocks: list[Block]) -> list[tuple[int, str]]:
    return [(b.level, b.text) for b in blocks if b.kind == "heading"]


def test_numbered_agenda_items_are_level_one_headings() -> None:
    blocks = parse_plain(MINUTES)

    headings = _headings(blocks)
    assert (1, "1. Opening") in headings
    assert (1, "2. Mededelingen") in headings
    assert (1, "3. Werkwijze indexering") in headings
    # The document title opens a run of three short lines, so it is a heading too (level 2).
    assert headings[0] == (2, "Notulen overleg begeleiding")


def test_body_paragraphs_follow_their_agenda_item_in_order() -> None:
    blocks = parse_plain(MINUTES)
    texts = [b.text for b in blocks]

    item = texts.index("3. Werkwijze indexering")
    assert blocks[item + 1] == Block(
        "body", "De manier van indexering gaat veranderen. De SDD indexeert weer per 1 januari."
    )
    # A lettered list item under an agenda item is body text, not a heading.
    assert (
        Block(
            "body", "- a. De pilot casemanager dementie is succesvol afgerond. De werkwijze wordt uitgerold."
        )
        in blocks
    )


def test_lead_ins_and_key_value_lines_are_body_not_headings() -> None:
    blocks = parse_plain(MINUTES)

    assert Block("body", "Conclusie:") in blocks
    assert Block("body", "Datum: 17-09-2024") in blocks
    assert blocks[-1] == Block("body", "De SDD gaat terug naar de oude systematiek.")


def test_short_title_line_and_dash_line_headings_get_levels() -> None:
    text = (
        "6. Banbreedtemodel voor begeleiding\n\n"
        "- Aanleiding\n\n"
        "Het huidige model is gebaseerd op het zorgzwaartemodel van de regio.\n\n"
        "Toelichting algemeen\n\n"
        "Het idee is om te blijven werken met arrangementstarieven.\n"
    )
    assert _headings(parse_plain(text)) == [
        (1, "6. Banbreedtemodel voor begeleiding"),
        (3, "Aanleiding"),
        (2, "Toelichting algemeen"),
    ]


def test_in_a_run_of_short_lines_only_first_and_last_can_be_headings() -> None:
    text = (
        "Handige documenten\n\n"
        "Klantreis handleiding versie 12 juni\n\n"
        "Spoorboekje implementatie Nieuwe Werkwijze\n\n"
        "Conversietabel Jeugd en Wmo\n\n"
        "Verslagen dialoogsessies\n\n"
        "Hier staan de verslagen van alle sessies van dit voorjaar.\n"
    )
    blocks = parse_plain(text)

    assert _headings(blocks) == [(2, "Handige documenten"), (2, "Verslagen dialoogsessies")]
    assert Block("body", "Spoorboekje implementatie Nieuwe Werkwijze") in blocks


def test_short_line_without_body_after_it_is_body() -> None:
    assert parse_plain("Een lange zin met een punt aan het eind.\n\nGeen vragen\n") == [
        Block("body", "Een lange zin met een punt aan het eind."),
        Block("body", "Geen vragen"),
    ]


def test_paragraph_lines_are_joined_and_whitespace_collapsed() -> None:
    assert parse_plain("Deze zin loopt\n   door op de volgende   regel.\n") == [
        Block("body", "Deze zin loopt door op de volgende regel.")
    ]


def test_markdown_headings_tables_rules_and_lists() -> None:
    text = (
        "# Berichtenverkeer\n\n"
        "## Welk bericht stuur ik als de zorg start?\n\n"
        "Een 305 bericht.\n\n"
        "---\n\n"
        "### Codes **\n\n"
        "| code | betekenis |\n|---|---|\n| 0200 | goedgekeurd |\n\n"
        "Stappen:\n- eerst 315\n- dan 301\n"
    )
    blocks = parse_markdown(text)

    assert _headings(blocks) == [
        (1, "Berichtenverkeer"),
        (2, "Welk bericht stuur ik als de zorg start?"),
        (3, "Codes"),
    ]
    assert Block("table", "| code | betekenis |\n|---|---|\n| 0200 | goedgekeurd |") in blocks
    assert Block("body", "Stappen:\n- eerst 315\n- dan 301") in blocks
    assert not any(b.text == "---" for b in blocks)


def test_parse_dispatches_on_markup() -> None:
    text = "# Kop\n\nTekst van de alinea, lang genoeg.\n"
    assert parse(text, "markdown")[0] == Block("heading", "Kop", 1)
    assert parse(text, "text")[0].text == "# Kop"


def test_a_paragraph_of_several_short_lines_is_body_not_a_heading() -> None:
    text = (
        "Uitgangspunten\n\n"
        "- Bsn blijft sleutel\n- Toewijzing en declaratie blijven op persoonsniveau\n\n"
        "Bovenstaande uitgangspunten blijven gelden tijdens de werkgroepen.\n\n"
        "Resultaten vragen\n\n"
        "Eens 21/23 91%\nOneens 2/23 9%\n\n"
        "De referentiegroep is het in grote meerderheid eens met de probleemstelling.\n"
    )
    blocks = parse_plain(text)

    assert _headings(blocks) == [(2, "Uitgangspunten"), (2, "Resultaten vragen")]
    assert (
        Block("body", "- Bsn blijft sleutel - Toewijzing en declaratie blijven op persoonsniveau") in blocks
    )
    assert Block("body", "Eens 21/23 91% Oneens 2/23 9%") in blocks


def test_markdown_table_cell_spanning_lines_stays_in_the_table() -> None:
    text = "| a | b |\n|---|---|\n| een\ntwee |  drie |\n| vier | vijf |\n\nAlinea.\n"
    blocks = parse_markdown(text)
    assert blocks == [Block("table", "| a | b |\n|---|---|\n| een twee |  drie |\n| vier | vijf |"),
                      Block("body", "Alinea.")]


def test_markdown_table_row_without_closing_pipe_ends_at_a_heading() -> None:
    blocks = parse_markdown("| a | b |\n|---|---|\n| open\n# Kop\n\nTekst.\n")
    assert blocks[0] == Block("table", "| a | b |\n|---|---|\n| open")
    assert blocks[1] == Block("heading", "Kop", 1)


def test_markdown_bold_lines_are_headings_below_the_hash_headings() -> None:
    text = ("# Jeugdwet\n\n**Artikel 1.1**\nIn deze wet wordt verstaan onder jeugdige: persoon die...\n\n"
            "**Belangrijk:**\nDit is een lead-in.\n\n**Artikel 1.2**\n\nTekst van artikel 1.2.\n")
    blocks = parse_markdown(text)
    assert [(b.kind, b.text, b.level) for b in blocks if b.kind == "heading"] == [
        ("heading", "Jeugdwet", 1), ("heading", "Artikel 1.1", 7), ("heading", "Artikel 1.2", 7)]
    assert any(b.kind == "body" and b.text.startswith("**Belangrijk:**") for b in blocks)
