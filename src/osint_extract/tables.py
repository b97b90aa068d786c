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
from .results import Result
from .schema import SYMMETRIC
from .scoring import mention_name

MENTION_COLUMNS = ["doc_id", "entity_id", "start", "end", "text", "label", "sentence"]
ENTITY_COLUMNS = ["doc_id", "entity_id", "name", "label", "mentions", "aliases"]
RELATION_COLUMNS = ["doc_id", "head", "head_label", "relation", "tail", "tail_label", "confidence", "evidence", "pattern"]
CONTROL_COLUMNS = [
    "controller", "controller_label", "relation", "controlled", "controlled_label",
    "documents", "mentions", "confidence", "doc_ids", "evidence",
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
    """The run-wide who-controls-what table, built one document at a time: entities with
    the same canonical name (case and spacing aside) and label are one across documents."""

    def __init__(self) -> None:
        self.rows: dict[tuple, dict] = {}

    def add(self, result: Result) -> None:
        entities = {e.id: e for e in result.entities}
        for r in result.relations:
            if r.label not in CONTROL_RELATIONS:
                continue
            head, tail = entities[r.head], entities[r.tail]
            sides = [(head.name, head.label), (tail.name, tail.label)]
            if r.label in SYMMETRIC:
                sides.sort(key=lambda side: (mention_name(side[0], 0, len(side[0])), side[1]))
            key = tuple((mention_name(n, 0, len(n)), lab) for n, lab in sides) + (r.label,)
            row = self.rows.setdefault(
                key, {"sides": sides, "relation": r.label, "mentions": 0, "confidence": 0.0, "evidence": {}}
            )
            row["mentions"] += r.support
            row["confidence"] = max(row["confidence"], r.confidence)
            row["evidence"].setdefault(result.id, r.evidence)

    def table(self) -> pd.DataFrame:
        records = []
        for row in self.rows.values():
            (controller, controller_label), (controlled, controlled_label) = row["sides"]
            evidence = row["evidence"]
            records.append([
                controller, controller_label, row["relation"], controlled, controlled_label,
                len(evidence), row["mentions"], row["confidence"], "; ".join(sorted(evidence)),
                " | ".join(f"{doc_id}: {evidence[doc_id]}" for doc_id in sorted(evidence)),
            ])
        table = pd.DataFrame(records, columns=CONTROL_COLUMNS)
        return table.sort_values(
            ["documents", "mentions", "confidence", "controller", "relation", "controlled"],
            ascending=[False, False, False, True, True, True], kind="mergesort", ignore_index=True,
        )


def controls_table(results: Iterable[Result]) -> pd.DataFrame:
    """Who controls, leads, arms, fights or allies with whom over a set of results: one
    row per (controller, relation, controlled), with the number of supporting documents
    and relation mentions, the highest confidence and one evidence sentence per document."""
    acc = ControlsAccumulator()
    for result in results:
        acc.add(result)
    return acc.table()


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


def write_outputs(results: Iterable[Result], out_dir: str | Path, errors: list[InputError] | None = None) -> int:
    """Stream results into documents.jsonl, mentions.csv, entities.csv and relations.csv,
    then write controls.csv (the run-wide table) and errors.csv (unreadable inputs).
    Returns the number of documents written."""
    out = Path(out_dir)
    count = 0
    controls = ControlsAccumulator()
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
            count += 1
    with atomic_writer(out / "controls.csv") as fh:
        controls.table().to_csv(fh, index=False, lineterminator="\n")
    with atomic_writer(out / "errors.csv") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(ERROR_COLUMNS)
        writer.writerows([str(e.path), e.reason] for e in errors or [])
    return count
