"""Run-wide entities: one id per real-world entity across all documents of a run.

Each document's resolver already groups its mentions into entities. Across documents, two
entities of the same label are one when they share a name up to accents, case, hyphens and
punctuation, a leading "the" and (for groups, units, organisations and weapons) a plural
"s"; when the curated lists give their names one id ("ELN" and "National Liberation Army");
when their names are near-identical spellings (rapidfuzz ratio, see
configs/lexicons/linking.yml); or when a name one document gives as an alias ("Tren de
Aragua (TdA)") is another document's name for an entity ("TdA"). An alias that two
different entities share links neither: a short name is too ambiguous to decide between
them. Entities of different labels, or with different curated ids, are never joined.
"""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from rapidfuzz import fuzz, process

from ..resources import configs_dir, read_patterns, read_yaml
from ..io.results import Result
from ..names import UnionFind

RUN_ENTITY_COLUMNS = ["id", "name", "label", "aliases", "documents", "mentions", "curated_id"]
_PUNCT = re.compile(r"[^\w\s]|_")
_DROPPED = re.compile(r"[.'’‘`´]")  # gone without a trace: "F.A.R.C." is "FARC", "Ma'ruf" is "Maruf"


@dataclass
class LinkingRules:
    """How names are compared; read from lexicons/linking.yml."""

    leading_words: frozenset[str] = frozenset({"the"})
    plural_labels: frozenset[str] = frozenset()
    plural_exceptions: tuple[str, ...] = ()
    plural_min_length: int = 4
    fuzzy_labels: frozenset[str] = frozenset()
    fuzzy_min_score: float = 100.0
    fuzzy_min_length: int = 10
    curated: dict[tuple[str, str], str] = field(default_factory=dict)  # (label, key) -> curated id

    @classmethod
    def from_config(cls, config: str | Path | None = None) -> "LinkingRules":
        """The rules of a pipeline config: its lexicons/linking.yml (the bundled one when
        its folder has none) and the ids of its curated gazetteers' phrase patterns."""
        from ..pipeline import read_config

        cfg = read_config(config)
        folder = Path(cfg["paths"]["configs"])
        path = folder / "lexicons" / "linking.yml"
        data = read_yaml(path if path.is_file() else configs_dir() / "lexicons" / "linking.yml")
        fuzzy = data.get("fuzzy") or {}
        rules = cls(
            leading_words=frozenset(w.lower() for w in data.get("leading_words", [])),
            plural_labels=frozenset(data.get("plural_labels", [])),
            plural_exceptions=tuple(data.get("plural_exceptions", [])),
            plural_min_length=int(data.get("plural_min_length", 4)),
            fuzzy_labels=frozenset(fuzzy.get("labels", [])),
            fuzzy_min_score=float(fuzzy.get("min_score", 100)),
            fuzzy_min_length=int(fuzzy.get("min_length", 10)),
        )
        data_files = cfg.get("initialize", {}).get("components", {})
        for name, block in cfg["components"].items():
            if block.get("factory") != "osint_gazetteer":
                continue
            for pattern_file in data_files.get(name, {}).get("patterns", []):
                for pattern in read_patterns(pattern_file):
                    if pattern.get("id") and isinstance(pattern["pattern"], str):
                        key = rules.key(pattern["pattern"], pattern["label"])
                        rules.curated.setdefault((pattern["label"], key), pattern["id"])
        return rules

    def key(self, name: str, label: str) -> str:
        """The comparison form of a name: accents, case, punctuation, spacing, a leading
        article and (for the plural labels) a final plural "s" folded away."""
        text = unicodedata.normalize("NFKD", name)
        text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
        words = _PUNCT.sub(" ", _DROPPED.sub("", text)).split()
        while len(words) > 1 and words[0] in self.leading_words:
            words = words[1:]
        if label in self.plural_labels and words:
            last = words[-1]
            stem = last[:-1]
            if last.endswith("s") and not last.endswith(self.plural_exceptions) and (
                stem.isdigit() or last.isalpha() and len(last) >= self.plural_min_length
            ):
                words[-1] = stem  # "zetas", "47s" (AK-47s)
        return " ".join(words)


