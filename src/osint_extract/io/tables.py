"""Output tables: the run's results as JSONL and CSV files, and as pandas DataFrames.

Files are written to temporary names and moved into place only when complete, so an
interrupted or failed run never leaves a half-written table over a good one.
"""
from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from typing import IO, Any
from pathlib import Path

import pandas as pd

from .documents import atomic_writer
from .inputs import InputError
from ..runs.linking import EntityLinker, RunEntities, link_entities
from .results import Result
from ..schema import SYMMETRIC

MENTION_COLUMNS = ["doc_id", "entity_id", "start", "end", "text", "label", "sentence"]
ENTITY_COLUMNS = ["doc_id", "entity_id", "name", "label", "mentions", "aliases"]
RELATION_COLUMNS = ["doc_id", "head", "head_label", "relation", "tail", "tail_label", "confidence", "evidence", "pattern"]
CONTROL_COLUMNS = [
    "controller", "controller_label", "relation", "controlled", "controlled_label",
    "documents", "mentions", "confidence", "doc_ids", "evidence", "controller_id", "controlled_id",
]
# Relations that say who holds power over whom or what: the rows of controls.csv.
CONTROL_RELATIONS = ("CONTROLS", "LEADS", "POSSESSES", "PART_OF", "MEMBER_OF", "ALLIED_WITH", "FIGHTS")
ERROR_COLUMNS = ["path", "reason"]


def mention_rows(result: Result) -> Iterator[list]:
    for m in result.mentions:
        yield [result.id, m.entity_id, m.start, m.end, m.text, m.label, m.sentence]


def entity_rows(result: Result) -> Iterator[list]:
    for e in result.entities:
        yield [result.id, e.id, e.name, e.label, len(e.mentions), "; ".join(e.aliases)]


def relation_rows(result: Result) -> Iterator[list]:
    labels = {e.id: e.label for e in result.entities}
    for r in result.relations:
        yield [result.id, r.head_name, labels[r.head], r.label, r.tail_name, labels[r.tail], r.confidence, r.evidence, r.pattern]


class ControlsAccumulator:
    """The run-wide who-controls-what table, built one document at a time: each relation
    instance is kept with its document's entity ids, and grouped by run-wide entity (see
    linking.py) once all documents are in."""

    def __init__(self) -> None:
        self.instances: list[tuple] = []

    def add(self, result: Result) -> None:
        for r in result.relations:
            if r.label in CONTROL_RELATIONS:
                self.instances.append((result.id, r.head, r.tail, r.label, r.support, r.confidence, r.evidence))

    def table(self, run: RunEntities) -> pd.DataFrame:
        names = dict(zip(run.table["id"], zip(run.table["name"], run.table["label"])))
        rows: dict[tuple, dict] = {}
        for doc_id, head, tail, label, support, confidence, evidence in self.instances:
            sides = [run.id_of(doc_id, head), run.id_of(doc_id, tail)]
            if label in SYMMETRIC:
                sides.sort(key=lambda rid: (names[rid][0].casefold(), names[rid][0], names[rid][1], int(rid[1:])))
            row = rows.setdefault((*sides, label), {"mentions": 0, "confidence": 0.0, "evidence": {}})
            row["mentions"] += support
            row["confidence"] = max(row["confidence"], confidence)
            row["evidence"].setdefault(doc_id, evidence)
        records = []
        for (controller_id, controlled_id, label), row in rows.items():
            evidence = row["evidence"]
            records.append([
                *names[controller_id], label, *names[controlled_id],
                len(evidence), row["mentions"], row["confidence"], "; ".join(sorted(evidence)),
                " | ".join(f"{doc_id}: {evidence[doc_id]}" for doc_id in sorted(evidence)),
                controller_id, controlled_id,
            ])
        table = pd.DataFrame(records, columns=CONTROL_COLUMNS)
        table["_a"] = table["controller_id"].str[1:].astype(int)
        table["_b"] = table["controlled_id"].str[1:].astype(int)
        table = table.sort_values(
            ["documents", "mentions", "confidence", "controller", "relation", "controlled", "_a", "_b"],
            ascending=[False, False, False, True, True, True, True, True], kind="mergesort", ignore_index=True,
        )
        return table.drop(columns=["_a", "_b"])


