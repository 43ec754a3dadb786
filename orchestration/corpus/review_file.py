"""The review file a draft leaves beside the rows it wrote, `sources/review/<document_id>.json`: per drafted figure
its sentence with the literal marked and every suggestion with its confidence and alternatives; the claims the
draft found, each recomputed; the entities the catalogue lacks. The CSVs stay the stored format (the ingest never
reads sources/review/); this file is what `warehouse review` shows and takes alternatives from."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from .claim_drafts import Recomputation
from .draft import SUGGESTED, Draft

FOLDER = "review"
MARKS = ("⟦", "⟧")


def review_path(sources_dir: Path, document_id: str) -> Path:
    return sources_dir / FOLDER / f"{document_id}.json"


def marked(draft: Draft) -> str:
    """The sentence with the literal between MARKS."""
    context = draft.context
    end = context.position + len(context.literal)
    if context.sentence[context.position : end] != context.literal:  # a table cell: its labels, then the literal
        return f"{context.sentence.strip()}: {MARKS[0]}{context.literal}{MARKS[1]}"
    return (
        f"{context.sentence[: context.position]}{MARKS[0]}{context.literal}{MARKS[1]}{context.sentence[end:]}".strip()
    )


def figure_entry(figure_id: str, draft: Draft) -> dict:
    return {
        "figure_id": figure_id,
        "line": draft.line,
        "sentence": draft.context.sentence.strip(),
        "marked": marked(draft),
        "suggestions": {name: draft.suggestions[name].as_json() for name in SUGGESTED if name in draft.suggestions},
    }


def read_review(path: Path) -> dict:
    """The review file, or an empty one when there is none. Raises ValueError naming the file when it is not
    the JSON a draft writes."""
    if not path.exists():
        return {"figures": [], "claims": [], "entities": []}
    try:
        review = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: not a review file written by warehouse draft ({exc})") from exc
    if not isinstance(review, dict) or not all(
        isinstance(review.get(k, []), list) for k in ("figures", "claims", "entities")
    ):
        raise ValueError(f"{path}: not a review file written by warehouse draft (figures, claims, entities lists)")
    return {"figures": [], "claims": [], "entities": [], **review}


def write_review(path: Path, review: dict) -> None:
    """Write the whole file at once (a temp file renamed over it), or remove it when nothing is left to review."""
    if not (review["figures"] or review["claims"] or review["entities"]):
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_suffix(".json.tmp")
    # no indent: json's C encoder writes a long text's thousands of suggestions in a tenth of the time; and no
    # check for a list holding itself, which a draft's review never does (a sixth of the encoding's time)
    temp.write_text(json.dumps(review, ensure_ascii=False, check_circular=False) + "\n", encoding="utf-8")
    os.replace(temp, path)


def updated_review(existing: dict, document_id: str, text_file: str, sha256: str, additions: dict) -> dict:
    """The review file after a draft: what an earlier draft left to review, then this draft's additions."""
    return {
        **existing,
        "document_id": document_id,
        "text_file": text_file,
        "sha256": sha256,
        "drafted_at": datetime.now(UTC).isoformat(timespec="seconds"),
        **{key: existing[key] + additions.get(key, []) for key in ("figures", "claims", "entities")},
    }


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.6g}"


def tentative(recomputation: Recomputation) -> dict:
    """A drafted claim as the run would check it, in the review file's words."""
    interval = (
        f"allowed {_number(recomputation.low)} to {_number(recomputation.high)}"
        if recomputation.low is not None and recomputation.high is not None
        else ""
    )
    compared = f"compared in {recomputation.compared_in}" if recomputation.compared_in else ""
    return {
        "verdict": recomputation.verdict,
        "stated": _number(recomputation.stated),
        "recomputed": _number(recomputation.recomputed),
        "note": "; ".join(filter(None, (interval, compared))),
    }
