"""The evaluation question sets: they load, and every evidence string is really in its document."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from evaluation.dataset import DATASETS, DEFAULT_SETS, EvalItem, load_items, normalise
from ingest.manifest import load_manifest
from tests.helpers import CORPUS, REPO, expected_chunks, settings_for

NBSP = "\u00a0"


@pytest.fixture(scope="module")
def items() -> list[EvalItem]:
    """Every question set over the bundled corpus: the default sets and the blind one."""
    return [item for path in (*DEFAULT_SETS, DATASETS / "seeds_blind.jsonl") for item in load_items(path)]


@pytest.fixture(scope="module")
def documents() -> dict[str, str]:
    manifest = load_manifest(CORPUS)
    return {e.id: manifest.path_of(e).read_text(encoding="utf-8") for e in manifest.documents}


# -- EvalItem.is_hit ----------------------------------------------------------------------------------


def _item(**kwargs: object) -> EvalItem:
    base = {
        "id": "t1",
        "question": "Binnen hoeveel dagen?",
        "answerable": True,
        "document_id": "doc",
        "evidence": ("binnen 5 werkdagen na de start",),
    }
    return EvalItem(**{**base, **kwargs})


def test_is_hit_needs_the_right_document_and_the_evidence() -> None:
    item = _item()
    assert item.is_hit("doc", "De aanbieder stuurt de 305 binnen 5 werkdagen na de start van de zorg.")
    assert not item.is_hit(
        "ander-doc", "De aanbieder stuurt de 305 binnen 5 werkdagen na de start van de zorg."
    )
    assert not item.is_hit("doc", "De aanbieder stuurt de 305 binnen 10 werkdagen na de start van de zorg.")


def test_is_hit_normalises_whitespace_and_non_breaking_spaces_on_both_sides() -> None:
    passage = f"stuurt de 305 binnen{NBSP}5\nwerkdagen   na de{NBSP}{NBSP}start van de zorg"
    assert _item().is_hit("doc", passage)
    assert _item(evidence=(f"binnen 5{NBSP}werkdagen  na\tde start",)).is_hit(
        "doc", "binnen 5 werkdagen na de start"
    )


def test_is_hit_accepts_any_alternative_evidence() -> None:
    item = _item(evidence=("niet in de tekst", "na de start"))
    assert item.is_hit("doc", "binnen 5 werkdagen na de start")


def test_unanswerable_items_never_hit() -> None:
    item = _item(answerable=False, document_id=None, evidence=())
    assert not item.is_hit("doc", "binnen 5 werkdagen na de start")
    assert not item.is_hit("", "")


def test_normalise() -> None:
    assert normalise(f"  a{NBSP}b\n\tc  ") == "a b c"


def test_load_items_reads_jsonl_and_sets_split(tmp_path: Path) -> None:
    path = tmp_path / "mijnset.jsonl"
    path.write_text(
        json.dumps(
            {
                "id": "a",
                "question": "Vraag?",
                "answerable": True,
                "document_id": "d",
                "evidence": ["e"],
                "tags": ["short"],
                "region": "achterhoek",
            }
        )
        + "\n\n"
        + json.dumps({"id": "b", "question": "Andere vraag?", "answerable": False})
        + "\n",
        encoding="utf-8",
    )
    a, b = load_items(path)
    assert a == EvalItem("a", "Vraag?", True, "achterhoek", "d", ("e",), ("short",), "mijnset")
    assert (b.answerable, b.evidence, b.document_id, b.split) == (False, (), None, "mijnset")


# -- the committed question sets --------------------------------------------------------------------


def test_question_sets_have_the_required_size(items: list[EvalItem]) -> None:
    answerable = [i for i in items if i.answerable]
    unanswerable = [i for i in items if not i.answerable]
    assert len(answerable) >= 40 and len(unanswerable) >= 8
    assert len({i.id for i in items}) == len(items)
    assert {i.split for i in items} == {"seeds", "seeds_holdout", "seeds_blind"}
    for item in items:
        assert item.question.strip() and len(item.question) <= 1000


def test_every_answerable_item_points_at_a_corpus_document(
    items: list[EvalItem], documents: dict[str, str]
) -> None:
    scopes = {e.id: e.scope for e in load_manifest(CORPUS).documents}
    for item in items:
        if not item.answerable:
            assert item.document_id is None and not item.evidence, item.id
            continue
        assert item.document_id in documents, item.id
        assert item.evidence, item.id
        if item.region:
            assert scopes[item.document_id] in (item.region, "landelijk"), item.id


def test_every_evidence_string_occurs_in_its_document_only(
    items: list[EvalItem], documents: dict[str, str]
) -> None:
    flat = {doc_id: normalise(text) for doc_id, text in documents.items()}
    for item in (i for i in items if i.answerable):
        for evidence in item.evidence:
            assert normalise(evidence) in flat[item.document_id], f"{item.id}: {evidence!r}"
            others = [d for d, text in flat.items() if d != item.document_id and normalise(evidence) in text]
            assert not others, f"{item.id}: evidence also in {others}"


def test_every_evidence_string_lies_inside_one_paragraph(
    items: list[EvalItem], documents: dict[str, str]
) -> None:
    paragraphs = {d: [normalise(p) for p in re.split(r"\n\s*\n", text)] for d, text in documents.items()}
    for item in (i for i in items if i.answerable):
        assert any(any(normalise(e) in p for p in paragraphs[item.document_id]) for e in item.evidence), (
            item.id
        )


def test_every_answerable_item_can_be_hit_by_some_indexed_passage(
    items: list[EvalItem], tmp_path: Path
) -> None:
    """The chunker must not cut an evidence string in two; otherwise the question can never score a hit."""
    chunks = expected_chunks(CORPUS, settings_for(tmp_path))
    unreachable = [
        item.id
        for item in items
        if item.answerable
        and not any(item.is_hit(c.meta["document_id"], c.content) for c in chunks[item.document_id])
    ]
    assert not unreachable, f"evidence split across passages for {unreachable}"


def test_blind_reference_items_name_files_of_the_reference_corpus() -> None:
    items = load_items(DATASETS / "reference_blind.jsonl")
    assert len({i.id for i in items}) == len(items) == 30
    for item in items:
        assert bool(item.files and item.evidence) == item.answerable, item.id
        assert all(f.startswith(("istandaarden/", "pdf/")) for f in item.files), item.id


def test_reference_items_match_by_file_and_evidence() -> None:
    items = load_items(DATASETS / "reference.jsonl")
    answerable = [i for i in items if i.answerable]
    assert len(answerable) >= 20 and all(i.files and i.evidence for i in answerable)
    item = next(i for i in items if i.id == "r002")
    assert item.is_hit("", "Code: 54; Omschrijving: Jeugd-ggz", "istandaarden/jw/codelijsten/JZ020_Productcategorie.md")
    assert item.is_hit("", "Code: 54; Omschrijving: Jeugd-ggz", "jw/codelijsten/JZ020_Productcategorie.md")
    assert not item.is_hit("", "Code: 54; Omschrijving: Jeugd-ggz", "istandaarden/wmo/codelijsten/WJ001_Retourcode.md")
    assert not item.is_hit("", "Code: 45; Omschrijving: Jeugdhulp ambulant", item.files[0])


def _reference_set(name: str) -> tuple[Path, list[EvalItem]]:
    """The reference corpus and the items of one of its question sets; skipped without the corpus."""
    reference = REPO.parent / "shared" / "reference"
    if not reference.is_dir():
        pytest.skip(f"referentiecorpus {reference} ontbreekt")
    return reference, load_items(DATASETS / name)


def test_code_questions_name_a_meaning_that_stands_in_every_named_list() -> None:
    """reference_codes_dev.jsonl: each evidence (a code's meaning) is in each code list the item names, on a row of
    its own, so the question can be hit in either copy (jw or wmo)."""
    reference, items = _reference_set("reference_codes_dev.jsonl")
    assert len({i.id for i in items}) == len(items) >= 14
    for item in items:
        assert item.answerable and item.files and item.evidence, item.id
        for name in item.files:
            rows = [line for line in (reference / name).read_text(encoding="utf-8").splitlines()
                    if line.startswith("|")]
            assert any(e in row for e in item.evidence for row in rows), (item.id, name)


def test_codes_in_passing_have_their_evidence_in_the_named_rule() -> None:
    """reference_codes_passing_dev.jsonl: questions that name a message code while asking about a procedure; each
    evidence is a line of a file the item names (whitespace as in the rule's text)."""
    reference, items = _reference_set("reference_codes_passing_dev.jsonl")
    assert len({i.id for i in items}) == len(items) >= 6
    for item in items:
        assert item.answerable and item.files and item.evidence and "code-in-passing" in item.tags, item.id
        texts = [(reference / name).read_text(encoding="utf-8") for name in item.files]
        for evidence in item.evidence:
            assert any(evidence in text for text in texts), (item.id, evidence)


def _in_file(evidence: str, text: str) -> bool:
    """Verbatim (whitespace-normalised) in the file, or written as a table row's cells ("08 | Wijziging ...") that
    stand in that order on one line of it."""
    if normalise(evidence) in normalise(text):
        return True
    cells = [normalise(c) for c in evidence.split(" | ")]
    for line in text.splitlines():
        line, at = normalise(line), 0
        for cell in cells:
            at = line.find(cell, at)
            if at < 0:
                break
            at += len(cell)
        else:
            return len(cells) > 1
    return False


def test_the_second_users_sets_are_a_split_of_one_set_with_evidence_in_the_named_files() -> None:
    """reference_users2_dev / _blind.jsonl: 120 questions by one writer, split at random into two halves of the
    same make-up (answerable, follow-ups, unanswerable); each answerable item's evidence is in a file it names."""
    reference, dev = _reference_set("reference_users2_dev.jsonl")
    blind = load_items(DATASETS / "reference_users2_blind.jsonl")
    assert len(dev) == len(blind) == 60
    assert not {i.question for i in dev} & {i.question for i in blind}
    for part in (dev, blind):
        assert sum(not i.answerable for i in part) == 6 and sum(bool(i.history) for i in part) == 6
        for item in part:
            if not item.answerable:
                continue
            texts = [(reference / name).read_text(encoding="utf-8") for name in item.files]
            assert any(_in_file(e, t) for e in item.evidence for t in texts), item.id


def test_the_third_users_set_has_singles_follow_ups_and_evidence_in_the_named_files() -> None:
    """reference_users3_dev.jsonl: 36 single questions and 24 follow-ups by two writers; each answerable item's
    evidence is in a file it names, each follow-up has the conversation it continues."""
    reference, items = _reference_set("reference_users3_dev.jsonl")
    assert len({i.id for i in items}) == len(items) == 60
    follow_ups = [i for i in items if i.history]
    assert len(follow_ups) == 24 and sum(not i.answerable for i in items) == 14
    for item in items:
        if not item.answerable:
            continue
        texts = [(reference / name).read_text(encoding="utf-8") for name in item.files]
        assert any(_in_file(e, t) for e in item.evidence for t in texts), item.id
