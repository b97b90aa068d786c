"""Batch runs over document folders: resumable, crash-safe, parallel or distributed.

Each finished document's result is stored in the output folder's cache (one JSON-lines
file per document, written atomically and read back a line at a time) under the document's content hash and the
pipeline's fingerprint. A run processes only documents without a stored result for their
current content, then writes the tables from the cache in document-id order. So a rerun
skips finished work, redoes changed documents, and a run killed at any moment, run again,
gives the same bytes as one that was never interrupted: nothing half-written is ever read
back, and no table depends on the order documents finished in.

Failures are found early and said once: the output folder is checked before the pipeline
loads (`OutputError`), Ctrl-C stops the workers and raises `BatchInterrupted` with the
count of finished documents, and temp files belong to the run that writes them, so runs
sharing an output folder never remove each other's.
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
import signal
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import IO, Any

from .. import __version__
from .distributed import extract_in_processes
from ..io.documents import atomic_writer, temp_file_is_orphaned, temp_prefix
from ..resources import trained_model_dir
from .extraction import CHUNK_LENGTH, extract_many, get_pipeline
from ..io.inputs import InputError, chunks, discover, read_texts
from ..io.results import Entity, Mention, Relation, Result, ResultMerger, as_dict
from ..io.tables import write_outputs

CACHE_DIR = ".osint-cache"
MANIFEST = "manifest.csv"
# One row per input document: its content hash and whether its result is in the tables
# ("done") or it could not be read ("error", with the reason). The same inputs give the
# same manifest however many runs it took.
MANIFEST_COLUMNS = ["doc_id", "path", "sha256", "status", "reason"]
OUTPUT_FILES = ("documents.jsonl", "mentions.csv", "entities.csv", "relations.csv", "controls.csv", "errors.csv", MANIFEST)
ENGINES = ("local", "dask")


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
    """Finished documents' results in the output folder, one file per document.

    A file holds JSON lines, written and read back one piece at a time, so a long
    document's result is never held as one dict or one JSON text (see `write_result` and
    `read_result`):

        {"osint_cache": 2, "doc_id": ..., "sha256": ..., "fingerprint": ..., counts}
        "<the text>"
        {"id": ..., "name": ..., "label": ..., "aliases": [...], "mentions": k}   an entity,
        {"id": ..., "start": ..., ...}                                 then its k mentions
        ...
        {"head": ..., "tail": ..., ...}                                 one line per relation
        {"end": <number of lines before this one>}

    A file is written to a temp file and moved into place when complete; a file that is
    cut short anyway (no final line, or lines missing) is not a result. Files of the
    earlier single-object format have no such header and are not results either: the
    document is extracted again and its file replaced.
    """

    FORMAT = 2
    HEADER_LIMIT = 1 << 16  # a header line is short; an old single-object file is not read whole

    def __init__(self, out_dir: Path, fingerprint: str):
        self.root = out_dir / CACHE_DIR
        self.fingerprint = fingerprint

    def _path(self, doc_id: str) -> Path:
        key = hashlib.sha1(doc_id.encode("utf-8")).hexdigest()
        return self.root / key[:2] / f"{key}.json"

    def _header(self, doc_id: str) -> dict | None:
        """The file's header if the file is complete (its final line counts its lines),
        else None. Reads the first and the last line only."""
        try:
            with self._path(doc_id).open("rb") as fh:
                header = _json_line(fh.readline(self.HEADER_LIMIT))
                if not isinstance(header, dict) or header.get("osint_cache") != self.FORMAT or header.get("doc_id") != doc_id:
                    return None
                size = fh.seek(0, os.SEEK_END)
                fh.seek(max(0, size - 4096))
                tail = fh.read()
        except OSError:
            return None
        end = _json_line(tail[:-1].rsplit(b"\n", 1)[-1] + b"\n") if tail.endswith(b"\n") else None
        if not isinstance(end, dict) or end.get("end") != _line_count(header):
            return None
        return header

    def _read(self, doc_id: str) -> dict | None:
        """The cache entry as plain data: {"doc_id", "sha256", "fingerprint", "result":
        the result as `as_dict` gives it}, or None if there is no complete entry."""
        try:
            header, result = self._read_result(doc_id)
        except KeyError:
            return None
        return {"doc_id": doc_id, "sha256": header["sha256"], "fingerprint": header["fingerprint"], "result": as_dict(result)}

    def has(self, doc_id: str, digest: str) -> bool:
        header = self._header(doc_id)
        return header is not None and header["sha256"] == digest and header["fingerprint"] == self.fingerprint

    def save(self, result: Result, digest: str) -> None:
        header = {"osint_cache": self.FORMAT, "doc_id": result.id, "sha256": digest, "fingerprint": self.fingerprint}
        with atomic_writer(self._path(result.id)) as fh:
            write_result(fh, result, header)

    def load(self, doc_id: str) -> Result:
        return self._read_result(doc_id)[1]

    def _read_result(self, doc_id: str) -> tuple[dict, Result]:
        try:
            with self._path(doc_id).open("rb") as fh:
                header, result = read_result(fh, self.HEADER_LIMIT)
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            raise KeyError(doc_id) from None
        if header.get("osint_cache") != self.FORMAT or header.get("doc_id") != doc_id:
            raise KeyError(doc_id)
        return header, result


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _json_line(line: bytes) -> Any:
    """A complete line's JSON value, or None (no line end: cut short, or longer than read)."""
    if not line.endswith(b"\n"):
        return None
    try:
        return json.loads(line)
    except ValueError:
        return None


