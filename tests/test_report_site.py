"""The report site the build job writes, read in a real browser (Chromium through Playwright) from the file system
and as `make report` serves it, and compared with the warehouse it was generated from; screenshots of each kind of
page go to data/screenshots/."""

from __future__ import annotations

import functools
import http.server
import re
import threading
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import PROJECT_ROOT
from orchestration.resources.connections import DEFAULT_MEMORY_LIMIT, connect

CHROMIUM = Path("/usr/bin/chromium")
# no sandbox (tests run as root in a container) and nothing the browser would fetch on its own
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = PROJECT_ROOT / "data" / "screenshots"


@pytest.fixture(scope="module")
def site(built_warehouse) -> Path:
    return built_warehouse.parent / "data" / "report"


@pytest.fixture(scope="module")
def warehouse(built_warehouse):
    """Opened as the report opens it: DuckDB refuses a second connection to a file with another configuration."""
    with connect(built_warehouse, read_only=True) as con:
        yield con


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        yield browser
        browser.close()


class Tab:
    """One browser page that records every console error, script error and failed request, and every request that
    leaves the site (`origin`: the file system, or the address `make report` serves it at)."""

    def __init__(self, browser, origin: str = "file://"):
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.problems: list[str] = []
        self.page.on("console", lambda m: self.problems.append(f"console: {m.text}") if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.problems.append(f"script error: {e}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"failed request: {r.url} {r.failure}"))
        # recorded, not intercepted: interception turns off the browser's cache, which serves plotly's compiled
        # bundle to the next page over http
        self.page.on(
            "request",
            lambda r: None if r.url.startswith(origin) else self.problems.append(f"request leaving the site: {r.url}"),
        )

    def open(self, path: Path | str):
        self.page.goto(path if isinstance(path, str) else path.as_uri(), wait_until="load")
        if "/series/" in self.page.url and self.page.locator("#chart").count():
            self.page.wait_for_selector("#chart .main-svg")  # plotly drew the chart
        return self.page

    def screenshot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


@pytest.fixture(scope="module")
def served(site) -> Iterator[str]:
    """The site as `make report` serves it (python's http.server), at its address."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
    thread.join()


def _series_statements(warehouse) -> dict[str, set[str]]:
    """Every series' page, with the figures the warehouse places in time (a span at its last year)."""
    rows = warehouse.execute(
        """select entity_id || '.' || indicator_code || '.' || measure, figure_id from marts.figures
        where case when period_kind = 'span' then end_year else year end is not null"""
    ).fetchall()
    series = defaultdict(set)
    for page, figure_id in rows:
        series[f"series/{page}.html"].add(figure_id)
    return series


def test_the_job_writes_one_page_per_document_and_series_and_swaps_the_site_in_whole(site, warehouse):
    documents = {d for (d,) in warehouse.execute("select document_id from marts.dim_document").fetchall()}
    series = warehouse.execute(
        "select count(distinct (entity_id, indicator_code, measure)) from marts.figures"
    ).fetchone()[0]
    assert {p.stem for p in (site / "documents").glob("*.html")} == documents
    assert len(list((site / "series").glob("*.html"))) == series
    assert (site / "index.html").is_file() and (site / "discrepancies.html").is_file()
    assert (site / "assets" / "plotly.min.js").stat().st_size > 1_000_000, "plotly's own bundle, not a CDN"
    assert not [p.name for p in site.parent.iterdir() if p.name.startswith(f".{site.name}-")], "no half site left"


def _load_all(tab: Tab, pages: list[str]) -> dict[str, list[str]]:
    failures = {}
    for page in pages:
        tab.problems.clear()
        tab.open(page)
        if tab.problems:
            failures[page] = list(tab.problems)
    return failures


def test_every_page_loads_without_errors_or_outside_requests(site, served, browser):
    """Every page as `make report` serves it, and one page of each kind from the file system. Over http the
    browser keeps plotly's compiled bundle from page to page; from the file system it compiles it for every page
    (about 0.3 s each, for about 100 series pages)."""
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    tab = Tab(browser, origin=served)
    assert not _load_all(tab, [served + page for page in pages])
    tab.page.close()
    kinds = {page.split("/")[0] if "/" in page else page: page for page in pages}
    # the validation page of the published warehouse travels with the site (the UI links it at make report's address)
    assert set(kinds) == {"index.html", "discrepancies.html", "validation.html", "documents", "series"}, kinds
    tab = Tab(browser)
    assert not _load_all(tab, [(site / page).as_uri() for page in kinds.values()])
    for name, shot in (("index.html", "overview"), ("discrepancies.html", "discrepancies")):
        tab.open(site / name)
        tab.screenshot(shot)
    tab.page.close()


def test_a_document_page_highlights_each_mention_once_and_shows_its_claims(site, browser, warehouse):
    mentions = defaultdict(dict)
    for document_id, mention_id, figure_id in warehouse.execute(
        """select m.document_id, m.mention_id, m.figure_id from staging.stg_mentions as m
        join marts.document_coverage as c using (document_id) where c.text_present"""
    ).fetchall():
        mentions[document_id][mention_id] = figure_id
    assert mentions, "the built warehouse read the texts"
    printed = dict(warehouse.execute("select figure_id, stated_text_as_printed from marts.figures").fetchall())
    tab = Tab(browser)
    for document_id, expected in mentions.items():
        page = tab.open(site / "documents" / f"{document_id}.html")
        marks = page.eval_on_selector_all(
            "mark.figure[data-mention]", "marks => marks.map(m => [m.dataset.mention, m.dataset.figure])"
        )
        assert sorted(m for m, _ in marks) == sorted(expected), document_id
        assert dict(marks) == expected
        # a highlight (not a pin) covers the literal exactly as the text prints it, markup escapes included
        shown = page.eval_on_selector_all(
            "mark.figure[data-mention]:not(.pin)", "marks => marks.map(m => [m.dataset.figure, m.textContent])"
        )
        wrong = [(f, text, printed[f]) for f, text in shown if not (text and printed[f].startswith(text))]
        assert shown and not wrong, (document_id, wrong)
    assert not tab.problems
    # the figure most claims use: its highlight shows its values and every claim's verdict
    figure_id, document_id, claims = warehouse.execute(
        """select f.figure_id, f.document_id, list(c.claim_id order by c.claim_id)
        from marts.figures as f join marts.claim_checks as c
          on c.stated_figure_id = f.figure_id or list_contains(string_split(c.input_figure_ids, ';'), f.figure_id)
        join marts.document_coverage as d on d.document_id = f.document_id and d.text_present
        group by all order by count(*) desc, f.figure_id limit 1"""
    ).fetchone()
    page = tab.open(site / "documents" / f"{document_id}.html")
    mark = page.locator(f"mark[id='{figure_id}']")
    mark.scroll_into_view_if_needed()
    mark.hover()
    tip = page.locator("#tip")
    assert tip.is_visible()
    for claim_id in claims:
        assert claim_id in tip.inner_text()
    assert "US$" in tip.inner_text() and "base units" in tip.inner_text()
    tab.screenshot("document")
    tab.page.close()


def test_a_series_chart_plots_one_point_per_stated_figure(site, browser, warehouse):
    series = _series_statements(warehouse)
    name, expected = max(series.items(), key=lambda kv: (len(kv[1]), kv[0]))
    flagged = {
        f
        for (f,) in warehouse.execute("select figure_id from marts.figure_discrepancy_flags").fetchall()
        if f in expected
    }
    tab = Tab(browser)
    page = tab.open(site / name)
    traces = page.evaluate(
        "Array.from(document.getElementById('chart').data, t => ({meta: t.meta || null, name: t.name, "
        "ids: Array.from(t.customdata || []), x: Array.from(t.x), y: Array.from(t.y)}))"
    )
    points = [i for t in traces if t["meta"] == "statement" for i in t["ids"]]
    assert sorted(points) == sorted(expected), name
    rings = [t for t in traces if t["name"] == "discrepancy"]
    assert sum(len(t["x"]) for t in rings) == len(flagged)
    preferred = warehouse.execute(
        "select count(*) from marts.preferred_series where entity_id || '.' || indicator_code || '.' || measure = ?",
        [name.removeprefix("series/").removesuffix(".html")],
    ).fetchone()[0]
    assert [len(t["x"]) for t in traces if t["name"] == "preferred value"] == ([preferred] if preferred else [])
    assert not tab.problems
    tab.screenshot("series")
    tab.page.close()


def test_every_link_of_the_discrepancy_register_lands_on_an_anchor(site, browser, warehouse):
    tab = Tab(browser)
    page = tab.open(site / "discrepancies.html")
    hrefs = page.eval_on_selector_all("main a[href*='#']", "links => links.map(a => a.getAttribute('href'))")
    not_consistent = warehouse.execute("select count(*) from marts.claim_checks where verdict <> 'consistent'")
    assert len(page.locator("section.entry").all()) >= not_consistent.fetchone()[0] > 0
    targets = defaultdict(set)
    for href in hrefs:
        file, anchor = href.split("#", 1)
        targets[file].add(anchor)
    assert targets
    missing = []
    for file, anchors in targets.items():
        target = tab.open(site / file)
        missing += [
            f"{file}#{a}" for a in sorted(anchors) if not target.evaluate("id => !!document.getElementById(id)", a)
        ]
    assert not missing
    assert not tab.problems
    tab.page.close()


# Rendering without a browser


def test_nested_and_crossing_highlights_stay_well_formed():
    from orchestration.report.text import Span, _render_line

    spans = [Span(1, 6, 20, "<a>", "</a>"), Span(1, 6, 8, "<b>", "</b>"), Span(1, 7, 12, "<c>", "</c>")]
    assert _render_line("spans 64+1 <countries>", spans) == "spans <a><b>6<c>4</c></b>+1 &lt;countrie</a>s&gt;"


def test_a_document_without_its_text_says_so_and_lists_its_figures_at_their_anchors(built_warehouse):
    from orchestration.report.pages import document_page
    from orchestration.report.rows import read_warehouse

    wh = read_warehouse(built_warehouse, DEFAULT_MEMORY_LIMIT)
    document = wh.documents[0]
    page = document_page(wh, document, None, "literals NOT checked against the document texts: DOCUMENTS_DIR is unset")
    assert "The text is not shown: literals NOT checked against the document texts" in page
    assert 'class="text"' not in page
    for figure in (f for f in wh.figures if f["document_id"] == document["document_id"]):
        assert f'<tr id="{figure["figure_id"]}">' in page


def test_a_number_nothing_accounts_for_is_marked_apart_from_the_figures(built_warehouse, warehouse):
    from orchestration.report.pages import document_page
    from orchestration.report.rows import read_warehouse
    from orchestration.settings import DEFAULT_DOCUMENTS_DIR

    wh = read_warehouse(built_warehouse, DEFAULT_MEMORY_LIMIT)
    number = dict(
        zip(
            ("document_id", "line", "line_column", "literal"),
            warehouse.execute(
                """select document_id, line, line_column, literal from staging.stg_text_numbers
                where status = 'ignored' order by document_id, line, line_column limit 1"""
            ).fetchone(),
            strict=True,
        )
    )
    wh.unaccounted.append({**number, "status": "unaccounted", "problem": "not recorded, not ignored"})
    document = next(d for d in wh.documents if d["document_id"] == number["document_id"])
    page = document_page(wh, document, DEFAULT_DOCUMENTS_DIR, "")
    marked = f'<span class="unaccounted s-unaccounted" title="not recorded, not ignored">{number["literal"]}</span>'
    assert marked in page
    assert "1 number(s) of this text are not accounted for" in page


def test_a_warehouse_too_large_for_a_full_report_gets_its_overview_alone(built_warehouse, tmp_path, monkeypatch):
    """Above FULL_REPORT_MAX_FIGURES the report writes its overview alone, with the counts a full one shows and
    why the other pages are missing; nothing links to a page it did not write."""
    from orchestration.report import rows
    from orchestration.report.site import build_site

    full = build_site(built_warehouse, tmp_path / "full", None, "no texts", tmp_path, DEFAULT_MEMORY_LIMIT)
    monkeypatch.setattr(rows, "FULL_REPORT_MAX_FIGURES", 172)  # the session's warehouse holds 173
    site = build_site(built_warehouse, tmp_path / "report", None, "no texts", tmp_path, DEFAULT_MEMORY_LIMIT)
    assert (full.full, site.full, site.documents, site.series, site.pages) == (True, False, 0, 0, 1)
    assert sorted(p.relative_to(site.index.parent).as_posix() for p in site.index.parent.rglob("*.*")) == [
        "assets/site.css",
        "index.html",
    ]
    overview = site.index.read_text()
    assert "holds 173 figures, more than the 172 a full report covers" in overview
    assert 'href="documents/' not in overview and 'href="series/' not in overview
    count = re.compile(r'<th(?: class="sub")?>([^<]+)</th><td class="num">(.*?)</td>')
    shown = count.findall(overview)
    assert ("figures", "173") in shown and shown == count.findall(full.index.read_text()), "the same counts"
