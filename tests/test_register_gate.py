"""A register gate's failed rows a person can act on: two claims the discrepancy register lost fail claim_register,
whose failed rows are a table saying what each claim is, its value printed and recomputed in the printed unit, its
verdict and diagnosis, and the register line to paste; `warehouse run`'s summary prints them; `warehouse register`
appends the line with the explanation given (or says why not), and the next build passes the gate."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import dagster as dg
import pytest

from conftest import check_results, copy_sources, drop_row, read_rows
from orchestration.checks.failed_rows import NO_LONGER_FOUND, PLACEHOLDER, REGISTERS

# a share of two "over" figures (unverifiable: open bounds) and a total printed a thousand times too large
UNLISTED = ("dalian_c001", "ningbo_c047")
COLUMNS = ["id", "problem", "statement", "printed", "recomputed", "verdict", "diagnosis", "register_line", "to_do"]
EXPLANATIONS = {
    "dalian_c001": 'Both inputs are "over" figures, so the ratio is open; read as amounts, 23.7% agrees.',
    "ningbo_c047": "The unit is 10^8 yuan, not billion: 29,085 x 10^8 is 2.9 trillion.",
}
E_NOTATION = re.compile(r"\de[+-]?\d", re.IGNORECASE)


def _environment(monkeypatch: pytest.MonkeyPatch, workdir: Path) -> None:
    """The settings a build and the command line read: this test's sources, warehouse and Dagster instance."""
    for name, value in (
        ("SOURCES_DIR", workdir / "sources"),
        ("WAREHOUSE_PATH", workdir / "warehouse.duckdb"),
        ("DATA_DIR", workdir / "data"),
        ("DAGSTER_HOME", workdir / "dagster_home"),
    ):
        monkeypatch.setenv(name, str(value))


def _build(instance: dg.DagsterInstance):
    """conftest.build, its run recorded in the instance `warehouse run` records to (DAGSTER_HOME), where the
    summary and `warehouse register` read it."""
    from orchestration.definitions import defs

    return defs().resolve_job_def("build_warehouse").execute_in_process(instance=instance, raise_on_error=False)


@pytest.fixture(scope="module")
def gate(tmp_path_factory):
    """A build of the sources without the register entries of UNLISTED, recorded in a Dagster instance: the
    workdir, the instance and the run's result. The module's later fixtures and tests append to its register."""
    from orchestration.cli import _dagster_home
    from orchestration.settings import Settings

    workdir = tmp_path_factory.mktemp("register_gate")
    sources = copy_sources(workdir)
    for claim in UNLISTED:
        drop_row(sources / "discrepancy_register.csv", "claim_id", claim)
    with pytest.MonkeyPatch.context() as mp:
        _environment(mp, workdir)
        with dg.DagsterInstance.from_config(str(_dagster_home(Settings.from_env()))) as instance:
            yield workdir, instance, _build(instance)


def _failed_rows(result, check_name: str) -> dg.TableMetadataValue:
    (evaluation,) = [
        e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION" and e.event_specific_data.check_name == check_name
    ]
    return evaluation.metadata["failed_rows"]


def _records(result) -> dict[str, dict]:
    return {record.data["id"]: dict(record.data) for record in _failed_rows(result, "claim_register").records}


def _fields(line: str) -> list[str]:
    (fields,) = list(csv.reader([line]))
    return fields


def test_the_failed_rows_say_what_each_claim_is_and_the_line_to_register(gate):
    workdir, _, result = gate
    assert check_results(result)["claim_register"] is False and not result.success
    table = _failed_rows(result, "claim_register")
    assert isinstance(table, dg.TableMetadataValue)
    assert [column.name for column in table.schema.columns] == COLUMNS
    assert all(column.description for column in table.schema.columns), "the UI explains every column"
    rows = _records(result)
    assert rows.keys() == set(UNLISTED)
    share, total = rows["dalian_c001"], rows["ningbo_c047"]
    assert share["statement"].startswith("The export ratio is 23.8% based on the conversion to the U.S. dollar")
    assert "(dalian_paper_2013, (1) The Purpose of This Study, paragraph 2)" in share["statement"]
    assert (share["printed"], share["recomputed"]) == ("23.8%", "23.75%; range 0.00 to ∞")
    assert (share["problem"], share["verdict"]) == ("unlisted discrepancy", "unverifiable")
    assert share["diagnosis"].startswith("open bounds: the check cannot fail")
    # money in the printed unit, not in yuan with an exponent
    assert (total["printed"], total["recomputed"]) == (
        "RMB 29,085 billion",
        "RMB 22.129 billion; range 22.128 to 22.131",
    )
    assert (total["verdict"], total["diagnosis"]) == ("gross_inconsistency", "scale slip of ~10^3")
    for claim, row in rows.items():
        assert not E_NOTATION.search(row["printed"] + row["recomputed"]), row
        assert _fields(row["register_line"]) == [claim, row["verdict"], row["diagnosis"], PLACEHOLDER]
        assert str(workdir / "sources" / "discrepancy_register.csv") in row["to_do"]
        assert f"warehouse register {claim}" in row["to_do"]


