"""Gold-format readers and writers: round trips, re3d rules, detection, bad input, lenient mode."""
from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pytest

from osint_extract.io.documents import GoldFormatError, write_jsonl
from osint_extract.io.formats import (
    FORMATS,
    GoldFormatWarning,
    detect_format,
    read_documents,
    write_documents,
)

RE3D_DIR = Path(__file__).resolve().parents[2] / "shared" / "re3d"

TEXT1 = "Héctor Guerrero leads Tren de Aragua.\nTren de Aragua controls Tocorón and uses AK-103 rifles."
TEXT2 = "The ELN fights the FANB in Apure."


def span(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    return start, start + len(needle)


def ent(eid: str, text: str, needle: str, label: str, nth: int = 0) -> dict[str, Any]:
    s, e = span(text, needle, nth)
    return {"id": eid, "start": s, "end": e, "label": label, "text": needle}


def sample_docs() -> list[dict[str, Any]]:
    return [
        {
            "id": "doc1",
            "text": TEXT1,
            "entities": [
                ent("e1", TEXT1, "Héctor Guerrero", "PERSON"),
                ent("e2", TEXT1, "Tren de Aragua", "ARMED_GROUP"),
                ent("e3", TEXT1, "Tren de Aragua", "ARMED_GROUP", 1),
                ent("e4", TEXT1, "Tocorón", "PLACE"),
                ent("e5", TEXT1, "AK-103", "WEAPON"),
            ],
            "relations": [
                {"head": "e1", "tail": "e2", "label": "LEADS"},
                {"head": "e3", "tail": "e4", "label": "CONTROLS"},
                {"head": "e3", "tail": "e5", "label": "POSSESSES"},
            ],
        },
        {
            "id": "sub/doc2",
            "text": TEXT2,
            "entities": [
                ent("a", TEXT2, "ELN", "ARMED_GROUP"),
                ent("b", TEXT2, "FANB", "UNIT"),
                ent("c", TEXT2, "Apure", "PLACE"),
            ],
            "relations": [{"head": "b", "tail": "a", "label": "FIGHTS"}],
        },
        {"id": "empty", "text": "Nothing to see here.", "entities": [], "relations": []},
    ]


def canon(docs: list[dict[str, Any]]) -> dict[str, tuple[str, frozenset, frozenset]]:
    """Documents compared by content, not by the ids a format assigns."""
    out = {}
    for doc in docs:
        spans = {e["id"]: (e["start"], e["end"], e["label"]) for e in doc["entities"]}
        rels = frozenset((spans[r["head"]], r["label"], spans[r["tail"]]) for r in doc["relations"])
        out[doc["id"]] = (doc["text"], frozenset(spans.values()), rels)
    return out


# ---------------------------------------------------------------------------
# round trips


@pytest.mark.parametrize("fmt, name", [("native", "docs.jsonl"), ("brat", "brat"), ("doccano", "docs.jsonl")])
def test_round_trip_keeps_spans_and_relations(tmp_path: Path, fmt: str, name: str) -> None:
    docs = sample_docs()
    target = tmp_path / name
    write_documents(docs, target, fmt)
    assert detect_format(target) == fmt
    back, report = read_documents(target)
    assert report.format == fmt and not report.problems
    assert canon(back) == canon(docs)
    assert [d["id"] for d in back] == [d["id"] for d in docs] or fmt == "brat"
    for doc in back:  # readers fill in the span text
        assert all(e.get("text") == doc["text"][e["start"]:e["end"]] for e in doc["entities"])


def test_brat_files(tmp_path: Path) -> None:
    write_documents(sample_docs(), tmp_path / "b", "brat")
    assert (tmp_path / "b" / "sub" / "doc2.txt").read_text(encoding="utf-8") == TEXT2
    ann = (tmp_path / "b" / "sub" / "doc2.ann").read_text(encoding="utf-8").splitlines()
    assert ann[0] == "T1\tARMED_GROUP 4 7\tELN"
    assert ann[-1] == "R1\tFIGHTS Arg1:T2 Arg2:T1"
    back, _ = read_documents(tmp_path / "b")
    assert sorted(d["id"] for d in back) == ["doc1", "empty", "sub/doc2"]


def test_brat_writer_refuses_escaping_ids(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot be used"):
        write_documents([{"id": "../x", "text": "a", "entities": [], "relations": []}], tmp_path / "b", "brat")


def test_doccano_older_label_form(tmp_path: Path) -> None:
    path = tmp_path / "old.jsonl"
    path.write_text(json.dumps({"id": 7, "text": TEXT2, "label": [[4, 7, "ARMED_GROUP"], [27, 32, "PLACE"]]}) + "\n")
    assert detect_format(path) == "doccano"
    docs, _ = read_documents(path)
    assert docs[0]["id"] == "7"
    assert [(e["text"], e["label"]) for e in docs[0]["entities"]] == [("ELN", "ARMED_GROUP"), ("Apure", "PLACE")]


def test_docbin_round_trip_keeps_entities(tmp_path: Path) -> None:
    docs = sample_docs()
    path = tmp_path / "gold.spacy"
    with pytest.warns(GoldFormatWarning, match="4 relations not written"):
        report = write_documents(docs, path)
    assert report.format == "docbin" and report.problems == {"relations_not_written": 4}
    assert detect_format(path) == "docbin"
    back, _ = read_documents(path)
    assert [d["id"] for d in back] == [d["id"] for d in docs]
    for before, after in zip(docs, back):
        assert after["relations"] == []
        assert [(e["id"], e["start"], e["end"], e["label"]) for e in after["entities"]] == sorted(
            ((e["id"], e["start"], e["end"], e["label"]) for e in before["entities"]), key=lambda t: t[1]
        )


def test_docbin_writer_skips_misaligned_spans(tmp_path: Path) -> None:
    text = "They carried AK-103s."
    doc = {"id": "d", "text": text, "entities": [{"id": "e1", "start": 13, "end": 19, "label": "WEAPON"}], "relations": []}
    with pytest.warns(GoldFormatWarning, match="token boundaries"):
        report = write_documents([doc], tmp_path / "x.spacy", "docbin")
    assert report.problems["misaligned_span"] == 1
    back, _ = read_documents(tmp_path / "x.spacy")
    assert back[0]["entities"] == []


def test_native_folder_and_cross_file_duplicate_ids(tmp_path: Path) -> None:
    docs = sample_docs()
    write_jsonl(docs[:2], tmp_path / "a.jsonl")
    write_jsonl(docs[2:], tmp_path / "b.jsonl")
    assert detect_format(tmp_path) == "native"
    back, report = read_documents(tmp_path)
    assert report.documents == 3
    write_jsonl(docs[:1], tmp_path / "c.jsonl")
    with pytest.raises(GoldFormatError, match="duplicate document id"):
        read_documents(tmp_path)


# ---------------------------------------------------------------------------
# re3d

RE3D_TEXT1 = "Col. John “J.D.” Dorrian said ISIS fighters left Raqqa in May."
RE3D_TEXT2 = "The YPG holds Kobani."


def jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def re3d_entity(doc: str, text: str, needle: str, type_: str, conf: float, value: str | None = None) -> dict[str, Any]:
    s, e = span(text, needle)
    return {"_id": f"{doc}-{s}-{e}-{type_}", "documentId": doc, "begin": s, "end": e, "type": type_,
            "value": value if value is not None else needle, "confidence": conf}


def re3d_relation(doc: str, text: str, src: str, tgt: str, type_: str, conf: float) -> dict[str, Any]:
    (sb, se), (tb, te) = span(text, src), span(text, tgt)
    return {"_id": f"{doc}-{sb}-{tb}-{type_}", "documentId": doc, "sourceBegin": sb, "sourceEnd": se, "source": src,
            "targetBegin": tb, "targetEnd": te, "target": tgt, "type": type_, "value": "x", "begin": 0, "end": 1,
            "confidence": conf}


def make_re3d(folder: Path, **overrides: list[dict[str, Any]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    t1, t2 = RE3D_TEXT1, RE3D_TEXT2
    rows = {
        "documents": [
            {"_id": "D1", "title": "t", "text": t1, "sourceName": "s"},
            {"_id": "D2", "title": "t", "text": t2, "sourceName": "s"},
        ],
        "entities": [
            # re3d values straighten quotes: still a match.
            re3d_entity("D1", t1, "Col. John “J.D.” Dorrian", "Person", 1, "Col. John 'J.D.' Dorrian"),
            re3d_entity("D1", t1, "ISIS fighters", "Person", 0.6),
            re3d_entity("D1", t1, "ISIS fighters", "Organisation", 0.9),  # duplicate span: this one wins
            re3d_entity("D1", t1, "ISIS fighters", "Location", 0.3),
            re3d_entity("D1", t1, "Raqqa", "Location", 1),
            re3d_entity("D1", t1, "May", "Temporal", 0.99),
            re3d_entity("D1", t1, "said", "Organisation", 0.2),  # below threshold
            re3d_entity("D2", t2, "The YPG", "Organisation", 1),
            re3d_entity("D2", t2, "Kobani", "Location", 0.5),  # exactly at the threshold: kept
        ],
        "relations": [
            re3d_relation("D1", t1, "ISIS fighters", "Raqqa", "CoLocated", 0.8),
            re3d_relation("D1", t1, "ISIS fighters", "Raqqa", "InChargeOf", 0.4),  # below threshold
            re3d_relation("D1", t1, "said", "Raqqa", "CoLocated", 0.9),  # endpoint dropped
            re3d_relation("D1", t1, "ISIS fighters", "May", "HasAttrOf", 1),
            re3d_relation("D2", t2, "The YPG", "Kobani", "InChargeOf", 1),
        ],
    }
    rows.update(overrides)
    for name, items in rows.items():
        jsonl(folder / f"{name}.json", items)
    return folder


def test_re3d_reader_rules(tmp_path: Path) -> None:
    folder = make_re3d(tmp_path / "src")
    assert detect_format(folder) == "re3d"
    docs, report = read_documents(folder)
    d1, d2 = docs
    assert (d1["id"], d2["id"]) == ("D1", "D2")
    assert [(e["text"], e["label"]) for e in d1["entities"]] == [
        ("Col. John “J.D.” Dorrian", "Person"),
        ("ISIS fighters", "Organisation"),
        ("Raqqa", "Location"),
        ("May", "Temporal"),
    ]
    names = {e["id"]: e["text"] for e in d1["entities"]}
    assert {(names[r["head"]], r["label"], names[r["tail"]]) for r in d1["relations"]} == {
        ("ISIS fighters", "CoLocated", "Raqqa"),
        ("ISIS fighters", "HasAttrOf", "May"),
    }
    assert [(e["text"], e["label"]) for e in d2["entities"]] == [("The YPG", "Organisation"), ("Kobani", "Location")]
    assert len(d2["relations"]) == 1
    assert report.dropped["below_threshold"] == 3  # two entities, one relation
    assert report.dropped["duplicate_span"] == 1
    assert report.dropped["relation_to_dropped_entity"] == 1
    assert not report.problems


def test_re3d_parent_folder_and_label_map(tmp_path: Path) -> None:
    make_re3d(tmp_path / "a")
    make_re3d(
        tmp_path / "b",
        documents=[{"_id": "D3", "text": RE3D_TEXT2}],
        entities=[re3d_entity("D3", RE3D_TEXT2, "Kobani", "Location", 1)],
        relations=[],
    )
    assert detect_format(tmp_path) == "re3d"
    docs, report = read_documents(tmp_path, label_map="re3d")
    assert [d["id"] for d in docs] == ["D1", "D2", "D3"]
    # one gold span in the fixture starts with "the", cut to the schema's convention
    assert report.labels_left_out == {"Temporal": 1, "HasAttrOf": 1, "gold_spans:cut": 1}
    assert all(e["label"] != "Temporal" for d in docs for e in d["entities"])


# ---------------------------------------------------------------------------
# bad input: GoldFormatError naming the file and line/document


def native_line(**changes: Any) -> str:
    doc = sample_docs()[1]
    doc.update(changes)
    return json.dumps(doc, ensure_ascii=False)


def bad_native(tmp_path: Path, line2: str) -> tuple[Path, str]:
    path = tmp_path / "gold.jsonl"
    path.write_text(json.dumps(sample_docs()[0], ensure_ascii=False) + "\n" + line2 + "\n", encoding="utf-8")
    return path, "gold.jsonl:2"


NATIVE_CASES = {
    "invalid_json": ('{"id": "x", "text": ', "invalid JSON"),
    "offsets": (native_line(entities=[{"id": "a", "start": 30, "end": 90, "label": "PLACE"}], relations=[]), "outside text"),
    "text_mismatch": (native_line(entities=[{"id": "a", "start": 4, "end": 7, "label": "ARMED_GROUP", "text": "ELX"}], relations=[]), "does not match"),
    "unknown_label": (native_line(entities=[{"id": "a", "start": 4, "end": 7, "label": "GANG"}], relations=[]), "unknown label"),
    "missing_entity": (native_line(relations=[{"head": "a", "tail": "zz", "label": "FIGHTS"}]), "not an entity"),
}


@pytest.mark.parametrize("lenient_path", [False, True], ids=["read_jsonl", "own-checks"])
@pytest.mark.parametrize("case", NATIVE_CASES)
def test_native_bad_input(tmp_path: Path, case: str, lenient_path: bool) -> None:
    path, where = bad_native(tmp_path, NATIVE_CASES[case][0])
    # With a label map naming the schema labels, the reader takes its own validation path.
    label_map = None
    if lenient_path:
        label_map = tmp_path / "schema.yml"
        label_map.write_text(
            "gold:\n  entities: [PERSON, ARMED_GROUP, UNIT, ORG, PLACE, WEAPON, CALIBRE]\n"
            "  relations: [CONTROLS, LEADS, MEMBER_OF, PART_OF, OPERATES_IN, FIGHTS, ALLIED_WITH, POSSESSES, ALIAS_OF]\n"
        )
    with pytest.raises(GoldFormatError) as info:
        read_documents(path, label_map=label_map)
    assert where in str(info.value) and NATIVE_CASES[case][1] in str(info.value)


def test_native_unknown_label_under_label_map(tmp_path: Path) -> None:
    path = tmp_path / "gold.jsonl"
    s, e = span(RE3D_TEXT2, "Kobani")
    doc = {"id": "g", "text": RE3D_TEXT2, "entities": [{"id": "a", "start": s, "end": e, "label": "Place"}]}
    path.write_text(json.dumps(doc) + "\n")
    with pytest.raises(GoldFormatError, match=r"gold.jsonl:1 \(doc 'g'\): entity a has unknown label 'Place'"):
        read_documents(path, label_map="re3d")
    doc["entities"][0]["label"] = "Location"
    path.write_text(json.dumps(doc) + "\n")
    docs, _ = read_documents(path, label_map="re3d")
    assert docs[0]["entities"][0]["label"] == "Location"


def write_brat_doc(folder: Path, text: str, ann: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "d.txt").write_text(text, encoding="utf-8")
    (folder / "d.ann").write_text(ann, encoding="utf-8")
    return folder


BRAT_OK = "T1\tARMED_GROUP 4 7\tELN\nT2\tUNIT 19 23\tFANB\n"
BRAT_CASES = {
    "offsets": (BRAT_OK + "T3\tPLACE 27 99\tApure\n", "d.ann:3", "outside text"),
    "text_mismatch": (BRAT_OK + "T3\tPLACE 27 32\tApuro\n", "d.ann:3", "does not match"),
    "unknown_label": (BRAT_OK + "T3\tREGION 27 32\tApure\n", "d.ann:3", "unknown label"),
    "missing_entity": (BRAT_OK + "R1\tFIGHTS Arg1:T1 Arg2:T9\n", "d.ann:3", "not an entity"),
    "bad_line": ("T1\tARMED_GROUP four 7\tELN\n", "d.ann:1", "not two integers"),
    "bad_relation": (BRAT_OK + "R1\tFIGHTS T1 T2\n", "d.ann:3", "malformed relation"),
}


@pytest.mark.parametrize("case", BRAT_CASES)
def test_brat_bad_input(tmp_path: Path, case: str) -> None:
    ann, where, problem = BRAT_CASES[case]
    folder = write_brat_doc(tmp_path / "b", TEXT2, ann)
    with pytest.raises(GoldFormatError) as info:
        read_documents(folder)
    assert where in str(info.value) and problem in str(info.value) and "(doc 'd')" in str(info.value)


def test_brat_discontinuous_span_warns_and_skips(tmp_path: Path) -> None:
    ann = BRAT_OK + "T3\tPLACE 27 29;30 32\tAp re\nR1\tFIGHTS Arg1:T1 Arg2:T2\nR2\tOPERATES_IN Arg1:T1 Arg2:T3\n#1\tAnnotatorNotes T1\tnote\n"
    folder = write_brat_doc(tmp_path / "b", TEXT2, ann)
    with pytest.warns(GoldFormatWarning, match=r"d.ann:3 .*discontinuous"):
        docs, report = read_documents(folder)
    assert [e["id"] for e in docs[0]["entities"]] == ["T1", "T2"]
    assert docs[0]["relations"] == [{"head": "T1", "tail": "T2", "label": "FIGHTS"}]
    assert report.problems["discontinuous_span"] == 1
    assert report.dropped["relation_to_dropped_entity"] == 1


def doccano_line(**changes: Any) -> str:
    row = {"id": 1, "text": TEXT2, "entities": [{"id": 10, "label": "ARMED_GROUP", "start_offset": 4, "end_offset": 7}], "relations": []}
    row.update(changes)
    return json.dumps(row)


DOCCANO_CASES = {
    "invalid_json": ("{nope", "invalid JSON"),
    "offsets": (doccano_line(entities=[{"id": 10, "label": "PLACE", "start_offset": 27, "end_offset": 80}]), "outside text"),
    "unknown_label": (doccano_line(entities=[{"id": 10, "label": "Gang", "start_offset": 4, "end_offset": 7}]), "unknown label"),
    "missing_entity": (doccano_line(relations=[{"id": 1, "from_id": 10, "to_id": 11, "type": "FIGHTS"}]), "not an entity"),
}


@pytest.mark.parametrize("case", DOCCANO_CASES)
def test_doccano_bad_input(tmp_path: Path, case: str) -> None:
    path = tmp_path / "export.jsonl"
    path.write_text(doccano_line(id=0) + "\n" + DOCCANO_CASES[case][0] + "\n")
    with pytest.raises(GoldFormatError) as info:
        read_documents(path, format="doccano")
    assert "export.jsonl:2" in str(info.value) and DOCCANO_CASES[case][1] in str(info.value)


RE3D_CASES = {
    "invalid_json": ("entities", lambda rows: rows + ["{broken"], "entities.json:10", "invalid JSON"),
    "offsets": ("entities", lambda rows: rows[:1] + [{**rows[1], "end": 500}], "entities.json:2", "outside text"),
    "value_mismatch": ("entities", lambda rows: [{**rows[0], "value": "Colonel Dorrian"}], "entities.json:1", "does not match"),
    "missing_entity": (
        "relations",
        lambda rows: [re3d_relation("D1", RE3D_TEXT1, "left", "Raqqa", "CoLocated", 1)],
        "relations.json:1",
        "not an entity",
    ),
    "unknown_document": ("entities", lambda rows: [{**rows[0], "documentId": "D9"}], "entities.json:1", "not in documents.json"),
}


@pytest.mark.parametrize("case", RE3D_CASES)
def test_re3d_bad_input(tmp_path: Path, case: str) -> None:
    kind, change, where, problem = RE3D_CASES[case]
    folder = make_re3d(tmp_path / "base")
    rows = [json.loads(line) for line in (folder / f"{kind}.json").read_text(encoding="utf-8").splitlines()]
    changed = change(rows)
    (folder / f"{kind}.json").write_text(
        "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in changed), encoding="utf-8"
    )
    with pytest.raises(GoldFormatError) as info:
        read_documents(folder)
    assert where in str(info.value) and problem in str(info.value)


def test_docbin_unknown_label_names_file_and_document(tmp_path: Path) -> None:
    import spacy
    from spacy.tokens import DocBin

    nlp = spacy.blank("en")
    db = DocBin(store_user_data=True)
    for i, label in enumerate(["PLACE", "REGION"]):
        doc = nlp.make_doc(TEXT2)
        doc.user_data["id"] = f"n{i}"
        doc.ents = [doc.char_span(27, 32, label=label)]
        db.add(doc)
    db.to_disk(tmp_path / "x.spacy")
    with pytest.raises(GoldFormatError, match=r"x.spacy:2 \(doc 'n1'\): entity .* unknown label 'REGION'"):
        read_documents(tmp_path / "x.spacy")


# ---------------------------------------------------------------------------
# lenient mode


def test_lenient_skips_and_counts(tmp_path: Path) -> None:
    good = sample_docs()[1]
    bad_ents = dict(good)
    bad_ents["id"] = "bad-ents"
    bad_ents["entities"] = [
        {"id": "a", "start": 4, "end": 7, "label": "GANG"},  # unknown label, its relation goes too
        {"id": "b", "start": 19, "end": 23, "label": "UNIT"},
        {"id": "c", "start": 27, "end": 99, "label": "PLACE"},  # offsets
        {"id": "d", "start": 27, "end": 32, "label": "PLACE", "text": "Apura"},  # text mismatch
    ]
    bad_ents["relations"] = [
        {"head": "b", "tail": "a", "label": "FIGHTS"},
        {"head": "b", "tail": "zz", "label": "FIGHTS"},  # missing entity
    ]
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join([json.dumps(good), "{not json", json.dumps(bad_ents), json.dumps(good)]) + "\n")
    with pytest.raises(GoldFormatError):
        read_documents(path)
    with pytest.warns(GoldFormatWarning):
        docs, report = read_documents(path, lenient=True)
    assert [d["id"] for d in docs] == ["sub/doc2", "bad-ents"]
    assert [e["id"] for e in docs[1]["entities"]] == ["b"]
    assert docs[1]["relations"] == []
    assert report.problems == {
        "invalid_json": 1,
        "unknown_label": 1,
        "offsets": 1,
        "text_mismatch": 1,
        "missing_entity": 1,
        "duplicate_id": 1,
    }
    assert report.dropped["relation_to_dropped_entity"] == 1
    assert len(report.messages) == 6 and all("gold.jsonl:" in m for m in report.messages)
    assert report.documents == 2 and report.entities == 4


def test_lenient_re3d(tmp_path: Path) -> None:
    folder = make_re3d(tmp_path / "r")
    with (folder / "relations.json").open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(re3d_relation("D2", RE3D_TEXT2, "holds", "Kobani", "InChargeOf", 1)) + "\n")
    with pytest.warns(GoldFormatWarning, match="relations.json:6"):
        docs, report = read_documents(folder, lenient=True)
    assert report.problems == {"missing_entity": 1}
    assert len(docs[1]["relations"]) == 1


# ---------------------------------------------------------------------------
# detection


def test_detect_format(tmp_path: Path) -> None:
    docs = sample_docs()
    write_documents(docs, tmp_path / "n.jsonl", "native")
    write_documents(docs, tmp_path / "d.jsonl", "doccano")
    write_documents(docs, tmp_path / "g.spacy", "docbin")
    write_documents(docs, tmp_path / "brat", "brat")
    assert detect_format(tmp_path / "n.jsonl") == "native"
    assert detect_format(tmp_path / "d.jsonl") == "doccano"
    assert detect_format(tmp_path / "g.spacy") == "docbin"
    assert detect_format(tmp_path / "brat") == "brat"
    assert detect_format(tmp_path / "brat" / "doc1.ann") == "brat"
    assert detect_format(make_re3d(tmp_path / "re3d" / "one") / "documents.json") == "re3d"
    assert detect_format(tmp_path / "re3d") == "re3d"
    # A broken first line is left to the native reader to report.
    (tmp_path / "broken.jsonl").write_text("{oops\n")
    assert detect_format(tmp_path / "broken.jsonl") == "native"
    with pytest.raises(GoldFormatError, match="broken.jsonl:1"):
        read_documents(tmp_path / "broken.jsonl")
    single, _ = read_documents(tmp_path / "brat" / "doc1.txt")
    assert canon(single) == canon(docs[:1])
    assert set(FORMATS) == {"native", "re3d", "brat", "doccano", "docbin"}


# ---------------------------------------------------------------------------
# the real re3d subsets, when present beside the checkout


def re3d_folders() -> list[Path]:
    if not RE3D_DIR.is_dir():
        return []
    return sorted(p for p in RE3D_DIR.iterdir() if (p / "documents.json").is_file())


@pytest.mark.skipif(not re3d_folders(), reason=f"re3d data not found at {RE3D_DIR}")
@pytest.mark.parametrize("folder", re3d_folders(), ids=lambda p: p.name)
def test_real_re3d_folder(folder: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GoldFormatWarning)
        docs, report = read_documents(folder)
    # re3d nests annotations ("US" inside "US forces"): reported as schema problems, nothing else
    assert docs and report.format == "re3d" and set(report.problems) <= {"overlapping_span", "self_relation"}
    raw_docs = sum(1 for line in (folder / "documents.json").read_text(encoding="utf-8").splitlines() if line.strip())
    assert len(docs) == raw_docs
    assert len({d["id"] for d in docs}) == len(docs)
    for doc in docs:
        ids = {e["id"] for e in doc["entities"]}
        assert len(ids) == len(doc["entities"])
        spans = [(e["start"], e["end"]) for e in doc["entities"]]
        assert len(set(spans)) == len(spans)  # one annotation per span
        for e in doc["entities"]:
            assert 0 <= e["start"] < e["end"] <= len(doc["text"])
            assert e["text"] == doc["text"][e["start"]:e["end"]]
        assert all(r["head"] in ids and r["tail"] in ids for r in doc["relations"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GoldFormatWarning)
        mapped, mreport = read_documents(folder, label_map="re3d")
    assert {e["label"] for d in mapped for e in d["entities"]} <= {"Person", "Organisation", "Location", "Weapon"}
    assert sum(len(d["entities"]) for d in mapped) + mreport.labels_left_out["gold_spans:dropped"] + sum(
        n for label, n in mreport.labels_left_out.items() if label[0].isupper() and label in {
            "Nationality", "Temporal", "Quantity", "Vehicle", "Money", "DocumentReference",
            "CommsIdentifier", "Frequency", "Coordinate", "Url"}
    ) == report.entities