def _line_count(header: dict) -> int | None:
    """Lines before the final one: header, text, entities, mentions, relations."""
    try:
        return 2 + int(header["entities"]) + int(header["mentions"]) + int(header["relations"])
    except (KeyError, TypeError, ValueError):
        return None


def write_result(fh: IO[str], result: Result, header: dict[str, Any]) -> None:
    """`result` as the cache's JSON lines (see `ResultCache`) after `header` (which gets
    the counts), one entity, mention and relation at a time."""
    mentions = sum(len(e.mentions) for e in result.entities)
    header = {**header, "entities": len(result.entities), "mentions": mentions, "relations": len(result.relations)}
    fh.write(_dumps(header) + "\n")
    for k in range(0, max(len(result.text), 1), TEXT_SLICE):  # the text's JSON string, a slice at a time
        piece = _dumps(result.text[k : k + TEXT_SLICE])
        fh.write(piece if len(result.text) <= TEXT_SLICE else piece[1:-1] if k else piece[:-1])
    fh.write('"\n' if len(result.text) > TEXT_SLICE else "\n")
    for e in result.entities:
        fh.write(_dumps({"id": e.id, "name": e.name, "label": e.label, "aliases": e.aliases, "mentions": len(e.mentions)}) + "\n")
        for m in e.mentions:
            fh.write(_dumps({f: getattr(m, f) for f in MENTION_FIELDS}) + "\n")
    for r in result.relations:
        fh.write(_dumps({f: getattr(r, f) for f in RELATION_FIELDS}) + "\n")
    fh.write(_dumps({"end": _line_count(header)}) + "\n")


def read_result(fh: IO[bytes], header_limit: int = -1) -> tuple[dict[str, Any], Result]:
    """(header, Result) back from `write_result`'s lines, read one line at a time straight
    into the result's objects. Raises ValueError for anything but a complete file. Equal
    strings of mentions and relations (sentences, names, labels, evidence) are one string,
    as the extracted result shares them, and a mention's entity id is its entity's."""
    lines = iter(fh)

    def line() -> Any:
        raw = next(lines, b"")
        if not raw.endswith(b"\n"):
            raise ValueError("cache file cut short")
        return json.loads(raw)

    header = _json_line(fh.readline(header_limit))
    count = _line_count(header) if isinstance(header, dict) else None
    if count is None:
        raise ValueError("not a cache file of this format")
    text = line()
    if not isinstance(text, str):
        raise ValueError("no text line")
    shared: dict[str, str] = {}
    entities = []
    for _ in range(header["entities"]):
        e = line()
        entity = Entity(e["id"], e["name"], e["label"], [], e["aliases"])
        for _ in range(e["mentions"]):
            m = line()
            for key in ("label", "text", "sentence"):
                m[key] = shared.setdefault(m[key], m[key])
            if m["entity_id"] == entity.id:
                m["entity_id"] = entity.id
            entity.mentions.append(Mention(**m))
        entities.append(entity)
    relations = []
    for _ in range(header["relations"]):
        r = line()
        for key in ("label", "evidence", "pattern", "head_name", "tail_name"):
            r[key] = shared.setdefault(r[key], r[key])
        relations.append(Relation(**r))
    if len(entities) != header["entities"] or sum(len(e.mentions) for e in entities) != header["mentions"]:
        raise ValueError("counts do not match the header")
    if line() != {"end": count} or next(lines, None) is not None:
        raise ValueError("no final line, or lines after it")
    return header, Result(header["doc_id"], text, entities, relations)


