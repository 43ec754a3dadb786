"""Write a synthetic sources folder of any size, in exactly the format `orchestration.ingest` reads.

    python -m benchmarks.generate --observations 1e5 --seed 42 --out data/bench/sources/n100000_s42/sources

Shape. Entities come in groups of one city and two firms. Every city prints 9 figures a year (revenue, its ITO
and BPO parts, offshore exports in US$, Japanese orders in yen, revenue growth, ITO share, employees,
enterprises); every firm prints 4 (sales, exports, employees, sales growth). Years run up to 2017 (the
generator's window of the real exchange rates, 1995–2017, copied from sources/fx_rates.csv), at most 23 of them.
Figures are written until exactly N exist, so N = cities x 9 x years + firms x 4 x years, the last group cut short
where N falls.

Claims. Each city-year after the first gives a growth claim (revenue growth from last year's and this year's
revenue), every city-year a share claim (ITO / revenue) and a sum claim (revenue = ITO + BPO); each firm-year after
the first a growth claim. Every stated value is computed from the *printed* operands and printed to 2 decimals,
so a clean claim is consistent under the pipeline's interval rule. A seeded fraction (--inconsistent, default
5%) is perturbed: the stated figure (growth, share) or an operand used by no other claim (BPO, for sums) is
printed off by a factor of 1.25-1.6 ("inconsistent"), and a quarter of those by a factor of ten (a "scale slip":
gross_inconsistency for growth and share; a BPO ten times too large still reads as "inconsistent" for its
sum). Every perturbation is far beyond rounding, so the generator knows each claim's verdict from how it printed
it (printed_verdict) without computing one: discrepancy_register.csv lists exactly the perturbed claims, with
that verdict, so the full job succeeds (tests/test_benchmark_floor.py checks it with the project's own claim
checks and register suite).

Determinism: one random.Random(seed) drawn in a fixed order; output bytes depend only on N, the seed, the options
and the fx_rates.csv, reference_origins.csv and measures.csv it copies. Everything is stream-written: memory stays
flat whatever N is.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import random
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

# what the output depends on is fingerprinted by benchmarks/sources_cache.generator_fingerprint: a new input
# goes there too
from orchestration.ingest.source_files import SOURCES_BY_NAME

from .synthetic_indicators import INDICATOR, INDICATORS, MEASURED, PERCENT

PROJECT_ROOT = Path(__file__).resolve().parent.parent
REAL_FX_RATES = PROJECT_ROOT / "sources" / "fx_rates.csv"
# the copied rates keep their series, so every series keeps its origin row
REAL_REFERENCE_ORIGINS = PROJECT_ROOT / "sources" / "reference_origins.csv"

FIRST_RATE_YEAR, LAST_RATE_YEAR = 1995, 2017
DOCUMENT_YEAR = 2018  # every figure year must be at most the document's publication year
FIGURES_PER_CITY_YEAR = 9
FIGURES_PER_FIRM_YEAR = 4
FIRMS_PER_CITY = 2
GROSS_SHARE = 0.25  # of the perturbed claims, the share printed off by a factor of ten
SECOND_MENTION_RATE = 0.03

# column orders as the ingest declares them (one list, so the generator cannot drift from the reader)
COLUMNS = {name: source.column_names for name, source in SOURCES_BY_NAME.items()}


REAL_MEASURES = PROJECT_ROOT / "sources" / "measures.csv"


# ---------------------------------------------------------------------------------------------------------------
# what the claim checks must find, known from how a claim was printed (no verdict is computed here)

SCALE_SLIP = 10.0  # a perturbation by exactly a power of ten: a scale slip


def printed_verdict(kind: str, factor: float) -> tuple[str, str] | None:
    """The verdict and diagnosis of a claim printed off by `factor`; None for a clean claim (factor 1), which is
    consistent by construction: every stated value is computed from the printed operands, then rounded as printed.

    A perturbation is far beyond any rounding: a factor of 1.25 to 1.6 or of ten, on growth rates of at least 3%,
    shares of 30-80% and BPO parts of at least a fifth of a revenue of 50.00 or more, all printed to 2 decimals.
    Ten times a stated growth, or a tenth of a stated share, is a scale slip of the stated figure; a BPO ten times
    too large makes the recomputed sum 1.4 to 7.3 times the stated revenue, no power of ten: inconsistent."""
    if factor == 1.0:
        return None
    if factor == SCALE_SLIP and kind in ("growth", "share"):
        return "gross_inconsistency", f"scale slip of ~10^{1 if kind == 'growth' else -1}"
    return "inconsistent", "beyond rounding"


# what a perturbed claim's factor was applied to, for the register's explanation
PERTURBED = {"growth": "the stated growth rate", "share": "the stated share", "sum": "the BPO operand"}


# ---------------------------------------------------------------------------------------------------------------


def hundredths(n: int) -> str:
    """An integer number of hundredths as a 2-decimal literal: 1234 -> '12.34'."""
    return f"{n // 100}.{n % 100:02d}"


def ratio_hundredths(num: int, den: int, factor: int = 100) -> int:
    """round(num / den * factor, 2) in hundredths, half away from zero, exactly (num, den >= 0)."""
    q, r = divmod(num * factor * 100, den)
    return q + (1 if 2 * r >= den else 0)


def scaled(n: int, factor: float) -> int:
    return max(1, int(round(n * factor)))


@dataclass(frozen=True)
class Figure:
    figure_id: str
    text: str  # stated_text


@dataclass
class Stats:
    figures: int = 0
    mentions: int = 0
    events: int = 0
    claims: dict = field(default_factory=lambda: {"growth": 0, "share": 0, "sum": 0})
    verdicts: dict = field(default_factory=lambda: {"consistent": 0, "inconsistent": 0, "gross_inconsistency": 0})


class Generator:
    def __init__(self, n: int, seed: int, inconsistent: float, doc_figures: int, fx_rates: Path):
        if n < 1:
            raise ValueError("--observations must be at least 1")
        self.n = n
        self.seed = seed
        self.rng = random.Random(seed)
        self.inconsistent = inconsistent
        self.fx_rates = fx_rates
        self.year_count = min(LAST_RATE_YEAR - FIRST_RATE_YEAR + 1, max(2, round(math.sqrt(n / 10))))
        self.years = list(range(LAST_RATE_YEAR - self.year_count + 1, LAST_RATE_YEAR + 1))
        self.group_figures = (FIGURES_PER_CITY_YEAR + FIRMS_PER_CITY * FIGURES_PER_FIRM_YEAR) * self.year_count
        self.groups = math.ceil(n / self.group_figures)
        self.groups_per_doc = max(1, doc_figures // self.group_figures)
        self.documents = math.ceil(self.groups / self.groups_per_doc)
        self.provinces = max(1, math.ceil(self.groups / 40))
        self.stats = Stats()

    # ids ------------------------------------------------------------------------------------------------------
    @staticmethod
    def doc_id(d: int) -> str:
        return f"synth_doc_{d:05d}"

    @staticmethod
    def prefix(d: int) -> str:
        return f"s{d:05d}"

    @staticmethod
    def city_id(g: int) -> str:
        return f"city_{g:06d}"

    @staticmethod
    def firm_id(g: int, k: int) -> str:
        return f"firm_{g * FIRMS_PER_CITY + k:07d}"

    def doc_of_group(self, g: int) -> int:
        return g // self.groups_per_doc

    # catalogues -----------------------------------------------------------------------------------------------
    def write_catalogues(self, out: Path) -> str:
        with _writer(out / "documents.csv", "documents") as w:
            for d in range(self.documents):
                doc = self.doc_id(d)
                w.writerow(
                    [
                        doc,
                        f"{doc}.txt",
                        f"Synthetic outsourcing statistics, volume {d + 1}",
                        "Benchmark Generator",
                        "",
                        DOCUMENT_YEAR,
                        "",
                        "",
                        "benchmarks/generate.py",
                        "discussion_paper",
                        hashlib.sha256(doc.encode()).hexdigest(),
                        "",
                        "",
                        f"synthetic (seed {self.seed}); no text exists, so DOCUMENTS_DIR must be unset",
                    ]
                )
        with _writer(out / "geography.csv", "geography") as w:
            w.writerow(["china", "China", "country", "", "CN", ""])
            for p in range(self.provinces):
                w.writerow([f"province_{p:04d}", f"Synthetic Province {p:04d}", "province", "china", "", ""])
            for g in range(self.groups):
                w.writerow([self.city_id(g), f"Synthetic City {g:06d}", "city", f"province_{g // 40:04d}", "", ""])
        with _writer(out / "firms.csv", "firms") as w, _writer(out / "firm_aliases.csv", "firm_aliases") as a:
            for g in range(self.groups):
                for k in range(FIRMS_PER_CITY):
                    i = g * FIRMS_PER_CITY + k
                    firm = self.firm_id(g, k)
                    canonical, short = f"Synthetic Software {i:07d} Co., Ltd.", f"SynSoft {i:07d}"
                    w.writerow([firm, canonical, short, "software_company", "", self.city_id(g), "synthetic"])
                    doc = self.doc_id(self.doc_of_group(g))
                    a.writerow([firm, short, "abbreviation", "", "", doc])
                    a.writerow([firm, canonical, "full_name", "", "", doc])
        with _writer(out / "indicators.csv", "indicators") as w:
            for code, name, unit_kind, unit, additive, definition, _, _ in INDICATORS:
                if code not in MEASURED:
                    w.writerow([code, name, unit_kind, unit, additive, definition])
        shutil.copyfile(REAL_MEASURES, out / "measures.csv")
        # the relations the claims below state, so the derived checks (int_derived_claims) find each claim a
        # written one and the derived layer's cost is measured on every claim
        with _writer(out / "identities.csv", "identities") as w:
            w.writerow(["revenue_by_line", "sum", "outsourcing_revenue", "ito_revenue;bpo_revenue", "same", "ITO+BPO"])
            w.writerow(["ito_share", "share", "outsourcing_revenue", "ito_revenue", "same", "ITO over revenue."])
            w.writerow(["growth_on_year_before", "growth", "", "*", "same", "Level over the year before's."])
        raw = self.fx_rates.read_bytes()
        with self.fx_rates.open(newline="", encoding="utf-8") as handle, _writer(out / "fx_rates.csv", "fx_rates") as w:
            reader = csv.reader(handle)
            if next(reader) != COLUMNS["fx_rates"]:
                raise SystemExit(f"{self.fx_rates}: not an fx_rates.csv")
            for row in reader:
                if row and FIRST_RATE_YEAR <= int(row[0]) <= LAST_RATE_YEAR:
                    w.writerow(row)
        shutil.copyfile(REAL_REFERENCE_ORIGINS, out / "reference_origins.csv")
        return hashlib.sha256(raw).hexdigest()

    # per-document facts ---------------------------------------------------------------------------------------
    def run(self, out: Path) -> dict:
        fx_sha = self.write_catalogues(out)
        for folder in ("figures", "mentions", "claims", "events"):
            (out / folder).mkdir()
        with _writer(out / "discrepancy_register.csv", "discrepancy_register") as register:
            self.register = register
            for d in range(self.documents):
                if self.stats.figures >= self.n:
                    break
                self.write_document(out, d)
        return {
            "generator": "benchmarks/generate.py",
            "observations": self.n,
            "seed": self.seed,
            "inconsistent_fraction": self.inconsistent,
            "years": [self.years[0], self.years[-1]],
            "groups": self.groups,
            "cities": self.groups,
            "firms": self.groups * FIRMS_PER_CITY,
            "documents": self.documents,
            "figures": self.stats.figures,
            "mentions": self.stats.mentions,
            "events": self.stats.events,
            "claims": dict(self.stats.claims, total=sum(self.stats.claims.values())),
            "verdicts": self.stats.verdicts,
            "registered": self.stats.verdicts["inconsistent"] + self.stats.verdicts["gross_inconsistency"],
            "fx_rates_sha256": fx_sha,
        }

    def write_document(self, out: Path, d: int) -> None:
        doc = self.doc_id(d)
        self.doc, self.pfx = doc, self.prefix(d)
        self.figure_no = self.claim_no = self.event_no = 0
        with (
            _writer(out / "figures" / f"{doc}.csv", "figures") as self.figures,
            _writer(out / "mentions" / f"{doc}.csv", "mentions") as self.mentions,
            _writer(out / "claims" / f"{doc}.csv", "claims") as self.claims,
            _writer(out / "events" / f"{doc}.csv", "events") as self.events,
        ):
            first = d * self.groups_per_doc
            for table, g in enumerate(range(first, min(first + self.groups_per_doc, self.groups))):
                self.write_city(g, table * (1 + FIRMS_PER_CITY) + 1)
                for k in range(FIRMS_PER_CITY):
                    self.write_firm(g, k, table * (1 + FIRMS_PER_CITY) + 2 + k)
                if self.stats.figures >= self.n:
                    return

    def full(self) -> bool:
        return self.stats.figures >= self.n

    def figure(
        self, entity_type: str, entity_id: str, indicator: str, year: int, section: str, value: str
    ) -> Figure | None:
        """Write one table cell as a figure with its mention(s); None once N figures exist."""
        if self.full():
            return None
        self.figure_no += 1
        self.stats.figures += 1
        fid = f"{self.pfx}_f{self.figure_no:07d}"
        printing, row_label = INDICATOR[indicator][6], INDICATOR[indicator][7]
        text = value + "%" if printing is PERCENT else value
        code, measure = MEASURED.get(indicator, (indicator, "level"))
        self.figures.writerow(
            [
                fid,
                self.doc,
                section,
                "",
                row_label,
                year,
                entity_type,
                entity_id,
                code,
                measure,
                "year",
                year,
                "",
                "",
                "",
                text,
                printing.label,
                value,
                "",
                printing.decimals,
                printing.scale,
                printing.unit,
                printing.currency,
                "eq",
                "A",
                "",
                "",
                "reviewed",
            ]
        )
        self.mentions.writerow([f"{fid}_m1", fid, self.doc, section, "", row_label, year, 1, "reviewed"])
        self.stats.mentions += 1
        if self.rng.random() < SECOND_MENTION_RATE:
            self.mentions.writerow(
                [f"{fid}_m2", fid, self.doc, f"Appendix {section}", "", row_label, year, 2, "reviewed"]
            )
            self.stats.mentions += 1
        return Figure(fid, text)

    def event(self, entity_type: str, entity_id: str, kind: str, year: int, description: str) -> None:
        self.event_no += 1
        self.stats.events += 1
        month = self.rng.choice([None, None, 3, 6, 9, 11])
        stated = f"{_MONTHS[month]} {year}" if month else str(year)
        self.events.writerow(
            [
                f"{self.pfx}_e{self.event_no:05d}",
                self.doc,
                "1. Background",
                1,
                entity_type,
                entity_id,
                kind,
                year,
                "",
                month or "",
                stated,
                description,
            ]
        )

    def perturbation(self) -> float:
        """1.0 for a clean claim; else the factor its stated value (or an operand) is printed off by."""
        if self.rng.random() >= self.inconsistent:
            return 1.0
        if self.rng.random() < GROSS_SHARE:
            return SCALE_SLIP
        return self.rng.uniform(1.25, 1.6)

    def claim(
        self,
        kind: str,
        stated: Figure | None,
        inputs: list[Figure | None],
        section: str,
        row_label: str,
        year: int,
        statement: str,
        intended: float,
    ) -> None:
        """Write a claim whose figures all exist; register it when the checks will not find it consistent."""
        if stated is None or any(f is None for f in inputs):
            return
        outcome = printed_verdict(kind, intended)
        self.claim_no += 1
        cid = f"{self.pfx}_c{self.claim_no:07d}"
        self.claims.writerow(
            [
                cid,
                self.doc,
                section,
                "",
                row_label,
                year,
                kind,
                stated.figure_id,
                ";".join(f.figure_id for f in inputs),
                "eq",
                statement,
                "",  # claim_origin: a written claim
            ]
        )
        self.stats.claims[kind] += 1
        self.stats.verdicts[outcome[0] if outcome else "consistent"] += 1
        if outcome:
            verdict, diagnosis = outcome
            self.register.writerow(
                [
                    cid,
                    verdict,
                    diagnosis,
                    f"Synthetic discrepancy: the generator printed {PERTURBED[kind]} off by a factor of "
                    f"{intended:.3g} on purpose (stated {stated.text}).",
                ]
            )

    # entities -------------------------------------------------------------------------------------------------
    def write_city(self, g: int, table: int) -> None:
        if self.full():
            return
        rng, city, section = self.rng, self.city_id(g), f"Table {table}"
        self.event(
            "geography",
            city,
            "designated",
            rng.randint(FIRST_RATE_YEAR, LAST_RATE_YEAR),
            "designated a service outsourcing demonstration city (synthetic)",
        )
        revenue = rng.randint(5000, 50000)  # hundredths of 10^8 yuan
        exports = rng.randint(50, 5000)  # hundredths of US$ 100 million
        orders = rng.randint(100, 20000)  # hundredths of 10^8 yen
        employees = rng.randint(500, 50000)
        enterprises = rng.randint(10, 500)
        previous: Figure | None = None
        previous_revenue = 0
        for i, year in enumerate(self.years):
            if i:
                revenue = max(previous_revenue + 1, round(previous_revenue * (1 + rng.uniform(0.03, 0.30))))
                exports = scaled(exports, rng.uniform(0.95, 1.25))
                orders = scaled(orders, rng.uniform(0.9, 1.2))
                employees = scaled(employees, rng.uniform(1.0, 1.2))
                enterprises = scaled(enterprises, rng.uniform(1.0, 1.15))
            ito = revenue * rng.randint(30, 80) // 100  # 30-80% of revenue
            bpo = revenue - ito
            sum_factor, share_factor, growth_factor = self.perturbation(), self.perturbation(), self.perturbation()
            printed_bpo = scaled(bpo, sum_factor)  # BPO feeds only the sum claim
            share = ratio_hundredths(ito, revenue)
            printed_share = share if share_factor == 1.0 else scaled(share, 1 / share_factor)  # stays <= 100
            if i:
                growth = ratio_hundredths(revenue - previous_revenue, previous_revenue)
                printed_growth = scaled(growth, growth_factor) if growth_factor != 1.0 else growth
            else:  # the first year's growth is printed against a year the table does not show: no claim
                printed_growth, growth_factor = rng.randint(300, 3000), 1.0
            fig = lambda ind, val, year=year: self.figure("geography", city, ind, year, section, val)  # noqa: E731
            f_rev = fig("outsourcing_revenue", hundredths(revenue))
            f_ito = fig("ito_revenue", hundredths(ito))
            f_bpo = fig("bpo_revenue", hundredths(printed_bpo))
            fig("offshore_exports", hundredths(exports))
            fig("japan_orders", hundredths(orders))
            f_growth = fig("revenue_growth_pct", hundredths(printed_growth))
            f_share = fig("ito_share_pct", hundredths(printed_share))
            fig("outsourcing_employees", str(employees))
            fig("outsourcing_enterprises", str(enterprises))
            if i:
                self.claim(
                    "growth",
                    f_growth,
                    [previous, f_rev],
                    section,
                    "Growth",
                    year,
                    f"Revenue grew {f_growth and f_growth.text} in {year} (synthetic)",
                    growth_factor,
                )
            self.claim(
                "share",
                f_share,
                [f_ito, f_rev],
                section,
                "ITO share",
                year,
                f"ITO is {f_share and f_share.text} of revenue in {year} (synthetic)",
                share_factor,
            )
            self.claim(
                "sum",
                f_rev,
                [f_ito, f_bpo],
                section,
                "Outsourcing revenue",
                year,
                f"Revenue is the sum of ITO and BPO in {year} (synthetic)",
                sum_factor,
            )
            previous, previous_revenue = f_rev, revenue
            if self.full():
                return

    def write_firm(self, g: int, k: int, table: int) -> None:
        if self.full():
            return
        rng, firm, section = self.rng, self.firm_id(g, k), f"Table {table}"
        self.event("firm", firm, "founded", rng.randint(1985, 2010), "firm founded (synthetic)")
        sales = rng.randint(50000, 5000000)  # hundredths of 10^4 yuan
        exports = rng.randint(100, 50000)  # hundredths of US$ million
        employees = rng.randint(20, 5000)
        previous: Figure | None = None
        previous_sales = 0
        for i, year in enumerate(self.years):
            if i:
                sales = max(previous_sales + 1, round(previous_sales * (1 + rng.uniform(0.03, 0.25))))
                exports = scaled(exports, rng.uniform(0.9, 1.3))
                employees = scaled(employees, rng.uniform(0.95, 1.2))
            growth_factor = self.perturbation()
            if i:
                growth = ratio_hundredths(sales - previous_sales, previous_sales)
                printed_growth = scaled(growth, growth_factor) if growth_factor != 1.0 else growth
            else:
                printed_growth, growth_factor = rng.randint(300, 3000), 1.0
            fig = lambda ind, val, year=year: self.figure("firm", firm, ind, year, section, val)  # noqa: E731
            f_sales = fig("firm_sales", hundredths(sales))
            fig("firm_exports", hundredths(exports))
            fig("firm_employees", str(employees))
            f_growth = fig("firm_sales_growth_pct", hundredths(printed_growth))
            if i:
                self.claim(
                    "growth",
                    f_growth,
                    [previous, f_sales],
                    section,
                    "Sales growth",
                    year,
                    f"Sales grew {f_growth and f_growth.text} in {year} (synthetic)",
                    growth_factor,
                )
            previous, previous_sales = f_sales, sales
            if self.full():
                return


_MONTHS = {3: "March", 6: "June", 9: "September", 11: "November"}


class _writer:
    """A csv writer on a new file, header first; LF line ends and minimal quoting like the real sources."""

    def __init__(self, path: Path, source: str):
        self.path, self.source = path, source

    def __enter__(self):
        self.handle = self.path.open("w", newline="", encoding="utf-8", buffering=1 << 20)
        writer = csv.writer(self.handle, lineterminator="\n")
        writer.writerow(COLUMNS[self.source])
        return writer

    def __exit__(self, *exc):
        self.handle.close()


def parse_count(text: str) -> int:
    value = float(text)
    if value != int(value) or value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return int(value)


def generate(
    n: int, seed: int, out: Path, inconsistent: float = 0.05, doc_figures: int = 100_000, fx_rates: Path = REAL_FX_RATES
) -> dict:
    """Write the sources folder `out` (replaced only if it is a generated one); return its summary."""
    out = out.resolve()
    if out.exists() and not (out / "GENERATED.json").exists():
        raise SystemExit(f"{out} exists and is not a generated sources folder; refusing to replace it")
    partial = out.with_name(out.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    summary = Generator(n, seed, inconsistent, doc_figures, fx_rates).run(partial)
    (partial / "GENERATED.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    if out.exists():
        shutil.rmtree(out)
    partial.rename(out)
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--observations", "-n", type=parse_count, required=True, help="figures to write (1e6 ok)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, required=True, help="the sources folder to write")
    parser.add_argument(
        "--inconsistent",
        type=float,
        default=0.05,
        help="fraction of claims printed inconsistent on purpose (default 0.05)",
    )
    parser.add_argument("--doc-figures", type=int, default=100_000, help="about this many figures per document")
    parser.add_argument("--fx-rates", type=Path, default=REAL_FX_RATES, help="the real fx_rates.csv to copy")
    args = parser.parse_args(argv)
    summary = generate(args.observations, args.seed, args.out, args.inconsistent, args.doc_figures, args.fx_rates)
    json.dump(summary, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
