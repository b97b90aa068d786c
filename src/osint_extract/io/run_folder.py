"""A finished run's output folder, read back: the tables `extract` wrote, and the results
behind them, so the report and the exports work on any run folder, including ones written
before run-wide entities existed.

Results come from the folder's cache (`.osint-cache/`, exact) where it holds the document
with the same text, else they are rebuilt from documents.jsonl, entities.csv and
mentions.csv (a relation's number of instances is then 1). Tables missing from an older
run (entities_run.csv, the run-wide id columns of controls.csv) are computed the way
`extract` computes them.
"""
from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from pathlib import Path

import pandas as pd

from .documents import GoldFormatError, iter_jsonl
from ..runs.linking import RunEntities, link_entities
from .results import Entity, Mention, Relation, Result, result_from_dict

TABLES = ("mentions", "entities", "relations", "controls", "entities_run", "errors", "manifest")
# Columns read as text even when they look like numbers ("E1", "2024" as a name).
_NUMERIC = {"start", "end", "mentions", "documents", "confidence"}


class RunFolderError(ValueError):
    """The folder is not a run folder, or one of its files cannot be read; the message
    names the file."""


class RunFolder:
    """Read access to an `osint-extract extract --out` folder."""

    def __init__(self, path: str | Path, config: str | Path | None = None):
        self.path = Path(path)
        self.config = config
        if not self.path.is_dir():
            raise RunFolderError(f"{self.path}: not a folder (give the --out folder of an extract run)")
        if not (self.path / "documents.jsonl").is_file():
            raise RunFolderError(f"{self.path / 'documents.jsonl'}: not found; {self.path} is not the output of an extract run")

    def file(self, name: str) -> Path:
        return self.path / name

    def table(self, name: str) -> pd.DataFrame:
        """One of the CSV tables (`mentions`, `entities`, ... without `.csv`); empty cells
        stay empty strings. entities_run and controls come computed when the file
        predates them."""
        if name == "entities_run":
            return self.entities_run
        if name == "controls":
            return self.controls
        return self._read_csv(name)

    def _read_csv(self, name: str, required: bool = True) -> pd.DataFrame | None:
        path = self.path / f"{name}.csv"
        if not path.is_file():
            if required:
                raise RunFolderError(f"{path}: not found")
            return None
        try:
            table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
        except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
            raise RunFolderError(f"{path}: cannot read CSV: {exc}") from exc
        for column in _NUMERIC & set(table.columns):
            try:
                table[column] = pd.to_numeric(table[column])
            except ValueError as exc:
                raise RunFolderError(f"{path}: column {column!r} is not numeric: {exc}") from exc
        return table

    def documents(self) -> Iterator[dict]:
        """documents.jsonl, one document at a time; a bad line raises an error naming the
        file and the line."""
        path = self.path / "documents.jsonl"
        try:
            yield from iter_jsonl(path)
        except GoldFormatError as exc:
            raise RunFolderError(str(exc)) from exc

    @cached_property
    def results(self) -> list[Result]:
        """Every document's Result, in documents.jsonl's order."""
        entities = self._read_csv("entities", required=False)
        mentions = self._read_csv("mentions", required=False)
        names = {}
        if entities is not None:
            for row in entities.itertuples(index=False):
                names[(row.doc_id, row.entity_id)] = (row.name, [a for a in row.aliases.split("; ") if a])
        sentences = {}
        if mentions is not None:
            for row in mentions.itertuples(index=False):
                sentences[(row.doc_id, int(row.start), int(row.end))] = row.sentence
        results = []
        for doc in self.documents():
            result = self._from_cache(doc["id"], doc["text"])
            results.append(result or _rebuild(doc, names, sentences))
        return results

    def _from_cache(self, doc_id: str, text: str) -> Result | None:
        """The document's exact Result from the run's cache, if it holds this text."""
        from ..runs.batch import ResultCache

        entry = ResultCache(self.path, "")._read(doc_id)
        try:
            result = result_from_dict(entry["result"]) if entry else None
        except (KeyError, TypeError, ValueError):
            return None
        return result if result is not None and result.text == text else None

    @cached_property
    def run_entities(self) -> RunEntities:
        """The run-wide entities, linked as `extract` links them."""
        return link_entities(self.results, config=self.config)

    @cached_property
    def entities_run(self) -> pd.DataFrame:
        table = self._read_csv("entities_run", required=False)
        return table if table is not None else self.run_entities.table

    @cached_property
    def controls(self) -> pd.DataFrame:
        table = self._read_csv("controls", required=False)
        if table is not None and {"controller_id", "controlled_id"} <= set(table.columns):
            return table
        from .tables import controls_table

        return controls_table(self.results, run=self.run_entities)

    @cached_property
    def entity_ids(self) -> dict[tuple[str, str], str]:
        """(doc_id, entity_id) -> run-wide id, as entities_run.csv numbers them."""
        return self.run_entities.ids


def _rebuild(doc: dict, names: dict, sentences: dict) -> Result:
    """A Result from its documents.jsonl line (and the entity names and mention sentences
    of entities.csv and mentions.csv, when present)."""
    text = doc["text"]
    entities: dict[str, Entity] = {}
    mention_entity = {}
    for m in doc.get("entities", []):
        eid = m.get("entity") or m["id"]
        if eid not in entities:
            name, aliases = names.get((doc["id"], eid), (m["text"], []))
            entities[eid] = Entity(eid, name, m["label"], [], list(aliases))
        entity = entities[eid]
        entity.mentions.append(
            Mention(m["id"], m["start"], m["end"], m["label"], m["text"], eid, sentences.get((doc["id"], m["start"], m["end"]), ""))
        )
        mention_entity[m["id"]] = entity
    for entity in entities.values():
        if (doc["id"], entity.id) not in names:
            seen = {entity.name.casefold()}
            for m in entity.mentions:
                if m.text.casefold() not in seen:
                    seen.add(m.text.casefold())
                    entity.aliases.append(m.text)
    relations = []
    for r in doc.get("relations", []):
        head, tail = mention_entity[r["head"]], mention_entity[r["tail"]]
        relations.append(
            Relation(
                head=head.id, tail=tail.id, label=r["label"], confidence=float(r.get("confidence", 1.0)),
                evidence=r.get("evidence", ""), evidence_start=int(r.get("evidence_start", 0)),
                evidence_end=int(r.get("evidence_end", 0)), pattern=r.get("pattern", ""),
                head_mention=r["head"], tail_mention=r["tail"],
                head_name=r.get("head_name", head.name), tail_name=r.get("tail_name", tail.name),
            )
        )
    return Result(doc["id"], text, list(entities.values()), relations)


def read_run(path: str | Path, config: str | Path | None = None) -> RunFolder:
    """The run folder at `path` (see RunFolder)."""
    return RunFolder(path, config)
