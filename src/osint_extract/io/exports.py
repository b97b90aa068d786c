"""Exports of a run into the tools of the trade: the who-controls-what network as GEXF 1.3
(Gephi) and GraphML (networkx, yEd, Cytoscape), FollowTheMoney entities (Aleph, OpenSanctions
tooling), Neo4j bulk-import CSVs, and Parquet copies of every table.

Everything is built from a run folder's entities_run.csv and controls.csv (see
run_folder.py), so an export works on any finished run: nodes are run-wide entities that
take part in a controls row, edges are controls rows, with their relation, confidence,
support and evidence.
"""
from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import networkx as nx
import pandas as pd

from .documents import atomic_writer
from ..runs.linking import LinkingRules
from ..resources import read_yaml
from .results import Result
from .run_folder import TABLES, RunFolder
from ..schema import SYMMETRIC

FORMATS = ("gexf", "graphml", "ftm", "neo4j", "parquet")
NEO4J_NODE_HEADER = ["id:ID", "name", "label", "aliases:string[]", "documents:int", "mentions:int", "curated_id", ":LABEL"]
NEO4J_EDGE_HEADER = [":START_ID", ":END_ID", ":TYPE", "confidence:float", "documents:int", "mentions:int", "doc_ids:string[]", "evidence"]
GEXF_VERSION = "1.3"


def graph(source: RunFolder | str | Path | Iterable[Result], config: str | Path | None = None) -> nx.MultiDiGraph:
    """The who-controls-what network: one node per run-wide entity that takes part in a
    controls row (attributes name, label, aliases, documents, mentions, curated_id), one
    edge per controls row, keyed by its relation (attributes relation, confidence,
    documents, mentions, doc_ids, evidence, symmetric, weight = supporting documents).
    `source` is a run folder (or its path) or results in memory."""
    if isinstance(source, (str, Path)):
        source = RunFolder(source, config)
    if isinstance(source, RunFolder):
        return graph_from_tables(source.table("entities_run"), source.table("controls"))
    from ..runs.linking import link_entities
    from .tables import controls_table

    results = list(source)
    run = link_entities(results, config=config)
    return graph_from_tables(run.table, controls_table(results, run=run))


def graph_from_tables(entities_run: pd.DataFrame, controls: pd.DataFrame) -> nx.MultiDiGraph:
    G = nx.MultiDiGraph()
    entities = {row["id"]: row for row in entities_run.to_dict("records")}
    for row in controls.to_dict("records"):
        for side in (row["controller_id"], row["controlled_id"]):
            if side not in G:
                e = entities[side]
                G.add_node(
                    side, name=str(e["name"]), label=str(e["label"]), aliases=str(e["aliases"]),
                    documents=int(e["documents"]), mentions=int(e["mentions"]), curated_id=str(e["curated_id"]),
                )
        G.add_edge(
            row["controller_id"], row["controlled_id"], key=row["relation"],
            relation=str(row["relation"]), confidence=float(row["confidence"]), documents=int(row["documents"]),
            mentions=int(row["mentions"]), doc_ids=str(row["doc_ids"]), evidence=str(row["evidence"]),
            symmetric=row["relation"] in SYMMETRIC, weight=int(row["documents"]),
        )
    return G


def _register_gexf_13() -> None:
    """networkx writes and reads GEXF 1.1 and 1.2; 1.3 differs for this graph only in its
    namespace and version, so it is added to networkx's table of versions."""
    from networkx.readwrite.gexf import GEXF

    GEXF.versions.setdefault(GEXF_VERSION, {
        "NS_GEXF": "http://gexf.net/1.3",
        "NS_VIZ": "http://gexf.net/1.3/viz",
        "NS_XSI": "http://www.w3.org/2001/XMLSchema-instance",
        "SCHEMALOCATION": "http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd",
        "VERSION": GEXF_VERSION,
    })


def write_gexf(G: nx.MultiDiGraph, path: str | Path) -> None:
    """GEXF 1.3 for Gephi: a node's label is its name (what Gephi shows) and its schema
    label is the `type` attribute; an edge's label and kind are its relation, so parallel
    edges of different relations stay apart."""
    from networkx.readwrite.gexf import GEXFWriter

    _register_gexf_13()
    H = nx.MultiDiGraph()
    for node, data in G.nodes(data=True):
        attrs = dict(data)
        attrs["type"] = attrs.pop("label")
        H.add_node(node, label=attrs["name"], **attrs)
    for u, v, key, data in G.edges(keys=True, data=True):
        H.add_edge(u, v, key=key, id=f"{u}-{key}-{v}", label=key, **data)
    writer = GEXFWriter(version=GEXF_VERSION)
    writer.add_graph(H)
    for edge in writer.xml.iter("edge"):
        edge.set("kind", edge.get("label"))
    with atomic_writer(path, "wb") as fh:
        writer.write(fh)


