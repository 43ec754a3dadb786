"""Writing the site: every page into a new folder beside the report folder, then swapped in by rename, so a reader
sees the previous complete site or the new one, never a page of one linking to a page of the other."""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import plotly.offline

from ..settings import VALIDATION_PAGE
from .pages import discrepancy_page, document_file, document_page, overview_page, series_pages
from .rows import read_warehouse

if TYPE_CHECKING:
    from ..settings import Settings


@dataclass(frozen=True)
class Site:
    index: Path
    documents: int
    series: int
    full: bool  # every page, or the overview alone (rows.FULL_REPORT_MAX_FIGURES)

    @property
    def pages(self) -> int:
        return self.documents + self.series + (2 if self.full else 1)  # the overview and the discrepancy register


def _run_record(validation_dir: Path) -> dict:
    """The run that published the warehouse, as the publish step recorded it beside the validation page."""
    path = validation_dir / "run.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _write(folder: Path, pages: dict[str, str]) -> None:
    for name, html in pages.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html, encoding="utf-8")


def _swap_in(new: Path, target: Path) -> None:
    """Two renames on one file system: the old site moves aside, the new one takes its name. Between them the
    folder is missing for an instant (a reader's request fails and is retried) but never half written."""
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}-old-", dir=target.parent))
        target.rename(old / target.name)
    new.rename(target)
    if old is not None:
        shutil.rmtree(old)


def build_site(
    published: Path,
    report_dir: Path,
    documents_dir: Path | None,
    documents_note: str,
    validation_dir: Path,
    memory_limit: str,
) -> Site:
    """The report of the warehouse `published`, written to `report_dir`."""
    wh = read_warehouse(published, memory_limit)
    report_dir.parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f".{report_dir.name}-new-", dir=report_dir.parent))
    try:
        pages = {"index.html": overview_page(wh, _run_record(validation_dir), documents_note)}
        series, documents = {}, {}
        if wh.full:
            series = series_pages(wh)
            documents = {
                document_file(d["document_id"]): document_page(wh, d, documents_dir, documents_note)
                for d in wh.documents
            }
            pages.update(
                {
                    "discrepancies.html": discrepancy_page(wh),
                    **documents,
                    **series,
                    "assets/plotly.min.js": plotly.offline.get_plotlyjs(),
                }
            )
        if (validation_dir / "index.html").is_file():
            pages[VALIDATION_PAGE] = (validation_dir / "index.html").read_text(encoding="utf-8")
        pages["assets/site.css"] = resources.files(__package__).joinpath("templates/site.css").read_text("utf-8")
        _write(folder, pages)
        folder.chmod(0o755)  # mkdtemp's folder is private; the site is served and read by others
        _swap_in(folder, report_dir)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return Site(report_dir / "index.html", len(documents), len(series), wh.full)


def build_report(settings: Settings) -> Site:
    """The report site of the published warehouse, where the settings put it."""
    return build_site(
        settings.warehouse_path,
        settings.report_dir,
        settings.documents_dir,
        settings.documents_note,
        settings.validation_dir,
        settings.duckdb_memory_limit,
    )
