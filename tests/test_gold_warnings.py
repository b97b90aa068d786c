"""Gold that is well formed but wrong for scoring: warned about, or an error with --strict;
output paths checked before any work is done."""
from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from osint_extract import cli
from osint_extract.cli import app
from osint_extract.io.documents import GoldFormatError
from osint_extract.io.formats import GoldFormatWarning, read_documents, write_documents

runner = CliRunner()

TEXT = "Los Lobos controls Turi prison in Cuenca and fights Los Choneros with AK-47 rifles."


def _ent(eid: str, needle: str, label: str, text: str = TEXT) -> dict[str, Any]:
    start = text.index(needle)
    return {"id": eid, "start": start, "end": start + len(needle), "label": label}


def _clean_doc(doc_id: str = "d1") -> dict[str, Any]:
    return {
        "id": doc_id,
        "text": TEXT,
        "entities": [
            _ent("e1", "Los Lobos", "ARMED_GROUP"),
            _ent("e2", "Turi", "PLACE"),
            _ent("e3", "Cuenca", "PLACE"),
            _ent("e4", "Los Choneros", "ARMED_GROUP"),
            _ent("e5", "AK-47", "WEAPON"),
        ],
        "relations": [
            {"head": "e1", "tail": "e2", "label": "CONTROLS"},
            {"head": "e1", "tail": "e4", "label": "FIGHTS"},
            {"head": "e1", "tail": "e5", "label": "POSSESSES"},
        ],
    }


