"""Checks on the facts the documents state: events, firm aliases, claims and mentions.

An event cannot be dated after the document that tells of it, and an alias's validity cannot run backwards. A
claim is a statement of one document: its stated figure is that document's, and its inputs may be printed by any
document (a growth rate on another document's base year), so a run that changes a document recomputes the other
documents' claims that take inputs from it (dbt: int_claim_scope). A mention is a printing of a figure in its own
document. A claim whose stated figure is another document's, that names a figure that does not exist (or that a
re-read document no longer has) or is still a draft, or takes its own stated figure as an input (a rank aside), a
mention in another document or repeating another printing is reported, as is a figure with no mention at all.
Figures are looked up among those the run reads and those it keeps.
"""

from __future__ import annotations

import csv
from pathlib import Path

from ..source_files import CURRENT_YEAR, ID_PATTERN
from .problems import Checker, Problem


def check_events_and_aliases(checker: Checker) -> None:
    for column in ("year", "year_high"):
        checker.report(f"""
            select e._file, e._line, e.event_id || ': {column} ' || e.{column} || ' is after '
                || coalesce('the document''s publication (' || d.year || ')',
                            '{CURRENT_YEAR}, the current year (the document prints no year)')
            from events as e left join (select distinct on (document_id) * from documents) as d
                using (document_id)
            where e.{column} > coalesce(d.year, {CURRENT_YEAR})""")
    checker.report("""
        select _file, _line, q(alias) || ': valid_from_year ' || valid_from_year || ' is after valid_to_year '
            || valid_to_year
        from firm_aliases where valid_from_year > valid_to_year""")


def check_claims_and_mentions(checker: Checker, incremental: bool) -> None:
    # A claim states a figure of its own document (from inputs any document prints), and a mention is a printing
    # of a figure in its own document; `incremental`: the run keeps the published rows of the documents it does
    # not re-read.
    checker.con.execute(
        "create temp view all_figures as select figure_id, document_id, review_status from figures "
        "union all select figure_id, document_id, review_status from figures_kept"
    )
    checker.report("""
        select c._file, c._line, c.claim_id || ': stated figure ' || q(c.stated_figure_id)
            || ' belongs to another document'
        from claims as c join all_figures as f on f.figure_id = c.stated_figure_id
        where f.document_id <> c.document_id""")
    checker.con.execute(f"""
        create temp view named as
        select distinct _file, _line, claim_id, document_id, claim_kind, stated_figure_id,
               unnest(string_split(replace(input_figure_ids, '+', ';'), ';')) as figure_id
        from claims
        where regexp_full_match(input_figure_ids, '{ID_PATTERN}([;+]{ID_PATTERN})*')""")
    checker.report(f"""
        select n._file, n._line, n.claim_id || ': claim names figure ' || q(n.figure_id) || ', which does not exist'
        from named as n left join all_figures as f using (figure_id)
        where f.figure_id is null and {checker.read_whole("figures")}""")
    if incremental:  # a full run keeps no claim
        _check_kept_claims(checker)
    # a draft figure never reaches the marts, so a claim on it could not be checked: review the figure first
    checker.report("""
        select n._file, n._line, n.claim_id || ': claim names draft figure ' || q(n.figure_id)
            || ' (review it: fill its cells and set review_status to reviewed)'
        from (select _file, _line, claim_id, stated_figure_id as figure_id from claims
              union select _file, _line, claim_id, figure_id from named) as n
        join all_figures as f using (figure_id)
        where f.review_status = 'draft'""")
    # a rank's inputs are the figures in order, the stated one among them; any other claim relates its
    # stated figure to others, and one naming itself holds whatever the document prints
    checker.report("""
        select _file, _line, claim_id || ': the stated figure ' || q(stated_figure_id)
            || ' is also one of its inputs'
        from named where figure_id = stated_figure_id and claim_kind <> 'rank'""")
    checker.report("""
        select m._file, m._line, 'mention of ' || q(m.figure_id)
            || ' in a document the figure does not belong to'
        from mentions as m join all_figures as f on f.figure_id = m.figure_id
        where f.document_id <> m.document_id""")
    checker.report("""
        select m._file, m._line, m.mention_id || ': review_status ' || m.review_status || ' but its figure '
            || q(m.figure_id) || ' is ' || f.review_status || ' (a mention is reviewed with its figure)'
        from mentions as m join all_figures as f on f.figure_id = m.figure_id
        where m.review_status <> f.review_status""")
    checker.report("""
        select _file, _line, mention_id || ': the same printing of ' || q(figure_id) || ' as mention '
            || q(first_value(mention_id) over w) || ' (line ' || first_value(_line) over w
            || '): same section, paragraph, table row and column, and occurrence'
        from mentions
        where figure_id is not null and mention_id is not null
        window w as (partition by figure_id, section, paragraph, table_row, table_column, occurrence
                     order by _file, _line)
        qualify row_number() over w > 1""")
    checker.report(f"""
        select _file, _line, figure_id || ': figure has no mention'
        from figures
        where figure_id is not null
          and figure_id not in (select figure_id from mentions where figure_id is not null)
          and {checker.read_whole("mentions", "document_id")}""")


def _check_kept_claims(checker: Checker) -> None:
    """A claim of a document this run keeps may take an input from a document it re-reads: when that figure is
    gone, the claim is reported at its own file and line (a kept row's file is its document's in this run's
    sources folder, files.keep; its line is found in that file, unchanged since the published build read it, which
    is only read when there is such a problem). Only a figure of a re-read document can be gone, so those are
    found first, and the kept claims (millions at scale) are searched only when there are any."""
    checker.con.execute(f"""
        create temp table figures_gone as
        select figure_id from {checker.baseline}.raw.figures
        where document_id in (select document_id from rebuilt_documents)
        except
        select figure_id from figures""")
    if not checker.con.execute("select count(*) from figures_gone").fetchone()[0]:
        return
    gone = checker.con.execute(f"""
        select distinct k._file, k.claim_id, n.figure_id
        from claims_kept as k,
             unnest(string_split(replace(k.input_figure_ids, '+', ';'), ';')) as n(figure_id)
        where regexp_full_match(k.input_figure_ids, '{ID_PATTERN}([;+]{ID_PATTERN})*')
          and n.figure_id in (select figure_id from figures_gone)
        order by 1, 2, 3""").fetchall()
    for file, claim_id, figure_id in gone:
        line = _line_of(checker.sources_dir.parent / file, claim_id)
        checker.problems.append(
            Problem(file, line, f"{claim_id}: claim names figure '{figure_id}', which its document no longer has")
        )


def _line_of(path: Path, claim_id: str) -> int:
    """The physical line where the row whose first cell is `claim_id` starts, as the CSV reader reads the file (a
    quoted cell, a row over several lines); 0 when the file cannot be read."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader, start = csv.reader(handle), 1
            for fields in reader:
                if fields and fields[0].strip() == claim_id:
                    return start
                start = reader.line_num + 1
    except (OSError, UnicodeDecodeError, csv.Error):
        pass
    return 0
