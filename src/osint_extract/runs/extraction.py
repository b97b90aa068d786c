"""The library entry points: text in, typed results out."""
from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from pathlib import Path

from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from ..pipeline import load
from ..io.inputs import chunks
from ..io.results import Result, ResultMerger, doc_to_result

_loaded: dict[tuple[str | None, str | None], Language] = {}


def get_pipeline(model: str | Path | None = None, config: str | Path | None = None) -> Language:
    """The full pipeline, loaded once per (model, config) and reused: loading costs seconds."""
    key = (str(model) if model else None, str(config) if config else None)
    if key not in _loaded:
        _loaded[key] = load(model, config)
    return _loaded[key]


def extract(text: str, doc_id: str = "doc", *, nlp: Language | None = None, model: str | None = None) -> Result:
    """Entities (and relations) of one text; a long text is processed in chunks, as by
    `extract_many`."""
    nlp = nlp or get_pipeline(model)
    return next(extract_many([(doc_id, text)], nlp=nlp))


# The parser's and tok2vec's working memory grows with the characters in one batch
# (roughly 1-2.5 KB a character with en_core_web_sm), so a batch holds at most
# BATCH_CHARS characters, and a document longer than CHUNK_LENGTH is processed in chunks
# of at most that many characters (cut at paragraph ends where possible), streamed like
# documents. Memory is then bounded however long a document is.
CHUNK_LENGTH = 20_000
BATCH_CHARS = 100_000


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
    than `max_length` characters (default: `CHUNK_LENGTH`, or the pipeline's `max_length`
    if smaller) is processed in chunks cut at paragraph or sentence boundaries, and its
    result has document offsets. Chunks are streamed like documents, in batches of
    `batch_size` (and at most `BATCH_CHARS` characters), and each chunk's result is merged into its document's as it comes, so
    memory is bounded by the chunk length, not the document length.
    """
    nlp = nlp or get_pipeline(model)
    limit = max_length or min(nlp.max_length, CHUNK_LENGTH)

    def items() -> Iterator[tuple[str, tuple[str, int, bool]]]:
        for n, item in enumerate(texts, 1):
            doc_id, text = (f"doc-{n}", item) if isinstance(item, str) else item
            if len(text) <= limit:
                yield text, (doc_id, 0, True)
                continue
            parts = deque(chunks(text, limit))
            while parts:
                offset, part = parts.popleft()  # each chunk's text is freed once processed
                yield part, (doc_id, offset, not parts)

    merger: ResultMerger | None = None
    for doc, (doc_id, offset, last) in _pipe(nlp, items(), n_process, batch_size):
        result = doc_to_result(doc, doc_id)
        del doc
        if last and merger is None:
            yield result
            continue
        merger = merger or ResultMerger(doc_id)
        merger.add(offset, result)
        if last:
            yield merger.result()
            merger = None


def _pipe(nlp: Language, items: Iterator[tuple[str, Any]], n_process: int, batch_size: int) -> Iterator[tuple[Doc, Any]]:
    """`nlp.pipe` over (text, context) pairs in batches of at most `batch_size` texts and
    `BATCH_CHARS` characters (one process; several processes take `batch_size` texts,
    each of at most the chunk length)."""
    if n_process != 1:
        yield from nlp.pipe(items, as_tuples=True, n_process=n_process, batch_size=batch_size)
        return
    batch: list[tuple[str, Any]] = []
    chars = 0
    for item in items:
        if batch and (len(batch) >= batch_size or chars + len(item[0]) > BATCH_CHARS):
            yield from nlp.pipe(batch, as_tuples=True, batch_size=len(batch))
            batch, chars = [], 0
        batch.append(item)
        chars += len(item[0])
    if batch:
        yield from nlp.pipe(batch, as_tuples=True, batch_size=len(batch))
