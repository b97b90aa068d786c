"""Gold annotation formats: reading others' annotations as schema-v1 documents, and writing ours out.

Every reader returns native document dicts (``{"id", "text", "entities", "relations"}``,
see ANNOTATION.md) plus a `FormatReport`, so scoring and tooling never see a foreign
format. Formats:

- ``native``: schema-v1 JSONL (``documents.read_jsonl``/``write_jsonl``), a file or a
  folder of ``*.jsonl``.
- ``re3d``: a folder with documents.json/entities.json/relations.json, or a parent folder
  of such folders (see /work/shared/re3d/README.md). Read only.
- ``brat``: a folder of ``.txt`` + ``.ann`` standoff files (or one of them).
- ``doccano``: doccano JSONL exports, entities and relations.
- ``docbin``: spaCy ``.spacy`` files (or a folder of them), entities only.

Bad gold input raises `GoldFormatError` naming the file, the line (the document number
for DocBin) and the problem. With ``lenient=True`` a bad item (line, document, entity or
relation) is skipped instead, with a `GoldFormatWarning`, and counted in the report;
relations touching a skipped entity go with it.

Choices:
- Labels are checked against a label space: the schema's for native, BRAT, doccano and
  DocBin; the label map's named gold labels when one is given; any label for re3d (its
  unnamed types are left out by the map and listed in the report instead); any label for
  predictions read with a map (``side="pred"``: unnamed labels are just not entities).
- re3d: annotations with confidence < 0.5 are dropped; of several entity annotations on
  one (begin, end) span the highest confidence wins (the first in the file on a tie); a
  missing ``confidence`` counts as 1. A relation whose endpoint span was annotated but
  dropped (threshold) is dropped too; one whose span has no entity annotation at all is an
  error. ``value``/``source``/``target`` are compared with the text after collapsing white
  space and unifying quote characters, because re3d's values normalise both (a value
  holds "Col. John 'J.D.' Dorrian" where the text has curly double quotes).
- BRAT: discontinuous spans ("0 5;10 15") are warned about and skipped (they have no
  native form); the .ann text field is compared the same loose way (it cannot hold a
  newline). Event, attribute, normalisation and equivalence lines are counted as dropped;
  ``#`` notes are ignored. A ``.txt`` without ``.ann`` is a document with no annotations.
  Doc id = the ``.txt`` path relative to the folder without ``.txt`` ("sub/doc1").
- doccano: doc id = ``doc_id`` when present (our writer puts the native id there), else
  the export's ``id``; entity ids become ``e<doccano id>``.
- DocBin writer: tokenised with ``spacy.blank("en")``; a span that does not fall on token
  boundaries is warned about and skipped rather than expanded (``alignment_mode="expand"``
  would store a span the annotator did not choose, and strict scoring against it would be
  wrong without anyone noticing); overlapping spans (``doc.ents`` cannot hold them) are
  skipped the same way. Doc and entity ids travel in ``user_data["id"]`` and ``Span.id_``.
"""
from __future__ import annotations

import json
import os
import re
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .documents import GoldFormatError, atomic_writer, json_lines, write_jsonl
from .labelmaps import LabelMap
from ..schema import ENTITY_LABELS, RELATION_LABELS, RELATION_TYPES, relation_allowed

__all__ = [
    "FORMATS",
    "RE3D_THRESHOLD",
    "FormatReport",
    "GoldFormatWarning",
    "LabelSpace",
    "detect_format",
    "read_documents",
    "write_documents",
    "read_native",
    "read_re3d",
    "read_brat",
    "read_doccano",
    "read_docbin",
    "write_brat",
    "write_doccano",
    "write_docbin",
    "to_doccano",
]

PathLike = str | os.PathLike[str]
FORMATS: tuple[str, ...] = ("native", "re3d", "brat", "doccano", "docbin")
RE3D_THRESHOLD = 0.5
RE3D_FILES = ("documents.json", "entities.json", "relations.json")


class GoldFormatWarning(UserWarning):
    """An annotation skipped while reading or writing (lenient mode, or unrepresentable)."""


@dataclass
class FormatReport:
    """What a read or write kept, skipped and left out, so a score can be read in context.

    ``problems``: items skipped as bad input (lenient mode) or unrepresentable (warnings),
    by kind. ``dropped``: items left out by design (re3d threshold and duplicate spans,
    unsupported BRAT lines). ``labels_left_out``: labels the label map does not name, with
    how many annotations carried them.
    """

    path: str = ""
    format: str = ""
    documents: int = 0
    entities: int = 0
    relations: int = 0
    problems: Counter[str] = field(default_factory=Counter)
    dropped: Counter[str] = field(default_factory=Counter)
    labels_left_out: Counter[str] = field(default_factory=Counter)
    messages: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "format": self.format,
            "documents": self.documents,
            "entities": self.entities,
            "relations": self.relations,
            "problems": dict(self.problems),
            "dropped": dict(self.dropped),
            "labels_left_out": dict(self.labels_left_out),
            "messages": list(self.messages),
        }


@dataclass(frozen=True)
class LabelSpace:
    """The labels a reader accepts; None means any label is known."""

    entities: frozenset[str] | None = None
    relations: frozenset[str] | None = None

    @classmethod
    def schema(cls) -> LabelSpace:
        return cls(frozenset(ENTITY_LABELS), frozenset(RELATION_LABELS))

    @classmethod
    def any(cls) -> LabelSpace:
        return cls(None, None)


# ---------------------------------------------------------------------------
# problem handling shared by the readers

Where = tuple[PathLike, int]