def read_gexf(path: str | Path) -> nx.MultiDiGraph:
    """A GEXF file written by write_gexf, read back with networkx."""
    _register_gexf_13()
    return nx.read_gexf(path, version=GEXF_VERSION)


def write_graphml(G: nx.MultiDiGraph, path: str | Path) -> None:
    with atomic_writer(path, "wb") as fh:
        nx.write_graphml(G, fh, named_key_ids=True)


# ---------------------------------------------------------------------------
# FollowTheMoney


def ftm_entities(
    entities_run: pd.DataFrame, controls: pd.DataFrame, sources: dict[str, str] | None = None,
    config: str | Path | None = None,
) -> list[dict[str, Any]]:
    """FollowTheMoney entities (as dicts) for the network: one per entity that takes part
    in a controls row, per lexicons/ftm.yml, and one interval entity per controls row with
    the evidence in `description` and the sources' addresses in `sourceUrl` where a
    document came from a URL. Each passes followthemoney's cleaning and its schema's
    validation."""
    from followthemoney import model

    mapping = read_yaml(_ftm_mapping(config))
    rules = LinkingRules()
    prefix = mapping.get("id_prefix", "osint-extract")
    sources = sources or {}
    entities = {row["id"]: row for row in entities_run.to_dict("records")}
    used = list(dict.fromkeys([*controls["controller_id"], *controls["controlled_id"]]))
    proxies, ftm_id = [], {}
    for rid in sorted(used, key=lambda r: int(r[1:])):
        e = entities[rid]
        spec = mapping["entities"].get(e["label"])
        if spec is None:
            continue
        proxy = model.make_entity(spec["schema"])
        proxy.make_id(prefix, e["label"], e["curated_id"] or rules.key(e["name"], e["label"]))
        proxy.add("name", e["name"])
        if "full" in proxy.schema.properties:
            proxy.add("full", e["name"])
        aliases = [a for a in str(e["aliases"]).split("; ") if a]
        proxy.add("alias", aliases)
        if spec.get("topics"):
            proxy.add("topics", spec["topics"])
        proxies.append(proxy)
        ftm_id[rid] = proxy
    for row in controls.to_dict("records"):
        head, tail = ftm_id.get(row["controller_id"]), ftm_id.get(row["controlled_id"])
        if head is None or tail is None:
            continue
        spec = mapping["relations"].get(row["relation"], mapping["fallback"])
        if not _fits(spec, head, tail):
            spec = mapping["fallback"]
        link = model.make_entity(spec["schema"])
        link.make_id(prefix, row["relation"], head.id, tail.id)
        link.add(spec["head"], head.id)
        link.add(spec["tail"], tail.id)
        link.add("role", spec.get("role") or row["relation"].lower().replace("_", " "))
        link.add("description", row["evidence"])
        link.add("summary", f"{row['relation']} (osint-extract): documents {row['documents']}, confidence {row['confidence']}")
        urls = [sources[d] for d in str(row["doc_ids"]).split("; ") if d in sources]
        link.add("sourceUrl", urls)
        link.add("publisher", [urlparse(u).hostname for u in urls if urlparse(u).hostname])
        proxies.append(link)
    return [p.to_dict() for p in proxies]


def _fits(spec: dict, head, tail) -> bool:
    """Whether the head and tail entities are in the range of the schema's properties."""
    from followthemoney import model

    schema = model.get(spec["schema"])
    for prop, proxy in ((spec["head"], head), (spec["tail"], tail)):
        target = schema.properties[prop].range
        if target is not None and not proxy.schema.is_a(target):
            return False
    return True


def _ftm_mapping(config: str | Path | None) -> Path:
    from ..pipeline import read_config
    from ..resources import configs_dir

    folder = Path(read_config(config)["paths"]["configs"])
    path = folder / "lexicons" / "ftm.yml"
    return path if path.is_file() else configs_dir() / "lexicons" / "ftm.yml"


def check_ftm(lines: Iterable[str]) -> list[str]:
    """Problems with FtM entity lines, as `ftm validate` finds them: a line that is not an
    entity, an unknown schema, a value the property's type rejects, a missing required
    property, a reference to an entity not in the file. Empty when all is well."""
    from followthemoney import model
    from followthemoney.exc import InvalidData

    problems, ids, refs = [], set(), []
    for n, line in enumerate(lines, 1):
        try:
            data = json.loads(line)
            schema = model.get(data["schema"])
            if schema is None or schema.abstract:
                raise InvalidData(f"unknown or abstract schema {data['schema']!r}")
            schema.validate(data)
            proxy = model.get_proxy(data, cleaned=False)
        except (ValueError, KeyError, TypeError, InvalidData) as exc:
            problems.append(f"line {n}: {getattr(exc, 'errors', None) or exc}")
            continue
        if not proxy.id:
            problems.append(f"line {n}: no id")
        ids.add(proxy.id)
        clean = model.make_entity(proxy.schema)
        for prop, value in proxy.itervalues():
            clean.add(prop, value)
            if value not in clean.get(prop):
                problems.append(f"line {n}: {prop.name} value {value!r} rejected by type {prop.type.name}")
            if prop.type.name == "entity":
                refs.append((n, value))
    problems += [f"line {n}: reference to missing entity {ref}" for n, ref in refs if ref not in ids]
    return problems


