"""How `warehouse draft` grows with the size of the text: a generated text of each size, drafted by the real
command line into a fresh copy of the sources, then that copy validated as a run validates it (every literal
looked for in the text, every number of the text accounted for), the wall time, CPU and peak memory of each
printed. The validation needs the project's own texts beside the new one (DOCUMENTS_DIR, else ../shared/seeds);
without them it is skipped.

    .venv/bin/python -m benchmarks.draft_scale --sizes 2,5,20           # megabytes of text; minutes
    .venv/bin/python -m benchmarks.draft_scale --sizes 2 --profile      # cProfile of one in-process draft
    .venv/bin/python -m benchmarks.draft_scale --code /tmp/old          # another tree (`git archive` of a commit)
    .venv/bin/python -m benchmarks.draft_scale --coded-table --sizes 1,4  # one table whose row labels are codes

The text is written here, in the project's own words and with invented figures: sections of paragraphs whose
sentences print money, counts, percentages and years about the catalogues' cities, and now and then a table.
Everything goes under data/bench/draft/ (git-ignored; `--out` to choose). The goal (the issue's "text reading is
linear"): time per megabyte about the same at every size, 20 MB in under a minute.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import shutil
import sys
from pathlib import Path

from .measure import measure
from .paths import BENCH_DIR, PROJECT_ROOT, VENV_BIN

DOCUMENT = "scale_notes"
OWN_TEXTS = Path(os.environ.get("DOCUMENTS_DIR") or PROJECT_ROOT.parent / "shared" / "seeds")
VALIDATE = (
    "import sys; from pathlib import Path; from orchestration.ingest.validate import validate_sources; "
    "validate_sources(Path(sys.argv[1]), Path(sys.argv[2]))"
)
CITIES = ("Dalian", "Ningbo", "Shenyang", "Beijing", "Shanghai", "Hangzhou")
SENTENCES = (
    "In {year}, the software and information services industry of {city} reported sales of {money} billion yuan.",
    "Exports of {city} reached US$ {small} billion in {year}, about {pct}% of the industry's sales.",
    "The park in {city} hosted about {count} companies and employed nearly {people} persons by {year}.",
    "Offshore service outsourcing realization in {city} grew by {pct}% over the year before.",
    "Some {count} firms of {city} held a quality certificate, {small} times as many as five years earlier.",
    "The share of Japan in the exports of {city} was {pct}% in {year}, down from {pct2}% a decade before.",
)
PLAIN = (
    "Local officials described the policy as a way to keep graduates in the region.",
    "Several firms moved their testing teams into the new buildings near the harbour.",
    "The interviews suggest that language skills mattered more to clients than price.",
    "Clients abroad asked for longer contracts and closer supervision of quality.",
    "Most of the new companies began as small teams serving a single customer.",
    "The city government paid part of the rent during the first years of each firm.",
)


def _values(rng: random.Random) -> dict[str, str]:
    return {
        "year": str(rng.randint(1995, 2016)),
        "city": rng.choice(CITIES),
        "money": f"{rng.randint(10, 999)}.{rng.randint(0, 9)}",
        "small": f"{rng.randint(1, 9)}.{rng.randint(0, 9)}",
        "pct": f"{rng.randint(1, 60)}.{rng.randint(0, 9)}",
        "pct2": f"{rng.randint(1, 60)}.{rng.randint(0, 9)}",
        "count": f"{rng.randint(20, 999)}",
        "people": f"{rng.randint(1, 99)},{rng.randint(0, 999):03d}",
    }


def _table(rng: random.Random, number: int) -> list[str]:
    years = sorted(rng.sample(range(2005, 2017), 3))
    lines = [
        f"Table {number}. Software exports of the cities (unit: US$ 100 million)",
        "",
        "\t".join(["Cities", *map(str, years)]),
    ]
    lines += ["\t".join([city, *(f"{rng.uniform(1, 99):.2f}" for _ in years)]) for city in CITIES[:4]]
    return [*lines, ""]


def _sentence(rng: random.Random, plain: int) -> str:
    if rng.randrange(plain + 1):
        return rng.choice(PLAIN)
    return rng.choice(SENTENCES).format(**_values(rng))


def generate_coded_table(megabytes: float, seed: int = 7) -> str:
    """A text of about `megabytes` MB that is one table, its rows labelled by numbers (a statistical annex's
    product codes): every label a number that is no figure, all in one section."""
    rng = random.Random(seed)
    years = list(range(2011, 2017))
    lines = [
        "# Generated annex of software exports",
        "",
        "## 1. Exports by product code",
        "",
        "Table 1. Software exports by product code (unit: US$ 100 million)",
        "",
        "\t".join(["Code", *map(str, years)]),
    ]
    size, code = 0, 100_000
    while size < megabytes * 1_000_000:
        code += rng.randint(1, 9)
        row = "\t".join([str(code), *(f"{rng.uniform(1, 99):.2f}" for _ in years)])
        lines.append(row)
        size += len(row) + 1
    return "\n".join([*lines, ""])


def generate_text(megabytes: float, plain: int = 3, seed: int = 7) -> str:
    """A text of about `megabytes` MB: a section every 20 paragraphs, a table every 60, `plain` sentences
    without a number for each one with numbers (3: a number every ~150 characters, the project's documents
    print one every ~200)."""
    rng = random.Random(seed)
    target = int(megabytes * 1_000_000)
    lines, size, paragraphs = ["# Generated notes on software cities", ""], 0, 0
    while size < target:
        if paragraphs % 20 == 0:
            section = paragraphs // 20 + 1
            lines += [f"## {section}. Part {section} on {rng.choice(CITIES)}", ""]
        if paragraphs % 60 == 59:
            lines += _table(rng, paragraphs // 60 + 1)
        paragraph = " ".join(_sentence(rng, plain) for _ in range(rng.randint(3, 8)))
        lines += [paragraph, ""]
        size += len(paragraph) + 2
        paragraphs += 1
    return "\n".join(lines) + "\n"


def _workspace(megabytes: float, plain: int, root: Path, coded: bool = False) -> tuple[Path, Path]:
    """A fresh copy of the sources, and a texts folder with the generated text (prose, or with `coded` the coded
    table) and the project's own, under <root>/<size>mb/."""
    out = root / f"{megabytes:g}mb"
    shutil.rmtree(out, ignore_errors=True)
    sources = Path(shutil.copytree(PROJECT_ROOT / "sources", out / "sources"))
    texts = out / "texts"
    if OWN_TEXTS.is_dir():
        shutil.copytree(OWN_TEXTS, texts)
    texts.mkdir(exist_ok=True)
    text = texts / f"{DOCUMENT}.txt"
    text.write_text(generate_coded_table(megabytes) if coded else generate_text(megabytes, plain), encoding="utf-8")
    return sources, text