class _Ctx:
    """Bad input raises unless lenient (then recorded, warned about and skipped); what a
    format cannot carry, or the schema forbids, is warned about unless strict (then raised)."""

    def __init__(self, report: FormatReport, lenient: bool, strict: bool = False) -> None:
        self.report = report
        self.lenient = lenient
        self.strict = strict
        # doc id -> (file, line) where it was read, for messages about the document later
        self.where: dict[str, Where] = {}

    def problem(self, kind: str, path: PathLike, line: int, problem: str, doc_id: str | None = None) -> None:
        error = GoldFormatError(path, line, problem, doc_id)
        if not self.lenient:
            raise error
        self.warn_only(kind, str(error))

    def warn(self, kind: str, path: PathLike, line: int, problem: str, doc_id: str | None = None) -> None:
        """Something the format cannot carry or the schema forbids: a warning, an error when strict."""
        error = GoldFormatError(path, line, problem, doc_id)
        if self.strict:
            raise error
        self.warn_only(kind, str(error))

    def warn_only(self, kind: str, message: str) -> None:
        self.report.problems[kind] += 1
        self.report.messages.append(message)
        warnings.warn(message, GoldFormatWarning, stacklevel=4)

    def new_doc_id(self, doc_id: str, path: PathLike, line: int) -> bool:
        """False (after a problem) when the id was already read, in this file or another."""
        if doc_id in self.where:
            first = "%s:%d" % self.where[doc_id]
            self.problem("duplicate_id", path, line, f"duplicate document id (first seen at {first})", doc_id)
            return False
        self.where[doc_id] = (path, line)
        return True


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


_QUOTES = str.maketrans({c: '"' for c in "'\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u201f\u00ab\u00bb`\u00b4"})


def _loose(text: str) -> str:
    """Comparison form for stored span texts that normalise white space and quotes."""
    return " ".join(text.translate(_QUOTES).split())


def _check_doc(
    doc: dict[str, Any],
    ent_where: list[Where],
    rel_where: list[Where],
    space: LabelSpace,
    ctx: _Ctx,
    *,
    loose_text: bool = False,
    set_text: bool = False,
    dropped_ids: Iterable[str] = (),
) -> dict[str, Any]:
    """Validate a native-shaped document built by a reader; returns it with bad items removed.

    `ent_where`/`rel_where` give each item's source file and line for the messages.
    `dropped_ids` are entity ids already left out by design: relations to them go quietly.
    """
    doc_id: str = doc["id"]
    text: str = doc["text"]
    gone = set(dropped_ids)
    kept_ents: list[dict[str, Any]] = []
    ids: set[str] = set()
    for i, (ent, (path, line)) in enumerate(zip(doc["entities"], ent_where)):

        def bad(kind: str, problem: str) -> None:
            ctx.problem(kind, path, line, problem, doc_id)
            if isinstance(ent, dict) and isinstance(ent.get("id"), str):
                gone.add(ent["id"])

        if not isinstance(ent, dict):
            bad("bad_entity", f"entity #{i} must be an object, got {type(ent).__name__}")
            continue
        missing = [k for k in ("id", "start", "end", "label") if k not in ent]
        if missing:
            bad("bad_entity", f"entity #{i} missing {', '.join(map(repr, missing))}")
            continue
        eid, start, end, label = ent["id"], ent["start"], ent["end"], ent["label"]
        if not isinstance(eid, str):
            bad("bad_entity", f"entity #{i} 'id' must be a string, got {eid!r}")
            continue
        if eid in ids:
            bad("duplicate_id", f"duplicate entity id {eid}")
            gone.discard(eid)  # the first one with this id stands
            continue
        if not (_is_int(start) and _is_int(end)):
            bad("offsets", f"entity {eid} offsets must be integers, got {start!r}-{end!r}")
            continue
        if start < 0 or end > len(text):
            bad("offsets", f"entity {eid} offsets {start}-{end} outside text of length {len(text)}")
            continue
        if start >= end:
            bad("offsets", f"entity {eid} offsets {start}-{end} are empty or reversed")
            continue
        if not isinstance(label, str) or (space.entities is not None and label not in space.entities):
            bad("unknown_label", f"entity {eid} has unknown label {label!r}")
            continue
        span = text[start:end]
        stored = ent.get("text")
        if stored is not None and stored != span and not (loose_text and _loose(str(stored)) == _loose(span)):
            bad("text_mismatch", f"entity {eid} text {stored!r} does not match text[{start}:{end}] {span!r}")
            continue
        if set_text:
            ent = {**ent, "text": span}
        ids.add(eid)
        kept_ents.append(ent)

    kept_rels: list[dict[str, Any]] = []
    for i, (rel, (path, line)) in enumerate(zip(doc["relations"], rel_where)):
        if not isinstance(rel, dict):
            ctx.problem("bad_relation", path, line, f"relation #{i} must be an object, got {type(rel).__name__}", doc_id)
            continue
        missing = [k for k in ("head", "tail", "label") if k not in rel]
        if missing:
            ctx.problem("bad_relation", path, line, f"relation #{i} missing {', '.join(map(repr, missing))}", doc_id)
            continue
        label = rel["label"]
        if not isinstance(label, str) or (space.relations is not None and label not in space.relations):
            ctx.problem("unknown_label", path, line, f"relation #{i} has unknown label {label!r}", doc_id)
            continue
        ends = [rel["head"], rel["tail"]]
        if any(ref in gone and ref not in ids for ref in ends):
            ctx.report.dropped["relation_to_dropped_entity"] += 1
            continue
        bad_refs = [f"{key} {ref!r}" for key, ref in zip(("head", "tail"), ends) if ref not in ids]
        if bad_refs:
            ctx.problem("missing_entity", path, line, f"relation #{i} ({label}) {' and '.join(bad_refs)} is not an entity of the document", doc_id)
            continue
        kept_rels.append(rel)
    return {**doc, "entities": kept_ents, "relations": kept_rels}


def _json_lines(path: Path, ctx: _Ctx) -> Iterator[tuple[int, Any]]:
    """(line number, parsed value) per non-blank line; bad JSON is a problem on its line."""
    for lineno, value, problem in json_lines(path):
        if problem is not None:
            ctx.problem("invalid_json", path, lineno, problem)
            continue
        yield lineno, value


