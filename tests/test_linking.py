"""Run-wide entities: one id per real-world entity across a run's documents, and the
run folder reader that the report and the exports build on."""
from __future__ import annotations

import csv
import json
import shutil

import pytest
from typer.testing import CliRunner

import osint_extract
from osint_extract import Entity, Mention, Relation, Result
from osint_extract.cli import app
from osint_extract.runs.linking import RUN_ENTITY_COLUMNS, LinkingRules, link_entities
from osint_extract.io.run_folder import RunFolder, RunFolderError
from osint_extract.io.tables import controls_table

from helpers import RULES

runner = CliRunner()
G, PL, P, W = "ARMED_GROUP", "PLACE", "PERSON", "WEAPON"


def _result(doc_id: str, entities: list[tuple], relations: list[tuple] = ()) -> Result:
    """A result with entities (name, label, aliases...) and relations (head index, label,
    tail index), one mention per name."""
    ents = []
    for n, (name, label, *aliases) in enumerate(entities, 1):
        mentions = [Mention(f"m{n}-{k}", 0, len(s), label, s, f"E{n}", "") for k, s in enumerate([name, *aliases])]
        ents.append(Entity(f"E{n}", name, label, mentions, list(aliases)))
    rels = [
        Relation(f"E{h + 1}", f"E{t + 1}", label, 0.8, f"{ents[h].name} {label} {ents[t].name}.", 0, 1, "test",
                 f"m{h + 1}-0", f"m{t + 1}-0", ents[h].name, ents[t].name)
        for h, label, t in relations
    ]
    return Result(doc_id, "", ents, rels)


def _by_name(run) -> dict[tuple[str, str], dict]:
    return {(row["name"], row["label"]): row for row in run.table.to_dict("records")}


def test_alias_introduced_in_one_document_links_another(nlp):
    """End to end: the pipeline reads "Tren de Aragua (TdA)" in one document and only "TdA"
    (as a gang) in another; linking gives one run-wide entity for both."""
    results = list(osint_extract.extract_many([
        ("a.txt", "Tren de Aragua (TdA) controls Tocorón prison, according to officials."),
        ("b.txt", "Police say the TdA gang controls Tocorón prison and extorts shopkeepers in Maracay."),
        ("c.txt", "Los Choneros fight Los Lobos in Guayaquil."),
    ], nlp=nlp))
    assert [e.name for e in results[1].entities if e.label == G] == ["TdA"]
    run = link_entities(results)
    rid = run.id_of("a.txt", results[0].entities[0].id)
    assert run.id_of("b.txt", next(e.id for e in results[1].entities if e.name == "TdA")) == rid
    row = run.row(rid)
    assert (row["name"], row["label"], row["aliases"], row["documents"]) == ("Tren de Aragua", G, "TdA", 2)
    assert row["mentions"] == sum(len(e.mentions) for r in results[:2] for e in r.entities if e.label == G)
    # the place both documents name is one entity too; the third document's groups are not these
    assert run.id_of("a.txt", "E2") == run.id_of("b.txt", next(e.id for e in results[1].entities if e.name == "Tocorón"))
    assert len({run.id_of("c.txt", e.id) for e in results[2].entities} & {rid}) == 0
    # the controls table joins the two documents' CONTROLS facts into one row
    controls = controls_table(results, run=run)
    row = controls[controls.relation == "CONTROLS"].iloc[0]
    assert (row.controller, row.controller_id, row.controlled, row.documents, row.doc_ids) == (
        "Tren de Aragua", rid, "Tocorón", 2, "a.txt; b.txt")


def test_same_name_with_different_labels_stays_apart():
    results = [
        _result("a.txt", [("Los Lobos", G), ("Turi", PL)], [(0, "CONTROLS", 1)]),
        _result("b.txt", [("Los Lobos", PL), ("Cuenca", PL)], [(0, "PART_OF", 1)]),
        _result("c.txt", [("los lobos", G)]),
    ]
    run = link_entities(results)
    assert run.id_of("a.txt", "E1") == run.id_of("c.txt", "E1")
    assert run.id_of("a.txt", "E1") != run.id_of("b.txt", "E1")
    rows = _by_name(run)
    assert rows[("Los Lobos", G)]["documents"] == 2 and rows[("Los Lobos", PL)]["documents"] == 1


