"""Finding and reading input documents.

Supported inputs (by file suffix):

* ``.txt``, ``.md``: plain text; the encoding is detected (BOM, then UTF-8, then
  charset-normalizer).
* ``.html``, ``.htm``: the page's main text (trafilatura: scripts, styles, navigation,
  headers and footers removed); encoding detected as for text, plus ``<meta charset>``.
* ``.pdf``: the text layer (pypdf); PDFs locked with a user password are reported.
* ``.docx``: paragraphs and tables in document order (python-docx).
* ``.jsonl``: one document per line, ``{"text": ..., "id": ...}`` (id optional); the
  document id is ``"<file id>#<id>"``, or ``"<file id>#<line number>"`` without an id.

Nothing here raises for a bad input: `read_texts` records an `InputError` and goes on.
Everything runs offline and gives the same ids, order and texts on every machine.
"""
from __future__ import annotations

import codecs
import io
import json
import logging
import os
import re
import stat
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

TEXT_SUFFIXES = (".txt", ".md")
HTML_SUFFIXES = (".html", ".htm")
PDF_SUFFIXES = (".pdf",)
DOCX_SUFFIXES = (".docx",)
JSONL_SUFFIXES = (".jsonl",)
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + PDF_SUFFIXES + DOCX_SUFFIXES + JSONL_SUFFIXES

# pypdf logs recoverable damage ("EOF marker not found", ...) as warnings; without a
# handler Python would print them to stderr, through the progress bar.  A NullHandler
# keeps them quiet unless the application configures logging itself.
logging.getLogger("pypdf").addHandler(logging.NullHandler())


@dataclass(frozen=True)
class InputDocument:
    """A file to read: `id` is stable across machines, `path` is where it is now."""

    id: str
    path: Path

    @property
    def kind(self) -> str:
        """'text', 'html', 'pdf', 'docx' or 'jsonl' (by suffix; unknown suffixes are text)."""
        return kind_of(self.path)


@dataclass(frozen=True)
class InputError:
    """A file (or a line of a .jsonl file) that could not be read; the batch goes on without it.

    `doc_id` is the id of the file (or of the jsonl line's document) when known.
    """

    path: Path
    reason: str
    doc_id: str | None = None


class _Unreadable(Exception):
    """Internal: the reason a whole file is skipped."""