def controls_table(results: Iterable[Result], run: RunEntities | None = None) -> pd.DataFrame:
    """Who controls, leads, arms, fights or allies with whom over a set of results: one
    row per (run-wide controller, relation, run-wide controlled), with the number of
    supporting documents and relation mentions, the highest confidence and one evidence
    sentence per document. `run` is the results' linking (link_entities) when already done."""
    results = list(results)
    acc = ControlsAccumulator()
    for result in results:
        acc.add(result)
    return acc.table(run if run is not None else link_entities(results))


def mentions_table(results: Iterable[Result]) -> pd.DataFrame:
    """One row per entity mention."""
    return pd.DataFrame([row for r in results for row in mention_rows(r)], columns=MENTION_COLUMNS)


def entities_table(results: Iterable[Result]) -> pd.DataFrame:
    """One row per distinct entity per document, with its number of mentions and aliases."""
    return pd.DataFrame([row for r in results for row in entity_rows(r)], columns=ENTITY_COLUMNS)


def relations_table(results: Iterable[Result]) -> pd.DataFrame:
    """One row per relation (fact) per document, with its evidence."""
    return pd.DataFrame([row for r in results for row in relation_rows(r)], columns=RELATION_COLUMNS)


def write_document(fh: IO[str], result: Result) -> None:
    """`result.to_dict()` as one JSON line, written an entity and a relation at a time:
    the same bytes as `json.dumps` of the whole dict, without holding a long document's
    dicts and JSON text in memory at once."""
    def dumps(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False)

    fh.write(f'{{"id": {dumps(result.id)}, "text": {dumps(result.text)}, "entities": [')
    for k, item in enumerate(result.entity_dicts()):
        fh.write((", " if k else "") + dumps(item))
    fh.write('], "relations": [')
    for k, item in enumerate(result.relation_dicts()):
        fh.write((", " if k else "") + dumps(item))
    fh.write("]}\n")


def write_outputs(
    results: Iterable[Result], out_dir: str | Path, errors: list[InputError] | None = None,
    config: str | Path | None = None,
) -> int:
    """Stream results into documents.jsonl, mentions.csv, entities.csv and relations.csv,
    then write entities_run.csv and controls.csv (the run-wide tables; `config` gives the
    curated lists and linking rules) and errors.csv (unreadable inputs).
    Returns the number of documents written."""
    out = Path(out_dir)
    count = 0
    controls = ControlsAccumulator()
    linker = EntityLinker(config=config)
    with ExitStack() as stack:
        docs_fh = stack.enter_context(atomic_writer(out / "documents.jsonl"))
        tables = {}
        for name, columns in (("mentions", MENTION_COLUMNS), ("entities", ENTITY_COLUMNS), ("relations", RELATION_COLUMNS)):
            tables[name] = csv.writer(stack.enter_context(atomic_writer(out / f"{name}.csv")), lineterminator="\n")
            tables[name].writerow(columns)
        for result in results:
            write_document(docs_fh, result)
            tables["mentions"].writerows(mention_rows(result))
            tables["entities"].writerows(entity_rows(result))
            tables["relations"].writerows(relation_rows(result))
            controls.add(result)
            linker.add(result)
            count += 1
    run = linker.link()
    with atomic_writer(out / "entities_run.csv") as fh:
        run.table.to_csv(fh, index=False, lineterminator="\n")
    with atomic_writer(out / "controls.csv") as fh:
        controls.table(run).to_csv(fh, index=False, lineterminator="\n")
    with atomic_writer(out / "errors.csv") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(ERROR_COLUMNS)
        writer.writerows([str(e.path), e.reason] for e in errors or [])
    return count
