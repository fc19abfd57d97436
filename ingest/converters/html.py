"""HTML pages (FAQ pages, web articles): the main content as Markdown, without menus, banners and scripts.

The charset comes from a BOM or `<meta charset>`, else UTF-8/cp1252 as for text. The content is `<main>`
(or role=main, or the only `<article>`), else the body; page chrome is dropped by tag, role, id and class.
How the remaining elements become Markdown (and FAQ questions stay with their answers) is in `html_markdown`.
"""

from __future__ import annotations

import codecs
import re
from datetime import date
from email.utils import parsedate_to_datetime
from pathlib import Path

from bs4 import BeautifulSoup, Tag

from ingest.converters import markdown_writer as md
from ingest.converters.base import ConversionError, Limits, Page, decode_text
from ingest.converters.html_markdown import HtmlWriter

_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([a-z0-9_.:-]+)""", re.IGNORECASE)
_NEVER_CONTENT = ["script", "style", "noscript", "template", "svg", "iframe", "object", "embed", "canvas", "link",
                  "meta", "nav", "aside", "footer"]
_CHROME_ROLES = {"navigation", "banner", "contentinfo", "search", "menu", "menubar", "complementary"}
_CHROME_WORDS = {"nav", "navbar", "navigation", "navigatie", "menu", "menubar", "submenu", "mainmenu", "megamenu",
                 "footer", "breadcrumb", "breadcrumbs", "kruimelpad", "consent", "skiplink", "skiplinks", "sidebar",
                 "offcanvas"}
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_DATE_KEYS = ("dcterms.modified", "article:modified_time", "og:updated_time", "last-modified", "date", "dcterms.date",
              "dc.date", "dcterms.issued", "article:published_time", "dc.date.issued")
_MIN_ROOT_WORDS = 20
_ISO_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def read_html(path: Path) -> str:
    """The page as text: a BOM wins, then a `<meta charset>` that decodes cleanly, then UTF-8 or cp1252."""
    data = path.read_bytes()
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, errors="replace")
    match = _META_CHARSET.search(data[:4096])
    if match:
        try:
            name = codecs.lookup(match.group(1).decode("ascii")).name
        except LookupError:
            name = ""
        # As browsers do: latin-1/ascii labels mean windows-1252; UTF-16 without a BOM is really UTF-8.
        name = {"latin-1": "cp1252", "iso8859-1": "cp1252", "ascii": "cp1252"}.get(name, name)
        name = "utf-8" if name.startswith("utf-16") else name
        if name:
            try:
                return data.decode(name)
            except UnicodeDecodeError:
                pass  # the declaration is wrong: guess as for text
    return decode_text(data)


def parse_html(text: str) -> BeautifulSoup:
    return BeautifulSoup(text, "lxml")


def content_root(soup: BeautifulSoup) -> Tag:
    """`<main>`, role=main, the only `<article>`, else the body (or the whole document).

    A marked region with almost no text (a template that puts only a banner in `<main>`) is not trusted.
    """
    body = soup.find("body")
    fallback = body if isinstance(body, Tag) else soup
    main = soup.find("main") or soup.find(attrs={"role": "main"})
    articles = soup.find_all("article")
    root = main if isinstance(main, Tag) else articles[0] if len(articles) == 1 else fallback
    if root is not fallback:
        words, everything = len(root.get_text(" ").split()), len(fallback.get_text(" ").split())
        if words < _MIN_ROOT_WORDS and everything - words > 10 * _MIN_ROOT_WORDS:
            return fallback
    return root


def _is_chrome(tag: Tag) -> bool:
    """Navigation, menus, footers, breadcrumbs and cookie banners, by role, id or class."""
    if (tag.get("role") or "") in _CHROME_ROLES:
        return True
    names = " ".join([str(tag.get("id") or ""), *(tag.get("class") or [])])
    words = re.split(r"[^a-z0-9]+", _CAMEL.sub(" ", names).lower())
    return any(w in _CHROME_WORDS or w.startswith("cookie") for w in words)


def strip_chrome(root: Tag) -> None:
    """Drop page chrome inside the content root; what holds most of the text (a page-wide form) stays."""
    total = len(root.get_text(" ", strip=True)) or 1

    def holds_content(tag: Tag) -> bool:
        return tag.name in ("html", "body", "main", "article") or len(tag.get_text(" ", strip=True)) * 2 > total

    for tag in root.find_all(_NEVER_CONTENT):
        if not tag.decomposed:
            tag.decompose()
    # A header outside an article is the site header; inside one it holds the article's title.
    for tag in root.find_all("header"):
        if not tag.decomposed and tag.find_parent(["article", "main"]) is None and root.name not in ("article", "main"):
            tag.decompose()
    for tag in root.find_all(["form", "dialog"]):
        if not tag.decomposed and not holds_content(tag):
            tag.decompose()
    for tag in root.find_all(_is_chrome):
        if not tag.decomposed and not holds_content(tag):
            tag.decompose()


def convert_html(path: Path, limits: Limits) -> list[Page]:
    soup = parse_html(read_html(path))
    root = content_root(soup)
    strip_chrome(root)
    return [Page(HtmlWriter(root, limits).write(), markup="markdown")]


def html_metadata(path: Path) -> dict[str, str]:
    """Title (from `<title>`, site name after '|' removed, else the first h1), date and canonical url; {} if none."""
    try:
        soup = parse_html(read_html(path))
    except (ConversionError, OSError):
        return {}
    out: dict[str, str] = {}
    title = md.one_line(soup.title.get_text()) if soup.title else ""
    title = title.split(" | ")[0].strip() if " | " in title else title
    if not title and (h1 := soup.find("h1")):
        title = md.one_line(h1.get_text(" "))
    if title:
        out["title"] = title
    metas = {}
    for meta in soup.find_all("meta"):
        key = str(meta.get("name") or meta.get("property") or meta.get("http-equiv") or "").lower()
        if key and meta.get("content") and key not in metas:
            metas[key] = str(meta["content"])
    candidates = [metas[k] for k in _DATE_KEYS if k in metas]
    candidates += [str(t["datetime"]) for t in soup.find_all("time", datetime=True)]
    when = next((d for d in map(_iso_date, candidates) if d), None)
    if when:
        out["date"] = when
    canonical = soup.find("link", rel="canonical")
    url = str(canonical.get("href") or "") if isinstance(canonical, Tag) else metas.get("og:url", "")
    if url.startswith(("http://", "https://")):
        out["url"] = url
    return out


def _iso_date(value: str) -> str | None:
    """YYYY-MM-DD (or YYYY-MM, YYYY) from an ISO date or an HTTP date; None if it is no valid date."""
    value = value.strip()
    match = _ISO_DATE.match(value)
    if not match:
        try:
            return parsedate_to_datetime(value).date().isoformat()
        except (TypeError, ValueError, IndexError):
            return None
    year, month, day = match.groups()
    try:
        date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        return None
    return "-".join(p for p in (year, month, day) if p)