def _doc_head(
    obj: Any, path: Path, line: int, ctx: _Ctx, id_keys: tuple[str, ...], default_id: str | None, int_ids: bool = False
) -> tuple[str, str] | None:
    """A line's document id and text, or None (after a problem) when they are unusable.

    ``int_ids``: accept integer ids (doccano's database ids) as their decimal string."""
    if not isinstance(obj, dict):
        ctx.problem("bad_document", path, line, f"expected a JSON object, got {type(obj).__name__}")
        return None
    key = next((k for k in id_keys if obj.get(k) is not None), id_keys[0])
    doc_id: Any = obj[key] if obj.get(key) is not None else default_id
    if doc_id is None:
        ctx.problem("bad_document", path, line, f"missing {' or '.join(map(repr, id_keys))}")
        return None
    if int_ids and _is_int(doc_id):
        doc_id = str(doc_id)
    if not isinstance(doc_id, str) or not doc_id:
        ctx.problem("bad_document", path, line, f"{key!r} must be a string, not empty, got {doc_id!r}")
        return None
    if "text" not in obj:
        ctx.problem("bad_document", path, line, "missing 'text'", doc_id)
        return None
    text = obj["text"]
    if not isinstance(text, str):
        ctx.problem("bad_document", path, line, f"'text' must be a string, got {type(text).__name__}", doc_id)
        return None
    return doc_id, text


def _list_field(obj: dict[str, Any], key: str, path: Path, line: int, doc_id: str, ctx: _Ctx) -> list[Any]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        ctx.problem("bad_document", path, line, f"{key!r} must be a list, got {type(value).__name__}", doc_id)
        return []
    return value


def _files(path: Path, suffix: str) -> list[Path]:
    if path.is_dir():
        files = sorted(p for p in path.glob(f"*{suffix}") if p.is_file())
        if not files:
            raise FileNotFoundError(f"{path}: no {suffix} files")
        return files
    return [path]


# ---------------------------------------------------------------------------
# native


def read_native(path: PathLike, *, lenient: bool = False, space: LabelSpace | None = None, _ctx: _Ctx | None = None) -> tuple[list[dict[str, Any]], FormatReport]:
    """Schema-v1 JSONL (a file, or a folder of *.jsonl)."""
    path = Path(path)
    space = space or LabelSpace.schema()
    ctx = _ctx or _Ctx(FormatReport(str(path), "native"), lenient)
    docs: list[dict[str, Any]] = []
    for file in _files(path, ".jsonl"):
        for line, obj in _json_lines(file, ctx):
            doc = _native_doc(obj, file, line, space, ctx)
            if doc is not None and ctx.new_doc_id(doc["id"], file, line):
                docs.append(doc)
    return docs, ctx.report


def _native_doc(obj: Any, path: PathLike, line: int, space: LabelSpace, ctx: _Ctx) -> dict[str, Any] | None:
    """One schema-v1 document checked (None, after a problem, when it is unusable)."""
    head = _doc_head(obj, Path(path), line, ctx, ("id",), None)
    if head is None:
        return None
    doc_id, _ = head
    ents = _list_field(obj, "entities", Path(path), line, doc_id, ctx)
    rels = _list_field(obj, "relations", Path(path), line, doc_id, ctx)
    return _check_doc({**obj, "entities": ents, "relations": rels}, [(path, line)] * len(ents), [(path, line)] * len(rels), space, ctx)


def check_native(doc: Any, path: PathLike, line: int) -> None:
    """Raise `GoldFormatError` at the first problem of one schema-v1 document: the checks
    every reader applies (`documents.read_jsonl` uses this too, so there is one validator)."""
    _native_doc(doc, path, line, LabelSpace.schema(), _Ctx(FormatReport(str(path), "native"), lenient=False))


# ---------------------------------------------------------------------------
# re3d


def _re3d_folders(path: Path) -> list[Path]:
    if (path / "documents.json").is_file():
        return [path]
    folders = sorted(p for p in path.iterdir() if p.is_dir() and (p / "documents.json").is_file())
    if not folders:
        raise FileNotFoundError(f"{path}: not a re3d folder (no documents.json here or in a sub-folder)")
    return folders


def _confidence(obj: dict[str, Any]) -> float | None:
    value = obj.get("confidence", 1)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def read_re3d(path: PathLike, *, lenient: bool = False, space: LabelSpace | None = None, _ctx: _Ctx | None = None) -> tuple[list[dict[str, Any]], FormatReport]:
    """A re3d folder, or a folder of them; see the module docstring for the rules."""
    path = Path(path)
    if path.is_file():
        path = path.parent
    space = space or LabelSpace.any()
    ctx = _ctx or _Ctx(FormatReport(str(path), "re3d"), lenient)
    docs: list[dict[str, Any]] = []
    for folder in _re3d_folders(path):
        docs.extend(_read_re3d_folder(folder, space, ctx))
    return docs, ctx.report


