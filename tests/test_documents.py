"""Validation messages, round-trips and atomic writes for schema-v1 JSONL files."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from osint_extract.io.documents import GoldFormatError, iter_jsonl, read_jsonl, write_jsonl

TEXT = "Tren de Aragua controls Tocorón."


def good(doc_id: str = "ok") -> dict[str, Any]:
    return {
        "id": doc_id,
        "text": TEXT,
        "entities": [
            {"id": "e1", "start": 0, "end": 14, "label": "ARMED_GROUP", "text": "Tren de Aragua"},
            {"id": "e2", "start": 24, "end": 31, "label": "PLACE"},
        ],
        "relations": [{"head": "e1", "tail": "e2", "label": "CONTROLS"}],
    }


def with_changes(**changes: Any) -> dict[str, Any]:
    doc = good("x")
    doc.update(changes)
    return doc


def bad_entity(**changes: Any) -> dict[str, Any]:
    doc = good("x")
    doc["entities"][1].update(changes)
    return doc


def bad_relation(**changes: Any) -> dict[str, Any]:
    doc = good("x")
    doc["relations"][0].update(changes)
    return doc


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def no_id() -> dict[str, Any]:
    doc = good("x")
    del doc["id"]
    return doc


def no_text() -> dict[str, Any]:
    doc = good("x")
    del doc["text"]
    return doc


def entity_without(key: str) -> dict[str, Any]:
    doc = good("x")
    del doc["entities"][1][key]
    return doc


def relation_without(key: str) -> dict[str, Any]:
    doc = good("x")
    del doc["relations"][0][key]
    return doc


def duplicate_entity_id() -> dict[str, Any]:
    doc = good("x")
    doc["entities"][1]["id"] = "e1"
    return doc


# (bad line content, doc id expected in the message or None, problem fragment)
CASES: list[tuple[str, str | None, str]] = [
    ('{"id": "x", "text": ', None, "invalid JSON"),
    ("[1, 2]", None, "expected a JSON object, got list"),
    (json.dumps(no_id()), None, "missing 'id'"),
    (json.dumps(with_changes(id=7)), None, "'id' must be a string"),
    (json.dumps(no_text()), "x", "missing 'text'"),
    (json.dumps(with_changes(text=None)), "x", "'text' must be a string"),
    (json.dumps(with_changes(entities={})), "x", "'entities' must be a list"),
    (json.dumps(with_changes(entities=["e1"])), "x", "entity #0 must be an object"),
    (json.dumps(entity_without("start")), "x", "entity #1 missing 'start'"),
    (json.dumps(entity_without("label")), "x", "entity #1 missing 'label'"),
    (json.dumps(bad_entity(id=2)), "x", "entity #1 'id' must be a string"),
    (json.dumps(bad_entity(start="24")), "x", "entity e2 offsets must be integers"),
    (json.dumps(bad_entity(start=True)), "x", "entity e2 offsets must be integers"),
    (json.dumps(bad_entity(end=400)), "x", "entity e2 offsets 24-400 outside text of length 32"),
    (json.dumps(bad_entity(start=-1)), "x", "entity e2 offsets -1-31 outside text of length 32"),
    (json.dumps(bad_entity(start=31)), "x", "entity e2 offsets 31-31 are empty or reversed"),
    (json.dumps(bad_entity(label="GANG")), "x", "entity e2 has unknown label 'GANG'"),
    (json.dumps(duplicate_entity_id()), "x", "duplicate entity id e1"),
    (json.dumps(bad_entity(text="Tocoron")), "x", "entity e2 text 'Tocoron' does not match text[24:31]"),
    (json.dumps(with_changes(relations={})), "x", "'relations' must be a list"),
    (json.dumps(with_changes(relations=[None])), "x", "relation #0 must be an object"),
    (json.dumps(relation_without("tail")), "x", "relation #0 missing 'tail'"),
    (json.dumps(bad_relation(label="RULES")), "x", "relation #0 has unknown label 'RULES'"),
    (json.dumps(bad_relation(tail="e9")), "x", "relation #0 (CONTROLS) tail 'e9' is not an entity"),
    (json.dumps(bad_relation(head=1)), "x", "relation #0 (CONTROLS) head 1 is not an entity"),
    (json.dumps(good("ok")), "ok", "duplicate document id (first seen on line 1)"),
]


@pytest.mark.parametrize(("line", "doc_id", "problem"), CASES, ids=[c[2][:40] for c in CASES])
def test_validation_error_names_file_line_and_problem(
    tmp_path: Path, line: str, doc_id: str | None, problem: str
) -> None:
    # Line 2 is blank: blank lines are skipped but still counted.
    path = write_lines(tmp_path / "gold.jsonl", [json.dumps(good("ok")), "", line])
    with pytest.raises(GoldFormatError) as info:
        read_jsonl(path)
    msg = str(info.value)
    assert msg.startswith(f"{path}:3")
    assert "gold.jsonl:3" in msg
    assert problem in msg
    if doc_id is not None:
        assert f"(doc {doc_id!r})" in msg
    else:
        assert "(doc " not in msg
    err = info.value
    assert (err.line, err.doc_id, err.path) == (3, doc_id, str(path))
    assert isinstance(err, ValueError)


def test_invalid_utf8_reports_its_line(tmp_path: Path) -> None:
    path = tmp_path / "gold.jsonl"
    path.write_bytes(json.dumps(good()).encode() + b"\n" + b'{"id": "\xff"}\n')
    with pytest.raises(GoldFormatError, match=r"gold\.jsonl:2: not valid UTF-8"):
        read_jsonl(path)


def test_example_message_format(tmp_path: Path) -> None:
    doc = bad_entity(end=400)
    path = write_lines(tmp_path / "gold.jsonl", [json.dumps(doc)])
    with pytest.raises(GoldFormatError) as info:
        read_jsonl(path)
    assert str(info.value) == f"{path}:1 (doc 'x'): entity e2 offsets 24-400 outside text of length 32"


def test_valid_file_reads_with_defaults(tmp_path: Path) -> None:
    bare = {"id": "bare", "text": "Nothing here."}
    path = write_lines(tmp_path / "gold.jsonl", [json.dumps(good("a")), "   ", json.dumps(bare)])
    docs = read_jsonl(path)
    assert [d["id"] for d in docs] == ["a", "bare"]
    assert docs[1]["entities"] == [] and docs[1]["relations"] == []
    assert docs[0] == good("a")
    assert [d["id"] for d in iter_jsonl(path)] == ["a", "bare"]


def test_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "gold.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(good()).encode() + b"\n")
    assert read_jsonl(path)[0]["id"] == "ok"


def test_validate_false_skips_schema_checks(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "pred.jsonl", [json.dumps(bad_entity(label="GANG")), json.dumps(bad_entity(label="GANG"))])
    docs = read_jsonl(path, validate=False)
    assert len(docs) == 2
    bad = write_lines(tmp_path / "broken.jsonl", ["not json"])
    with pytest.raises(GoldFormatError, match="broken.jsonl:1: invalid JSON"):
        read_jsonl(bad, validate=False)


def test_write_jsonl_round_trips_with_stable_key_order(tmp_path: Path) -> None:
    doc = {"meta": {"source": "test"}, "relations": [], "entities": good()["entities"], "text": TEXT, "id": "ñ-1"}
    path = tmp_path / "out.jsonl"
    write_jsonl([doc, good("b")], path)
    raw = path.read_text(encoding="utf-8")
    lines = raw.splitlines()
    assert len(lines) == 2 and raw.endswith("\n")
    assert lines[0].startswith('{"id":"ñ-1","text":"Tren de Aragua controls Tocorón.","entities":')
    assert list(json.loads(lines[0])) == ["id", "text", "entities", "relations", "meta"]
    assert ", " not in lines[1].replace(TEXT, "")  # compact separators
    assert read_jsonl(path) == [doc, good("b")]
    assert os.listdir(tmp_path) == ["out.jsonl"]


def test_write_jsonl_failure_leaves_existing_file_untouched(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    path.write_text("previous content\n", encoding="utf-8")
    path.chmod(0o640)
    with pytest.raises(TypeError):
        write_jsonl([good("a"), {"id": "b", "text": "x", "bad": object()}], path)
    assert path.read_text(encoding="utf-8") == "previous content\n"
    assert os.listdir(tmp_path) == ["out.jsonl"]  # no temp file left behind
    write_jsonl([good("a")], path)
    assert (path.stat().st_mode & 0o777) == 0o640  # the file's mode survives a rewrite


@pytest.mark.parametrize(("line", "doc_id", "problem"), CASES[1:-1], ids=[c[2][:40] for c in CASES[1:-1]])
def test_every_reader_checks_a_document_alike(tmp_path: Path, line: str, doc_id: str | None, problem: str) -> None:
    """One validator: `read_jsonl` and the format readers' own path (taken with a label
    map) stop at the same problem with the same message."""
    from osint_extract.io.formats import read_documents

    path = write_lines(tmp_path / "gold.jsonl", [json.dumps(good("ok")), "", line])
    label_map = tmp_path / "schema.yml"
    label_map.write_text(
        "gold:\n  entities: [PERSON, ARMED_GROUP, UNIT, ORG, PLACE, WEAPON, CALIBRE]\n"
        "  relations: [CONTROLS, LEADS, MEMBER_OF, PART_OF, OPERATES_IN, FIGHTS, ALLIED_WITH, POSSESSES, ALIAS_OF]\n"
    )
    with pytest.raises(GoldFormatError) as direct:
        read_jsonl(path)
    with pytest.raises(GoldFormatError) as via_formats:
        read_documents(path, label_map=label_map)
    assert str(direct.value) == str(via_formats.value) and problem in str(direct.value)
