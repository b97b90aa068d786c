"""Which kind of entity recogniser the pipeline has.

Some rules stand in for what a general English NER cannot do: type its ORG names by their
head words, mend names it cuts, give names of a known shape their label. A recogniser
trained on the schema (osint-extract train) does these from the context, and on held-out
documents those rules changed more of its entities wrong than right, so they step aside for
it (README, "Trained components").
"""
from __future__ import annotations

from spacy.language import Language
from spacy.pipeline import EntityRecognizer

# Labels only a recogniser trained on the schema predicts.
SCHEMA_ONLY_LABELS = frozenset({"ARMED_GROUP", "UNIT"})


def trained_on_schema(nlp: Language | None) -> bool:
    """Whether an entity recogniser of `nlp` knows the schema's labels (ARMED_GROUP or UNIT,
    which no general NER does)."""
    if nlp is None:
        return False
    labels = {label for _, pipe in nlp.pipeline if isinstance(pipe, EntityRecognizer) for label in pipe.labels}
    return bool(labels & SCHEMA_ONLY_LABELS)