@pytest.mark.parametrize(
    "first, second, label, joined",
    [
        ("Frente Libertador del Sur", "frente libertador del sur", G, True),  # case
        ("Tocorón", "Tocoron", PL, True),  # accents
        ("Al-Shabaab", "Al Shabaab", G, True),  # hyphens
        ("the Halcones Negros", "Halcones Negros", G, True),  # leading "the"
        ("Los Zetas", "Los Zeta", G, True),  # plural
        ("AK-47s", "AK-47", W, True),  # plural of a weapon
        ("F.A.R.C.", "FARC", G, True),  # dots
        ("Frente Libertador del Sur", "Frente Libertadur del Sur", G, True),  # a spelling variant (rapidfuzz)
        ("Frente 10", "Frente 18", G, False),  # numbers differ
        ("41st Armored Brigade", "42nd Armored Brigade", "UNIT", False),
        ("Ana Williams", "Ana William", P, False),  # people's names are not plurals
        ("North Kivu", "South Kivu", PL, False),
        ("Rafael Ortega", "Rafael Ortiz", P, False),  # near names of people stay apart
    ],
)
def test_name_variants(first, second, label, joined):
    run = link_entities([_result("a.txt", [(first, label)]), _result("b.txt", [(second, label)])])
    assert (run.id_of("a.txt", "E1") == run.id_of("b.txt", "E1")) is joined
    assert len(run.table) == (1 if joined else 2)


def test_curated_ids_join_names_and_never_two_ids(nlp):
    """ "ELN" and "National Liberation Army" carry one curated id; two curated entities that
    share an alias are still two."""
    results = [
        _result("a.txt", [("ELN", G)]),
        _result("b.txt", [("National Liberation Army", G)]),
        _result("c.txt", [("Tren de Aragua", G, "TA")]),
        _result("d.txt", [("Tren del Llano", G, "TA")]),
    ]
    run = link_entities(results)
    assert run.id_of("a.txt", "E1") == run.id_of("b.txt", "E1")
    assert run.row(run.id_of("a.txt", "E1"))["curated_id"] == "eln"
    assert run.row(run.id_of("a.txt", "E1"))["name"] == "National Liberation Army"
    assert run.id_of("c.txt", "E1") != run.id_of("d.txt", "E1")
    assert {run.row(run.id_of(d, "E1"))["curated_id"] for d in ("c.txt", "d.txt")} == {"tren-de-aragua", "tren-del-llano"}


def test_an_alias_two_entities_share_links_neither():
    """Two different groups both abbreviated "FLS": a third document that only says "FLS"
    cannot be given to either, and the two groups stay apart."""
    rules = LinkingRules()  # no curated lists: only names and aliases decide
    results = [
        _result("a.txt", [("Frente Libertador del Sur", G, "FLS")]),
        _result("b.txt", [("Fuerza Leal del Sol", G, "FLS")]),
        _result("c.txt", [("FLS", G)]),
        _result("d.txt", [("Frente Libertador del Sur", G)]),
    ]
    run = link_entities(results, rules=rules)
    assert len({run.id_of(d, "E1") for d in ("a.txt", "b.txt", "c.txt")}) == 3
    assert run.id_of("a.txt", "E1") == run.id_of("d.txt", "E1")
    # with one group only, the alias links the bare name, whichever document comes first
    for order in ([0, 2], [2, 0]):
        run = link_entities([results[i] for i in order], rules=rules)
        assert run.id_of("a.txt", "E1") == run.id_of("c.txt", "E1")


def test_ids_and_table_do_not_depend_on_document_order():
    results = [
        _result("a.txt", [("Los Lobos", G, "Lobos"), ("Turi", PL)], [(0, "CONTROLS", 1)]),
        _result("b.txt", [("Lobos", G), ("Turi", PL), ("Cuenca", PL)], [(0, "CONTROLS", 1), (0, "CONTROLS", 2)]),
        _result("c.txt", [("Los Choneros", G), ("Los Lobos", G)], [(0, "FIGHTS", 1)]),
        _result("d.txt", [("Los Lobos", G), ("Los Choneros", G)], [(0, "FIGHTS", 1)]),
    ]
    forward, backward = link_entities(results), link_entities(results[::-1])
    assert forward.table.equals(backward.table) and forward.ids == backward.ids
    assert list(forward.table.columns) == RUN_ENTITY_COLUMNS
    assert list(forward.table["id"]) == [f"R{n}" for n in range(1, len(forward.table) + 1)]
    # most documents first
    assert list(forward.table["documents"]) == sorted(forward.table["documents"], reverse=True)
    lobos = forward.row(forward.id_of("b.txt", "E1"))
    assert (lobos["name"], lobos["documents"], lobos["aliases"]) == ("Los Lobos", 4, "Lobos")
    controls = controls_table(results)
    assert controls.equals(controls_table(results[::-1]))
    fights = controls[controls.relation == "FIGHTS"]
    assert len(fights) == 1 and fights.iloc[0].documents == 2  # symmetric, both directions in one row
    turi = controls[(controls.relation == "CONTROLS") & (controls.controlled == "Turi")].iloc[0]
    assert turi.documents == 2 and turi.controller_id == lobos["id"]


