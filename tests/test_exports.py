"""Exports: GEXF and GraphML read back with networkx, FollowTheMoney entities read back and
validated with followthemoney, Neo4j bulk-import CSVs, Parquet copies of the tables."""
from __future__ import annotations

import csv
import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from typer.testing import CliRunner

import osint_extract
from osint_extract.cli import app
from osint_extract.io.exports import NEO4J_EDGE_HEADER, NEO4J_NODE_HEADER, check_ftm, read_gexf
from osint_extract.io.run_folder import RunFolder
from helpers import copy_dev_documents

runner = CliRunner()
FORMATS = ("gexf", "graphml", "ftm", "neo4j", "parquet")


@pytest.fixture(scope="module")
def run(nlp, tmp_path_factory):
    """The bundled corpus extracted, then exported in every format with one command."""
    out = tmp_path_factory.mktemp("exports") / "out"
    corpus = copy_dev_documents(tmp_path_factory.mktemp("exports") / "corpus")
    result = runner.invoke(app, ["extract", str(corpus), "--out", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["export", str(out), "--to", "gexf,graphml", "--to", "ftm", "--to", "neo4j", "--to", "parquet"])
    assert result.exit_code == 0, result.output
    return out


def _csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _expected(out: Path):
    controls = _csv(out / "controls.csv")
    entities = {e["id"]: e for e in _csv(out / "entities_run.csv")}
    nodes = {c["controller_id"] for c in controls} | {c["controlled_id"] for c in controls}
    edges = {(c["controller_id"], c["controlled_id"], c["relation"]) for c in controls}
    assert len(edges) == len(controls) > 20  # the corpus gives a real network
    return controls, entities, nodes, edges


@pytest.mark.parametrize("fmt", ["gexf", "graphml"])
def test_graph_files_read_back_as_controls(run, fmt):
    controls, entities, nodes, edges = _expected(run)
    G = read_gexf(run / "export" / "graph.gexf") if fmt == "gexf" else nx.read_graphml(run / "export" / "graph.graphml")
    assert set(G.nodes) == nodes
    got = {(u, v, d["relation"]) for u, v, d in G.edges(data=True)}
    assert got == edges and G.number_of_edges() == len(edges)
    label = "type" if fmt == "gexf" else "label"  # a GEXF node's label is its name, what Gephi shows
    for node, data in G.nodes(data=True):
        e = entities[node]
        assert (data["name"], data[label], data["aliases"], int(data["mentions"])) == (e["name"], e["label"], e["aliases"], int(e["mentions"]))
    by_triple = {(c["controller_id"], c["controlled_id"], c["relation"]): c for c in controls}
    for u, v, data in G.edges(data=True):
        c = by_triple[(u, v, data["relation"])]
        assert float(data["confidence"]) == float(c["confidence"])
        assert int(data["documents"]) == int(c["documents"]) and data["evidence"] == c["evidence"]


def test_gexf_is_version_13_with_typed_parallel_edges(run):
    root = ET.parse(run / "export" / "graph.gexf").getroot()
    assert root.tag == "{http://gexf.net/1.3}gexf" and root.get("version") == "1.3"
    edges = root.findall(".//{http://gexf.net/1.3}edge")
    assert edges and all(e.get("kind") == e.get("label") for e in edges)
    assert len({e.get("id") for e in edges}) == len(edges)


def test_library_graph_from_results_equals_the_run_folders(run):
    folder = RunFolder(run)
    from_results = osint_extract.graph(folder.results)
    from_folder = osint_extract.graph(run)
    assert isinstance(from_folder, nx.MultiDiGraph)
    assert sorted(from_results.edges(keys=True)) == sorted(from_folder.edges(keys=True))
    assert dict(from_results.nodes(data=True)) == dict(from_folder.nodes(data=True))


def test_ftm_entities_read_back_and_validate(run):
    from followthemoney import model

    lines = (run / "export" / "entities.ftm.json").read_text(encoding="utf-8").splitlines()
    assert check_ftm(lines) == []
    proxies = [model.get_proxy(json.loads(line), cleaned=False) for line in lines]
    by_id = {p.id: p for p in proxies}
    assert len(by_id) == len(proxies)
    controls, entities, nodes, _ = _expected(run)
    things = [p for p in proxies if not p.schema.edge]
    links = [p for p in proxies if p.schema.edge]
    assert len(things) == len(nodes) and len(links) == len(controls)
    schemata = {p.schema.name for p in proxies}
    assert {"Person", "Organization", "Address", "Membership", "Directorship", "UnknownLink"} <= schemata
    names = {e["name"]: e for e in entities.values()}
    for p in things:
        e = names[p.first("name")]
        topics = set(p.get("topics"))
        if e["label"] == "ARMED_GROUP":
            assert p.schema.name == "Organization" and "crime" in topics
        if e["label"] == "UNIT":
            assert p.schema.name == "Organization" and "gov.security" in topics
    for p in links:
        assert p.first("description") and p.first("role")
        ends = [by_id[v] for prop in (p.schema.edge_source, p.schema.edge_target) for v in p.get(prop)]
        assert len(ends) == 2
    # LEADS is a Directorship, MEMBER_OF a Membership, where the ends fit those schemata
    relation_of = {p.first("role"): p.schema.name for p in links}
    assert relation_of.get("leader") == "Directorship" and relation_of.get("member", "Membership") == "Membership"
    assert relation_of.get("controls") == "UnknownLink"


def test_ftm_validate_command_keeps_every_value(run, tmp_path):
    """followthemoney's own `ftm validate` cleans each entity; it gives back what was written."""
    from click.testing import CliRunner as ClickRunner
    from followthemoney.cli.cli import cli as ftm

    written = run / "export" / "entities.ftm.json"
    result = ClickRunner().invoke(ftm, ["validate", "-i", str(written), "-o", str(tmp_path / "clean.json")])
    assert result.exit_code == 0, result.output

    def entities(path):
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        return [(e["id"], e["schema"], {k: sorted(v) for k, v in e["properties"].items()}) for e in rows]

    assert entities(tmp_path / "clean.json") == entities(written)


def test_ftm_check_finds_invalid_entities():
    good = {"id": "a", "schema": "Person", "properties": {"name": ["Ana"]}}
    assert check_ftm([json.dumps(good)]) == []
    bad = [
        json.dumps({"id": "b", "schema": "Person", "properties": {}}),  # name is required
        json.dumps({"id": "c", "schema": "Weapon", "properties": {"name": ["x"]}}),  # no such schema
        json.dumps({"id": "d", "schema": "UnknownLink", "properties": {"subject": ["a"], "object": ["zz"]}}),
        json.dumps({"id": "e", "schema": "Person", "properties": {"name": ["Ana"], "birthDate": ["last spring"]}}),
        "{not json",
    ]
    problems = check_ftm([json.dumps(good), *bad])
    assert [p.split(":")[0] for p in problems] == ["line 2", "line 3", "line 5", "line 6", "line 4"]


def test_neo4j_csvs_have_the_documented_headers(run):
    controls, entities, nodes, _ = _expected(run)
    folder = run / "export" / "neo4j"
    with (folder / "entities.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == NEO4J_NODE_HEADER == ["id:ID", "name", "label", "aliases:string[]", "documents:int", "mentions:int", "curated_id", ":LABEL"]
    assert {r[0] for r in rows[1:]} == nodes
    for r in rows[1:]:
        e = entities[r[0]]
        assert r[7] == f"Entity;{e['label']}" and r[3] == e["aliases"].replace("; ", ";")
    with (folder / "relations.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == NEO4J_EDGE_HEADER == [":START_ID", ":END_ID", ":TYPE", "confidence:float", "documents:int", "mentions:int", "doc_ids:string[]", "evidence"]
    assert len(rows) - 1 == len(controls)
    assert all(r[0] in nodes and r[1] in nodes and float(r[3]) > 0 and int(r[4]) >= 1 for r in rows[1:])


def test_parquet_reads_back_equal_to_the_csvs(run):
    folder = run / "export" / "parquet"
    for name in ("mentions", "entities", "relations", "controls", "entities_run", "errors", "manifest"):
        as_csv = pd.read_csv(run / f"{name}.csv", dtype=str, keep_default_na=False)
        back = pd.read_parquet(folder / f"{name}.parquet")
        assert list(back.columns) == list(as_csv.columns), name
        assert len(back) == len(as_csv), name
        assert back.astype(str).equals(as_csv), name
    docs = pd.read_parquet(folder / "documents.parquet")
    lines = [json.loads(line) for line in (run / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    assert list(docs["id"]) == [d["id"] for d in lines] and list(docs["text"]) == [d["text"] for d in lines]
    assert pd.api.types.is_integer_dtype(pd.read_parquet(folder / "controls.parquet")["documents"])


def test_export_works_on_an_older_run_folder(run, tmp_path):
    old = tmp_path / "old"
    shutil.copytree(run, old, ignore=shutil.ignore_patterns("export"))
    (old / "entities_run.csv").unlink()
    result = runner.invoke(app, ["export", str(old), "--to", "graphml", "--dest", str(tmp_path / "x")])
    assert result.exit_code == 0, result.output
    edges = lambda g: set(g.edges(keys=True) if g.is_multigraph() else g.edges())  # noqa: E731
    assert edges(nx.read_graphml(tmp_path / "x" / "graph.graphml")) == edges(nx.read_graphml(run / "export" / "graph.graphml"))


def test_export_errors(run, tmp_path):
    result = runner.invoke(app, ["export", str(run), "--to", "gexf,xlsx"])
    assert result.exit_code == 2 and "xlsx" in result.output
    result = runner.invoke(app, ["export", str(tmp_path), "--to", "gexf"])
    assert result.exit_code == 2 and "documents.jsonl" in result.output
    (tmp_path / "documents.jsonl").write_text('{"id": "a", "text": "x"}\n{"id": \n', encoding="utf-8")
    result = runner.invoke(app, ["export", str(tmp_path), "--to", "ftm"])
    assert result.exit_code == 2 and "documents.jsonl:2" in result.output
    assert not (tmp_path / "export" / "entities.ftm.json").exists()
