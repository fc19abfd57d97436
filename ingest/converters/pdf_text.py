"""Turns the raw per-page text of a PDF into clean Markdown: whitespace repaired, running headers, footers and
table-of-contents lines dropped, paragraphs re-joined, numbered section lines as headings.

Standard library only: the PDF worker process imports this file by path (see `pdf_worker.py`).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

_SPACES = re.compile(r"[\t\x0b\x0c\xa0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_INVISIBLE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\u200b-\u200d\u2060\ufeff\xad]")
_PRIVATE_USE = re.compile(r"[\ue000-\uf8ff]")  # Symbol/Wingdings glyphs: bullets, arrows, check marks
_RUNS = re.compile(r" {2,}")
# "n . a . v ." -> "n.a.v.": two or more single letters, each followed by a dot.
_ABBREVIATION = re.compile(r"(?<![\w.])(?:[A-Za-z] ?\. ?)+[A-Za-z] ?\.(?!\w)")
_SPACE_BEFORE = re.compile(r"(?<=\S) +([,;:!?)\]”’])(?= |$)")
_SPACE_BEFORE_DOT = re.compile(r"(?<=[\w)\]\"”’]) +\.(?=[ a-z]|$)")
_SPACE_AFTER_OPEN = re.compile(r"([(\[“‘]) +")
_SPACED_HYPHEN = re.compile(r"(?<=\w) - (?=\w)")
_JOINED_HYPHEN = re.compile(r"(?<=\w)-(?=\w)")
_TRAILING_HYPHEN = re.compile(r"(?<=\w) -$")
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_LETTERS = re.compile(r"^[^\W\d_]+$")
_LEADING_LETTERS = re.compile(r"[^\W\d_]+(?=[.,;:)/-]|$)")
_NUMBERED = re.compile(r"^(?P<number>\d{1,2}(?:\.\d{1,2}){0,5})(?P<dot>\.?)\s+(?P<title>\S.*)$")
_BULLET = re.compile(r"^(?:[•▪◦●○■□►▸➢✓✔·*–-]|o(?= ))\s*")
_TERMINAL = tuple(".!?")
_STRIP = ".,;:)-"
_ELISION = {"en", "of", "tot", "t/m"}  # "iWmo- en iJw-berichten": the hyphen stays, with its space


@dataclass
class CleanStats:
    """What the cleanup removed or found, per document; reported by benchmarks and tests."""

    headings: int = 0
    running_lines_removed: int = 0
    toc_lines_removed: int = 0
    running_lines: list[str] = field(default_factory=list)


def normalise_spaces(text: str) -> str:
    """Tabs and odd spaces become one space; invisible characters go; lines are stripped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", _SPACES.sub(" ", text))
    lines = []
    for line in text.split("\n"):
        line = _RUNS.sub(" ", line).strip()
        if line[:1] and _PRIVATE_USE.match(line[0]):
            line = "• " + line[1:].lstrip()
        lines.append(_PRIVATE_USE.sub("", line))
    return "\n".join(lines)


def repair_line(line: str, spaced_hyphens: bool = False) -> str:
    """Spacing artefacts inside one line: "n . a . v ." -> "n.a.v.", "(GGk ) ." -> "(GGk).", "ISD - keten"."""
    line = _SPACE_AFTER_OPEN.sub(r"\1", line)
    line = _SPACE_BEFORE.sub(r"\1", line)
    line = _SPACE_BEFORE_DOT.sub(".", line)
    if spaced_hyphens:
        line = _SPACED_HYPHEN.sub(_close_hyphen, line)
        line = _TRAILING_HYPHEN.sub("-", line)
    return _RUNS.sub(" ", _ABBREVIATION.sub(lambda m: m.group(0).replace(" ", ""), line)).strip()


def _close_hyphen(match: re.Match[str]) -> str:
    rest = match.string[match.end() :].split(" ", 1)[0].lower()
    return "- " if rest in _ELISION else "-"


def running_key(line: str) -> str:
    """A line with digits normalised, so "Pagina 3 van 40" and "Pagina 4 van 40" compare equal."""
    return re.sub(r"\d+", "#", " ".join(line.lower().split()))


def _edges(lines: list[str], depth: int) -> list[int]:
    filled = [i for i, line in enumerate(lines) if line]
    return sorted(set(filled[:depth] + filled[-depth:]))


def _offset(line: str, page: int) -> int | None:
    number = re.search(r"\d+", line)
    return int(number.group(0)) - page if number else None