def _read_re3d_folder(folder: Path, space: LabelSpace, ctx: _Ctx) -> list[dict[str, Any]]:
    doc_file, ent_file, rel_file = (folder / name for name in RE3D_FILES)
    texts: dict[str, str] = {}
    order: list[str] = []
    for line, obj in _json_lines(doc_file, ctx):
        head = _doc_head(obj, doc_file, line, ctx, ("_id",), None)
        if head is None or not ctx.new_doc_id(head[0], doc_file, line):
            continue
        texts[head[0]] = head[1]
        order.append(head[0])

    # (doc, begin, end) -> best (confidence, line, type, value); `annotated` remembers every
    # span seen, so a relation to a dropped span is told apart from one to nothing.
    best: dict[tuple[str, int, int], tuple[float, int, str, Any]] = {}
    annotated: set[tuple[str, int, int]] = set()
    for line, obj in _json_lines(ent_file, ctx) if ent_file.is_file() else ():
        key = _re3d_span(obj, ent_file, line, ("begin", "end"), texts, ctx)
        if key is None:
            continue
        conf = _confidence(obj)
        label = obj.get("type")
        if conf is None or not isinstance(label, str):
            ctx.problem("bad_entity", ent_file, line, "entity needs a string 'type' and a numeric 'confidence'", key[0])
            continue
        annotated.add(key)
        if conf < RE3D_THRESHOLD:
            ctx.report.dropped["below_threshold"] += 1
            continue
        if key in best:
            ctx.report.dropped["duplicate_span"] += 1
            if conf <= best[key][0]:
                continue
        best[key] = (conf, line, label, obj.get("value"))

    by_doc: dict[str, dict[str, Any]] = {d: {"id": d, "text": texts[d], "entities": [], "relations": []} for d in order}
    where: dict[str, tuple[list[Where], list[Where]]] = {d: ([], []) for d in order}
    span_ids: dict[tuple[str, int, int], str] = {}
    counters: Counter[str] = Counter()
    for key in sorted(best, key=lambda k: (k[1], k[2])):
        doc_id, begin, end = key
        _, line, label, value = best[key]
        counters[doc_id] += 1
        eid = f"e{counters[doc_id]}"
        span_ids[key] = eid
        ent: dict[str, Any] = {"id": eid, "start": begin, "end": end, "label": label}
        if value is not None:
            ent["text"] = value
        by_doc[doc_id]["entities"].append(ent)
        where[doc_id][0].append((ent_file, line))

    seen_rels: set[tuple[str, str, str, str]] = set()
    dropped_ids: dict[str, set[str]] = {d: set() for d in order}
    for line, obj in _json_lines(rel_file, ctx) if rel_file.is_file() else ():
        src = _re3d_span(obj, rel_file, line, ("sourceBegin", "sourceEnd"), texts, ctx)
        if src is None:
            continue
        tgt = _re3d_span(obj, rel_file, line, ("targetBegin", "targetEnd"), texts, ctx)
        if tgt is None:
            continue
        doc_id = src[0]
        conf = _confidence(obj)
        label = obj.get("type")
        if conf is None or not isinstance(label, str):
            ctx.problem("bad_relation", rel_file, line, "relation needs a string 'type' and a numeric 'confidence'", doc_id)
            continue
        if conf < RE3D_THRESHOLD:
            ctx.report.dropped["below_threshold"] += 1
            continue
        text = texts[doc_id]
        mismatch = next(
            (
                f"relation {name} {obj.get(name)!r} does not match text[{k[1]}:{k[2]}] {text[k[1]:k[2]]!r}"
                for name, k in (("source", src), ("target", tgt))
                if obj.get(name) is not None and _loose(str(obj[name])) != _loose(text[k[1]:k[2]])
            ),
            None,
        )
        if mismatch:
            ctx.problem("text_mismatch", rel_file, line, mismatch, doc_id)
            continue
        ends: list[str] = []
        for name, k in (("source", src), ("target", tgt)):
            if k in span_ids:
                ends.append(span_ids[k])
            elif k in annotated:
                ends.append(f"dropped:{k[1]}-{k[2]}")
                dropped_ids[doc_id].add(ends[-1])
            else:
                ends.append(f"{name} span {k[1]}-{k[2]}")
        fact = (doc_id, ends[0], label, ends[1])
        if fact in seen_rels:
            ctx.report.dropped["duplicate_relation"] += 1
            continue
        seen_rels.add(fact)
        by_doc[doc_id]["relations"].append({"head": ends[0], "tail": ends[1], "label": label})
        where[doc_id][1].append((rel_file, line))

    return [
        _check_doc(by_doc[d], *where[d], space, ctx, loose_text=True, set_text=True, dropped_ids=dropped_ids[d])
        for d in order
    ]


def _re3d_span(obj: Any, path: Path, line: int, keys: tuple[str, str], texts: Mapping[str, str], ctx: _Ctx) -> tuple[str, int, int] | None:
    """(documentId, begin, end) of an annotation line, or None after a problem."""
    if not isinstance(obj, dict):
        ctx.problem("bad_document", path, line, f"expected a JSON object, got {type(obj).__name__}")
        return None
    doc_id = obj.get("documentId")
    if doc_id not in texts:
        ctx.problem("unknown_document", path, line, f"documentId {doc_id!r} is not in documents.json")
        return None
    begin, end = obj.get(keys[0]), obj.get(keys[1])
    if not (_is_int(begin) and _is_int(end)):
        ctx.problem("offsets", path, line, f"{keys[0]}/{keys[1]} must be integers, got {begin!r}-{end!r}", doc_id)
        return None
    if begin < 0 or end > len(texts[doc_id]) or begin >= end:
        ctx.problem("offsets", path, line, f"offsets {begin}-{end} outside text of length {len(texts[doc_id])} or empty", doc_id)
        return None
    return doc_id, begin, end


# ---------------------------------------------------------------------------
# BRAT


_BRAT_UNSUPPORTED = ("E", "A", "M", "N", "*")


def _brat_pairs(path: Path) -> tuple[Path, list[Path]]:
    """The root folder ids are relative to, and the .txt files to read."""
    if path.is_dir():
        txts = sorted(p for p in path.rglob("*.txt") if p.is_file())
        if not txts and not any(path.rglob("*.ann")):
            raise FileNotFoundError(f"{path}: no .txt/.ann files")
        return path, txts
    return path.parent, [path.with_suffix(".txt")]