def kind_of(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in HTML_SUFFIXES:
        return "html"
    if suffix in PDF_SUFFIXES:
        return "pdf"
    if suffix in DOCX_SUFFIXES:
        return "docx"
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    return "text"


def discover(
    paths: Iterable[str | Path],
    suffixes: tuple[str, ...] = SUPPORTED_SUFFIXES,
    errors: list[InputError] | None = None,
) -> list[InputDocument]:
    """Documents under the given files and folders (recursively), in a stable order.

    A document's id is its path relative to the folder it was found under, or its file
    name when given directly, with "/" as separator and in Unicode NFC, so ids are the
    same on every machine.  Files given directly are taken whatever their suffix
    (unknown suffixes are read as text); in folders only `suffixes` are picked up.
    Ids are sorted by code point; when two inputs give the same id the first one wins.

    What cannot be read is appended to `errors` instead of being dropped unseen: a
    folder that cannot be listed, a link whose target is missing, and a FIFO, socket or
    device (reading those would block or give no document); in folders only names with
    one of `suffixes` count, as for files.  Links to folders are not followed (no cycles).
    A path given on the command line that does not exist raises `FileNotFoundError`.
    """
    wanted = tuple(s.lower() for s in suffixes)
    found: dict[str, InputDocument] = {}
    problems: list[InputError] = []
    for raw in paths:
        path = Path(raw)
        try:
            mode = path.stat().st_mode
        except (FileNotFoundError, NotADirectoryError):
            if path.is_symlink():
                raise FileNotFoundError(f"{path}: broken link (its target {os.readlink(path)!r} does not exist)") from None
            raise FileNotFoundError(f"{path}: no such file or folder") from None
        except OSError as exc:  # a folder on the way cannot be searched: an error of the batch
            problems.append(InputError(path, _os_reason(exc), _nfc(path.name)))
            continue
        if stat.S_ISDIR(mode):
            _walk(path, path, wanted, found, problems)
        elif stat.S_ISREG(mode):
            found.setdefault(_nfc(path.name), InputDocument(_nfc(path.name), path))
        else:
            problems.append(InputError(path, _special_reason(path), _nfc(path.name)))
    if errors is not None:
        errors.extend(sorted(problems, key=lambda e: (e.doc_id or "", str(e.path))))
    return [found[k] for k in sorted(found)]


def _walk(folder: Path, root: Path, wanted: tuple[str, ...], found: dict[str, InputDocument], problems: list[InputError]) -> None:
    """Files under `folder`, as `Path.rglob` walks it, but with what it skips silently
    (folders it cannot list, broken links, special files) recorded in `problems`."""
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError as exc:
        reason = "folder cannot be read: " + _os_reason(exc).removeprefix("could not read file: ")
        relative = folder.relative_to(root).as_posix()
        problems.append(InputError(folder, reason, _nfc(relative) + "/" if relative != "." else None))
        return
    for entry in entries:
        path = Path(entry.path)
        try:
            if entry.is_dir(follow_symlinks=False):
                _walk(path, root, wanted, found, problems)
                continue
            if path.suffix.lower() not in wanted:
                continue
            doc_id = _nfc(path.relative_to(root).as_posix())
            if entry.is_file():
                found.setdefault(doc_id, InputDocument(doc_id, path))
            elif entry.is_symlink() and not path.exists():
                problems.append(InputError(path, f"broken link (its target {os.readlink(path)!r} does not exist)", doc_id))
            elif not entry.is_dir():
                problems.append(InputError(path, _special_reason(path), doc_id))
        except OSError as exc:
            problems.append(InputError(path, _os_reason(exc), _nfc(path.relative_to(root).as_posix())))


def _special_reason(path: Path) -> str:
    """Why a path that is neither a file nor a folder is not read."""
    mode = path.stat().st_mode
    for test, name in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device")):
        if test(mode):
            return f"not a regular file ({name})"
    return "not a regular file"


def read_texts(docs: Iterable[InputDocument], errors: list[InputError]) -> Iterator[tuple[str, str]]:
    """(doc_id, text) pairs, as `extract_many` takes them, read lazily one file at a time.

    Files that cannot be read (and bad lines of .jsonl files) are appended to `errors`
    as they are met, and never raise.  A .jsonl file gives one pair per good line, so
    there may be more pairs than `docs`.
    """
    for item in iter_documents(docs):
        if isinstance(item, InputError):
            errors.append(item)
        else:
            yield item


def iter_documents(docs: Iterable[InputDocument]) -> Iterator[tuple[str, str] | InputError]:
    """Like `read_texts`, but yields each `InputError` in its place among the documents."""
    for doc in docs:
        try:
            if doc.kind == "jsonl":
                yield from _read_jsonl(doc)
                continue
            text = read_document(doc)
        except _Unreadable as exc:
            yield InputError(doc.path, str(exc), doc.id)
            continue
        except Exception as exc:  # a reader bug or an unforeseen library error: skip the file
            yield InputError(doc.path, f"could not be read: {type(exc).__name__}: {exc}", doc.id)
            continue
        yield doc.id, text


def read_document(doc: InputDocument) -> str:
    """The text of one (non-jsonl) document; raises `_Unreadable` with the reason otherwise."""
    raw = _read_bytes(doc.path)
    if not raw.strip():
        raise _Unreadable("empty document")
    reader = _READERS.get(doc.kind, _text_reader)
    text = reader(raw)
    if not text.strip():
        raise _Unreadable("empty document")
    return text


# --------------------------------------------------------------------------- bytes


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise _Unreadable(_os_reason(exc)) from None


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, FileNotFoundError):
        return "file not found"
    if isinstance(exc, IsADirectoryError):
        return "is a folder"
    return f"could not read file: {exc.strerror or exc}"


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _newlines(text: str) -> str:
    """Universal newlines, as Python's text mode gives them (so CRLF files read the same)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


_BOMS = (  # longest first: the UTF-32 LE BOM starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_MARKUP = re.compile(rb"<(script|style)\b.*?</\1\s*>|<!--.*?-->|<[^>]*>", re.I | re.S)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


def decode(raw: bytes, html: bool = False) -> str:
    """Bytes of a text (or HTML) file as text: BOM, else UTF-8, else (HTML) the declared
    charset, else charset-normalizer's guess.  Raises `_Unreadable` ("binary file",
    "undecodable text: ...") when the bytes are not text."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                return _check_text(raw[len(bom):].decode(encoding))
            except UnicodeDecodeError as exc:
                raise _Unreadable(f"undecodable text: not valid {encoding.upper()} after its byte order mark ({exc.reason})") from None
    if b"\x00" in raw:
        # NUL bytes: UTF-16 without a BOM (every other byte NUL in mostly-ASCII text), else binary
        encoding = _bomless_utf16(raw)
        if encoding is None:
            raise _Unreadable("binary file")
        try:
            return _check_text(raw.decode(encoding))
        except UnicodeDecodeError:
            raise _Unreadable("binary file") from None
    try:
        return _check_text(raw.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    if html:
        match = _META_CHARSET.search(raw[:4096])
        if match:
            try:
                return _check_text(raw.decode(match.group(1).decode("ascii")))
            except (LookupError, UnicodeDecodeError):
                pass
    encoding = _guess_encoding(_MARKUP.sub(b" ", raw) if html else raw) or (_guess_encoding(raw) if html else None)
    if encoding is None:
        raise _Unreadable("binary file")
    try:
        return _check_text(raw.decode(encoding))
    except (LookupError, UnicodeDecodeError):
        raise _Unreadable(f"undecodable text (looked like {encoding})") from None


def _guess_encoding(raw: bytes) -> str | None:
    """charset-normalizer's best guess; on a tie (same chaos and coherence) cp1252, the
    most common legacy encoding, wins, so that the choice does not depend on list order."""
    from charset_normalizer import from_bytes

    if not raw.strip():
        return None
    results = from_bytes(raw)
    best = results.best()
    if best is None:
        return None
    tied = {m.encoding for m in results if m.chaos == best.chaos and m.coherence == best.coherence}
    return "cp1252" if "cp1252" in tied else best.encoding


def _bomless_utf16(raw: bytes) -> str | None:
    if len(raw) % 2:
        return None
    sample = raw[:4096]
    half = len(sample) // 2
    if sample[1::2].count(0) >= 0.6 * half and sample[0::2].count(0) < 0.1 * half:
        return "utf-16-le"
    if sample[0::2].count(0) >= 0.6 * half and sample[1::2].count(0) < 0.1 * half:
        return "utf-16-be"
    return None


def _check_text(text: str) -> str:
    """Reject decoded 'text' that is mostly control characters (a binary file)."""
    if text and len(_CONTROL.findall(text[:65536])) > 0.05 * min(len(text), 65536):
        raise _Unreadable("binary file")
    return text


# --------------------------------------------------------------------------- readers


def _text_reader(raw: bytes) -> str:
    return _newlines(decode(raw))


_TRAFILATURA_CONFIG = None


def _trafilatura_config():
    global _TRAFILATURA_CONFIG
    if _TRAFILATURA_CONFIG is None:
        from trafilatura.settings import use_config

        config = use_config()
        # take the main text even of short pages (the defaults drop anything under 250
        # characters and then fall back to the whole page, navigation included)
        config.set("DEFAULT", "MIN_EXTRACTED_SIZE", "1")
        config.set("DEFAULT", "MIN_OUTPUT_SIZE", "1")
        config.set("DEFAULT", "MIN_FILE_SIZE", "1")
        config.set("DEFAULT", "MAX_FILE_SIZE", str(1 << 30))
        config.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")
        config.set("DEFAULT", "EXTENSIVE_DATE_SEARCH", "off")
        _TRAFILATURA_CONFIG = config
    return _TRAFILATURA_CONFIG


def _html_reader(raw: bytes) -> str:
    import trafilatura
    from trafilatura.baseline import html2txt

    html = decode(raw, html=True)
    try:
        text = trafilatura.extract(
            html,
            config=_trafilatura_config(),
            include_comments=False,
            include_tables=True,
            include_images=False,
            include_links=False,
            with_metadata=False,
            deduplicate=False,
            output_format="txt",
        )
        if not text or not text.strip():
            # no main text found: all visible text (without scripts and styles) instead
            text = html2txt(html)
    except Exception as exc:
        raise _Unreadable(f"HTML could not be read: {type(exc).__name__}: {exc}") from None
    return _newlines(text or "")


def _pdf_reader(raw: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError

    if not raw.lstrip()[:5].startswith(b"%PDF"):
        raise _Unreadable("PDF could not be read: not a PDF file")
    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")  # owner-password-only PDFs open with an empty password
            except (DependencyError, NotImplementedError):
                opened = 0
            if not opened:
                raise _Unreadable("encrypted PDF")
        pages = [page.extract_text() or "" for page in reader.pages]
    except _Unreadable:
        raise
    except FileNotDecryptedError:
        raise _Unreadable("encrypted PDF") from None
    except Exception as exc:
        raise _Unreadable(f"PDF could not be read: {type(exc).__name__}: {exc}") from None
    text = "\n\n".join(page.strip("\n") for page in pages if page.strip())
    if not text.strip():
        raise _Unreadable("PDF has no text layer (scanned?)" if pages else "empty document")
    return _newlines(text)


def _docx_reader(raw: bytes) -> str:
    import docx
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(raw))
        blocks: list[str] = []
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                rows = ("\t".join(cell.text for cell in row.cells) for row in block.rows)
                text = "\n".join(row for row in rows if row.strip())
            else:
                text = block.text
            if text.strip():
                blocks.append(text)
    except Exception as exc:
        raise _Unreadable(f"DOCX could not be read: {type(exc).__name__}: {exc}") from None
    return _newlines("\n\n".join(blocks))


_READERS: dict[str, Callable[[bytes], str]] = {
    "text": _text_reader,
    "html": _html_reader,
    "pdf": _pdf_reader,
    "docx": _docx_reader,
}


def _read_jsonl(doc: InputDocument) -> Iterator[tuple[str, str] | InputError]:
    """One document per line, streamed; bad lines become errors naming the line."""
    try:
        fh = doc.path.open("rb")
    except OSError as exc:
        yield InputError(doc.path, _os_reason(exc), doc.id)
        return
    seen: set[str] = set()
    good = bad = 0
    with fh:
        head = fh.read(8192)
        if b"\x00" in head:
            yield InputError(doc.path, "binary file", doc.id)
            return
        fh.seek(0)
        for number, line in enumerate(fh, 1):
            if number == 1 and line.startswith(codecs.BOM_UTF8):
                line = line[len(codecs.BOM_UTF8):]
            if not line.strip():
                continue
            result = _jsonl_line(doc, number, line, seen)
            if isinstance(result, InputError):
                bad += 1
            else:
                good += 1
            yield result
    if not good and not bad:
        yield InputError(doc.path, "empty document", doc.id)


def _jsonl_line(doc: InputDocument, number: int, line: bytes, seen: set[str]) -> tuple[str, str] | InputError:
    def error(reason: str, doc_id: str | None = None) -> InputError:
        return InputError(doc.path, f"line {number}: {reason}", doc_id)

    try:
        record = json.loads(line.decode("utf-8"))
    except UnicodeDecodeError:
        return error("not valid UTF-8")
    except ValueError as exc:
        return error(f"invalid JSON ({exc})")
    if not isinstance(record, dict):
        return error("not a JSON object")
    key = record.get("id")
    if key is None:
        key = str(number)
    elif isinstance(key, bool) or not isinstance(key, (str, int)) or (isinstance(key, str) and not key.strip()):
        return error("id is not a non-empty string or integer")
    doc_id = f"{doc.id}#{key}"
    if "text" not in record:
        return error("no text field", doc_id)
    text = record["text"]
    if not isinstance(text, str):
        return error("text is not a string", doc_id)
    if not text.strip():
        return error("empty text", doc_id)
    if doc_id in seen:
        return error(f"duplicate id {str(key)!r}", doc_id)
    seen.add(doc_id)
    return doc_id, text


# --------------------------------------------------------------------------- chunks

_PARAGRAPH = re.compile(r"\n[^\S\n]*\n\s*")
_SENTENCE = re.compile(r"[.!?…。！？][\"'”’)\]»]*\s+")
_SPACE = re.compile(r"\s+")


def chunks(text: str, max_length: int) -> list[tuple[int, str]]:
    """`text` cut into pieces of at most `max_length` characters, as (start offset, piece).

    A text no longer than `max_length` is one piece.  Longer texts are cut after a
    blank line (paragraph end) if there is one in the second half of the window, else
    after a sentence end (". ", "? ", ...), else after whitespace, else anywhere in the
    window; only a window without any of these is cut hard at `max_length`.  The pieces
    follow each other without gaps or overlaps (``"".join(pieces) == text`` and each
    start is the previous start plus its length), so an offset in a piece plus the
    piece's start is the offset in the text.
    """
    if max_length < 1:
        raise ValueError("max_length must be at least 1")
    if len(text) <= max_length:
        return [(0, text)]
    pieces: list[tuple[int, str]] = []
    start = 0
    end = len(text)
    while end - start > max_length:
        cut = _cut(text[start:start + max_length], max_length)
        pieces.append((start, text[start:start + cut]))
        start += cut
    pieces.append((start, text[start:]))
    return pieces


def _cut(window: str, max_length: int) -> int:
    """Where to cut a window of `max_length` characters: 1..max_length."""
    half = max_length // 2
    last = 0
    for pattern in (_PARAGRAPH, _SENTENCE, _SPACE):
        last = 0
        for match in pattern.finditer(window):
            last = match.end()
        if last > half:
            return last
    # no boundary in the second half: the last whitespace (the farthest boundary), else hard
    return last or max_length
