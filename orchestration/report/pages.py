"""The report's pages, rendered from the warehouse's rows by the templates beside this module. Every page is a
file of its own, linked by relative paths, so the site opens from the file system as well as from a server."""

from __future__ import annotations

from html import escape
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from ..corpus.text import read_lines
from . import rows
from .charts import chart_year, series_chart
from .rows import VERDICT_ORDER, Warehouse, split_ids, verdict_rank
from .text import Span, render_lines

_ENV = Environment(
    loader=PackageLoader("orchestration.report", "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,  # a name the template expects and the page lacks fails the build, not the reader
    trim_blocks=True,
    lstrip_blocks=True,
)


def _number(value) -> str:
    """A value as a reader reads it: grouped digits, no float noise; infinite ends said in words."""
    if value is None:
        return ""
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return "unbounded"
    return f"{value:,.6g}" if abs(value) < 1e6 else f"{value:,.0f}"


_ENV.filters["number"] = _number
_ENV.globals["verdict_rank"] = verdict_rank


def series_key(figure: dict) -> tuple[str, str, str]:
    return figure["entity_id"], figure["indicator_code"], figure["measure"]


def series_file(key: tuple[str, str, str]) -> str:
    return "series/" + ".".join(key) + ".html"


def document_file(document_id: str) -> str:
    return f"documents/{document_id}.html"


def _render(name: str, **context) -> str:
    return _ENV.get_template(name).render(verdict_order=VERDICT_ORDER, **context)


def overview_page(wh: Warehouse, run: dict, documents_note: str) -> str:
    series = {}
    for figure in wh.figures:
        series.setdefault(series_key(figure), figure)
    return _render(
        "index.html",
        root="",
        title="Report",
        wh=wh,
        run=run,
        documents_note=documents_note,
        claim_verdicts=sorted(wh.claim_verdicts.items(), key=lambda kv: verdict_rank(kv[0])),
        reconciliation_verdicts=sorted(wh.reconciliation_verdicts.items()),
        full_report_max_figures=rows.FULL_REPORT_MAX_FIGURES,
        series=[(series_file(key), f) for key, f in sorted(series.items())],
        document_file=document_file,
    )


def _tag(name: str, attributes: dict[str, str | None]) -> str:
    return f"<{name}" + "".join(f' {k}="{escape(v)}"' for k, v in attributes.items() if v is not None) + ">"


def _text_lines(wh: Warehouse, document: dict, figures: list[dict], text: str) -> tuple[list[dict], dict, list]:
    """The text's lines with the highlights, the figure each anchor id names, and the mentions not found."""
    document_id = document["document_id"]
    sections = {f["section"] for f in figures} | {
        r["section"] for r in wh.claim_sections if r["document_id"] == document_id
    }
    lines = read_lines(text, sections)
    mentions = [m for m in wh.mentions if m["document_id"] == document_id]
    found = {p["mention_id"]: p for p in wh.mention_printings if p["document_id"] == document_id}
    places = {
        m: (p["line"], p["line_column"] - 1, p["line_column"] - 1 + len(p["text_at_locator"])) for m, p in found.items()
    }
    anchored, spans = {}, []
    for mention in sorted((m for m in mentions if m["mention_id"] in places), key=lambda m: places[m["mention_id"]]):
        figure_id = mention["figure_id"]
        attributes = {
            "class": f"figure v-{wh.worst_verdict(figure_id) or 'none'}",
            "id": None if figure_id in anchored else figure_id,  # the first printing is the figure's anchor
            "data-figure": figure_id,
            "data-mention": mention["mention_id"],
            "tabindex": "0",
        }
        anchored.setdefault(figure_id, mention["mention_id"])
        pin = ""
        if found[mention["mention_id"]]["in_other_words"]:
            attributes["class"] += " pin"
            attributes["title"] = f"printed in other words in this paragraph: “{mention['stated_text']}”"
            pin = "◆"
        spans.append(Span(*places[mention["mention_id"]], _tag("mark", attributes) + pin, "</mark>"))
    for n in (r for r in wh.unaccounted if r["document_id"] == document_id and r["line"] is not None):
        start = n["line_column"] - 1
        spans.append(
            Span(
                n["line"],
                start,
                start + len(n["literal"]),
                _tag("span", {"class": f"unaccounted s-{n['status']}", "title": n["problem"]}),
                "</span>",
            )
        )
    return render_lines(lines, spans), anchored, [m for m in mentions if m["mention_id"] not in places]


def document_page(wh: Warehouse, document: dict, documents_dir: Path | None, documents_note: str) -> str:
    document_id = document["document_id"]
    figures = [f for f in wh.figures if f["document_id"] == document_id]
    text_file = documents_dir / document["file_name"] if documents_dir and document["file_name"] else None
    if text_file is not None and text_file.is_file():
        lines, anchored, missing = _text_lines(wh, document, figures, text_file.read_text(encoding="utf-8"))
        no_text = None
    else:
        lines, anchored, missing = [], {}, []
        no_text = (
            f"The text is not shown: {documents_note}."
            if documents_dir is None
            else f"The text is not shown: {text_file or 'no file name recorded'} is not in the texts folder."
        )
    return _render(
        "document.html",
        root="../",
        title=document["title"] or document_id,
        document=document,
        figures=figures,
        lines=lines,
        anchored=anchored,
        missing=missing,
        no_text=no_text,
        unaccounted=[r for r in wh.unaccounted if r["document_id"] == document_id],
        claims_by_figure=wh.claims_by_figure,
        worst_verdict=wh.worst_verdict,
        series_file=lambda f: "../" + series_file(series_key(f)),
    )


def series_pages(wh: Warehouse) -> dict[str, str]:
    """Every series' page by its file in the site."""
    grouped: dict[tuple[str, str, str], list[dict]] = {}
    for figure in wh.figures:
        grouped.setdefault(series_key(figure), []).append(figure)
    pages = {}
    for key, figures in sorted(grouped.items()):
        preferred = [p for p in wh.preferred if (p["entity_id"], p["indicator_code"], p["measure"]) == key]
        first = figures[0]
        placed = sorted(
            (f for f in figures if chart_year(f) is not None), key=lambda f: (chart_year(f), f["figure_id"])
        )
        pages[series_file(key)] = _render(
            "series.html",
            root="../",
            title=f"{first['entity_name']}: {first['indicator_name']} ({first['measure_name']})",
            first=first,
            placed=placed,
            unplaced=[f for f in figures if chart_year(f) is None],
            preferred=preferred,
            chart=series_chart(placed, preferred, first["unit"] or "", "chart") if placed else None,
            chart_year=chart_year,
            document_link=lambda f: f"../{document_file(f['document_id'])}#{f['figure_id']}",
        )
    return pages


def discrepancy_page(wh: Warehouse) -> str:
    owner = wh.figure_document

    def links(ids: list[str]) -> list[tuple[str, str]]:
        return [(i, f"{document_file(owner[i])}#{i}" if i in owner else "") for i in ids]

    claims = [
        {**c, "figures": links([c["stated_figure_id"], *(c["input_figures"] or [])])}
        for c in sorted(wh.claims, key=lambda c: (-verdict_rank(c["verdict"]), c["claim_id"]))
        if c["verdict"] != "consistent"
    ]
    facts = [{**r, "figures": links(split_ids(r["figure_ids"]))} for r in wh.reconciliation if r["verdict"] != "agree"]
    return _render("discrepancies.html", root="", title="Discrepancy register", claims=claims, facts=facts)
