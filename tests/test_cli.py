"""The command line end to end on temporary folders."""
from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from osint_extract.cli import app
from helpers import RULES

runner = CliRunner()

DOC_A = "Los Choneros controlled the Litoral Penitentiary in Guayaquil with AK-47 rifles."
DOC_B = "# Lake Chad\n\nISWAP fighters attacked Monguno. The Nigerian Army's 7th Division fired 40 mm grenades."


@pytest.fixture()
def inputs(tmp_path: Path) -> Path:
    root = tmp_path / "in"
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_text(DOC_A, encoding="utf-8")
    (root / "sub" / "b.md").write_text(DOC_B, encoding="utf-8")
    (root / "notes.csv").write_text("not,a,document\n", encoding="utf-8")  # not an input type
    return root


def read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_extract_writes_all_tables(nlp, inputs, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["extract", str(inputs), "--out", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    docs = [json.loads(line) for line in (out / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [d["id"] for d in docs] == ["a.txt", "sub/b.md"]
    assert docs[0]["text"] == DOC_A
    for d in docs:
        for e in d["entities"]:
            assert d["text"][e["start"] : e["end"]] == e["text"]
    mentions = read_csv(out / "mentions.csv")
    entities = read_csv(out / "entities.csv")
    assert {(m["doc_id"], m["text"], m["label"]) for m in mentions} >= {
        ("a.txt", "Los Choneros", "ARMED_GROUP"),
        ("a.txt", "Litoral Penitentiary", "PLACE"),
        ("a.txt", "AK-47", "WEAPON"),
        ("sub/b.md", "ISWAP", "ARMED_GROUP"),
        ("sub/b.md", "40 mm", "CALIBRE"),
    }
    assert sum(int(e["mentions"]) for e in entities) == len(mentions)
    assert read_csv(out / "errors.csv") == []
    # relations.csv lists each document's relations, as documents.jsonl does
    relations = read_csv(out / "relations.csv")
    assert len(relations) == sum(len(d["relations"]) for d in docs)
    assert all(r["evidence"] and r["pattern"] and 0 <= float(r["confidence"]) <= 1 for r in relations)
    header = (out / "controls.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("controller,controller_label,relation,controlled,controlled_label,documents")


def test_two_runs_write_identical_bytes(nlp, inputs, tmp_path):
    for run in ("one", "two"):
        result = runner.invoke(app, ["extract", str(inputs), "--out", str(tmp_path / run), "--no-progress"])
        assert result.exit_code == 0, result.output
    for name in ("documents.jsonl", "mentions.csv", "entities.csv", "relations.csv", "controls.csv", "errors.csv"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


def test_bad_documents_are_reported_and_skipped(nlp, inputs, tmp_path):
    (inputs / "broken.txt").write_bytes(b"\xff\xfe\x00bad \xc3\x28 bytes")
    (inputs / "empty.md").write_text("  \n", encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["extract", str(inputs), "--out", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "broken.txt" in result.output and "empty.md" in result.output
    errors = read_csv(out / "errors.csv")
    assert sorted(Path(e["path"]).name for e in errors) == ["broken.txt", "empty.md"]
    ids = [json.loads(line)["id"] for line in (out / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    assert ids == ["a.txt", "sub/b.md"]


def test_failed_run_keeps_earlier_output(nlp, inputs, tmp_path):
    out = tmp_path / "out"
    assert runner.invoke(app, ["extract", str(inputs), "--out", str(out), "--no-progress"]).exit_code == 0
    before = (out / "documents.jsonl").read_bytes()
    result = runner.invoke(app, ["extract", str(inputs), "--out", str(out), "--model", "no_such_pipeline"])
    assert result.exit_code == 2
    assert "no_such_pipeline" in result.output
    assert (out / "documents.jsonl").read_bytes() == before
    result = runner.invoke(app, ["extract", str(tmp_path / "missing"), "--out", str(out)])
    assert result.exit_code == 2 and "missing" in result.output


def test_evaluate_scores_an_output_against_gold(nlp, inputs, tmp_path):
    out = tmp_path / "out"
    assert runner.invoke(app, ["extract", str(inputs), "--out", str(out), "--no-progress"]).exit_code == 0
    # an output is valid gold: scored against itself it is perfect
    gold = tmp_path / "gold.jsonl"
    shutil.copy(out / "documents.jsonl", gold)
    report = tmp_path / "scores.json"
    result = runner.invoke(app, ["evaluate", str(gold), "--pred", str(out / "documents.jsonl"), "--json", str(report)])
    assert result.exit_code == 0, result.output
    assert "entities_strict" in result.output and "ARMED_GROUP" in result.output
    scores = json.loads(report.read_text(encoding="utf-8"))
    assert scores["entities_strict"]["micro"]["f1"] == 1.0

    # dropping one gold entity costs precision, and the pipeline run agrees with its output
    docs = [json.loads(line) for line in gold.read_text(encoding="utf-8").splitlines()]
    dropped = docs[0]["entities"][0]["id"]
    docs[0]["entities"] = docs[0]["entities"][1:]
    docs[0]["relations"] = [r for r in docs[0]["relations"] if dropped not in (r["head"], r["tail"])]
    gold.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    result = runner.invoke(app, ["evaluate", str(gold), "--json", str(report)])
    assert result.exit_code == 0, result.output
    micro = json.loads(report.read_text(encoding="utf-8"))["entities_strict"]["micro"]
    assert micro["fp"] == 1 and micro["fn"] == 0


def test_evaluate_names_file_and_line_of_bad_gold(tmp_path):
    gold = tmp_path / "gold.jsonl"
    good = {"id": "d1", "text": "ELN", "entities": [{"id": "e1", "start": 0, "end": 3, "label": "ARMED_GROUP"}], "relations": []}
    gold.write_text(json.dumps(good) + "\n{not json\n", encoding="utf-8")
    result = runner.invoke(app, ["evaluate", str(gold), "--pred", str(gold)])
    assert result.exit_code == 2
    assert f"{gold}:2" in result.output


def test_console_script_runs(tmp_path):
    script = Path(sys.executable).with_name("osint-extract")
    if not script.exists():
        pytest.skip("console script not installed in this environment")
    (tmp_path / "doc.txt").write_text(DOC_A, encoding="utf-8")
    proc = subprocess.run(
        [str(script), "extract", str(tmp_path / "doc.txt"), "--out", str(tmp_path / "out"), "--no-progress"],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "1 documents" in proc.stderr
    assert (tmp_path / "out" / "documents.jsonl").exists()


def test_evaluate_can_switch_a_component_off(nlp, tmp_path):
    text = "Gunmen fired 7.62x39mm rounds."
    doc = {"id": "d1", "text": text, "entities": [{"id": "e1", "start": 13, "end": 22, "label": "CALIBRE"}], "relations": []}
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps(doc) + "\n", encoding="utf-8")
    report = tmp_path / "scores.json"
    # the rules-only pipeline, where the calibre rules alone find calibres
    rules = ["--model", RULES]
    assert runner.invoke(app, ["evaluate", str(gold), "--json", str(report), *rules]).exit_code == 0
    assert json.loads(report.read_text())["entities_strict"]["CALIBRE"]["tp"] == 1
    result = runner.invoke(app, ["evaluate", str(gold), "--disable", "osint_arms", "--json", str(report), *rules])
    assert result.exit_code == 0, result.output
    assert json.loads(report.read_text())["entities_strict"]["CALIBRE"]["tp"] == 0
    result = runner.invoke(app, ["evaluate", str(gold), "--disable", "no_such_component", *rules])
    assert result.exit_code == 2 and "no_such_component" in result.output


def test_evaluate_out_writes_scores_and_every_error(tmp_path):
    text = "Ana met Bo in Cali."
    gold = {"id": "d1", "text": text, "relations": [], "entities": [
        {"id": "e1", "start": 0, "end": 3, "label": "PERSON"}, {"id": "e2", "start": 8, "end": 10, "label": "PERSON"},
        {"id": "e3", "start": 14, "end": 18, "label": "PLACE"}]}
    pred = {"id": "d1", "text": text, "relations": [], "entities": [
        {"id": "m1", "start": 0, "end": 3, "label": "PERSON"}, {"id": "m2", "start": 14, "end": 18, "label": "ORG"}]}
    (tmp_path / "gold.jsonl").write_text(json.dumps(gold) + "\n", encoding="utf-8")
    (tmp_path / "pred.jsonl").write_text(json.dumps(pred) + "\n", encoding="utf-8")
    out = tmp_path / "report"
    result = runner.invoke(app, ["evaluate", str(tmp_path / "gold.jsonl"), "--pred", str(tmp_path / "pred.jsonl"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "macro" in result.output
    scores = json.loads((out / "scores.json").read_text(encoding="utf-8"))
    assert scores["entities_strict"]["micro"] == {"precision": 0.5, "recall": 0.3333, "f1": 0.4, "tp": 1, "fp": 1, "fn": 2}
    assert scores["entities_strict"]["macro"]["labels"] == 3
    errors = read_csv(out / "errors.csv")
    assert sorted((e["kind"], e["label"], e["text"], e["start"], e["end"]) for e in errors) == [
        ("entity_fn", "PERSON", "Bo", "8", "10"),
        ("entity_fn", "PLACE", "Cali", "14", "18"),
        ("entity_fp", "ORG", "Cali", "14", "18"),
    ]
    assert all(e["sentence"] == text for e in errors)


def _gold_doc() -> dict:
    text = "Los Lobos control Turi prison. Pipo leads Los Lobos."
    return {"id": "d1", "text": text, "entities": [
        {"id": "e1", "start": 0, "end": 9, "label": "ARMED_GROUP"}, {"id": "e2", "start": 18, "end": 22, "label": "PLACE"},
        {"id": "e3", "start": 31, "end": 35, "label": "PERSON"}, {"id": "e4", "start": 42, "end": 51, "label": "ARMED_GROUP"}],
        "relations": [{"head": "e1", "tail": "e2", "label": "CONTROLS"}, {"head": "e3", "tail": "e4", "label": "LEADS"}]}


def test_convert_round_trips_through_brat_and_doccano(tmp_path):
    native = tmp_path / "gold.jsonl"
    native.write_text(json.dumps(_gold_doc()) + "\n", encoding="utf-8")
    for fmt, target in (("brat", tmp_path / "brat"), ("doccano", tmp_path / "doccano.jsonl")):
        result = runner.invoke(app, ["convert", str(native), str(target), "--to", fmt])
        assert result.exit_code == 0, result.output
        back = tmp_path / f"back-{fmt}.jsonl"
        result = runner.invoke(app, ["convert", str(target), str(back), "--from", fmt, "--to", "native"])
        assert result.exit_code == 0, result.output
        doc = json.loads(back.read_text(encoding="utf-8"))
        spans = {e["id"]: (e["start"], e["end"], e["label"]) for e in doc["entities"]}
        assert sorted(spans.values()) == sorted((e["start"], e["end"], e["label"]) for e in _gold_doc()["entities"])
        rels = {(spans[r["head"]], r["label"], spans[r["tail"]]) for r in doc["relations"]}
        assert len(rels) == 2


def test_evaluate_with_a_label_map_and_lenient_gold(tmp_path):
    gold = _gold_doc()
    pred = json.loads(json.dumps(gold))
    pred["entities"][0]["label"] = "UNIT"  # same re3d label (Organisation), different schema label
    gold_path, pred_path = tmp_path / "gold.jsonl", tmp_path / "pred.jsonl"
    bad = dict(gold, id="d2", entities=[{"id": "e1", "start": 0, "end": 500, "label": "PLACE"}], relations=[])
    gold_path.write_text(json.dumps(gold) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")
    pred_path.write_text(json.dumps(pred) + "\n", encoding="utf-8")
    report = tmp_path / "scores.json"
    result = runner.invoke(app, ["evaluate", str(gold_path), "--pred", str(pred_path), "--label-map", "re3d", "--json", str(report)])
    assert result.exit_code == 2 and f"{gold_path}:2" in result.output  # offsets outside the text
    result = runner.invoke(app, ["evaluate", str(gold_path), "--pred", str(pred_path), "--label-map", "re3d", "--lenient", "--json", str(report)])
    assert result.exit_code == 0, result.output
    scores = json.loads(report.read_text(encoding="utf-8"))
    assert scores["entities_strict"]["Organisation"]["tp"] == 2  # ARMED_GROUP and UNIT both map to Organisation
    assert scores["entities_strict"]["micro"]["f1"] == 1.0
    assert scores["relations"]["InChargeOf"]["tp"] == 2  # CONTROLS and LEADS both map to InChargeOf
    assert sum(scores["report"]["inputs"][0]["problems"].values()) == 1
