"""The library entry points: text in, typed results out."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from spacy.language import Language

from .pipeline import load
from .results import Result, doc_to_result

_loaded: dict[tuple[str | None, str | None], Language] = {}


def get_pipeline(model: str | Path | None = None, config: str | Path | None = None) -> Language:
    """The full pipeline, loaded once per (model, config) and reused: loading costs seconds."""
    key = (str(model) if model else None, str(config) if config else None)
    if key not in _loaded:
        _loaded[key] = load(model, config)
    return _loaded[key]


def extract(text: str, doc_id: str = "doc", *, nlp: Language | None = None, model: str | None = None) -> Result:
    """Entities (and relations) of one text."""
    nlp = nlp or get_pipeline(model)
    return doc_to_result(nlp(text), doc_id)


def extract_many(
    texts: Iterable[str] | Iterable[tuple[str, str]],
    *,
    nlp: Language | None = None,
    model: str | None = None,
    n_process: int = 1,
    batch_size: int = 32,
) -> Iterator[Result]:
    """Results for many texts, streamed in input order through `nlp.pipe`.

    Items are texts (ids "doc-1", "doc-2", ...) or (doc_id, text) pairs.
    """
    nlp = nlp or get_pipeline(model)

    def pairs() -> Iterator[tuple[str, str]]:
        for n, item in enumerate(texts, 1):
            if isinstance(item, str):
                yield item, f"doc-{n}"
            else:
                doc_id, text = item
                yield text, doc_id

    for doc, doc_id in nlp.pipe(pairs(), as_tuples=True, n_process=n_process, batch_size=batch_size):
        yield doc_to_result(doc, doc_id)