# ---------------------------------------------------------------------------
# Neo4j and Parquet


def write_neo4j(entities_run: pd.DataFrame, controls: pd.DataFrame, folder: str | Path) -> list[Path]:
    """entities.csv and relations.csv for `neo4j-admin database import full`: typed header
    fields, `;` between array items, every node labelled Entity and its schema label."""
    folder = Path(folder)
    used = set(controls["controller_id"]) | set(controls["controlled_id"])
    nodes, edges = folder / "entities.csv", folder / "relations.csv"
    with atomic_writer(nodes) as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(NEO4J_NODE_HEADER)
        for e in entities_run.to_dict("records"):
            if e["id"] in used:
                aliases = ";".join(a for a in str(e["aliases"]).split("; ") if a)
                writer.writerow([e["id"], e["name"], e["label"], aliases, e["documents"], e["mentions"], e["curated_id"], f"Entity;{e['label']}"])
    with atomic_writer(edges) as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(NEO4J_EDGE_HEADER)
        for r in controls.to_dict("records"):
            writer.writerow([
                r["controller_id"], r["controlled_id"], r["relation"], r["confidence"], r["documents"], r["mentions"],
                ";".join(d for d in str(r["doc_ids"]).split("; ") if d), r["evidence"],
            ])
    return [nodes, edges]


def write_parquet(run: RunFolder, folder: str | Path) -> list[Path]:
    """Every table of the run as Parquet (pyarrow), typed as RunFolder reads them, and the
    documents (id, text) from documents.jsonl."""
    folder = Path(folder)
    written = []
    for name in TABLES:
        if name not in ("entities_run", "controls") and not run.file(f"{name}.csv").is_file():
            continue
        path = folder / f"{name}.parquet"
        with atomic_writer(path, "wb") as fh:
            run.table(name).to_parquet(fh, engine="pyarrow", index=False)
        written.append(path)
    path = folder / "documents.parquet"
    docs = pd.DataFrame([(d["id"], d["text"]) for d in run.documents()], columns=["id", "text"])
    with atomic_writer(path, "wb") as fh:
        docs.to_parquet(fh, engine="pyarrow", index=False)
    return [*written, path]


def _sources(run: RunFolder) -> dict[str, str]:
    """Documents whose id or input path is a web address."""
    urls = {}
    manifest = run.file("manifest.csv")
    paths = {}
    if manifest.is_file():
        paths = dict(zip(*[run.table("manifest")[c] for c in ("doc_id", "path")]))
    for doc in run.documents():
        for candidate in (doc["id"], paths.get(doc["id"], "")):
            if urlparse(str(candidate)).scheme in ("http", "https"):
                urls[doc["id"]] = str(candidate)
                break
    return urls


def export(
    run_dir: str | Path, formats: Sequence[str], dest: str | Path | None = None, config: str | Path | None = None
) -> list[Path]:
    """Write the run in `run_dir` in each of `formats` (gexf, graphml, ftm, neo4j, parquet)
    under `dest` (default RUN_DIR/export): graph.gexf, graph.graphml, entities.ftm.json,
    neo4j/{entities,relations}.csv, parquet/*.parquet. Returns the files written."""
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise ValueError(f"unknown export format {', '.join(unknown) or '(none)'}; known: {', '.join(FORMATS)}")
    run = RunFolder(run_dir, config)
    dest = Path(dest) if dest is not None else run.path / "export"
    entities_run, controls = run.table("entities_run"), run.table("controls")
    written: list[Path] = []
    G = graph_from_tables(entities_run, controls) if {"gexf", "graphml"} & set(formats) else None
    for fmt in dict.fromkeys(formats):
        if fmt == "gexf":
            write_gexf(G, dest / "graph.gexf")
            written.append(dest / "graph.gexf")
        elif fmt == "graphml":
            write_graphml(G, dest / "graph.graphml")
            written.append(dest / "graph.graphml")
        elif fmt == "ftm":
            path = dest / "entities.ftm.json"
            with atomic_writer(path) as fh:
                for entity in ftm_entities(entities_run, controls, _sources(run), config):
                    fh.write(json.dumps(entity, ensure_ascii=False, sort_keys=True) + "\n")
            written.append(path)
        elif fmt == "neo4j":
            written += write_neo4j(entities_run, controls, dest / "neo4j")
        elif fmt == "parquet":
            written += write_parquet(run, dest / "parquet")
    return written
