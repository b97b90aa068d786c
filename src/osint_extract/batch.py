"""Batch runs over document folders: resumable, crash-safe, parallel or distributed.

Each finished document's result is stored in the output folder's cache (one small JSON
file per document, written atomically) under the document's content hash and the
pipeline's fingerprint. A run processes only documents without a stored result for their
current content, then writes the tables from the cache in document-id order. So a rerun
skips finished work, redoes changed documents, and a run killed at any moment, run again,
gives the same bytes as one that was never interrupted: nothing half-written is ever read
back, and no table depends on the order documents finished in.
"""
from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .documents import atomic_writer
from .extraction import extract_many, get_pipeline
from .inputs import InputError, discover, read_texts
from .results import Result, as_dict, result_from_dict
from .tables import write_outputs

CACHE_DIR = ".osint-cache"
MANIFEST = "manifest.csv"
# One row per input document: its content hash and whether its result is in the tables
# ("done") or it could not be read ("error", with the reason). The same inputs give the
# same manifest however many runs it took.
MANIFEST_COLUMNS = ["doc_id", "path", "sha256", "status", "reason"]


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def pipeline_fingerprint(nlp: Any, config: str | Path | None = None) -> str:
    """What the results depend on besides the text: the project's version, the pipeline's
    config and every component's content (weights, lexicons, patterns), whether it was
    built from configs/ just now or loaded from a saved pipeline."""
    digest = hashlib.sha256()
    digest.update(f"{__version__}\n".encode())
    digest.update(nlp.config.to_str().encode())
    for name, component in nlp.pipeline:
        if hasattr(component, "to_bytes"):
            digest.update(name.encode())
            digest.update(component.to_bytes(exclude=["vocab"]))  # strings grow as text is read
    return digest.hexdigest()[:16]


class ResultCache:
    """Finished documents' results in the output folder, one file per document."""

    def __init__(self, out_dir: Path, fingerprint: str):
        self.root = out_dir / CACHE_DIR
        self.fingerprint = fingerprint

    def _path(self, doc_id: str) -> Path:
        key = hashlib.sha1(doc_id.encode("utf-8")).hexdigest()
        return self.root / key[:2] / f"{key}.json"

    def _read(self, doc_id: str) -> dict | None:
        try:
            return json.loads(self._path(doc_id).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def has(self, doc_id: str, digest: str) -> bool:
        entry = self._read(doc_id)
        return entry is not None and entry["sha256"] == digest and entry["fingerprint"] == self.fingerprint

    def save(self, result: Result, digest: str) -> None:
        entry = {"doc_id": result.id, "sha256": digest, "fingerprint": self.fingerprint, "result": as_dict(result)}
        with atomic_writer(self._path(result.id)) as fh:
            fh.write(json.dumps(entry, ensure_ascii=False))

    def load(self, doc_id: str) -> Result:
        entry = self._read(doc_id)
        if entry is None:
            raise KeyError(doc_id)
        return result_from_dict(entry["result"])


@dataclass
class BatchReport:
    documents: int = 0  # readable documents in the inputs
    processed: int = 0  # run through the pipeline this time
    reused: int = 0  # finished in an earlier run, unchanged
    errors: list[InputError] = field(default_factory=list)


def run_batch(
    paths: Iterable[str | Path],
    out_dir: str | Path,
    *,
    model: str | None = None,
    config: str | Path | None = None,
    n_process: int = 1,
    batch_size: int = 16,
    max_length: int | None = None,
    engine: str = "local",
    scheduler: str | None = None,
    workers: int = 2,
    progress: Any = None,
) -> BatchReport:
    """Extract every document under `paths` into the tables in `out_dir`, resuming from
    what an earlier run there finished. `progress(n)` is called as documents finish."""
    out = Path(out_dir)
    docs = discover(paths)
    _remove_stale_temp_files(out)
    nlp = get_pipeline(model, config)
    cache = ResultCache(out, pipeline_fingerprint(nlp, config))
    report = BatchReport()
    manifest: list[list[str]] = []
    finished: list[str] = []
    digests: dict[str, str] = {}
    paths_of = {d.id: d.path for d in docs}

    def pending() -> Iterator[tuple[str, str]]:
        for doc_id, text in read_texts(docs, report.errors):
            digest = content_hash(text)
            report.documents += 1
            finished.append(doc_id)
            if cache.has(doc_id, digest):
                report.reused += 1
                manifest.append([doc_id, _source(paths_of, doc_id), digest, "done", ""])
                if progress:
                    progress(1)
                continue
            digests[doc_id] = digest
            yield doc_id, text

    if engine == "local":
        results = extract_many(pending(), nlp=nlp, n_process=n_process, batch_size=batch_size, max_length=max_length)
    elif engine == "dask":
        from .distributed import extract_on_dask

        results = extract_on_dask(
            pending(), model=model, config=config, scheduler=scheduler, workers=workers,
            batch_size=batch_size, max_length=max_length,
        )
    else:
        raise ValueError(f"unknown engine {engine!r} (known: local, dask)")
    for result in results:
        digest = digests.pop(result.id)
        cache.save(result, digest)
        report.processed += 1
        manifest.append([result.id, _source(paths_of, result.id), digest, "done", ""])
        if progress:
            progress(1)

    write_outputs((cache.load(doc_id) for doc_id in sorted(finished)), out, report.errors, config=config)
    for error in report.errors:
        manifest.append([getattr(error, "doc_id", None) or "", str(error.path), "", "error", error.reason])
    with atomic_writer(out / MANIFEST) as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(MANIFEST_COLUMNS)
        writer.writerows(sorted(manifest))
    return report


def _remove_stale_temp_files(out: Path) -> None:
    """Temp files a killed run left behind; they were never moved into place."""
    if out.is_dir():
        for path in [*out.glob(".*.tmp"), *(out / CACHE_DIR).rglob(".*.tmp")]:
            path.unlink(missing_ok=True)


def _source(paths_of: dict[str, Path], doc_id: str) -> str:
    """The file a document came from (a .jsonl line's id is "<file id>#<line id>")."""
    path = paths_of.get(doc_id) or paths_of.get(doc_id.split("#", 1)[0])
    return str(path) if path else ""