def read_brat(path: PathLike, *, lenient: bool = False, space: LabelSpace | None = None, _ctx: _Ctx | None = None) -> tuple[list[dict[str, Any]], FormatReport]:
    """BRAT standoff: a folder of .txt/.ann pairs (searched recursively), or one .txt/.ann."""
    path = Path(path)
    space = space or LabelSpace.schema()
    ctx = _ctx or _Ctx(FormatReport(str(path), "brat"), lenient)
    root, txts = _brat_pairs(path)
    docs: list[dict[str, Any]] = []
    if path.is_dir():
        for ann in sorted(path.rglob("*.ann")):
            if not ann.with_suffix(".txt").is_file():
                ctx.problem("bad_document", ann, 1, "no .txt beside this .ann, so its offsets mean nothing")
    for txt in txts:
        ann = txt.with_suffix(".ann")
        doc_id = txt.relative_to(root).with_suffix("").as_posix()
        if not txt.is_file():
            ctx.problem("bad_document", ann, 1, "no .txt beside this .ann, so its offsets mean nothing", doc_id)
            continue
        try:
            with open(txt, encoding="utf-8", newline="") as fh:
                text = fh.read()
        except UnicodeDecodeError as exc:
            ctx.problem("bad_document", txt, 1, f"not valid UTF-8 ({exc.reason} at byte {exc.start})", doc_id)
            continue
        if not ctx.new_doc_id(doc_id, txt, 1):
            continue
        doc: dict[str, Any] = {"id": doc_id, "text": text, "entities": [], "relations": []}
        ent_where: list[Where] = []
        rel_where: list[Where] = []
        skipped: set[str] = set()
        if ann.is_file():
            _parse_ann(ann, doc, ent_where, rel_where, skipped, ctx)
        docs.append(_check_doc(doc, ent_where, rel_where, space, ctx, loose_text=True, set_text=True, dropped_ids=skipped))
    return docs, ctx.report


def _parse_ann(ann: Path, doc: dict[str, Any], ent_where: list[Where], rel_where: list[Where], skipped: set[str], ctx: _Ctx) -> None:
    doc_id = doc["id"]
    try:
        with open(ann, encoding="utf-8", newline="") as fh:
            lines = fh.read().split("\n")
    except UnicodeDecodeError as exc:
        ctx.problem("bad_document", ann, 1, f"not valid UTF-8 ({exc.reason} at byte {exc.start})", doc_id)
        return
    for lineno, line in enumerate(lines, start=1):
        line = line.rstrip("\r")
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        ann_id = parts[0]
        if ann_id.startswith("T"):
            if len(parts) < 2 or len(parts[1].split(" ", 1)) < 2:
                ctx.problem("bad_entity", ann, lineno, f"malformed entity line {line!r}", doc_id)
                continue
            label, offsets = parts[1].split(" ", 1)
            if ";" in offsets:
                ctx.warn("discontinuous_span", ann, lineno, f"entity {ann_id} has a discontinuous span {offsets!r}: skipped", doc_id)
                skipped.add(ann_id)
                continue
            nums = offsets.split()
            if len(nums) != 2 or not all(n.isdigit() for n in nums):
                ctx.problem("offsets", ann, lineno, f"entity {ann_id} offsets {offsets!r} are not two integers", doc_id)
                skipped.add(ann_id)
                continue
            ent: dict[str, Any] = {"id": ann_id, "start": int(nums[0]), "end": int(nums[1]), "label": label}
            if len(parts) > 2:
                ent["text"] = parts[2]
            doc["entities"].append(ent)
            ent_where.append((ann, lineno))
        elif ann_id.startswith("R"):
            fields = parts[1].split() if len(parts) > 1 else []
            args = dict(f.split(":", 1) for f in fields[1:] if ":" in f)
            if not fields or "Arg1" not in args or "Arg2" not in args:
                ctx.problem("bad_relation", ann, lineno, f"malformed relation line {line!r} (want 'R1<TAB>Label Arg1:T1 Arg2:T2')", doc_id)
                continue
            doc["relations"].append({"head": args["Arg1"], "tail": args["Arg2"], "label": fields[0]})
            rel_where.append((ann, lineno))
        elif ann_id.startswith(_BRAT_UNSUPPORTED):
            ctx.report.dropped["unsupported_annotation"] += 1
        else:
            ctx.problem("bad_line", ann, lineno, f"unrecognised annotation line {line!r}", doc_id)


def _safe_relpath(doc_id: str) -> Path:
    """A doc id as a relative file path; ids that would escape the folder are refused."""
    rel = Path(doc_id)
    if not doc_id or rel.is_absolute() or any(part in ("", ".", "..") for part in doc_id.split("/")) or "\\" in doc_id or "\0" in doc_id:
        raise ValueError(f"document id {doc_id!r} cannot be used as a BRAT file name")
    return rel


def write_brat(docs: Iterable[Mapping[str, Any]], folder: PathLike) -> FormatReport:
    """One ``<id>.txt`` and ``<id>.ann`` per document (ids with '/' make sub-folders)."""
    folder = Path(folder)
    report = FormatReport(str(folder), "brat")
    for doc in docs:
        rel = _safe_relpath(doc["id"])
        txt = folder / f"{rel.as_posix()}.txt"
        txt.parent.mkdir(parents=True, exist_ok=True)
        text: str = doc["text"]
        lines: list[str] = []
        tids: dict[str, str] = {}
        for i, ent in enumerate(doc.get("entities") or [], start=1):
            tids[ent["id"]] = f"T{i}"
            span = re.sub(r"[\t\r\n]", " ", text[ent["start"]:ent["end"]])
            lines.append(f"T{i}\t{ent['label']} {ent['start']} {ent['end']}\t{span}")
        for i, rel_ in enumerate(doc.get("relations") or [], start=1):
            if rel_["head"] not in tids or rel_["tail"] not in tids:
                raise ValueError(f"doc {doc['id']!r}: relation {rel_['label']} points to a missing entity")
            lines.append(f"R{i}\t{rel_['label']} Arg1:{tids[rel_['head']]} Arg2:{tids[rel_['tail']]}")
        with atomic_writer(txt, "wb") as fh:
            fh.write(text.encode("utf-8"))
        with atomic_writer(txt.with_suffix(".ann"), "wb") as fh:
            fh.write("".join(f"{line}\n" for line in lines).encode("utf-8"))
        report.documents += 1
        report.entities += len(tids)
        report.relations += len(doc.get("relations") or [])
    return report


# ---------------------------------------------------------------------------
# doccano


