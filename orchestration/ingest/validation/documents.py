"""Checks on the document texts: each one there and unchanged.

A document's row names its text file and that file's sha256, so a text edited after its figures were curated is
caught rather than silently disagreeing with them. Whether the text bears out what the sources quote from it is the
accounting's (ingest/texts.py: a literal printed nowhere in it is a problem of its row). Only the texts of the
documents a run reads are checked: a kept one was checked by the run that read it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from ...corpus.text import TextError, decode_text
from .problems import Checker, Problem


def check_documents(checker: Checker, documents_dir: Path, documents: frozenset[str]) -> dict[str, str]:
    """Check the texts of `documents` (those the run reads; a kept document's text was checked by the run
    that read it) and return them by document."""
    texts: dict[str, str] = {}
    rows = checker.con.execute(
        "select _file, _line, document_id, file_name, sha256 from documents "
        "where file_name is not null and document_id in (select unnest($docs::varchar[]))",
        {"docs": sorted(documents)},
    ).fetchall()
    for file, line, document_id, file_name, expected in rows:
        path = documents_dir / file_name
        if not path.is_file():
            checker.problems.append(Problem(file, line, f"document text {path} not found in DOCUMENTS_DIR"))
            continue
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        # a sha256 not written in lowercase hex is reported as such (source_files.py), not as a changed text
        if digest != expected and expected == expected.lower():
            checker.problems.append(
                Problem(file, line, f"sha256 of {path.name} is {digest}, not {expected}: the text changed")
            )
        try:
            texts[document_id] = decode_text(data, path)
        except TextError as exc:
            checker.problems.append(Problem(file, line, f"document text {exc}"))
    return texts
