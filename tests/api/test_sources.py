"""Which passages are cited as one source (api/answering/sources.py)."""

from __future__ import annotations

import pytest
from haystack import Document

from api.answering.sources import SourceLeads, group_sources, same_source, source_text
from api.service import QAService
from index.embedding_model import EmbeddingModel
from tests.helpers import settings_for, write_corpus

RULE = "OP272 — De aanbieder verzendt een stopbericht binnen vijf werkdagen"


def passage(doc_id: str, section: str, position: int, chunks: int = 10, row: int | None = None,
            text: str | None = None, root: str = RULE) -> Document:
    return Document(id=f"{doc_id}-{position}", content=text or f"{section} tekst {position}.",
                    meta={"document_id": doc_id, "heading_path": [root, section] if root else [section],
                          "position": position, "chunk_count": chunks, "row": row})


def test_the_sections_of_a_rule_are_one_source_in_the_place_of_its_best_ranked_passage() -> None:
    summary, definition, other, rule = (passage("op272", "Samenvatting", 2), passage("op272", "Definitie", 1),
                                        passage("proc", "4.4 Beëindigen", 40, chunks=60, root=""),
                                        passage("op272", "Regel", 5))
    groups = group_sources([summary, other, definition, rule], limit=5)
    assert [[d.id for d in g] for g in groups] == [["op272-2", "op272-1", "op272-5"], ["proc-40"]]
    # the user reads the rule's passages in the document's order, not in rank order
    assert source_text(groups[0]).split("\n\n") == ["Definitie tekst 1.", "Samenvatting tekst 2.", "Regel tekst 5."]


def test_each_part_of_a_source_is_read_under_its_own_section_heading() -> None:
    definition, explanation, more = (passage("op272", "Definitie", 1, text="De aanbieder verzendt het stopbericht."),
                                     passage("op272", "Uitleg", 2, text="Deze regel bepaalt de termijn."),
                                     passage("op272", "Uitleg", 3, text="Ook na een tijdelijke stop."))
    faq = passage("op272", "Mag dat later?", 4, text="Mag dat later?\nNee.")
    text = source_text([more, faq, definition, explanation])
    assert text.split("\n\n") == ["Definitie\nDe aanbieder verzendt het stopbericht.",
                                  "Uitleg\nDeze regel bepaalt de termijn.", "Ook na een tijdelijke stop.",
                                  "Mag dat later?\nNee."]  # a part that opens with its heading is not labelled twice
    # one passage, or parts of one section only: the text as it is (the citation names the section)
    assert source_text([explanation, more]) == "Deze regel bepaalt de termijn.\n\nOok na een tijdelijke stop."


def test_a_keyword_list_gives_way_to_its_rules_text_and_joins_no_other_passage() -> None:
    keywords, other = passage("op272", "Zoektermen", 8), passage("op379", "Definitie", 1)
    definition, concepts = passage("op272", "Definitie", 1), passage("op379", "Verwante concepten", 9)
    groups = group_sources([keywords, other, definition, concepts], limit=5)
    assert [[d.id for d in g] for g in groups] == [["op272-1"], ["op379-1"]]


def test_a_long_document_is_cited_per_section_with_its_numbered_sub_sections() -> None:
    def section(heading: str, position: int) -> Document:
        return passage("proc", heading, position, chunks=61, root="")

    parent, child, elsewhere, chapter = (section("4.4 Beëindigen Jeugdhulp", 49),
                                         section("4.4.1 Berichtenverkeer Stop", 52), section("4.3 Starten", 45),
                                         section("4 Levering", 30))
    assert same_source(parent, child) and same_source(child, parent)
    assert not same_source(parent, elsewhere)
    assert not same_source(chapter, child)  # a whole chapter is not one source
    # one section cut in parts: neighbouring parts are one source, distant ones (another topic) are not
    assert same_source(parent, section("4.4 Beëindigen Jeugdhulp", 50))
    assert not same_source(parent, section("4.4 Beëindigen Jeugdhulp", 58))


def test_table_rows_stay_sources_of_their_own_and_sources_have_a_size() -> None:
    rows = [passage("codelijst", "Codes", i, chunks=8, row=i) for i in range(3)]
    assert len(group_sources(rows, limit=5)) == 3
    parts = [passage("op001", f"Deel {i}", i, text=" ".join(["woord"] * 120)) for i in range(4)]
    (group,) = group_sources(parts, limit=5)
    assert len(group) == 2  # 240 words; a third part would pass 300
    assert len(group_sources([passage("a", "x", 1), passage("b", "x", 1), passage("c", "x", 1)], limit=2)) == 2
    small = [passage("op033x2", f"Deel {i}", i, text=" ".join(["woord"] * 30)) for i in range(7)]
    assert len(group_sources(small, limit=5)[0]) == 7  # a rule in 7 small parts (210 words) is cited whole


