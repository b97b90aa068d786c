"""Reading, validating and writing schema-v1 JSONL documents.

One document per line (see ANNOTATION.md). Validation stops at the first problem and
says where it is (file, 1-based line, document id) so a broken gold file can be fixed
without hunting; scoring a silently malformed file would give meaningless numbers.

Choices:
- Blank lines are skipped but still counted, so line numbers match an editor's.
- Lines are decoded one at a time from bytes, so a bad UTF-8 byte is reported on its line;
  a UTF-8 byte order mark on the first line is accepted.
- Validated documents get ``entities``/``relations`` defaulted to ``[]`` so callers can
  index them directly.
- Offsets must be real ints (``True``/``1.0`` are rejected).
- The checks are `formats.check_native`'s, the ones every gold reader applies: one
  validator, one message for each problem whatever the format.
- Relation head/tail types, overlapping spans and doubly labelled spans are not checked
  here: the file is well formed with them. ``formats.read_documents`` warns about them
  (or stops, with ``strict``) for every format alike.
"""
from __future__ import annotations

import json
import os
import re
import socket
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, NoReturn

__all__ = [
    "GoldFormatError", "atomic_writer", "temp_file_is_orphaned", "temp_prefix", "iter_jsonl", "iter_jsonl_lines",
    "json_lines", "read_jsonl", "write_jsonl",
]

PathLike = str | os.PathLike[str]

_KEY_ORDER = ("id", "text", "entities", "relations")


class GoldFormatError(ValueError):
    """A JSONL document breaks the schema; the message points at file, line and doc."""

    def __init__(self, path: PathLike, line: int, problem: str, doc_id: str | None = None) -> None:
        self.path = str(path)
        self.line = line
        self.doc_id = doc_id
        self.problem = problem
        where = f"{self.path}:{line}" if line else self.path  # 0: the file as a whole
        if doc_id is not None:
            where += f" (doc {doc_id!r})"
        super().__init__(f"{where}: {problem}")


def _validate(doc: dict[str, Any], path: PathLike, line: int) -> None:
    """The one gold validator, shared with every reader of `formats`; raises
    `GoldFormatError` at the first problem and defaults `entities`/`relations` to []."""
    from .formats import check_native  # formats builds on this module

    check_native(doc, path, line)
    for key in ("entities", "relations"):
        if doc.get(key) is None:
            doc[key] = []


def json_lines(path: PathLike) -> Iterator[tuple[int, Any, str | None]]:
    """(1-based line number, parsed value, problem) for each non-blank line; a line that is
    not UTF-8 or not JSON has value None and says why, so callers can stop or skip."""
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if not raw.strip():
                continue
            try:
                yield lineno, json.loads(raw.decode("utf-8")), None
            except UnicodeDecodeError as exc:
                yield lineno, None, f"not valid UTF-8 ({exc.reason} at byte {exc.start})"
            except json.JSONDecodeError as exc:
                yield lineno, None, f"invalid JSON: {exc.msg} at column {exc.colno}"


def iter_jsonl(path: PathLike, *, validate: bool = True) -> Iterator[dict[str, Any]]:
    """Yield documents lazily so large prediction files need not sit in memory.

    Invalid JSON is always an error; with ``validate=False`` nothing else is checked.
    """
    for _, doc in iter_jsonl_lines(path, validate=validate):
        yield doc


def iter_jsonl_lines(path: PathLike, *, validate: bool = True) -> Iterator[tuple[int, dict[str, Any]]]:
    """`iter_jsonl` with each document's 1-based line number, for messages about it later."""
    seen: dict[str, int] = {}
    for lineno, doc, problem in json_lines(path):

        def fail(problem: str, doc_id: str | None = None, _line: int = lineno) -> NoReturn:
            raise GoldFormatError(path, _line, problem, doc_id)

        if problem is not None:
            fail(problem)
        if not isinstance(doc, dict):
            fail(f"expected a JSON object, got {type(doc).__name__}")
        if validate:
            _validate(doc, path, lineno)
            doc_id = doc["id"]
            if doc_id in seen:
                fail(f"duplicate document id (first seen on line {seen[doc_id]})", doc_id)
            seen[doc_id] = lineno
        yield lineno, doc


def read_jsonl(path: PathLike, *, validate: bool = True) -> list[dict[str, Any]]:
    """Read a whole JSONL file, failing with `GoldFormatError` at the first problem."""
    return list(iter_jsonl(path, validate=validate))


def _ordered(doc: dict[str, Any]) -> dict[str, Any]:
    # A fixed key order keeps files diff-friendly across tools that build dicts differently.
    out = {key: doc[key] for key in _KEY_ORDER if key in doc}
    out.update((key, value) for key, value in doc.items() if key not in out)
    return out


# A temp file's name says which run writes it: ".<target>.<pid>@<host>.<random>.tmp", so a
# run can tell its own temp files, and those of a run on this host that is no longer alive,
# from another live run's (see `temp_file_is_orphaned`).
_HOST = re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname()) or "localhost"
_TEMP_NAME = re.compile(r"^\..+\.(\d+)@([A-Za-z0-9-]+)\.[^.]+\.tmp$")


def temp_prefix(target: Path) -> str:
    """The start of this process's temp file names for `target`."""
    return f".{target.name}.{os.getpid()}@{_HOST}."


def temp_file_is_orphaned(path: PathLike) -> bool:
    """True for an atomic writer's temp file whose writer is known dead: it ran on this
    host and no process with its id runs now. A temp file of another host, of a live
    process (even an unrelated one that reuses the id) or without the owner in its name
    is never called orphaned."""
    match = _TEMP_NAME.match(Path(path).name)
    if match is None or match.group(2) != _HOST:
        return False
    pid = int(match.group(1))
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # PermissionError: alive, another user's
        return False
    return False


@contextmanager
def atomic_writer(path: PathLike, mode: str = "w") -> Iterator[IO[Any]]:
    """A file that appears at `path` only when the block completes: written to a temp
    file in the same folder (named for this process, see `temp_prefix`), synced, then
    moved over the target with ``os.replace``, so a crash or an error never leaves a
    half-written file or spoils an existing one, and concurrent runs never touch each
    other's temp files."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=temp_prefix(target), suffix=".tmp", dir=target.parent)
    text = "b" not in mode
    try:
        with os.fdopen(fd, mode, **({"encoding": "utf-8", "newline": ""} if text else {})) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        # mkstemp creates 0600; give the file the mode a plain open() would have.
        try:
            file_mode = os.stat(target).st_mode & 0o777
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            file_mode = 0o666 & ~umask
        os.chmod(tmp_name, file_mode)
        os.replace(tmp_name, target)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        raise


def write_jsonl(docs: Iterable[dict[str, Any]], path: PathLike) -> None:
    """Write one compact object per line, atomically."""
    with atomic_writer(path) as fh:
        for doc in docs:
            fh.write(json.dumps(_ordered(doc), ensure_ascii=False, separators=(",", ":")))
            fh.write("\n")