def read_doccano(path: PathLike, *, lenient: bool = False, space: LabelSpace | None = None, _ctx: _Ctx | None = None) -> tuple[list[dict[str, Any]], FormatReport]:
    """doccano JSONL: ``entities``/``relations`` exports, or the older ``label: [[s, e, L]]``."""
    path = Path(path)
    space = space or LabelSpace.schema()
    ctx = _ctx or _Ctx(FormatReport(str(path), "doccano"), lenient)
    docs: list[dict[str, Any]] = []
    for file in _files(path, ".jsonl"):
        for line, obj in _json_lines(file, ctx):
            head = _doc_head(obj, file, line, ctx, ("doc_id", "id"), f"{file.stem}:{line}", int_ids=True)
            if head is None or not ctx.new_doc_id(head[0], file, line):
                continue
            doc_id, text = head
            ents: list[Any] = []
            if "entities" in obj:
                for ent in _list_field(obj, "entities", file, line, doc_id, ctx):
                    if not isinstance(ent, dict) or ent.get("id") is None:
                        ctx.problem("bad_entity", file, line, f"entity must be an object with an 'id', got {ent!r}", doc_id)
                        continue
                    ents.append({"id": f"e{ent['id']}", "start": ent.get("start_offset"), "end": ent.get("end_offset"), "label": ent.get("label")})
            else:
                key = "label" if "label" in obj else "labels"
                for i, item in enumerate(_list_field(obj, key, file, line, doc_id, ctx), start=1):
                    if not (isinstance(item, list) and len(item) == 3):
                        ctx.problem("bad_entity", file, line, f"{key!r} item {item!r} is not [start, end, label]", doc_id)
                        continue
                    ents.append({"id": f"e{i}", "start": item[0], "end": item[1], "label": item[2]})
            rels: list[Any] = []
            for rel in _list_field(obj, "relations", file, line, doc_id, ctx):
                if not isinstance(rel, dict) or any(k not in rel for k in ("from_id", "to_id", "type")):
                    ctx.problem("bad_relation", file, line, f"relation must have 'from_id', 'to_id' and 'type', got {rel!r}", doc_id)
                    continue
                rels.append({"head": f"e{rel['from_id']}", "tail": f"e{rel['to_id']}", "label": rel["type"]})
            doc = {"id": doc_id, "text": text, "entities": ents, "relations": rels}
            docs.append(
                _check_doc(doc, [(file, line)] * len(ents), [(file, line)] * len(rels), space, ctx, set_text=True)
            )
    return docs, ctx.report


def to_doccano(docs: Iterable[Mapping[str, Any]]) -> Iterator[dict[str, Any]]:
    """doccano's relation-extraction form; entity/relation ids are unique across the file."""
    next_ent = next_rel = 1
    for doc in docs:
        ids: dict[str, int] = {}
        ents = []
        for ent in doc.get("entities") or []:
            ids[ent["id"]] = next_ent
            ents.append({"id": next_ent, "label": ent["label"], "start_offset": ent["start"], "end_offset": ent["end"]})
            next_ent += 1
        rels = []
        for rel in doc.get("relations") or []:
            if rel["head"] not in ids or rel["tail"] not in ids:
                raise ValueError(f"doc {doc['id']!r}: relation {rel['label']} points to a missing entity")
            rels.append({"id": next_rel, "from_id": ids[rel["head"]], "to_id": ids[rel["tail"]], "type": rel["label"]})
            next_rel += 1
        # doccano keeps unknown keys as metadata; its own "id" is a database number.
        yield {"doc_id": doc["id"], "text": doc["text"], "entities": ents, "relations": rels}


def write_doccano(docs: Iterable[Mapping[str, Any]], path: PathLike) -> FormatReport:
    """doccano JSONL, written atomically through ``documents.write_jsonl``."""
    docs = list(docs)
    write_jsonl(to_doccano(docs), path)
    return _counted(FormatReport(str(path), "doccano"), docs)


# ---------------------------------------------------------------------------
# spaCy DocBin

_BLANK: Any = None


def _blank() -> Any:
    """A blank English pipeline: tokenizer and vocab only, made once."""
    global _BLANK
    if _BLANK is None:
        import spacy

        _BLANK = spacy.blank("en")
    return _BLANK


def read_docbin(path: PathLike, *, lenient: bool = False, space: LabelSpace | None = None, _ctx: _Ctx | None = None) -> tuple[list[dict[str, Any]], FormatReport]:
    """A ``.spacy`` file (or a folder of them): ``doc.ents`` as entities, no relations."""
    from spacy.tokens import DocBin

    path = Path(path)
    space = space or LabelSpace.schema()
    ctx = _ctx or _Ctx(FormatReport(str(path), "docbin"), lenient)
    docs: list[dict[str, Any]] = []
    for file in _files(path, ".spacy"):
        try:
            spacy_docs = list(DocBin().from_disk(file).get_docs(_blank().vocab))
        except Exception as exc:  # spaCy raises assorted errors on a foreign file
            raise GoldFormatError(file, 0, f"not a spaCy DocBin ({type(exc).__name__}: {exc})") from exc
        for number, sdoc in enumerate(spacy_docs, start=1):
            doc_id = sdoc.user_data.get("id") if isinstance(sdoc.user_data, dict) else None
            doc_id = doc_id if isinstance(doc_id, str) and doc_id else f"{file.stem}:{number}"
            if not ctx.new_doc_id(doc_id, file, number):
                continue
            ents = [
                {"id": ent.id_ or f"e{i}", "start": ent.start_char, "end": ent.end_char, "label": ent.label_}
                for i, ent in enumerate(sdoc.ents, start=1)
            ]
            doc = {"id": doc_id, "text": sdoc.text, "entities": ents, "relations": []}
            docs.append(_check_doc(doc, [(file, number)] * len(ents), [], space, ctx, set_text=True))
    return docs, ctx.report