def test_the_run_summary_prints_each_failed_row_to_act_on(gate):
    from orchestration.cli import _summary

    workdir, instance, result = gate
    ok, kept, lines = _summary(instance, result.run_id, workdir / "run.log")
    assert (ok, kept) == (False, None)
    row = _records(result)["dalian_c001"]
    start = lines.index("  dalian_c001: unlisted discrepancy")
    assert lines[start + 1 : start + 8] == [
        f"    statement:  {row['statement']}",
        "    printed:    23.8%",
        "    recomputed: 23.75%; range 0.00 to ∞",
        "    verdict:    unverifiable",
        f"    diagnosis:  {row['diagnosis']}",
        f"    to do:      {row['to_do']}",
        f"      {row['register_line']}",
    ]
    assert "  ningbo_c047: unlisted discrepancy" in lines


def _register(claim: str, explanation: str) -> int:
    from orchestration.cli import main

    return main(["register", claim, "--explanation", explanation])


@pytest.fixture(scope="module")
def registered(gate):
    """The register after `warehouse register` of UNLISTED (its bytes before and after), and the next build."""
    workdir, instance, failed = gate
    register = workdir / "sources" / "discrepancy_register.csv"
    before = register.read_bytes()
    with pytest.MonkeyPatch.context() as mp:
        _environment(mp, workdir)
        assert [_register(claim, EXPLANATIONS[claim]) for claim in UNLISTED] == [0, 0]
        after = register.read_bytes()
        return before, after, _build(instance)


def test_register_appends_the_line_and_the_next_build_passes_the_gate(gate, registered):
    _, _, failed = gate
    before, after, rebuilt = registered
    assert after.startswith(before), "every byte already there is kept"
    appended = list(csv.reader(after[len(before) :].decode().splitlines()))
    rows = _records(failed)
    assert appended == [_fields(rows[claim]["register_line"])[:3] + [EXPLANATIONS[claim]] for claim in UNLISTED]
    assert check_results(rebuilt)["claim_register"] is True
    assert rebuilt.success, [str(e.message) for e in rebuilt.all_events if e.is_failure]


def test_register_refuses_an_empty_explanation_an_unknown_id_and_a_listed_claim(gate, registered, monkeypatch, capsys):
    workdir, _, _ = gate
    _environment(monkeypatch, workdir)
    register = workdir / "sources" / "discrepancy_register.csv"
    kept = register.read_bytes()
    assert _register("ningbo_c045", "  ") == 2
    assert "the explanation is empty" in capsys.readouterr().err
    assert _register("nowhere_c001", "a reason") == 2
    assert "nowhere_c001 is neither a claim nor a fact" in capsys.readouterr().err
    assert _register("dalian_c001", "again") == 2
    line = [row["claim_id"] for row in read_rows(register)[1]].index("dalian_c001") + 2  # the header is line 1
    assert f"{register} already lists dalian_c001 at line {line} (verdict unverifiable)" in capsys.readouterr().err
    assert register.read_bytes() == kept


def test_register_says_to_delete_an_entry_no_longer_found(gate, registered, tmp_path, monkeypatch, capsys):
    """A claim the published warehouse finds consistent: listed, it is to be deleted; unlisted, it needs none."""
    workdir, _, _ = gate
    _environment(monkeypatch, workdir)
    sources = copy_sources(tmp_path)  # --sources: another folder than SOURCES_DIR
    register = sources / "discrepancy_register.csv"
    assert _register("dalian_c003", "a reason") == 2
    assert "dalian_c003 needs no entry" in capsys.readouterr().err
    with register.open("a", encoding="utf-8") as out:
        out.write("dalian_c003,inconsistent,beyond rounding,an old finding\n")
    kept = register.read_bytes()
    from orchestration.cli import main

    assert main(["register", "dalian_c003", "--explanation", "a reason", "--sources", str(sources)]) == 2
    line = len(kept.decode().splitlines())
    error = capsys.readouterr().err
    assert (
        f"dalian_c003 is listed but no longer found (its verdict is now consistent): delete line {line} of {register}"
        in error
    )
    assert register.read_bytes() == kept


def test_a_register_row_no_longer_found_or_changed_says_which_line_to_delete_or_replace(tmp_path):
    gate = REGISTERS["reconciliation_register"]
    gone = gate.failed_row({"reconciliation_id": "x__y__level__2010", "register_status": NO_LONGER_FOUND}, tmp_path)
    assert gone["register_line"] is None
    assert gone["to_do"] == (
        f"delete the line starting 'x__y__level__2010,' from {tmp_path / 'reconciliation_register.csv'}: "
        "nothing has this id any longer"
    )
    changed = gate.failed_row(
        {
            "reconciliation_id": "x__y__level__2010",
            "register_status": "verdict changed from disagree",
            "verdict": "contradict",
            "diagnosis": "bounds exclude each other",
        },
        tmp_path,
    )
    assert changed["register_line"] == f"x__y__level__2010,contradict,bounds exclude each other,{PLACEHOLDER}"
    assert changed["to_do"].startswith("replace the line starting 'x__y__level__2010,' in ")