def remove_running_lines(pages: list[list[str]], stats: CleanStats, depth: int = 3) -> list[list[str]]:
    """Drop lines that recur in the first or last `depth` lines of at least half of the pages (and three).

    A recurring line with a number (a page number) is dropped only where the number follows the page
    number the way it does on most pages, so a stray "2" from a table at the top of a page stays.
    """
    if len(pages) < 3:
        return pages
    counts: Counter[str] = Counter()
    offsets: dict[str, Counter[int | None]] = {}
    for page, lines in enumerate(pages, start=1):
        edges = [lines[i] for i in _edges(lines, depth)]
        counts.update({running_key(line) for line in edges})
        for line in edges:
            offsets.setdefault(running_key(line), Counter())[_offset(line, page)] += 1
    needed = max(3, math.ceil(len(pages) / 2))
    running = {key: offsets[key].most_common(1)[0][0] for key, n in counts.items() if n >= needed}
    if not running:
        return pages
    out = []
    for page, lines in enumerate(pages, start=1):
        drop = {i for i in _edges(lines, depth)
                if (key := running_key(lines[i])) in running and running[key] == _offset(lines[i], page)}
        if len(drop) == sum(1 for line in lines if line):
            drop = set()  # a page of nothing but "running" lines is content that happens to repeat
        stats.running_lines_removed += len(drop)
        out.append([line for i, line in enumerate(lines) if i not in drop])
    stats.running_lines = sorted(running)
    return out


def toc_title(line: str) -> str | None:
    """The title of a table-of-contents line: a title, a dot leader (dots, maybe spaced) and a page number."""
    head = line.rstrip("0123456789")
    title = head.rstrip(". ")
    if not title or not 0 < len(line) - len(head) <= 4 or head[len(title) :].count(".") < 4:
        return None
    return title


def _title_key(title: str) -> str:
    return re.sub(r"[^0-9a-zà-ÿ]+", "", title.lower())


def _number(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split("."))


@dataclass
class _Toc:
    """Titles listed in a table of contents (keyed without punctuation or spacing), and their numbers."""

    titles: dict[str, int] = field(default_factory=dict)
    numbers: dict[tuple[int, ...], str] = field(default_factory=dict)

    def add(self, title: str) -> None:
        numbered = _NUMBERED.match(title)
        if numbered is None:
            self.titles[_title_key(title)] = 1
            return
        number = _number(numbered.group("number"))
        self.titles[_title_key(title)] = self.titles[_title_key(numbered.group("title"))] = len(number)
        self.numbers[number] = _title_key(numbered.group("title"))

    def lists(self, number: tuple[int, ...], title: str) -> bool:
        listed = self.numbers.get(number)
        return bool(listed) and listed[:6] == _title_key(title)[:6]


class _Headings:
    """Decides which lines are section headings: numbered lines in increasing order, or titles from the TOC.

    A numbered line whose number the table of contents gives to another title is not a heading.
    """

    def __init__(self, toc: _Toc) -> None:
        self.toc = toc
        self.last: tuple[int, ...] | None = None

    def level(self, line: str) -> int | None:
        if len(line) > 120 or len(line.split()) > 12 or line.endswith((*_TERMINAL, ",", ";", ":")):
            return None
        match = _NUMBERED.match(line)
        if match is None:
            level = self.toc.titles.get(_title_key(line))
            return level if level is not None and line[0].isalpha() else None
        title, number = match.group("title"), _number(match.group("number"))
        if not title[0].isalpha() or number[0] == 0 or ". " in title:
            return None
        listed = self.toc.lists(number, title)
        if not listed and (number in self.toc.numbers or not self._plausible(number, title, bool(match["dot"]))):
            return None
        self.last = number
        return min(len(number), 6)

    def _plausible(self, number: tuple[int, ...], title: str, dotted: bool) -> bool:
        """An unlisted numbered line: a capitalised title, numbered after the previous heading."""
        if not title[0].isupper() or (dotted and len(number) == 1 and len(title.split()) > 6):
            return False
        if self.last is None:
            return number[0] <= 5
        return self.last < number and number[0] <= self.last[0] + 3


def _toc(pages: list[list[str]]) -> _Toc:
    toc = _Toc()
    for lines in pages:
        for line in lines:
            title = toc_title(line)
            if title:
                toc.add(title)
    return toc


def _vocabulary(pages: list[list[str]]) -> Counter[str]:
    return Counter(w.lower() for lines in pages for line in lines for w in _WORD.findall(line))


def _pairs(pages: list[list[str]]) -> Counter[tuple[str, str]]:
    """How often two words stand next to each other (to tell a split word from two real words)."""
    pairs: Counter[tuple[str, str]] = Counter()
    for lines in pages:
        for line in lines:
            words = [w.strip(_STRIP).lower() for w in line.split(" ")]
            pairs.update(zip(words, words[1:], strict=False))
    return pairs


def _merge_split_words(line: str, vocabulary: Counter[str], pairs: Counter[tuple[str, str]]) -> str:
    """ "rou teren" -> "routeren": the whole word occurs in the document, and a part hardly occurs on its own."""
    out: list[str] = []
    for token in line.split(" "):
        left, right = (out[-1] if out else ""), _LEADING_LETTERS.match(token)
        if _LETTERS.match(left) and right:
            right = right.group(0)
            whole = vocabulary[(left + right).lower()]
            part = min(vocabulary[left.lower()], vocabulary[right.lower()])
            together = pairs[(left.lower(), right.lower())]
            if whole and (part <= 2 or whole >= part or together >= part):
                out[-1] += token
                continue
        out.append(token)
    return " ".join(out)


