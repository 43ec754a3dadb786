"""Three short documents written for the cross-document tests, in our own words, about Shenyang's software
industry: a statistical yearbook, a newsletter and a market brief. Between them they state some facts twice, so
that every reconciliation verdict occurs once: two statements that agree within rounding, two that disagree,
bounds that contradict, money that agrees only at another exchange rate, a national total ten times too large;
and the claims a cross-document layer checks: a growth rate on another document's figures, an average annual
growth over a span, a "from X to Y" statement; and the yearbook's ITO, BPO and KPO, which add up to another
figure of its document than the total it names (no claim written: the identities find it).
A fourth, a provincial release about Dalian, has no written claim: the catalogue's identities (sources/
identities.csv) check each of its relations, some holding and some not, on its own figures and the newsletter's.

`write_corpus` writes them into a sources folder that holds only the catalogues (no other document), with their
texts in a texts folder, so a build of them is small and its verdicts are theirs alone.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

from conftest import SOURCES, read_rows, write_rows
from orchestration.ingest.literals import parse_literal

YEARBOOK, NEWSLETTER, BRIEF = "shenyang_yearbook_2012", "shenyang_newsletter_2012", "software_market_brief_2012"
MINISTRY = "liaoning_commerce_release_2012"

DOCUMENTS = {
    YEARBOOK: dict(
        kind="statistical_yearbook",
        publisher="Shenyang Statistics Office (test document)",
        title="Shenyang software yearbook (test)",
        sections={
            "Industry output": [
                "Software and information services firms in Shenyang sold 53.5 billion yuan in 2010 and "
                "62.4 billion yuan in 2011.",
                "Their exports came to US$ 2.6 billion in 2011.",
                "In 1998 the same industry sold over 200 million yuan.",
                "Sales went from 2.0 billion yuan in 2000 to 53.5 billion yuan in 2010, a rise of 38.9 percent a "
                "year on average.",
                "Nationwide, the industry sold 1.84 trillion yuan in 2011.",
            ],
            "Outsourcing lines": [
                "Offshore outsourcing in Shenyang came to US$ 1.5 billion in 2011. The city lists ITO at "
                "US$ 0.9 billion, BPO at US$ 0.4 billion and KPO at US$ 0.2 billion, and total outsourcing at "
                "US$ 2.4 billion."
            ],
        },
    ),
    NEWSLETTER: dict(
        kind="news_article",
        publisher="Liaoning Software Newsletter (test document)",
        title="Shenyang in brief (test)",
        sections={
            "Shenyang in brief": [
                "Shenyang's software and information services sales were US$ 8.1 billion in 2010 and 62 billion "
                "yuan in 2011, up 16.6% on the year before.",
                "Exports reached US$ 3.1 billion in 2011.",
                "In 1998 the industry's sales were still less than 200 million yuan.",
                "Nearby Dalian executed US$ 2.5 billion of service outsourcing in 2010 and exported US$ 3.5 billion "
                "of software.",
                "From 2000 to 2011 the city's sales grew 25% a year on average.",
            ]
        },
    ),
    BRIEF: dict(
        kind="report",
        publisher="Market Desk (test document)",
        title="Software market brief (test)",
        sections={
            "Market size": ["China's software and information services industry sold 18.4 trillion yuan in 2011."]
        },
    ),
    # a release whose every relation the catalogue's identities check, with no claim written: some hold, some not
    MINISTRY: dict(
        kind="government_release",
        publisher="Liaoning Department of Commerce (test document)",
        title="Dalian's outsourcing and software (test)",
        sections={
            "Service outsourcing": [
                "Dalian executed US$ 3.0 billion of service outsourcing in 2011, 20.0% more than the year before.",
                "ITO made up US$ 1.8 billion of it, BPO US$ 0.7 billion and KPO US$ 0.5 billion; KPO's share was "
                "16.7% and ITO's 70%.",
                "Work for offshore clients reached US$ 3.5 billion.",
            ],
            "Software": [
                "Dalian's software sales went from less than 2 billion yuan in 2001 to 60 billion yuan in 2011, 30 "
                "times as much, or 40% a year on average.",
                "The whole province of Liaoning sold 150 billion yuan of software in 2011.",
                "Dalian's software exports grew 30% in 2011 to US$ 4.2 billion, 3 times the US$ 0.6 billion of 2005.",
            ],
        },
    ),
}

# (figure id, document, literal, (section, paragraph) of each printing, entity, indicator, measure, period)
SHENYANG, CHINA, DALIAN, LIAONING = "shenyang", "china", "dalian", "liaoning"
SALES, EXPORTS, OUTSOURCING = "software_is_sales", "software_is_exports", "service_outsourcing_realization"
FIGURES = [
    (
        "yb_f001",
        YEARBOOK,
        "53.5 billion yuan",
        [("Industry output", 1), ("Industry output", 4)],
        SHENYANG,
        "software_is_sales",
        "level",
        2010,
    ),
    ("yb_f002", YEARBOOK, "62.4 billion yuan", [("Industry output", 1)], SHENYANG, "software_is_sales", "level", 2011),
    ("yb_f003", YEARBOOK, "US$ 2.6 billion", [("Industry output", 2)], SHENYANG, "software_is_exports", "level", 2011),
    (
        "yb_f004",
        YEARBOOK,
        "over 200 million yuan",
        [("Industry output", 3)],
        SHENYANG,
        "software_is_sales",
        "level",
        1998,
    ),
    ("yb_f005", YEARBOOK, "2.0 billion yuan", [("Industry output", 4)], SHENYANG, "software_is_sales", "level", 2000),
    (
        "yb_f006",
        YEARBOOK,
        "38.9 percent",
        [("Industry output", 4)],
        SHENYANG,
        "software_is_sales",
        "avg_annual_growth_pct",
        (2000, 2010),
    ),
    ("yb_f007", YEARBOOK, "1.84 trillion yuan", [("Industry output", 5)], CHINA, "software_is_sales", "level", 2011),
    (
        "yb_f008",
        YEARBOOK,
        "US$ 1.5 billion",
        [("Outsourcing lines", 1)],
        SHENYANG,
        "offshore_outsourcing_realization",
        "level",
        2011,
    ),
    ("yb_f009", YEARBOOK, "US$ 0.9 billion", [("Outsourcing lines", 1)], SHENYANG, "ito_realization", "level", 2011),
    ("yb_f010", YEARBOOK, "US$ 0.4 billion", [("Outsourcing lines", 1)], SHENYANG, "bpo_realization", "level", 2011),
    ("yb_f011", YEARBOOK, "US$ 0.2 billion", [("Outsourcing lines", 1)], SHENYANG, "kpo_realization", "level", 2011),
    (
        "yb_f012",
        YEARBOOK,
        "US$ 2.4 billion",
        [("Outsourcing lines", 1)],
        SHENYANG,
        "service_outsourcing_realization",
        "level",
        2011,
    ),
    (
        "nl_f001",
        NEWSLETTER,
        "US$ 8.1 billion",
        [("Shenyang in brief", 1)],
        SHENYANG,
        "software_is_sales",
        "level",
        2010,
    ),
    (
        "nl_f002",
        NEWSLETTER,
        "62 billion yuan",
        [("Shenyang in brief", 1)],
        SHENYANG,
        "software_is_sales",
        "level",
        2011,
    ),
    ("nl_f003", NEWSLETTER, "16.6%", [("Shenyang in brief", 1)], SHENYANG, "software_is_sales", "growth_pct", 2011),
    (
        "nl_f004",
        NEWSLETTER,
        "US$ 3.1 billion",
        [("Shenyang in brief", 2)],
        SHENYANG,
        "software_is_exports",
        "level",
        2011,
    ),
    (
        "nl_f005",
        NEWSLETTER,
        "less than 200 million yuan",
        [("Shenyang in brief", 3)],
        SHENYANG,
        "software_is_sales",
        "level",
        1998,
    ),
    ("mb_f001", BRIEF, "18.4 trillion yuan", [("Market size", 1)], CHINA, "software_is_sales", "level", 2011),
    ("nl_f006", NEWSLETTER, "US$ 2.5 billion", [("Shenyang in brief", 4)], DALIAN, OUTSOURCING, "level", 2010),
    ("nl_f007", NEWSLETTER, "US$ 3.5 billion", [("Shenyang in brief", 4)], DALIAN, EXPORTS, "level", 2010),
    ("nl_f008", NEWSLETTER, "25%", [("Shenyang in brief", 5)], SHENYANG, SALES, "avg_annual_growth_pct", (2000, 2011)),
    ("mn_f001", MINISTRY, "US$ 3.0 billion", [("Service outsourcing", 1)], DALIAN, OUTSOURCING, "level", 2011),
    ("mn_f002", MINISTRY, "20.0%", [("Service outsourcing", 1)], DALIAN, OUTSOURCING, "growth_pct", 2011),
    ("mn_f003", MINISTRY, "US$ 1.8 billion", [("Service outsourcing", 2)], DALIAN, "ito_realization", "level", 2011),
    ("mn_f004", MINISTRY, "US$ 0.7 billion", [("Service outsourcing", 2)], DALIAN, "bpo_realization", "level", 2011),
    ("mn_f005", MINISTRY, "US$ 0.5 billion", [("Service outsourcing", 2)], DALIAN, "kpo_realization", "level", 2011),
    ("mn_f006", MINISTRY, "16.7%", [("Service outsourcing", 2)], DALIAN, "kpo_realization", "share_pct", 2011),
    ("mn_f007", MINISTRY, "70%", [("Service outsourcing", 2)], DALIAN, "ito_realization", "share_pct", 2011),
    (
        "mn_f008",
        MINISTRY,
        "US$ 3.5 billion",
        [("Service outsourcing", 3)],
        DALIAN,
        "offshore_outsourcing_realization",
        "level",
        2011,
    ),
    ("mn_f009", MINISTRY, "less than 2 billion yuan", [("Software", 1)], DALIAN, SALES, "level", 2001),
    ("mn_f010", MINISTRY, "60 billion yuan", [("Software", 1)], DALIAN, SALES, "level", 2011),
    ("mn_f011", MINISTRY, "30 times", [("Software", 1)], DALIAN, SALES, "multiple", (2001, 2011)),
    ("mn_f012", MINISTRY, "40%", [("Software", 1)], DALIAN, SALES, "avg_annual_growth_pct", (2001, 2011)),
    ("mn_f013", MINISTRY, "150 billion yuan", [("Software", 2)], LIAONING, SALES, "level", 2011),
    ("mn_f014", MINISTRY, "30%", [("Software", 3)], DALIAN, EXPORTS, "growth_pct", 2011),
    ("mn_f015", MINISTRY, "US$ 4.2 billion", [("Software", 3)], DALIAN, EXPORTS, "level", 2011),
    ("mn_f016", MINISTRY, "3 times", [("Software", 3)], DALIAN, EXPORTS, "multiple", (2005, 2011)),
    ("mn_f017", MINISTRY, "US$ 0.6 billion", [("Software", 3)], DALIAN, EXPORTS, "level", 2005),
]

# (claim id, document, kind, stated figure, inputs, relation, statement)
CLAIMS = [
    (
        "yb_c001",
        YEARBOOK,
        "avg_growth",
        "yb_f006",
        "yb_f005;yb_f001",
        "eq",
        "a rise of 38.9 percent a year on average from 2000 to 2010",
    ),
    ("yb_c002", YEARBOOK, "from_to", "yb_f001", "yb_f005", "gt", "sales went from 2.0 billion yuan to 53.5 billion"),
    # the newsletter's growth rate, on the yearbook's two years
    ("nl_c001", NEWSLETTER, "growth", "nl_f003", "yb_f001;yb_f002", "eq", "up 16.6% on the year before"),
]

# what investigating each finding concluded (the two-way gates: every one listed, none listed that is not found)
RECONCILIATION_REGISTER = [
    (
        "shenyang__software_is_exports__level__2011",
        "disagree",
        "beyond rounding",
        "The newsletter's US$ 3.1 billion is a fifth above the yearbook's US$ 2.6 billion; the yearbook is the "
        "statistical source.",
    ),
    (
        "shenyang__software_is_sales__level__1998",
        "contradict",
        "bounds exclude each other",
        "Over and less than the same 200 million yuan: one document has the comparator the wrong way round.",
    ),
    (
        "shenyang__software_is_sales__level__2010",
        "disagree",
        "agrees only at another exchange rate",
        "US$ 8.1 billion is 53.5 billion yuan at about 6.6 yuan per US$, not the 2010 average of 6.77: the "
        "newsletter converted at another rate.",
    ),
    (
        "china__software_is_sales__level__2011",
        "disagree",
        "scale slip of ~10^1",
        "The brief's 18.4 trillion yuan is ten times the yearbook's 1.84 trillion: a slipped decimal point.",
    ),
]
CLAIM_REGISTER = [
    (
        "so_lines_sum_yb_f012",
        "inconsistent",
        "parts add up to yb_f008 (US$ 1.5 billion)",
        "ITO, BPO and KPO add up to the offshore total printed just before, not to total outsourcing.",
    ),
    # what the identities found in the release, no claim written
    (
        "growth_mn_f014",
        "inconsistent",
        "beyond rounding",
        "US$ 3.5 billion (the newsletter's 2010) to US$ 4.2 billion is 20% growth, not 30%.",
    ),
    (
        "avg_growth_nl_f008",
        "inconsistent",
        "beyond rounding",
        "2.0 billion yuan (2000) to the yearbook's 62.4 billion (2011) is 36.7% a year, not 25%.",
    ),
    (
        "offshore_in_all_mn_f001",
        "gross_inconsistency",
        "rounding: agrees only if the printed trailing zeros are padding",
        "Offshore work of US$ 3.5 billion cannot exceed all outsourcing executed, US$ 3.0 billion (unless that "
        "was rounded to whole billions).",
    ),
    (
        "line_shares_mn_f007",
        "inconsistent",
        "beyond rounding",
        "US$ 1.8 billion of US$ 3.0 billion is 60%, not 70%.",
    ),
    (
        "multiple_mn_f016",
        "inconsistent",
        "beyond rounding",
        "US$ 4.2 billion is 7 times US$ 0.6 billion (an increase of 6 times), not 3 times.",
    ),
]


# what the catalogue's identities check with no claim written, by claim id with verdict and diagnosis: the
# release's relations, both ways, and the yearbook's and the national totals' parts and wholes
DERIVED = {
    # growth on the newsletter's 2010 level; a "less than" base gives a one-sided result
    "growth_mn_f002": ("consistent", "within rounding"),
    # the yearbook's lines add up to its offshore total, not to the total it names; the newsletter's average growth
    # on the yearbook's levels does not hold
    "so_lines_sum_yb_f012": ("inconsistent", "parts add up to yb_f008 (US$ 1.5 billion)"),
    "avg_growth_nl_f008": ("inconsistent", "beyond rounding"),
    "growth_mn_f014": ("inconsistent", "beyond rounding"),
    "avg_growth_mn_f012": ("consistent", "at least 40.39%: consistent with 40%"),
    "multiple_mn_f011": ("consistent", "times read as a ratio"),
    "multiple_mn_f016": ("inconsistent", "beyond rounding"),
    "so_lines_sum_mn_f001": ("consistent", "within rounding"),
    "line_shares_mn_f006": ("consistent", "within rounding"),
    "line_shares_mn_f007": ("inconsistent", "beyond rounding"),
    "offshore_in_all_mn_f001": (
        "gross_inconsistency",
        "rounding: agrees only if the printed trailing zeros are padding",
    ),
    "offshore_in_all_yb_f012": ("consistent", "parts within the whole"),
    # a place's sales within its parent's: Dalian's and Shenyang's within Liaoning's, Liaoning's within China's
    # (both documents' national totals)
    "sales_in_parent_mn_f013_dalian": ("consistent", "parts within the whole"),
    "sales_in_parent_mn_f013_shenyang": ("consistent", "parts within the whole"),
    "sales_in_parent_yb_f007_liaoning": ("consistent", "parts within the whole"),
    "sales_in_parent_mb_f001_liaoning": ("consistent", "parts within the whole"),
}


def _unit_words(literal: str) -> str:
    words = re.sub(r"^(over|less than|about)\s+", "", literal)
    return re.sub(r"\s*\d[\d.,]*\s*", " ", words).strip().replace("  ", " ")


def text_of(document: str, replace: dict[str, str] | None = None) -> str:
    spec = DOCUMENTS[document]
    lines = [f"# {spec['title']}", ""]
    for section, paragraphs in spec["sections"].items():
        lines += [f"## {section}", ""]
        for paragraph in paragraphs:
            lines += [paragraph, ""]
    text = "\n".join(lines)
    for old, new in (replace or {}).items():
        text = text.replace(old, new)
    return text


def figure_rows(replace: dict[str, str] | None = None) -> dict[str, list[dict]]:
    """figures and mentions by document; `replace` maps a literal to the one printed instead."""
    figures: dict[str, list[dict]] = {d: [] for d in DOCUMENTS}
    mentions: dict[str, list[dict]] = {d: [] for d in DOCUMENTS}
    for figure_id, document, literal, places, entity, indicator, measure, period in FIGURES:
        literal = (replace or {}).get(literal, literal)
        q = parse_literal(literal, "")
        span = isinstance(period, tuple)
        section, paragraph = places[0]
        figures[document].append(
            dict(
                figure_id=figure_id, document_id=document, section=section, paragraph=paragraph,
                entity_type="geography", entity_id=entity, indicator_code=indicator, measure=measure,
                period_kind="span" if span else "year", year="" if span else period,
                start_year=period[0] if span else "", end_year=period[1] if span else "",
                stated_text=literal, unit_as_printed=_unit_words(literal), value=q.value, decimals=q.decimals,
                scale=q.scale, unit=q.unit, currency=q.currency or "", comparator=q.comparator, obs_status="A",
                review_status="reviewed",
            )
        )  # fmt: skip
        for n, (section, paragraph) in enumerate(places, 1):
            mentions[document].append(
                dict(
                    mention_id=f"{figure_id}_m{n}", figure_id=figure_id, document_id=document, section=section,
                    paragraph=paragraph, occurrence=n, review_status="reviewed",
                )
            )  # fmt: skip
    return {"figures": figures, "mentions": mentions}


def write_corpus(
    root: Path,
    replace: dict[str, str] | None = None,
    reconciliation_register=RECONCILIATION_REGISTER,
    claim_register=CLAIM_REGISTER,
) -> tuple[Path, Path]:
    """The sources folder (catalogues and the three documents) and the texts folder, under `root`. `replace`
    changes a printed literal in the text and in its figure alike (a document that printed another number)."""
    sources, texts = root / "sources", root / "texts"
    if not sources.exists():
        shutil.copytree(SOURCES, sources, ignore=shutil.ignore_patterns("figures", "mentions", "claims", "events",
                                                                        "not_figures"))  # fmt: skip
    texts.mkdir(exist_ok=True)
    for folder in ("figures", "mentions", "claims", "events", "not_figures"):
        shutil.rmtree(sources / folder, ignore_errors=True)
        (sources / folder).mkdir()
    fields, _ = read_rows(SOURCES / "documents.csv")
    documents = []
    for document, spec in DOCUMENTS.items():
        text = text_of(document, replace)
        (texts / f"{document}.txt").write_text(text, encoding="utf-8")
        documents.append(
            dict(
                document_id=document, file_name=f"{document}.txt", title=spec["title"], publisher=spec["publisher"],
                year=2012, published="2012-06-01", kind=spec["kind"],
                sha256=hashlib.sha256(text.encode()).hexdigest(),
            )
        )  # fmt: skip
    write_rows(sources / "documents.csv", fields, documents)
    fields, _ = read_rows(SOURCES / "firm_aliases.csv")
    write_rows(sources / "firm_aliases.csv", fields, [])
    rows = figure_rows(replace)
    for table in ("figures", "mentions"):
        fields, _ = read_rows(SOURCES / table / "dalian_paper_2013.csv")
        for document, found in rows[table].items():
            write_rows(sources / table / f"{document}.csv", fields, found)
    fields, _ = read_rows(SOURCES / "claims" / "dalian_paper_2013.csv")
    for document in DOCUMENTS:
        claims = [
            dict(
                claim_id=c, document_id=d, section=_place_of(stated)[0], paragraph=_place_of(stated)[1],
                claim_kind=kind, stated_figure_id=stated, input_figure_ids=inputs, relation=relation, statement=text,
            )
            for c, d, kind, stated, inputs, relation, text in CLAIMS
            if d == document
        ]  # fmt: skip
        write_rows(sources / "claims" / f"{document}.csv", fields, claims)
    fields, _ = read_rows(SOURCES / "events" / "dalian_paper_2013.csv")
    for document in DOCUMENTS:
        write_rows(sources / "events" / f"{document}.csv", fields, [])
    write_rows(
        sources / "reconciliation_register.csv",
        ["reconciliation_id", "verdict", "diagnosis", "explanation"],
        [
            dict(zip(("reconciliation_id", "verdict", "diagnosis", "explanation"), r, strict=True))
            for r in reconciliation_register
        ],
    )
    write_rows(
        sources / "discrepancy_register.csv",
        ["claim_id", "verdict", "diagnosis", "explanation"],
        [dict(zip(("claim_id", "verdict", "diagnosis", "explanation"), r, strict=True)) for r in claim_register],
    )
    return sources, texts


def _place_of(figure_id: str) -> tuple[str, int]:
    return next(places[0] for f, _, _, places, *_ in FIGURES if f == figure_id)