def write_docbin(docs: Iterable[Mapping[str, Any]], path: PathLike, *, strict: bool = False) -> FormatReport:
    """Entities as ``doc.ents`` of a ``.spacy`` file; see the module docstring for alignment.

    What it cannot hold (misaligned or overlapping spans, relations) is warned about, or
    with ``strict`` stops the write before anything is written."""
    from spacy.tokens import DocBin

    path = Path(path)
    report = FormatReport(str(path), "docbin")
    ctx = _Ctx(report, lenient=True, strict=strict)
    nlp = _blank()
    bin_ = DocBin(store_user_data=True)
    lost_relations = 0
    for number, doc in enumerate(docs, start=1):
        sdoc = nlp.make_doc(doc["text"])
        sdoc.user_data["id"] = doc["id"]
        spans = []
        taken: set[int] = set()
        for ent in sorted(doc.get("entities") or [], key=lambda e: (e["start"], -e["end"])):
            span = sdoc.char_span(ent["start"], ent["end"], label=ent["label"])
            if span is None:
                ctx.warn("misaligned_span", path, number, f"entity {ent['id']} {ent['start']}-{ent['end']} does not fall on token boundaries: skipped", doc["id"])
                continue
            if taken & set(range(span.start, span.end)):
                ctx.warn("overlapping_span", path, number, f"entity {ent['id']} {ent['start']}-{ent['end']} overlaps another entity: skipped", doc["id"])
                continue
            taken.update(range(span.start, span.end))
            span.id_ = ent["id"]
            spans.append(span)
        sdoc.ents = sorted(spans, key=lambda s: s.start)
        if doc.get("relations"):
            if strict:
                ctx.warn("relations_not_written", path, number, "a DocBin holds entities only, not relations", doc["id"])
            lost_relations += len(doc["relations"])
        bin_.add(sdoc)
        report.documents += 1
        report.entities += len(spans)
    if lost_relations:
        ctx.warn_only("relations_not_written", f"{path}: {lost_relations} relations not written: a DocBin holds entities only")
        report.problems["relations_not_written"] += lost_relations - 1
    with atomic_writer(path, "wb") as fh:
        fh.write(bin_.to_bytes())
    return report


# ---------------------------------------------------------------------------
# detection, dispatch