TEXT_SLICE = 1 << 20  # characters; JSON escapes each character on its own, so slices join
MENTION_FIELDS = tuple(f.name for f in fields(Mention))
RELATION_FIELDS = tuple(f.name for f in fields(Relation))


@dataclass
class BatchReport:
    documents: int = 0  # readable documents in the inputs
    processed: int = 0  # run through the pipeline this time
    reused: int = 0  # finished in an earlier run, unchanged
    errors: list[InputError] = field(default_factory=list)

    @property
    def done(self) -> int:
        """Documents whose result is in the cache."""
        return self.processed + self.reused


class OutputError(Exception):
    """The output folder (or a file in it) cannot be written; the message names the path."""

    def __init__(self, path: Path, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class BatchInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped the run; `report` counts what was finished and kept (a rerun with
    the same output folder resumes from there)."""

    def __init__(self, report: BatchReport):
        super().__init__(f"interrupted after {report.done} documents")
        self.report = report


# Called with (words, documents) as work finishes: a chunk of a long document counts its
# words and no document, its last chunk the document.
Progress = Callable[[int, int], None]


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
    progress: Progress | None = None,
) -> BatchReport:
    """Extract every document under `paths` into the tables in `out_dir`, resuming from
    what an earlier run there finished. `progress(words, documents)` is called as
    documents finish.

    Raises `FileNotFoundError` for a missing input and `OutputError` for an output folder
    that cannot be written, both before the pipeline loads; `BatchInterrupted` (a
    KeyboardInterrupt) on Ctrl-C, once the workers are stopped.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r} (known: {', '.join(ENGINES)})")
    out = Path(out_dir)
    report = BatchReport()
    docs = discover(paths, errors=report.errors)
    prepare_output(out)
    _remove_orphaned_temp_files(out)
    results: Iterator[Result] = iter(())
    if model is None and config is None:
        # the default pipeline, resolved here once: every worker (a dask worker included)
        # loads this folder rather than looking for a default of its own
        default = trained_model_dir()
        model = str(default) if default is not None else None
    try:
        nlp = get_pipeline(model, config)
        cache = ResultCache(out, pipeline_fingerprint(nlp, config))
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
                        progress(_words(text), 1)
                    continue
                digests[doc_id] = digest
                yield from pieces.split(doc_id, text)

        pieces = Pieces(max_length or min(nlp.max_length, CHUNK_LENGTH))  # the chunk length extract_many uses
        if engine == "dask":
            from .distributed import extract_on_dask

            results = extract_on_dask(
                pending(), model=model, config=config, scheduler=scheduler, workers=workers,
                batch_size=batch_size, max_length=pieces.limit,
            )
        elif n_process > 1:
            results = extract_in_processes(
                pending(), model=model, config=config, n_process=n_process, batch_size=batch_size, max_length=pieces.limit,
            )
        else:
            results = extract_many(pending(), nlp=nlp, batch_size=batch_size, max_length=pieces.limit)
        for piece in results:
            words = _words(piece.text)
            result = pieces.join(piece)
            if result is None:  # more chunks of its document to come
                if progress:
                    progress(words, 0)
                continue
            digest = digests.pop(result.id)
            with _sigint_deferred():  # saved and counted, or neither: the count Ctrl-C reports is exact
                _writing(cache.root, cache.save, result, digest)
                report.processed += 1
                manifest.append([result.id, _source(paths_of, result.id), digest, "done", ""])
            if progress:
                progress(words, 1)
        piece = result = None  # the last document's result is in the cache: not held while the tables are written
        for error in report.errors:
            manifest.append([getattr(error, "doc_id", None) or "", str(error.path), "", "error", error.reason])
        _writing(out, write_outputs, (cache.load(doc_id) for doc_id in sorted(finished)), out, report.errors, config)
        _writing(out / MANIFEST, _write_manifest, out / MANIFEST, manifest)
    except KeyboardInterrupt:
        _close(results)  # stops the workers before saying anything
        raise BatchInterrupted(report) from None
    finally:
        _close(results)
    return report