def _arguments(sources: Path, text: Path) -> list[str]:
    return [
        "draft",
        str(text),
        "--document-id",
        DOCUMENT,
        "--title",
        "Generated notes on software cities",
        "--kind",
        "report",
        "--authors",
        "A. Writer",
        "--year",
        "2018",
        "--sources",
        str(sources),
    ]


def measure_draft(megabytes: float, args: argparse.Namespace) -> tuple[dict, dict | None]:
    """The draft's measurement, and the validation's after it (None without the project's texts)."""
    sources, text = _workspace(megabytes, args.plain, args.out, args.coded_table)
    python, code = str(VENV_BIN / "python"), args.code.resolve()
    # run from `code`: python -c and -m put the working directory first on the path, ahead of the installed project
    drafted = measure(
        [python, "-m", "orchestration.cli", *_arguments(sources, text)],
        text.with_suffix(".log"),
        args.timeout,
        cwd=code,
    )
    drafted["megabytes"] = round(text.stat().st_size / 1_000_000, 2)
    if drafted["returncode"] != 0 or not OWN_TEXTS.is_dir():
        return drafted, None
    command = [python, "-c", VALIDATE, str(sources), str(text.parent)]
    return drafted, measure(command, text.with_suffix(".validate.log"), args.timeout, cwd=code)


def _shown(result: dict | None) -> str:
    if result is None:
        return f"{'-':>8} {'-':>7} {'-':>9}"
    failed = result["returncode"] != 0 or result["timed_out"]
    return f"{result['wall_s']:>8.1f} {result['cpu_s']:>7.1f} {result['peak_mib']:>9.1f}" + (
        f" failed ({result['log']})" if failed else ""
    )


def profile_draft(megabytes: float, args: argparse.Namespace) -> None:
    """One draft in this process under cProfile; the functions that took the most time, with their callees."""
    from orchestration.cli import main

    sources, text = _workspace(megabytes, args.plain, args.out, args.coded_table)
    profiler = cProfile.Profile()
    profiler.runcall(main, _arguments(sources, text))
    pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(args.top)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="2,5,20", help="text sizes in MB, comma separated (default: 2,5,20)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds allowed to each draft")
    parser.add_argument("--profile", action="store_true", help="profile one in-process draft of each size instead")
    parser.add_argument("--top", type=int, default=25, help="functions the profile lists")
    parser.add_argument("--code", type=Path, default=PROJECT_ROOT, help="the project tree to measure (default: this)")
    parser.add_argument("--plain", type=int, default=3, help="sentences without a number per one with (default 3)")
    parser.add_argument(
        "--coded-table", action="store_true", help="a text that is one table whose row labels are numbers, instead"
    )
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "draft", help="where the texts and sources go")
    args = parser.parse_args(argv)
    sizes = [float(s) for s in args.sizes.split(",")]
    if args.profile:
        for megabytes in sizes:
            profile_draft(megabytes, args)
        return 0
    print(f"{'':>6} {'draft':^26} {'the run validating it':^26}")
    print(f"{'MB':>6} {'wall s':>8} {'CPU s':>7} {'peak MiB':>9} {'wall s':>8} {'CPU s':>7} {'peak MiB':>9}")
    failed = False
    for megabytes in sizes:
        drafted, validated = measure_draft(megabytes, args)
        failed |= any(r is not None and (r["returncode"] != 0 or r["timed_out"]) for r in (drafted, validated))
        print(f"{drafted['megabytes']:>6} {_shown(drafted)} {_shown(validated)}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