def _sniff_jsonl(path: Path, max_lines: int = 100) -> str:
    """native or doccano from the first decisive lines; native when nothing decides
    (lines that are not JSON are left for the native reader to report)."""
    with open(path, "rb") as fh:
        for number, raw in enumerate(fh):
            if number >= max_lines:
                break
            try:
                obj = json.loads(raw.decode("utf-8-sig"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                continue
            if not isinstance(obj, dict):
                continue
            ents = obj.get("entities") if isinstance(obj.get("entities"), list) else []
            rels = obj.get("relations") if isinstance(obj.get("relations"), list) else []
            if any(isinstance(e, dict) and "start_offset" in e for e in ents) or any(
                isinstance(r, dict) and "from_id" in r for r in rels
            ):
                return "doccano"
            if any(isinstance(e, dict) and "start" in e for e in ents) or any(isinstance(r, dict) and "head" in r for r in rels):
                return "native"
            if "label" in obj or "labels" in obj or "doc_id" in obj or _is_int(obj.get("id")):
                return "doccano"
            if isinstance(obj.get("id"), str):
                return "native"
    return "native"


def detect_format(path: PathLike) -> str:
    """Which of `FORMATS` a path holds, from folder contents, suffix or first lines."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file or folder")
    if path.is_dir():
        if (path / "documents.json").is_file() or any(
            (p / "documents.json").is_file() for p in path.iterdir() if p.is_dir()
        ):
            return "re3d"
        if any(path.rglob("*.ann")):
            return "brat"
        if any(path.glob("*.spacy")):
            return "docbin"
        jsonl = sorted(path.glob("*.jsonl"))
        if jsonl:
            return _sniff_jsonl(jsonl[0])
        if any(path.rglob("*.txt")):
            return "brat"
        raise ValueError(f"{path}: cannot tell the annotation format of this folder")
    suffix = path.suffix.lower()
    if suffix == ".spacy":
        return "docbin"
    if suffix in (".ann", ".txt"):
        return "brat"
    if path.name in RE3D_FILES and all((path.parent / n).is_file() for n in RE3D_FILES[:2]):
        return "re3d"
    return _sniff_jsonl(path)


_READERS: dict[str, Callable[..., tuple[list[dict[str, Any]], FormatReport]]] = {
    "native": read_native,
    "re3d": read_re3d,
    "brat": read_brat,
    "doccano": read_doccano,
    "docbin": read_docbin,
}


def _space_for(fmt: str, label_map: LabelMap | None, side: str) -> LabelSpace:
    if side == "pred":
        return LabelSpace.any() if label_map is not None else LabelSpace.schema()
    if fmt == "re3d":
        return LabelSpace.any()
    if label_map is not None:
        named = label_map.gold_source_labels()
        if named is not None:
            return LabelSpace(*named)
    return LabelSpace.schema()


_SCHEMA_PROBLEMS = {
    "double_label": "spans annotated twice with different labels",
    "overlapping_span": "spans overlapping another span",
    "relation_type": "relations whose head/tail labels the schema's relation table forbids",
    "self_relation": "relations from an entity to itself",
}


def _schema_problems(doc: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(kind, problem) for what a well-formed document may still get wrong against the
    schema: spans must be flat and singly labelled, relations typed as its table says."""
    ents = sorted(doc.get("entities") or [], key=lambda e: (e["start"], -e["end"]))
    reach: dict[str, Any] | None = None  # the entity reaching furthest right so far
    for ent in ents:
        if reach is not None and ent["start"] < reach["end"]:
            if (ent["start"], ent["end"]) == (reach["start"], reach["end"]):
                if ent["label"] != reach["label"]:
                    yield "double_label", (f"span {ent['start']}-{ent['end']} is labelled both "
                                           f"{reach['label']} ({reach['id']}) and {ent['label']} ({ent['id']})")
            else:
                yield "overlapping_span", (f"entity {ent['id']} {ent['start']}-{ent['end']} overlaps "
                                           f"entity {reach['id']} {reach['start']}-{reach['end']}")
        if reach is None or ent["end"] > reach["end"]:
            reach = ent
    labels = {e["id"]: e["label"] for e in ents}
    for rel in doc.get("relations") or []:
        head, tail, label = labels.get(rel["head"]), labels.get(rel["tail"]), rel["label"]
        if rel["head"] == rel["tail"]:
            yield "self_relation", f"relation {label} joins entity {rel['head']} to itself"
        elif label in RELATION_TYPES and head in ENTITY_LABELS and tail in ENTITY_LABELS \
                and not relation_allowed(label, head, tail):
            yield "relation_type", f"relation {label} from {head} {rel['head']} to {tail} {rel['tail']} is not in the schema's table"


def check_schema(docs: Iterable[Mapping[str, Any]], ctx: _Ctx) -> None:
    """Warn once per kind of schema problem (count and first case), or raise at the first
    one when strict; scores on such gold would be quietly off."""
    found: dict[str, tuple[int, str]] = {}
    for doc in docs:
        path, line = ctx.where.get(doc["id"], (ctx.report.path, 0))
        for kind, problem in _schema_problems(doc):
            if ctx.strict:
                raise GoldFormatError(path, line, problem, doc["id"])
            count, first = found.get(kind, (0, str(GoldFormatError(path, line, problem, doc["id"]))))
            found[kind] = (count + 1, first)
    for kind, (count, first) in found.items():
        ctx.report.problems[kind] += count
        message = f"{ctx.report.path}: {count} {_SCHEMA_PROBLEMS[kind]} (first: {first})"
        ctx.report.messages.append(message)
        warnings.warn(message, GoldFormatWarning, stacklevel=3)


def _check_kind(path: Path, fmt: str, ctx: _Ctx) -> None:
    """A path that reads as no annotations at all is most likely the wrong file."""
    if fmt == "brat" and path.is_file() and not path.with_suffix(".ann").is_file():
        ctx.warn("no_annotations", path, 0, f"no {path.with_suffix('.ann').name} beside it: "
                 "read as a BRAT text without annotations (is this a gold file?)")


def _check_content(path: Path, docs: list[dict[str, Any]], ctx: _Ctx) -> None:
    if not docs:
        ctx.warn("empty", path, 0, "no documents")
    elif not any(d.get("entities") or d.get("relations") for d in docs):
        ctx.warn("no_annotations", path, 0, f"{len(docs)} documents without a single annotation")


def _counted(report: FormatReport, docs: list[dict[str, Any]] | list[Mapping[str, Any]]) -> FormatReport:
    report.documents = len(docs)
    report.entities = sum(len(d.get("entities") or []) for d in docs)
    report.relations = sum(len(d.get("relations") or []) for d in docs)
    return report


def read_documents(
    path: PathLike,
    format: str | None = None,
    lenient: bool = False,
    label_map: LabelMap | str | Path | None = None,
    *,
    side: str = "gold",
    strict: bool = False,
) -> tuple[list[dict[str, Any]], FormatReport]:
    """Documents in any of `FORMATS` as native dicts, with labels mapped when a map is given.

    ``side`` says which half of the label map applies: ``"gold"`` (default) or ``"pred"``.
    Gold that reads as nothing (no documents, no annotations, a text without its .ann) and
    gold that breaks the schema (overlapping or doubly labelled spans, relations the
    relation table forbids or from an entity to itself) is warned about as
    `GoldFormatWarning`; ``strict`` makes each of these an error.
    """
    if side not in ("gold", "pred"):
        raise ValueError(f"side must be 'gold' or 'pred', got {side!r}")
    fmt = format or detect_format(path)
    if fmt not in _READERS:
        raise ValueError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")
    lm = LabelMap.load(label_map) if isinstance(label_map, (str, Path)) else label_map
    ctx = _Ctx(FormatReport(str(path), fmt), lenient, strict)
    if side == "gold":
        _check_kind(Path(path), fmt, ctx)
    docs, report = _READERS[fmt](path, space=_space_for(fmt, lm, side), _ctx=ctx)
    if side == "gold":
        _check_content(Path(path), docs, ctx)
        check_schema(docs, ctx)
    if lm is not None:
        table = lm.pred_relations if side == "pred" else lm.gold_relations
        before = sum(len(d["relations"]) for d in docs)
        label_out = 0 if table is None else sum(1 for d in docs for r in d["relations"] if table.get(r["label"]) is None)
        docs = lm.apply_pred(docs, report.labels_left_out) if side == "pred" else lm.apply_gold(docs, report.labels_left_out)
        # Relations whose own label is kept but an endpoint's is not, or that became
        # duplicates once two labels mapped to one.
        lost = before - label_out - sum(len(d["relations"]) for d in docs)
        if lost:
            report.dropped["relation_lost_in_label_map"] += lost
    return docs, _counted(report, docs)


def write_documents(
    docs: Iterable[Mapping[str, Any]], path: PathLike, format: str | None = None, *, strict: bool = False
) -> FormatReport:
    """Write native documents as `format` (default from the suffix: .spacy, else native).

    What the format cannot hold is warned about; with ``strict`` it is an error and
    nothing is written."""
    path = Path(path)
    fmt = format or ("docbin" if path.suffix.lower() == ".spacy" else "native" if path.suffix.lower() in (".jsonl", ".json") else None)
    if fmt is None:
        raise ValueError(f"{path}: give a format ({', '.join(f for f in FORMATS if f != 're3d')})")
    docs = list(docs)
    if fmt == "native":
        write_jsonl(docs, path)
        return _counted(FormatReport(str(path), fmt), docs)
    if fmt == "brat":
        return write_brat(docs, path)
    if fmt == "doccano":
        return write_doccano(docs, path)
    if fmt == "docbin":
        return write_docbin(docs, path, strict=strict)
    if fmt == "re3d":
        raise ValueError("re3d is a read-only format here")
    raise ValueError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")
