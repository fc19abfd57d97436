"""The coverage report as one self-contained HTML page (inline SVG charts, no scripts, prints well)."""

from __future__ import annotations

from html import escape
from typing import Any

COLOURS = {"answered": "#2e7d5b", "weak": "#d9a21b", "not_answered": "#c0392b"}
LABELS = {"answered": "beantwoord", "weak": "zwak", "not_answered": "niet beantwoord"}
CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1f2933;background:#f5f7fa}
main{max-width:1080px;margin:0 auto;padding:24px}
h1{font-size:1.6rem;margin:0 0 4px} h2{font-size:1.2rem;margin:32px 0 8px;border-bottom:1px solid #d9e2ec;
padding-bottom:4px} .muted{color:#52606d} .cards{display:flex;gap:12px;flex-wrap:wrap;margin:16px 0}
.card{background:#fff;border-radius:8px;padding:12px 16px;min-width:150px;box-shadow:0 1px 2px #0001}
.card b{display:block;font-size:1.6rem} table{border-collapse:collapse;width:100%;background:#fff}
td,th{padding:6px 8px;border-bottom:1px solid #e4e7eb;text-align:left;vertical-align:top;font-size:.92rem}
th{background:#eef2f7} .legend span{display:inline-block;margin-right:14px}
.sw{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:4px;vertical-align:-1px}
details{margin:4px 0} svg text{font-family:inherit;font-size:12px;fill:#1f2933}
"""


def _legend() -> str:
    return '<p class="legend">' + "".join(
        f'<span><i class="sw" style="background:{COLOURS[k]}"></i>{v}</span>' for k, v in LABELS.items()) + "</p>"


def stacked_bars(rows: list[tuple[str, dict[str, int]]], width: int = 1000) -> str:
    """Horizontal stacked bars (answered / weak / not answered) with the label on the left."""
    if not rows:
        return '<p class="muted">Geen gegevens.</p>'
    label_w, bar_h, gap = 330, 20, 8
    total_max = max(sum(v.values()) for _, v in rows) or 1
    scale = (width - label_w - 60) / total_max
    parts = [f'<svg role="img" viewBox="0 0 {width} {len(rows) * (bar_h + gap) + 4}" width="100%">']
    for i, (label, values) in enumerate(rows):
        y = i * (bar_h + gap)
        short = label if len(label) <= 48 else label[:47] + "…"
        parts.append(f'<text x="0" y="{y + 14}"><title>{escape(label)}</title>{escape(short)}</text>')
        x = label_w
        for key in ("answered", "weak", "not_answered"):
            w = values.get(key, 0) * scale
            if w:
                parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{COLOURS[key]}">'
                             f'<title>{LABELS[key]}: {values[key]}</title></rect>')
                x += w
        parts.append(f'<text x="{x + 6:.1f}" y="{y + 14}">{sum(values.values())}</text>')
    parts.append("</svg>")
    return "".join(parts)


def simple_bars(rows: list[tuple[str, int]], colour: str = "#3b6ea5", width: int = 1000) -> str:
    if not rows:
        return '<p class="muted">Geen gegevens.</p>'
    label_w, bar_h, gap = 330, 18, 6
    top = max(v for _, v in rows) or 1
    scale = (width - label_w - 60) / top
    parts = [f'<svg role="img" viewBox="0 0 {width} {len(rows) * (bar_h + gap) + 4}" width="100%">']
    for i, (label, value) in enumerate(rows):
        y = i * (bar_h + gap)
        short = label if len(label) <= 48 else label[:47] + "…"
        parts.append(f'<text x="0" y="{y + 13}"><title>{escape(label)}</title>{escape(short)}</text>'
                     f'<rect x="{label_w}" y="{y}" width="{value * scale:.1f}" height="{bar_h}" fill="{colour}"/>'
                     f'<text x="{label_w + value * scale + 6:.1f}" y="{y + 13}">{value}</text>')
    parts.append("</svg>")
    return "".join(parts)


def line_chart(series: dict[str, list[tuple[str, float]]], width: int = 1000, height: int = 240) -> str:
    """Metric history: one line per metric over the runs (x = run order, y = 0..1)."""
    points = max((len(v) for v in series.values()), default=0)
    if points < 2:
        return '<p class="muted">Nog te weinig evaluatieruns voor een verloop (minstens twee).</p>'
    left, bottom, top_pad = 40, 30, 10
    colours = ["#3b6ea5", "#2e7d5b", "#c0392b", "#8e44ad"]
    step = (width - left - 120) / (points - 1)
    parts = [f'<svg role="img" viewBox="0 0 {width} {height}" width="100%">']
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        y = top_pad + (1 - tick) * (height - bottom - top_pad)
        parts.append(f'<line x1="{left}" x2="{width - 120}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d9e2ec"/>'
                     f'<text x="0" y="{y + 4:.1f}">{tick:.2f}</text>')
    for n, (name, values) in enumerate(series.items()):
        colour = colours[n % len(colours)]
        coords = [(left + i * step, top_pad + (1 - v) * (height - bottom - top_pad)) for i, (_, v) in enumerate(values)]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        parts.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"><title>{escape(values[i][0])}: '
                     f'{values[i][1]:.3f}</title></circle>' for i, (x, y) in enumerate(coords))
        parts.append(f'<text x="{width - 110}" y="{coords[-1][1] + 4:.1f}" fill="{colour}">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _passages(passages: list[dict[str, Any]]) -> str:
    return "".join(f"<li><b>{escape(p.get('title') or '')}</b> — {escape(p.get('section') or '')}"
                   f"{' p. ' + str(p['page']) if p.get('page') else ''}<br><span class='muted'>"
                   f"{escape(p.get('text') or '')}</span></li>" for p in passages)


def _gap(topic: dict[str, Any]) -> str:
    questions = "".join(f"<li>{escape(q)}</li>" for q in topic["questions"])
    closest = (f"<p>Wat er het dichtst bij komt:</p><ul>{_passages(topic['closest_passages'])}</ul>"
               if topic["closest_passages"] else "")
    return (f"<details><summary><b>{escape(topic['representative'])}</b> — {topic['count']} vraag/vragen, "
            f"{topic['not_answered']} niet beantwoord, {topic['weak']} zwak</summary>"
            f"<p class='muted'>Onderwerp: {escape(topic['name'])}</p><ul>{questions}</ul>{closest}</details>")


def render(report: dict[str, Any], history: dict[str, list[tuple[str, float]]] | None = None) -> str:
    totals = report["totals"]
    n = report["questions"] or 1
    cards = "".join(
        f'<div class="card"><span class="muted">{LABELS[k]}</span><b style="color:{COLOURS[k]}">{totals[k]}</b>'
        f'{round(100 * totals[k] / n)}% van {report["questions"]}</div>' for k in ("answered", "weak", "not_answered"))
    topics = report["topics"]
    topic_rows = [(t["representative"], {k: t[k] for k in COLOURS}) for t in topics[:40]]
    region_rows = list(report["per_region"].items())
    docs = report["documents"]
    doc_rows = [(d["title"], d["citations"]) for d in docs["per_document"] if d["citations"]][:30]
    gaps = [t for t in topics if t["not_answered"] or t["weak"]]
    gap_html = "".join(_gap(t) for t in gaps)
    conflicts = "".join(f"<tr><td>{escape(c['question'])}</td><td>{'<br>'.join(map(escape, c['notes']))}</td></tr>"
                        for c in report["conflicts"])
    never = "".join(f"<li>{escape(d['title'])}</li>" for d in docs["never_cited"])
    only_weak = "".join(f"<li>{escape(d['title'])}</li>" for d in docs["only_weak"])
    sections = "".join(
        f"<tr><td>{escape(s['title'])}</td><td>{escape('; '.join(s['sections'][:12]))}"
        f"{' …' if len(s['sections']) > 12 else ''}</td></tr>" for s in docs["sections_never_cited"][:40])
    return f"""<!doctype html><html lang="nl"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Dekkingsrapport Vraagbaak</title>
<style>{CSS}</style></head><body><main>
<h1>Dekkingsrapport</h1>
<p class="muted">Geven de documenten antwoord op wat mensen vragen? {report['questions']} vragen uit
{escape(report['source'])}, gemaakt op {escape(report['generated'])} in {report['seconds']} s.</p>
<div class="cards">{cards}</div>
<p class="muted">Zwak = wel een antwoord, maar de beste passage past maar matig (relevantie onder 0,6) of een
gebruiker gaf een duim omlaag.</p>
<h2>Per onderwerp</h2><p class="muted">Vergelijkbare vragen zijn samengenomen; de voorbeeldvraag staat links.</p>
{_legend()}{stacked_bars(topic_rows)}
<h2>Per regio</h2>{stacked_bars(region_rows)}
<h2>Waar de documenten tekortschieten</h2>
<p class="muted">Onderwerpen met vragen zonder (goed) antwoord, met de passages die er het dichtst bij komen.</p>
{gap_html or '<p>Alle onderwerpen zijn beantwoord.</p>'}
<h2>Tegenstrijdig of verouderd</h2>
<p class="muted">Antwoorden uit bronnen van verschillende datum of regio die andere getallen noemen, of alleen uit een
verouderde versie: kandidaten om de documentatie bij te werken.</p>
{'<table><tr><th>Vraag</th><th>Signaal</th></tr>' + conflicts + '</table>' if conflicts else '<p>Geen gevonden.</p>'}
<h2>Citaties per document</h2>{simple_bars(doc_rows)}
<h2>Nooit geciteerde documenten ({len(docs['never_cited'])})</h2>
<details><summary>Toon de lijst</summary><ul>{never or '<li>Geen.</li>'}</ul></details>
<h2>Alleen geciteerd bij zwakke antwoorden ({len(docs['only_weak'])})</h2><ul>{only_weak or '<li>Geen.</li>'}</ul>
<h2>Onderdelen die nooit geciteerd zijn</h2><p class="muted">Van documenten die wel geciteerd worden.</p>
{'<table><tr><th>Document</th><th>Onderdelen</th></tr>' + sections + '</table>' if sections else '<p>Geen.</p>'}
<h2>Kwaliteit door de tijd</h2><p class="muted">Hoofdcijfers van <code>vraagbaak eval</code> per run.</p>
{line_chart(history or {})}
</main></body></html>"""