def _append(parts: list[str], line: str, vocabulary: Counter[str]) -> None:
    """Add a line to a paragraph (its lines and separators), undoing the hyphenation at a line break.

    `parts` ends with the previous line; joining it is "".join(parts), linear in the length of the paragraph.
    """
    previous = parts[-1] if parts else ""
    if not previous.endswith("-") or previous.endswith(" -"):
        parts.extend([" ", line] if parts else [line])
        return
    left = re.split(r"[\s/(]", previous[-80:-1])[-1]
    right = line.split(" ", 1)[0]
    right_word = right.rstrip(".,;:)").lower()
    if right_word in _ELISION:
        parts.extend([" ", line])  # "iWmo-" + "en iJw": the hyphen stands for a word
    elif not left or not left[-1].isalpha() or not right[0].isalpha() or right[0].isupper() or left[-1].isupper():
        parts.append(line)  # "StUF-" + "BG", "ISD-" + "keten", "0e09a81f-64a0-" + "4793": a real hyphen
    elif vocabulary[f"{left}-{right_word}".lower()] and not vocabulary[(left + right_word).lower()]:
        parts.append(line)  # the document writes the word with a hyphen elsewhere
    else:
        parts[-1] = previous[:-1]  # "bericht-" + "verkeer"
        parts.append(line)


@dataclass
class _PageBuilder:
    """Collects the blocks of one page: paragraphs re-joined from their lines, bullet lists as Markdown items."""

    vocabulary: Counter[str]
    blocks: list[str] = field(default_factory=list)
    paragraph: list[str] = field(default_factory=list)
    items: list[list[str]] = field(default_factory=list)

    def flush(self) -> None:
        if self.paragraph:
            self.blocks.append(_escape("".join(self.paragraph)))
            self.paragraph = []
        if self.items:
            self.blocks.append("\n".join("- " + "".join(item) for item in self.items))
            self.items = []

    def add(self, line: str, wide: float) -> None:
        bullet = _BULLET.match(line)
        if bullet and len(line) > bullet.end():
            if self.paragraph:
                self.flush()
            self.items.append([line[bullet.end() :]])
            return
        if self.items:
            if not self.items[-1][-1].endswith(_TERMINAL) or line[0].islower():
                _append(self.items[-1], line, self.vocabulary)
                return
            self.flush()
        last = self.paragraph[-1] if self.paragraph else ""
        if last.endswith((*_TERMINAL, ":")) and len(last) < 0.75 * wide:
            self.flush()  # a short line that ends a sentence ends its paragraph
        _append(self.paragraph, line, self.vocabulary)


def _escape(text: str) -> str:
    """Body text that Markdown would read as a heading, table or rule."""
    return "\\" + text if text.startswith(("#", "|", "---", "***", "___")) else text


def _typical_width(lines: list[str], fallback: float) -> float:
    widths = sorted(len(line) for line in lines if len(line) >= 20)
    return float(widths[int(len(widths) * 0.8)]) if len(widths) >= 3 else fallback


def clean_pages(raw_pages: list[str]) -> tuple[list[str], CleanStats]:
    """The Markdown text of each page (same count and order), and what was removed or found."""
    stats = CleanStats()
    pages = [normalise_spaces(text).split("\n") for text in raw_pages]
    joined = "\n".join("\n".join(lines) for lines in pages)
    spaced, joined_hyphens = len(_SPACED_HYPHEN.findall(joined)), len(_JOINED_HYPHEN.findall(joined))
    spaced_hyphens = spaced >= 3 and spaced > 2 * joined_hyphens  # "ISD - keten": the PDF spaces its hyphens
    pages = [[repair_line(line, spaced_hyphens) for line in lines] for lines in pages]
    vocabulary = _vocabulary(pages)
    if spaced_hyphens:  # a PDF that splits hyphenated words also splits others: "rou teren", "gemeentel ijk"
        pairs = _pairs(pages)
        pages = [[_merge_split_words(line, vocabulary, pairs) for line in lines] for lines in pages]
        vocabulary = _vocabulary(pages)
    pages = remove_running_lines(pages, stats)
    headings = _Headings(_toc(pages))
    document_width = _typical_width([line for lines in pages for line in lines], 80.0)
    out: list[str] = []
    for lines in pages:
        builder = _PageBuilder(vocabulary)
        wide = _typical_width(lines, document_width)
        for line in lines:
            if not line:
                builder.flush()
            elif toc_title(line):
                stats.toc_lines_removed += 1
            elif (level := headings.level(line)) is not None:
                builder.flush()
                builder.blocks.append(f"{'#' * level} {line}")
                stats.headings += 1
            else:
                builder.add(line, wide)
        builder.flush()
        out.append("\n\n".join(builder.blocks))
    return out, stats
