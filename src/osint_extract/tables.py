"""Output tables: the run's results as JSONL and CSV files, and as pandas DataFrames.

Files are written to temporary names and moved into place only when complete, so an
interrupted or failed run never leaves a half-written table over a good one.
"""
from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO

import pandas as pd

from .inputs import InputError
from .results import Result

MENTION_COLUMNS = ["doc_id", "entity_id", "start", "end", "text", "label", "sentence"]
ENTITY_COLUMNS = ["doc_id", "entity_id", "name", "label", "mentions"]
ERROR_COLUMNS = ["path", "reason"]


def mention_rows(result: Result) -> Iterator[list]:
    for m in result.mentions:
        yield [result.id, m.entity_id, m.start, m.end, m.text, m.label, m.sentence]


def entity_rows(result: Result) -> Iterator[list]:
    for e in result.entities:
        yield [result.id, e.id, e.name, e.label, len(e.mentions)]


def mentions_table(results: Iterable[Result]) -> pd.DataFrame:
    """One row per entity mention."""
    return pd.DataFrame([row for r in results for row in mention_rows(r)], columns=MENTION_COLUMNS)


def entities_table(results: Iterable[Result]) -> pd.DataFrame:
    """One row per distinct entity per document, with its number of mentions."""
    return pd.DataFrame([row for r in results for row in entity_rows(r)], columns=ENTITY_COLUMNS)


@contextmanager
def atomic_writer(path: Path) -> Iterator[IO[str]]:
    """A text file that appears at `path` only if the block completes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_outputs(results: Iterable[Result], out_dir: str | Path, errors: list[InputError] | None = None) -> int:
    """Stream results into documents.jsonl, mentions.csv and entities.csv (and errors.csv
    listing unreadable inputs). Returns the number of documents written."""
    out = Path(out_dir)
    count = 0
    with ExitStack() as stack:
        docs_fh = stack.enter_context(atomic_writer(out / "documents.jsonl"))
        mentions = csv.writer(stack.enter_context(atomic_writer(out / "mentions.csv")), lineterminator="\n")
        entities = csv.writer(stack.enter_context(atomic_writer(out / "entities.csv")), lineterminator="\n")
        mentions.writerow(MENTION_COLUMNS)
        entities.writerow(ENTITY_COLUMNS)
        for result in results:
            docs_fh.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n")
            mentions.writerows(mention_rows(result))
            entities.writerows(entity_rows(result))
            count += 1
    with atomic_writer(out / "errors.csv") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(ERROR_COLUMNS)
        writer.writerows([str(e.path), e.reason] for e in errors or [])
    return count