def _write(path: Path, docs: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    return path


def _read_warnings(path: Path, **kwargs: Any) -> tuple[list[str], Any]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", GoldFormatWarning)
        _, report = read_documents(path, **kwargs)
    return [str(w.message) for w in caught if issubclass(w.category, GoldFormatWarning)], report


def test_clean_gold_reads_without_warnings(tmp_path: Path) -> None:
    messages, report = _read_warnings(_write(tmp_path / "g.jsonl", [_clean_doc()]))
    assert messages == [] and not report.problems


# (kind, how to break the clean document, words the message must carry)
BREAKS = {
    "double_label": (lambda d: d["entities"].append({**_ent("e6", "Turi", "ORG")}), "labelled both PLACE (e2) and ORG (e6)"),
    "overlapping_span": (lambda d: d["entities"].append(_ent("e6", "Turi prison", "PLACE")), "entity e6"),
    "relation_type": (lambda d: d["relations"].append({"head": "e2", "tail": "e1", "label": "LEADS"}), "LEADS from PLACE e2 to ARMED_GROUP e1"),
    "self_relation": (lambda d: d["relations"].append({"head": "e4", "tail": "e4", "label": "FIGHTS"}), "joins entity e4 to itself"),
}


@pytest.mark.parametrize("kind", sorted(BREAKS))
def test_schema_problem_is_a_warning_then_an_error_when_strict(tmp_path: Path, kind: str) -> None:
    breaks, words = BREAKS[kind]
    doc = _clean_doc("d2")
    breaks(doc)
    path = _write(tmp_path / "g.jsonl", [_clean_doc("d1"), doc])
    messages, report = _read_warnings(path)
    assert report.problems == {kind: 1}
    assert len(messages) == 1 and words in messages[0]
    assert f"{path}:2 (doc 'd2')" in messages[0]  # the file, line and document of the first case
    with pytest.raises(GoldFormatError, match=f"{path}:2") as err:
        read_documents(path, strict=True)
    assert words in str(err.value)


def test_many_problems_of_one_kind_make_one_warning_with_a_count(tmp_path: Path) -> None:
    docs = []
    for n in range(5):
        doc = _clean_doc(f"d{n}")
        doc["relations"].append({"head": "e5", "tail": "e1", "label": "POSSESSES"})  # WEAPON possesses a group
        docs.append(doc)
    messages, report = _read_warnings(_write(tmp_path / "g.jsonl", docs))
    assert report.problems == {"relation_type": 5}
    assert len(messages) == 1 and messages[0].startswith(f"{tmp_path / 'g.jsonl'}: 5 relations")


def test_same_checks_for_every_format(tmp_path: Path) -> None:
    doc = _clean_doc()
    doc["relations"].append({"head": "e2", "tail": "e1", "label": "LEADS"})
    write_documents([doc], tmp_path / "brat", "brat")
    write_documents([doc], tmp_path / "d.jsonl", "doccano")
    for path, fmt in ((tmp_path / "brat", "brat"), (tmp_path / "d.jsonl", "doccano")):
        messages, report = _read_warnings(path, format=fmt)
        assert report.problems == {"relation_type": 1}, fmt


def test_predictions_are_not_checked_as_gold(tmp_path: Path) -> None:
    doc = _clean_doc()
    doc["entities"].append(_ent("e6", "Turi prison", "PLACE"))
    messages, report = _read_warnings(_write(tmp_path / "p.jsonl", [doc]), side="pred")
    assert messages == [] and not report.problems


def test_empty_gold_and_gold_without_annotations(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    messages, _ = _read_warnings(empty)
    assert messages == [f"{empty}: no documents"]
    bare = _write(tmp_path / "bare.jsonl", [{"id": "d", "text": TEXT, "entities": [], "relations": []}])
    messages, _ = _read_warnings(bare)
    assert messages == [f"{bare}: 1 documents without a single annotation"]
    with pytest.raises(GoldFormatError, match="no documents"):
        read_documents(empty, strict=True)


def test_a_plain_text_file_given_as_gold_is_named(tmp_path: Path) -> None:
    txt = tmp_path / "report.txt"
    txt.write_text(TEXT, encoding="utf-8")
    messages, _ = _read_warnings(txt)
    assert any("no report.ann beside it" in m for m in messages)
    result = runner.invoke(app, ["evaluate", str(txt), "--pred", str(_write(tmp_path / "p.jsonl", [_clean_doc("report")]))])
    assert result.exit_code == 0 and "report.ann" in result.output
    result = runner.invoke(app, ["evaluate", str(txt), "--strict", "--pred", str(tmp_path / "p.jsonl")])
    assert result.exit_code == 2 and str(txt) in result.output


def test_evaluate_cli_warns_and_strict_stops(tmp_path: Path) -> None:
    doc = _clean_doc()
    doc["entities"].append(_ent("e6", "Turi", "ORG"))
    gold = _write(tmp_path / "g.jsonl", [doc])
    result = runner.invoke(app, ["evaluate", str(gold), "--pred", str(gold)])
    assert result.exit_code == 0
    assert "warning:" in result.output and "labelled both PLACE (e2) and ORG (e6)" in result.output
    result = runner.invoke(app, ["evaluate", str(gold), "--pred", str(gold), "--strict"])
    assert result.exit_code == 2 and f"{gold}:1" in result.output


def test_convert_to_docbin_says_relations_are_lost_and_strict_writes_nothing(tmp_path: Path) -> None:
    gold = _write(tmp_path / "g.jsonl", [_clean_doc()])
    target = tmp_path / "g.spacy"
    result = runner.invoke(app, ["convert", str(gold), str(target), "--to", "docbin"])
    assert result.exit_code == 0 and "3 relations not written" in result.output
    target.unlink()
    result = runner.invoke(app, ["convert", str(gold), str(target), "--to", "docbin", "--strict"])
    assert result.exit_code == 2 and "entities only" in result.output
    assert not target.exists()


@pytest.mark.parametrize(("option", "kind"), [
    ("--out", "file_for_folder"), ("--out", "under_a_file"), ("--json", "folder_for_file"), ("--json", "under_a_file"),
])
def test_bad_output_paths_stop_evaluate_before_any_work(tmp_path: Path, monkeypatch, option: str, kind: str) -> None:
    def no_work(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("evaluation ran before the output path was checked")

    monkeypatch.setattr(cli, "run_evaluation", no_work)
    a_file = tmp_path / "taken"
    a_file.write_text("x", encoding="utf-8")
    target = {"file_for_folder": a_file, "under_a_file": a_file / "sub" / "x", "folder_for_file": tmp_path}[kind]
    result = runner.invoke(app, ["evaluate", str(tmp_path / "gold.jsonl"), option, str(target)])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"error: {target}: "), result.output
