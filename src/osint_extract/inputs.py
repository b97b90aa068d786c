"""Finding and reading input documents."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

TEXT_SUFFIXES = (".txt", ".md")


@dataclass(frozen=True)
class InputDocument:
    id: str
    path: Path


@dataclass(frozen=True)
class InputError:
    """A file that could not be read; the batch goes on without it."""

    path: Path
    reason: str


def discover(paths: Iterable[str | Path], suffixes: tuple[str, ...] = TEXT_SUFFIXES) -> list[InputDocument]:
    """Documents under the given files and folders (recursively), in a stable order.

    A document's id is its path relative to the folder it was found under, or its file
    name when given directly, with "/" as separator, so ids are the same on every machine.
    """
    found: dict[str, InputDocument] = {}
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in suffixes)
            for file in files:
                doc_id = file.relative_to(path).as_posix()
                found.setdefault(doc_id, InputDocument(doc_id, file))
        elif path.is_file():
            found.setdefault(path.name, InputDocument(path.name, path))
        else:
            raise FileNotFoundError(f"{path}: no such file or folder")
    return [found[k] for k in sorted(found)]


def read_texts(docs: Iterable[InputDocument], errors: list[InputError]) -> Iterator[tuple[str, str]]:
    """(doc_id, text) pairs, as `extract_many` takes them, read lazily; unreadable or
    empty files go to `errors` instead."""
    for doc in docs:
        try:
            text = doc.path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            errors.append(InputError(doc.path, f"{type(exc).__name__}: {exc}"))
            continue
        if not text.strip():
            errors.append(InputError(doc.path, "empty document"))
            continue
        yield doc.id, text
