"""HTML elements as Markdown: headings, paragraphs, lists, tables, and FAQ questions kept with their answers.

A question (`<details><summary>`, a `<dt>` of a FAQ list, or an accordion trigger: an element with
aria-expanded/aria-controls or a question/accordion class, followed by its panel) becomes a heading one level
below the current section, followed by its answer; text after the answer returns to the section.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from typing import Any

from bs4 import NavigableString, Tag
from bs4.element import PreformattedString

from ingest.converters import markdown_writer as md
from ingest.converters.base import ConversionError, Limits
from ingest.converters.html_table import is_layout_table, table_rows

HEADINGS = {f"h{n}": n for n in range(1, 7)}
_BLOCK = {"address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details", "dialog", "div",
          "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "header", "hgroup", "hr", "html", "legend",
          "li", "main", "menu", "nav", "ol", "p", "pre", "search", "section", "summary", "table", "tbody", "td",
          "tfoot", "th", "thead", "tr", "ul", *HEADINGS}
_BLOCK_LIST = sorted(_BLOCK)
_DROP = {"button", "select", "option", "input", "textarea", "img", "picture", "video", "audio", "map", "area"}
_NO_TEXT = {"select", "option", "input", "textarea"}
_NOT_TRIGGER = {"li", "ul", "ol", "table", "thead", "tbody", "tr", "td", "th", "dl", "dt", "dd", "details",
                "summary", "main", "article", "body", "html", "section", "form", "p"}
_CONTAINERS = ["ul", "ol", "table", "dl", "details", "section", "article", "form"]
_QUESTION_CLASS = re.compile(
    r"(?<![a-z])(?:question|vraag|faq-?(?:q|title|header|heading|toggle|trigger|button|link)"
    r"|accordion-?(?:button|header|heading|title|trigger|toggle|link|label|summary)"
    r"|collaps(?:e|ible)-?(?:button|header|heading|title|trigger|toggle))(?![a-z])")
_TRIGGER_BUTTON = re.compile(r"accordion|faq|collaps|toggle|question|vraag")
_FAQ_LIST = re.compile(r"faq|question|vraag|accordion")
_SPACE = re.compile(r"\s+")
_MAX_DEPTH = 150
_QUESTION_WORDS = 40


def _classes(tag: Tag) -> str:
    names = [str(tag.get("id") or ""), *(tag.get("class") or [])]
    return re.sub(r"[_\s]+", "-", " ".join(names).lower().replace("__", "-"))


def _marks_trigger(tag: Tag) -> bool:
    """An element that opens a panel: aria attributes, a question/accordion class, an accordion button."""
    if not isinstance(tag, Tag):
        return False
    if tag.has_attr("aria-expanded") or tag.has_attr("aria-controls"):
        return True
    classes = _classes(tag)
    return bool(_QUESTION_CLASS.search(classes) or (tag.name == "button" and _TRIGGER_BUTTON.search(classes)))


def text_of(element: Tag, skip: frozenset[str] = frozenset()) -> str:
    """Text of an element: source whitespace collapsed, `<br>` as newline, block boundaries as spaces."""
    out: list[str] = []
    stack: list[Any] = [element]
    while stack:
        node = stack.pop()
        if isinstance(node, PreformattedString):  # comments, doctype, CDATA
            continue
        if isinstance(node, str):
            out.append(_SPACE.sub(" ", node))
            continue
        if not isinstance(node, Tag) or (node is not element and node.name in skip) or node.name in _NO_TEXT:
            continue
        if node.name == "br":
            out.append("\n")
            continue
        if node.name in _BLOCK:
            out.append(" ")
            stack.append(" ")
        stack.extend(reversed(list(node.children)))
    return "".join(out)


class HtmlWriter:
    """Walks a cleaned content root and collects Markdown blocks."""

    def __init__(self, root: Tag, limits: Limits) -> None:
        self.root = root
        self.limits = limits
        self.blocks: list[str] = []
        self.inline: list[str] = []
        self.stack: list[tuple[int, str]] = []  # the heading path as written so far
        self.restore: list[tuple[int, str]] | None = None  # the section to return to after an answer
        self.answer_depth = 0
        self.consumed: set[int] = set()  # panels already written as an answer
        self.ids = {str(t["id"]): t for t in root.find_all(id=True)}
        self.deadline = time.monotonic() + limits.seconds_per_file
        self.visited = 0
        self.rows = 0

    def write(self) -> str:
        self._walk(self.root.children, 0)
        self._flush()
        return "\n\n".join(self.blocks) + "\n" if self.blocks else ""

    # -- output ---------------------------------------------------------------------------------------------

    def _flush(self) -> None:
        text = md.paragraph("".join(self.inline))
        self.inline.clear()
        if text:
            self._body(text)

    def _body(self, block: str) -> None:
        if self.restore is not None:
            if self.restore:
                self.blocks.append(md.heading(*self.restore[-1]))
            self.stack, self.restore = self.restore, None
        self.blocks.append(block)

    def _heading(self, level: int, text: str) -> None:
        self._flush()
        text = md.one_line(text)
        if not text:
            return
        if self.answer_depth:
            self._body(md.paragraph(text))  # a heading inside an answer stays part of the answer
            return
        if self.restore is not None:
            if self.restore and level > self.restore[-1][0] + 1:
                self.blocks.append(md.heading(*self.restore[-1]))
            self.stack, self.restore = self.restore, None
        self.stack = [h for h in self.stack if h[0] < level] + [(level, text)]
        self.blocks.append(md.heading(level, text))

    def _question(self, question: str, answer: Iterable[Any], depth: int) -> None:
        self._flush()
        if self.restore is not None:
            self.stack, self.restore = self.restore, None
        saved = list(self.stack)
        level = min(saved[-1][0] + 1 if saved else 1, 6)
        self.stack = [h for h in saved if h[0] < level] + [(level, question)]
        self.blocks.append(md.heading(level, question))
        self.answer_depth += 1
        self._walk(answer, depth)
        self._flush()
        self.answer_depth -= 1
        self.restore = saved

    # -- walking --------------------------------------------------------------------------------------------

    def _walk(self, nodes: Iterable[Any], depth: int) -> None:
        for node in list(nodes):
            if isinstance(node, PreformattedString):
                continue
            if isinstance(node, NavigableString):
                self.inline.append(_SPACE.sub(" ", str(node)))
            elif isinstance(node, Tag) and id(node) not in self.consumed:
                self._element(node, depth + 1)

    def _element(self, el: Tag, depth: int) -> None:
        self.visited += 1
        if self.visited % 512 == 0 and time.monotonic() > self.deadline:
            raise ConversionError(f"conversie duurt te lang (meer dan {self.limits.seconds_per_file:.0f} s)")
        name = el.name
        if depth > _MAX_DEPTH:  # absurd nesting: keep the text, skip the structure
            self.inline.append(text_of(el))
        elif name == "br":
            self.inline.append("\n")
        elif name == "hr":
            self._flush()
        elif name == "details":
            self._details(el, depth)
        elif name == "dl":
            self._definitions(el, depth)
        elif (trigger := self._trigger(el)) is not None:
            question, panel = trigger
            self._question(question, [panel], depth)
            self.consumed.add(id(panel))
        elif name in _DROP:
            return
        elif name in HEADINGS:
            self._heading(HEADINGS[name], text_of(el))
        elif name in ("ul", "ol") and not self._complex_list(el):
            self._flush()
            self._list(el)
        elif name == "table" and not is_layout_table(el):
            self._flush()
            self._table(el)
        elif name == "pre":
            self._flush()
            self._body(md.paragraph(el.get_text()))
        elif name in _BLOCK:
            self._flush()
            self._walk(el.children, depth)
            self._flush()
        elif el.find(_BLOCK_LIST) is not None or el.find(_marks_trigger) is not None:
            self._walk(el.children, depth)  # an inline element around blocks (a link around a card)
        else:
            self.inline.append(text_of(el))

    # -- FAQ patterns ---------------------------------------------------------------------------------------

    def _details(self, el: Tag, depth: int) -> None:
        summary = el.find("summary", recursive=False)
        question = md.one_line(text_of(summary)) if isinstance(summary, Tag) else ""
        if not question:
            self._flush()
            self._walk(el.children, depth)
            self._flush()
            return
        self._question(question, [c for c in el.children if c is not summary], depth)

    def _definitions(self, el: Tag, depth: int) -> None:
        """`<dl>`: question/answer pairs when it is a FAQ (a term ends with '?'), else "- term: definition"."""
        items = [c for child in el.children if isinstance(child, Tag)
                 for c in ([g for g in child.children if isinstance(g, Tag)] if child.name == "div" else [child])]
        terms = [md.one_line(text_of(t)) for t in items if t.name == "dt"]
        self._flush()
        if any(t.endswith("?") for t in terms) or _FAQ_LIST.search(_classes(el)):
            question: list[str] = []
            answer: list[Tag] = []
            for item in [*items, None]:
                if (item is None or item.name == "dt") and answer:
                    self._question(" / ".join(question) or "Vraag", answer, depth)
                    question, answer = [], []
                if item is not None and item.name == "dt":
                    question.append(md.one_line(text_of(item)))
                elif item is not None:
                    answer.append(item)
            return
        lines, term = [], ""
        for item in items:
            text = md.one_line(text_of(item))
            if item.name == "dt":
                term = text
            elif text:
                lines.append(f"- {term}: {text}" if term else f"- {text}")
        if lines:
            self._body("\n".join(lines))

    def _trigger(self, el: Tag) -> tuple[str, Tag] | None:
        """(question, panel) when `el` opens a panel that holds its answer."""
        if el.name in _NOT_TRIGGER:
            return None
        inner = el if _marks_trigger(el) else None
        if inner is None and el.name in HEADINGS:
            found = el.find(_marks_trigger)
            inner = found if isinstance(found, Tag) else None
        if inner is None or el.find(_CONTAINERS) is not None:
            return None
        blocks = [c for c in el.children if isinstance(c, Tag) and c.name in _BLOCK and c.get_text(strip=True)]
        question = md.one_line(text_of(el))
        if len(blocks) > 1 or not question or len(question.split()) > _QUESTION_WORDS:
            return None
        panel = self._panel(el, inner)
        return (question, panel) if panel is not None else None

    def _panel(self, el: Tag, inner: Tag) -> Tag | None:
        owner = inner if inner.has_attr("aria-controls") else el.find(attrs={"aria-controls": True})
        controls = str(owner.get("aria-controls") or "").split() if isinstance(owner, Tag) else []
        target = self.ids.get(controls[0]) if controls else None
        if target is not None and target is not el and el not in target.parents and target not in el.parents:
            return target if id(target) not in self.consumed else None
        node: Tag | None = el
        for _ in range(3):  # climb out of wrappers that hold nothing but the trigger (h3 > button)
            if node is None or node is self.root:
                return None
            sibling = node.find_next_sibling()
            if sibling is not None:
                starts_next = _marks_trigger(sibling) or sibling.name in HEADINGS or sibling.name in ("dt", "summary")
                return None if starts_next or id(sibling) in self.consumed else sibling
            parent = node.parent
            if parent is None or md.one_line(parent.get_text(" ")) != md.one_line(node.get_text(" ")):
                return None
            node = parent
        return None

    # -- lists and tables -----------------------------------------------------------------------------------

    @staticmethod
    def _complex_list(el: Tag) -> bool:
        """A list whose items hold headings, accordions or tables: walked as blocks, not flattened to lines."""
        return el.find([*HEADINGS, "details", "table", "dl", "summary", "section", "article"]) is not None or \
            el.find(_marks_trigger) is not None

    def _list(self, el: Tag) -> None:
        start = str(el.get("start") or "1")
        number = int(start) if start.isdigit() else 1
        items: list[str] = []
        for li in el.find_all("li", recursive=False):
            text = md.one_line(text_of(li, frozenset({"ul", "ol"})))
            nested = [f"- {line}" for sub in li.find_all("li")
                      if (line := md.one_line(text_of(sub, frozenset({"ul", "ol"}))))]
            if el.name == "ol":
                self._body(md.paragraph("\n".join([f"{number}. {text}", *nested])))
                number += 1
            else:
                items.extend([f"- {text}"] * bool(text) + nested)
        if items:
            self._body(md.paragraph("\n".join(items)))

    def _table(self, el: Tag) -> None:
        caption = el.find("caption")
        if isinstance(caption, Tag):
            self._body(md.paragraph(md.one_line(text_of(caption))))
        rows: list[list[str]] = []
        for row in table_rows(el, lambda cell: md.one_line(text_of(cell))):
            self.rows += 1
            if self.rows > self.limits.max_rows:
                raise ConversionError(f"te veel tabelrijen (meer dan {self.limits.max_rows})")
            rows.append(row)
        table = md.pipe_table(rows)
        if table:
            self._body(table)