class Pieces:
    """Documents longer than `limit` characters cut into chunks that travel on their own
    (so one long document keeps every worker busy, and progress moves chunk by chunk),
    and put back together as the chunks' results come back, in whatever order: the same
    cut and the same merge as `extract_many` makes for a long document. Each chunk's
    result is merged as soon as the chunks before it are in and then dropped, so a long
    document costs the memory of its result (plus chunks that came early), not of all
    its chunks' results and the merged result at once."""

    def __init__(self, limit: int):
        self.limit = limit
        self._chunk_of: dict[str, tuple[str, int, int, int]] = {}  # chunk id -> (doc id, k, offset, chunks of the doc)
        self._joining: dict[str, _Joining] = {}

    def split(self, doc_id: str, text: str) -> Iterator[tuple[str, str]]:
        """(id, text) items for a document: itself, or its chunks (ids "<doc id>\\x00<k>")."""
        if len(text) <= self.limit:
            yield doc_id, text
            return
        parts = chunks(text, self.limit)
        for k, (offset, part) in enumerate(parts):
            chunk_id = f"{doc_id}\x00{k}"
            self._chunk_of[chunk_id] = (doc_id, k, offset, len(parts))
            yield chunk_id, part

    def join(self, result: Result) -> Result | None:
        """The document's result once all of it is in (a document that was not cut: its
        own result), else None."""
        if result.id not in self._chunk_of:
            return result
        doc_id, k, offset, count = self._chunk_of.pop(result.id)
        joining = self._joining.get(doc_id) or self._joining.setdefault(doc_id, _Joining(ResultMerger(doc_id)))
        joining.early[k] = (offset, result)
        del result
        while joining.next in joining.early:  # chunks in text order, as merge_results takes them
            joining.merger.add(*joining.early.pop(joining.next))
            joining.next += 1
        if joining.next < count:
            return None
        del self._joining[doc_id]
        return joining.merger.result()


@dataclass
class _Joining:
    merger: ResultMerger
    next: int = 0  # the chunk to merge next
    early: dict[int, tuple[int, Result]] = field(default_factory=dict)  # chunks that came before it


def prepare_output(out: Path) -> None:
    """Make sure the output folder, its cache and every table can be written, before any
    work is done: a run that would fail at its first write fails here, naming the path."""
    if out.exists() and not out.is_dir():
        raise OutputError(out, "not a folder (--out names a folder for the tables)")
    for name in OUTPUT_FILES:
        if (out / name).is_dir():
            raise OutputError(out / name, "is a folder, so the table cannot be written there")
    for folder in (out, out / CACHE_DIR):
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            blocking = next((p for p in folder.parents if p.exists() and not p.is_dir()), None)
            raise OutputError(folder, f"cannot be created: {blocking or 'a parent'} is not a folder") from None
        except OSError as exc:
            raise OutputError(folder, f"cannot be created: {_reason(exc)}") from None
        if not folder.is_dir():
            raise OutputError(folder, "not a folder")
        try:  # a real write: permission bits alone do not tell (root, ACLs, read-only mounts)
            fd, probe = tempfile.mkstemp(prefix=temp_prefix(folder / "probe"), suffix=".tmp", dir=folder)
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            raise OutputError(folder, f"cannot write here: {_reason(exc)}") from None



def _reason(exc: OSError) -> str:
    return exc.strerror.lower() if exc.strerror else str(exc)


def _writing(target: Path, write: Callable[..., Any], *args: Any) -> Any:
    """Run a write into `target`; an OSError (disk full, folder removed, permissions
    changed mid-run) becomes an `OutputError` naming the file, or else `target`."""
    try:
        return write(*args)
    except OSError as exc:
        raise OutputError(Path(exc.filename or target), _reason(exc)) from None


def _write_manifest(path: Path, manifest: list[list[str]]) -> None:
    with atomic_writer(path) as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(MANIFEST_COLUMNS)
        writer.writerows(sorted(manifest))


@contextmanager
def _sigint_deferred() -> Iterator[None]:
    """Ctrl-C during the block takes effect at its end (only where Python's own handler is
    in place: in the main thread, and not overridden by the application)."""
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield
        return
    received: list[int] = []
    signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        if received:
            raise KeyboardInterrupt


def _close(results: Iterator[Result]) -> None:
    close = getattr(results, "close", None)
    if close is not None:
        close()


def _words(text: str) -> int:
    return len(text.split())


def _remove_orphaned_temp_files(out: Path) -> None:
    """Temp files of runs on this host that are no longer alive (killed, crashed): they
    were never moved into place. Another live run's temp files are left alone."""
    for path in [*out.glob(".*.tmp"), *(out / CACHE_DIR).rglob(".*.tmp")]:
        if temp_file_is_orphaned(path):
            path.unlink(missing_ok=True)


def _source(paths_of: dict[str, Path], doc_id: str) -> str:
    """The file a document came from (a .jsonl line's id is "<file id>#<line id>")."""
    path = paths_of.get(doc_id) or paths_of.get(doc_id.split("#", 1)[0])
    return str(path) if path else ""