OP186 = """# OP186 - Het beëindigen van een toewijzing op een datum in het verleden

## Metadata

| Eigenschap | Waarde |
|---|---|
| Regelcode | OP186 |
| Berichttype | JW301 |
| Domein | Jeugdwet |
| Standaardversie | iJw 3.2 |

---

## Definitie
Het beëindigen van een toewijzing met een einddatum in het verleden is uitsluitend toegestaan wanneer hierover
overeenstemming bestaat met de betreffende aanbieder. Zonder die overeenstemming blijft de oorspronkelijke einddatum
van de toewijzing staan en mag de levering tot die datum worden gedeclareerd.

---

## Samenvatting
Deze bedrijfsregel voorkomt dat een gemeente een toewijzing met terugwerkende kracht beëindigt zonder afstemming met
de aanbieder. De regel is bedoeld voor situaties waarin de aanbieder redelijkerwijs niet kon weten dat de
ondersteuning niet langer geleverd mocht worden, zodat geleverde zorg niet achteraf onrechtmatig wordt.

---

## Toepassing
Deze regel is relevant bij het beëindigen van toewijzingen, het verwerken van berichten over toewijzingen, mutaties
met terugwerkende kracht, administratieve correcties en de afstemming tussen gemeente en aanbieder over de
rechtmatigheid van de ondersteuning die al geleverd is.

---

## Zoektermen
toewijzing beëindigen, einddatum verleden, terugwerkende kracht, aanbieder, overeenstemming, ondersteuning stoppen,
historische einddatum, beëindiging toewijzing, correctie, rechtmatigheid
"""


@pytest.mark.slow
def test_a_cited_rule_holds_its_definition_also_when_retrieval_did_not_find_it(
        data_dir, embedding_model: EmbeddingModel, tmp_path) -> None:  # noqa: ANN001
    """OP186's Samenvatting and Toepassing say "terugwerkende kracht", its Definitie (the rule itself) does not, so a
    question worded that way found the rule without its text. The lead joins the source from the embedded store."""
    corpus = write_corpus(tmp_path / "corpus", [
        {"id": "op186", "title": "OP186", "publisher": "Zorginstituut", "scope": "landelijk", "doc_type": "regel",
         "date": "2024", "file": "OP186.md", "text": OP186},
        {"id": "notitie", "title": "Notitie", "publisher": "Gemeente", "scope": "landelijk", "doc_type": "notitie",
         "date": "2024", "file": "notitie.md",
         "text": "# Notitie\n\n## Terugwerkende kracht\nEen toewijzing met terugwerkende kracht komt vaak voor.\n"},
    ])
    with QAService(settings_for(data_dir, corpus)) as service:
        service.model = embedding_model
        service.start()
        assert service.store is not None
        passages = {(d.meta.get("heading_path") or [""])[-1]: d for d in service.store.passages_of("op186")}
        summary, use, note = (passages["Samenvatting"], passages["Toepassing"],
                              service.store.passages_of("notitie")[0])
        ranked = [Document(id=d.id, content=d.content, meta=d.meta, score=s)
                  for d, s in ((summary, 0.8), (note, 0.5), (use, 0.3))]
        leads = SourceLeads(service.store.passages_of).run(ranked)["candidates"]
    definition = passages["Definitie"]
    # right after the rule's best-ranked passage, with its score: the metadata table before it is no lead
    assert [d.id for d in leads] == [summary.id, definition.id, note.id, use.id]
    assert leads[1].score == 0.8
    (rule, other) = group_sources(leads, limit=5)
    assert [d.id for d in rule] == [summary.id, definition.id, use.id] and other[0].id == note.id
    assert "Definitie\nHet beëindigen van een toewijzing met een einddatum in het verleden" in source_text(rule)
    # a rule whose lead was found is left as it is; a long document gets no lead
    assert SourceLeads(lambda _: [definition, summary]).run([definition, summary])["candidates"] == [definition,
                                                                                                     summary]
    # a document after the answer's last possible source is not looked up (nothing of it can be cited)
    rule_only = SourceLeads(lambda doc_id: list(passages.values()) if doc_id == "op186" else [note], sources=1)
    assert rule_only.run([note, summary])["candidates"] == [note, summary]
    long = passage("proc", "4.4 Beëindigen", 40, chunks=60, root="")
    assert SourceLeads(lambda _: [passage("proc", "1 Inleiding", 1, chunks=60)]).run([long])["candidates"] == [long]