@dataclass
class _DocEntity:
    doc_id: str
    entity_id: str
    name: str
    label: str
    names: list[str]
    mentions: int


@dataclass
class RunEntities:
    """The run-wide entities: `table` has the columns of entities_run.csv (ids R1, R2, ...
    by number of documents, then mentions, then label and name), and `id_of` gives the
    run-wide id of a document's entity."""

    table: pd.DataFrame
    ids: dict[tuple[str, str], str]

    def id_of(self, doc_id: str, entity_id: str) -> str:
        return self.ids[(doc_id, entity_id)]

    def members(self) -> dict[str, list[tuple[str, str]]]:
        """Each run-wide id's (doc_id, entity_id) pairs, in document order."""
        out: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for pair, run_id in sorted(self.ids.items()):
            out[run_id].append(pair)
        return dict(out)

    def row(self, run_id: str) -> pd.Series:
        return self.table.iloc[int(run_id[1:]) - 1]


class EntityLinker:
    """Collects the entities of results one document at a time (only names and counts are
    kept), then links them: `link()` gives the RunEntities."""

    def __init__(self, rules: LinkingRules | None = None, config: str | Path | None = None):
        self.rules = rules or LinkingRules.from_config(config)
        self.entities: list[_DocEntity] = []

    def add(self, result: Result) -> None:
        for e in result.entities:
            self.entities.append(_DocEntity(result.id, e.id, e.name, e.label, [e.name, *e.aliases], len(e.mentions)))

    def link(self) -> RunEntities:
        rules = self.rules
        ents = self.entities
        groups = UnionFind()
        curated_of: dict[int, set[str]] = {}
        keys_of: list[list[str]] = []
        for n, e in enumerate(ents):
            groups.find(n)
            keys = list(dict.fromkeys(rules.key(name, e.label) for name in e.names))
            keys_of.append(keys)
            ids = {rules.curated[(e.label, k)] for k in keys if (e.label, k) in rules.curated}
            canonical_id = rules.curated.get((e.label, keys[0]))
            curated_of[n] = {canonical_id} if canonical_id else set(sorted(ids)[:1])

        def curated(root: int) -> set[str]:
            return curated_of.get(root, set())

        def join(a: int, b: int) -> bool:
            ra, rb = groups.find(a), groups.find(b)
            if ra == rb:
                return False
            ca, cb = curated(ra), curated(rb)
            if ca and cb and ca != cb:
                return False
            groups.union(ra, rb)
            curated_of[groups.find(ra)] = ca | cb
            return True

        # 1. the same canonical name, the same curated id, near-identical canonical names
        by_key: dict[tuple[str, str], list[int]] = defaultdict(list)
        by_curated: dict[tuple[str, str], list[int]] = defaultdict(list)
        for n, e in enumerate(ents):
            by_key[(e.label, keys_of[n][0])].append(n)
            for cid in curated_of[n]:
                by_curated[(e.label, cid)].append(n)
        for members in [*by_curated.values(), *by_key.values()]:
            for other in members[1:]:
                join(members[0], other)
        for a, b in self._fuzzy_pairs(sorted(by_key)):
            join(by_key[a][0], by_key[b][0])

        # 2. aliases: a name that some entity gives as an alias joins the entities that go
        # by it, when it points at one entity with other names (not two: ambiguous)
        by_name: dict[tuple[str, str], list[int]] = defaultdict(list)
        for n, e in enumerate(ents):
            for k in keys_of[n]:
                by_name[(e.label, k)].append(n)
        changed = True
        while changed:
            changed = False
            names_of: dict[int, set[str]] = defaultdict(set)  # group -> its canonical names
            for n in range(len(ents)):
                names_of[groups.find(n)].add(keys_of[n][0])
            for (label, k), members in sorted(by_name.items()):
                roots = sorted({groups.find(n) for n in members})
                if len(roots) < 2:
                    continue
                # groups that go by another canonical name are entities in their own
                # right; more than one of them sharing this name makes it ambiguous
                if sum(1 for r in roots if names_of[r] - {k}) > 1:
                    continue
                for r in roots[1:]:
                    if join(roots[0], r):
                        changed = True
                        names_of[groups.find(r)] = names_of.pop(r, set()) | names_of.pop(roots[0], set())
        return self._table(groups, keys_of, curated)

    def _fuzzy_pairs(self, keys: list[tuple[str, str]]) -> list[tuple[tuple[str, str], tuple[str, str]]]:
        """Pairs of (label, key) with near-identical keys, compared within blocks of one
        label, first letter and the same digits."""
        rules = self.rules
        blocks: dict[tuple, list[tuple[str, str]]] = defaultdict(list)
        for label, k in keys:
            if label in rules.fuzzy_labels and len(k) >= rules.fuzzy_min_length:
                blocks[(label, k[0], "".join(c for c in k if c.isdigit()))].append((label, k))
        pairs = []
        for block in blocks.values():
            if len(block) < 2:
                continue
            names = [k for _, k in block]
            scores = process.cdist(names, names, scorer=fuzz.ratio, score_cutoff=rules.fuzzy_min_score)
            for i, j in zip(*scores.nonzero()):
                if i < j:
                    pairs.append((block[i], block[j]))
        return pairs

    def _table(self, groups: UnionFind, keys_of: list[list[str]], curated) -> RunEntities:
        ents = self.entities
        clusters: dict[int, list[int]] = defaultdict(list)
        for n in range(len(ents)):
            clusters[groups.find(n)].append(n)
        rows = []
        for root, members in clusters.items():
            label = ents[members[0]].label
            canonical: dict[str, set[str]] = defaultdict(set)  # canonical name -> documents
            for n in members:
                canonical[ents[n].name].add(ents[n].doc_id)
            name = max(canonical, key=lambda s: (len(s), len(canonical[s]), _reverse(s)))
            name_key = self.rules.key(name, label)
            aliases: dict[str, str] = {}
            for n in members:
                for surface, k in zip(ents[n].names, [self.rules.key(s, label) for s in ents[n].names]):
                    if k != name_key:
                        aliases[k] = min(aliases.get(k, surface), surface)
            rows.append({
                "members": members,
                "name": name,
                "label": label,
                "aliases": "; ".join(sorted(aliases.values(), key=lambda s: (s.casefold(), s))),
                "documents": len({ents[n].doc_id for n in members}),
                "mentions": sum(ents[n].mentions for n in members),
                "curated_id": "; ".join(sorted(curated(root))),
            })
        rows.sort(key=lambda r: (-r["documents"], -r["mentions"], r["label"], r["name"].casefold(), r["name"], r["aliases"]))
        ids: dict[tuple[str, str], str] = {}
        for k, row in enumerate(rows, 1):
            row["id"] = f"R{k}"
            for n in row.pop("members"):
                ids[(ents[n].doc_id, ents[n].entity_id)] = row["id"]
        return RunEntities(pd.DataFrame(rows, columns=RUN_ENTITY_COLUMNS), ids)


def _reverse(text: str) -> tuple[int, ...]:
    """A key that sorts text in reverse, so max() picks the alphabetically first name."""
    return tuple(-ord(c) for c in text)


def link_entities(results: Iterable[Result], config: str | Path | None = None, rules: LinkingRules | None = None) -> RunEntities:
    """One id per real-world entity over a set of results (see the module docstring)."""
    linker = EntityLinker(rules, config)
    for result in results:
        linker.add(result)
    return linker.link()
