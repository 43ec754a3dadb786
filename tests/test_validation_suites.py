"""The GX suites fail when the sources are broken in a way ingest cannot see."""

from __future__ import annotations

import csv

from conftest import build, check_results, copy_sources


def _rewrite(path, figure_id, **changes):
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
        fields = list(rows[0])
    for row in rows:
        if row["figure_id"] == figure_id:
            row.update(changes)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _figure_id(path, table_row, table_column):
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row["table_row"].startswith(table_row) and row["table_column"] == table_column:
                return row["figure_id"]
    raise LookupError((table_row, table_column))


def test_fidelity_suite_fails_on_a_share_over_100(tmp_path, monkeypatch):
    sources = copy_sources(tmp_path)
    figures = sources / "figures" / "ningbo_paper.csv"
    target = _figure_id(figures, "Proportion of offshore", "2017")
    # consistent literal and value, so ingest accepts it; a share of 126.90% must still fail validation
    _rewrite(figures, target, stated_text="126.90%", value="126.90")
    monkeypatch.setenv("DOCUMENTS_DIR", "")
    result = build(monkeypatch, tmp_path, sources)
    assert check_results(result)["figures_fidelity"] is False
