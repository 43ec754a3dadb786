"""Everything a draft suggests for a printed quantity, put together: the entity named or referred to
(entities.py; the learned model's guess when nothing is named), the indicator, measure and unit the model trained on
the reviewed corpus suggests (suggest_model.py), and the period read around it (periods.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .draft import Document
from .entities import DocumentSubjects, EntityIndex, proposed_entities, suggest_entity
from .periods import suggest_period
from .suggest_model import BATCH, Suggester, train
from .suggestion import Context, Suggestion
from .text import TextLine

_FROM_MODEL = ("indicator", "measure", "unit")


@dataclass(frozen=True)
class Suggesters:
    model: Suggester
    entities: EntityIndex

    @classmethod
    def load(cls, sources_dir: Path, documents_dir: Path | None) -> Suggesters:
        """Trained on every reviewed figure of the sources (with its sentence when its text is in
        `documents_dir`), and the catalogues' names indexed: once per draft."""
        return cls(train(sources_dir, documents_dir), EntityIndex.load(sources_dir))

    def for_document(
        self, document: Document, progress: Callable[[int, int], None] | None = None
    ) -> Callable[[list[TextLine], list[Context]], list[dict[str, Suggestion]]]:
        """What suggests for the document's quantities; `progress` is told (figures done, figures) as it starts
        and after each batch."""

        def suggest(lines: list[TextLine], contexts: list[Context]) -> list[dict[str, Suggestion]]:
            subjects = DocumentSubjects.build(self.entities, document.title, lines)
            found = []
            if progress:
                progress(0, len(contexts))
            for start in range(0, len(contexts), BATCH):
                batch = contexts[start : start + BATCH]
                for context, learned in zip(batch, self.model.suggest_all(batch), strict=True):
                    suggestions = {name: learned[name] for name in _FROM_MODEL if name in learned}
                    if entity := suggest_entity(self.entities, subjects, context) or learned.get("entity"):
                        suggestions["entity"] = entity
                    suggestions["period"] = suggest_period(context)
                    found.append(suggestions)
                if progress:
                    progress(len(found), len(contexts))
            return found

        return suggest

    def new_entities(self, text: str, title: str, sentences: set[str]) -> list[dict]:
        """The names the catalogue lacks, proposed as rows, among those printed in a sentence that states a
        drafted figure (the others are a paper's authors, institutions and references)."""
        return [row for row in proposed_entities(self.entities, text, title) if row["sentence"] in sentences]