def _read_csv(path):
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture()
def run_dir(nlp, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Tren de Aragua (TdA) controls Tocorón prison, according to officials.\n", encoding="utf-8")
    (docs / "b.txt").write_text("Police say the TdA gang controls Tocorón prison and extorts shopkeepers in Maracay.\n", encoding="utf-8")
    (docs / "c.txt").write_text("Los Choneros fight Los Lobos in Guayaquil. Los Lobos control the port.\n", encoding="utf-8")
    out = tmp_path / "out"
    # the rules pipeline: run-wide linking is what is tested, not how a statistical NER
    # labels "the TdA gang"
    result = runner.invoke(app, ["extract", str(docs), "--out", str(out), "--no-progress", "--model", RULES])
    assert result.exit_code == 0, result.output
    return out


def test_extract_writes_run_wide_entities_and_ids_in_controls(run_dir):
    run_rows = _read_csv(run_dir / "entities_run.csv")
    assert list(run_rows[0]) == RUN_ENTITY_COLUMNS
    by_id = {r["id"]: r for r in run_rows}
    entities = _read_csv(run_dir / "entities.csv")
    assert len(run_rows) < len(entities)  # TdA, Tocorón and Los Lobos are each one entity
    assert sum(int(r["mentions"]) for r in run_rows) == sum(int(e["mentions"]) for e in entities)
    tren = next(r for r in run_rows if r["name"] == "Tren de Aragua")
    assert (tren["aliases"], tren["documents"], tren["curated_id"]) == ("TdA", "2", "tren-de-aragua")
    controls = _read_csv(run_dir / "controls.csv")
    assert controls and all(c["controller_id"] in by_id and c["controlled_id"] in by_id for c in controls)
    for c in controls:
        assert (by_id[c["controller_id"]]["name"], by_id[c["controller_id"]]["label"]) == (c["controller"], c["controller_label"])
        assert (by_id[c["controlled_id"]]["name"], by_id[c["controlled_id"]]["label"]) == (c["controlled"], c["controlled_label"])
    tocoron = [c for c in controls if c["controlled"] == "Tocorón" and c["relation"] == "CONTROLS"]
    assert len(tocoron) == 1 and tocoron[0]["documents"] == "2" and tocoron[0]["controller_id"] == tren["id"]


def test_run_folder_reads_a_run_and_rebuilds_what_an_older_run_lacks(run_dir, tmp_path):
    folder = RunFolder(run_dir)
    docs = [json.loads(line) for line in (run_dir / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r.id for r in folder.results] == [d["id"] for d in docs]
    assert [r.to_dict() for r in folder.results] == docs
    written = folder.table("entities_run")
    assert written.equals(folder.run_entities.table)  # recomputing gives what extract wrote
    # an older run: no cache, no entities_run.csv, controls.csv without the id columns
    old = tmp_path / "old"
    shutil.copytree(run_dir, old)
    shutil.rmtree(old / ".osint-cache")
    (old / "entities_run.csv").unlink()
    controls = folder.table("controls")
    controls.drop(columns=["controller_id", "controlled_id"]).to_csv(old / "controls.csv", index=False)
    rebuilt = RunFolder(old)
    assert [r.to_dict() for r in rebuilt.results] == docs
    assert rebuilt.table("entities_run").equals(written)
    assert rebuilt.table("controls").drop(columns=["mentions"]).equals(controls.drop(columns=["mentions"]))


def test_run_folder_errors_name_the_file(tmp_path, run_dir):
    with pytest.raises(RunFolderError, match="not a folder"):
        RunFolder(tmp_path / "missing")
    with pytest.raises(RunFolderError, match="documents.jsonl"):
        RunFolder(tmp_path)
    bad = tmp_path / "bad"
    shutil.copytree(run_dir, bad)
    with (bad / "documents.jsonl").open("a", encoding="utf-8") as fh:
        fh.write("{not json\n")
    with pytest.raises(RunFolderError, match=r"documents.jsonl:4: invalid JSON"):
        RunFolder(bad).results
    (bad / "entities_run.csv").write_text('id,name,label,aliases,documents,mentions,curated_id\nR1,x,PLACE,,many,1,\n', encoding="utf-8")
    with pytest.raises(RunFolderError, match=r"entities_run.csv.*documents"):
        RunFolder(bad).table("entities_run")
