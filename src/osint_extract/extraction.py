"""The library entry points: text in, typed results out."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from spacy.language import Language

from .pipeline import load
from .inputs import chunks
from .results import Result, doc_to_result, merge_results

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
    max_length: int | None = None,
) -> Iterator[Result]:
    """Results for many texts, streamed in input order through `nlp.pipe`.

    Items are texts (ids "doc-1", "doc-2", ...) or (doc_id, text) pairs. A text longer
    than `max_length` characters (default: the pipeline's `max_length`) is processed in
    chunks cut at paragraph or sentence boundaries, and its result has document offsets.
    """
    nlp = nlp or get_pipeline(model)
    limit = max_length or nlp.max_length

    def items() -> Iterator[tuple[str, tuple[str, int, int, int]]]:
        for n, item in enumerate(texts, 1):
            doc_id, text = (f"doc-{n}", item) if isinstance(item, str) else item
            parts = chunks(text, limit) if len(text) > limit else [(0, text)]
            for k, (offset, part) in enumerate(parts):
                yield part, (doc_id, k, len(parts), offset)

    pending: list[tuple[int, Result]] = []
    for doc, (doc_id, k, n_parts, offset) in nlp.pipe(items(), as_tuples=True, n_process=n_process, batch_size=batch_size):
        result = doc_to_result(doc, doc_id)
        if n_parts == 1:
            yield result
            continue
        pending.append((offset, result))
        if k == n_parts - 1:
            yield merge_results(doc_id, pending)
            pending = []
