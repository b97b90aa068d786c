"""Scoring predicted documents against gold, per the Scoring section of ANNOTATION.md.

Pure Python on schema-v1 document dicts, so it runs without spaCy or a model.

Rule choices (where the guidelines leave room):
- Documents are matched by ``id``. A gold document with no prediction counts all of its
  entities and facts as false negatives; a predicted document whose id is not in gold is
  ignored (we cannot tell whether it is wrong or just unannotated). A repeated id on
  either side is a ``ValueError``.
- Strict entities compare ``(start, end, label)`` sets, so a repeated prediction of the
  same span counts once. Overlap entities also de-duplicate exact repeats, then match
  one-to-one greedily: predictions in order of (start, end), each taking the first
  unused overlapping gold of the same label in (start, end) order. Greedy is what the
  brief asks for; on rare interleaved spans it can find fewer pairs than the optimum.
- Relation names are ``text[start:end]`` lowercased with white space collapsed. On each
  side, mentions with the same name (whatever their label) and mentions joined by
  ALIAS_OF form one cluster (union-find); a fact is (head cluster, label, tail
  cluster), de-duplicated, unordered for symmetric labels. A predicted fact can stand
  for a gold fact when the clusters share a name on both sides; the one-to-one
  assignment is a maximum bipartite matching (augmenting paths), so the count does not
  depend on the order of facts.
- ALIAS_OF counts once per gold cluster that has 2+ distinct names. Predicted pairs are
  de-duplicated as unordered name pairs; a pair whose names are not both in one gold
  cluster is a fp; any number of correct pairs in one gold cluster is one tp. A predicted
  pair whose two names are equal (an entity aliased to itself) is always a fp: a table
  row "X ALIAS_OF X" is an error an analyst sees.
- ``labels`` restricts which labels are counted (for entities and relations alike); it
  does not change clustering: ALIAS_OF still joins names when it is not counted.
- Label rows follow the schema order, then any unknown label met in the data
  (alphabetically); ``"micro"`` comes last and sums the counts of the rows. The macro
  average is the unweighted mean of precision, recall and F1 over the labels that occur
  in gold or prediction (a label absent from both says nothing and is left out).
- Every false positive and false negative is listed in ``Scores.errors`` (strict
  entities, and relation facts) for error analysis.
- ``symmetric`` and ``alias_label`` default to the schema's; a label map that scores in
  another label space (re3d's) passes its own.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..names import UnionFind, mention_name, sentence_around
from ..schema import ENTITY_LABELS, RELATION_LABELS, SYMMETRIC

__all__ = ["PRF", "Scores", "ScoringError", "score_documents"]

MICRO = "micro"
ALIAS = "ALIAS_OF"


@dataclass
class PRF:
    """Counts for one label; ratios are derived so tables can be summed safely."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        denom = self.tp + self.fp
        return self.tp / denom if denom else 0.0

    @property
    def recall(self) -> float:
        denom = self.tp + self.fn
        return self.tp / denom if denom else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: PRF) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    def to_dict(self, digits: int | None = 4) -> dict[str, float | int]:
        """Plain dict for JSON reports; ``digits=None`` keeps full precision."""

        def rnd(x: float) -> float:
            return x if digits is None else round(x, digits)

        return {
            "precision": rnd(self.precision),
            "recall": rnd(self.recall),
            "f1": rnd(self.f1),
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
        }


Table = dict[str, PRF]
SECTIONS = ("entities_strict", "entities_overlap", "relations")
MACRO = "macro"


@dataclass(frozen=True)
class Macro:
    """Unweighted mean over the labels that occur."""

    precision: float
    recall: float
    f1: float
    labels: int

    def to_dict(self, digits: int = 4) -> dict[str, float | int]:
        return {
            "precision": round(self.precision, digits),
            "recall": round(self.recall, digits),
            "f1": round(self.f1, digits),
            "labels": self.labels,
        }


def macro_average(table: Table) -> Macro:
    rows = [prf for label, prf in table.items() if label != MICRO and prf.tp + prf.fp + prf.fn]
    if not rows:
        return Macro(0.0, 0.0, 0.0, 0)
    n = len(rows)
    return Macro(
        sum(r.precision for r in rows) / n, sum(r.recall for r in rows) / n, sum(r.f1 for r in rows) / n, n
    )


@dataclass(frozen=True)
class ScoringError:
    """One false positive ("fp") or false negative ("fn"): an entity mention, or a relation
    fact (text "head -LABEL-> tail", offsets of its head mention)."""

    doc_id: str
    kind: str  # entity_fp, entity_fn, relation_fp, relation_fn
    label: str
    text: str
    start: int
    end: int
    sentence: str


@dataclass
class Scores:
    """The three result tables, each keyed by label plus ``"micro"``, and the errors."""

    entities_strict: Table = field(default_factory=dict)
    entities_overlap: Table = field(default_factory=dict)
    relations: Table = field(default_factory=dict)
    errors: list[ScoringError] = field(default_factory=list)
    report: dict[str, Any] = field(default_factory=dict)  # what was read, skipped or left out

    def macro(self, section: str) -> Macro:
        return macro_average(getattr(self, section))

    def to_dict(self) -> dict[str, dict[str, dict[str, float | int]]]:
        out: dict[str, dict[str, dict[str, float | int]]] = {}
        for name in SECTIONS:
            out[name] = {label: prf.to_dict(4) for label, prf in getattr(self, name).items()}
            out[name][MACRO] = self.macro(name).to_dict()
        if self.report:
            out["report"] = self.report
        return out

    def format_table(self) -> str:
        """Fixed-width text for terminals and logs."""
        lines: list[str] = []
        for name in SECTIONS:
            table: Table = getattr(self, name)
            width = max([len("label"), *(len(label) for label in table)])
            if lines:
                lines.append("")
            lines.append(name)
            lines.append(
                f"{'label':<{width}}  {'P':>6}  {'R':>6}  {'F1':>6}  {'tp':>5}  {'fp':>5}  {'fn':>5}"
            )
            for label, prf in table.items():
                lines.append(
                    f"{label:<{width}}  {prf.precision:6.4f}  {prf.recall:6.4f}  {prf.f1:6.4f}"
                    f"  {prf.tp:5d}  {prf.fp:5d}  {prf.fn:5d}"
                )
            macro = self.macro(name)
            lines.append(f"{MACRO:<{width}}  {macro.precision:6.4f}  {macro.recall:6.4f}  {macro.f1:6.4f}")
        return "\n".join(lines)


# ---------------------------------------------------------------------------
# per-document views


class _Side:
    """One document's entities, name clusters, facts and alias pairs."""

    def __init__(self, doc: Mapping[str, Any], symmetric: Collection[str], alias: str | None) -> None:
        self.doc_id = doc.get("id")
        self.text: str = doc.get("text", "")
        text = self.text
        entities = doc.get("entities") or []
        relations = doc.get("relations") or []

        self.spans: set[tuple[int, int, str]] = {
            (e["start"], e["end"], e["label"]) for e in entities
        }
        names = {e["id"]: mention_name(text, e["start"], e["end"]) for e in entities}
        clusters = UnionFind()
        find, union = clusters.find, clusters.union

        for rel in relations:
            for key in ("head", "tail"):
                if rel[key] not in names:
                    raise ValueError(
                        f"doc {self.doc_id!r}: relation {rel['label']} {key} {rel[key]!r} "
                        "is not an entity of the document"
                    )

        first_with_name: dict[str, str] = {}
        for eid, name in names.items():
            if name in first_with_name:
                union(first_with_name[name], eid)
            else:
                first_with_name[name] = eid
        for rel in relations:
            if rel["label"] == alias:
                union(rel["head"], rel["tail"])

        self.cluster_names: dict[str, frozenset[str]] = {}
        grouped: dict[str, set[str]] = {}
        for eid, name in names.items():
            grouped.setdefault(find(eid), set()).add(name)
        self.cluster_names = {root: frozenset(ns) for root, ns in grouped.items()}
        # Every name sits in exactly one cluster because equal names were joined.
        self.name_cluster: dict[str, str] = {
            name: root for root, ns in self.cluster_names.items() for name in ns
        }

        # where a cluster is first mentioned, to point at it in error reports
        self.first_mention: dict[str, tuple[int, int]] = {}
        for e in sorted(entities, key=lambda e: (e["start"], e["end"])):
            self.first_mention.setdefault(find(e["id"]), (e["start"], e["end"]))
        self.mention_of_name: dict[str, tuple[int, int]] = {}
        for e in sorted(entities, key=lambda e: (e["start"], e["end"])):
            self.mention_of_name.setdefault(names[e["id"]], (e["start"], e["end"]))

        self.facts: set[tuple[str, str, str]] = set()
        self.alias_pairs: set[frozenset[str]] = set()
        self.self_aliases: set[str] = set()
        for rel in relations:
            label = rel["label"]
            if label == alias:
                pair = frozenset((names[rel["head"]], names[rel["tail"]]))
                if len(pair) == 2:
                    self.alias_pairs.add(pair)
                else:
                    self.self_aliases |= pair
                continue
            head, tail = find(rel["head"]), find(rel["tail"])
            if label in symmetric and tail < head:
                head, tail = tail, head
            self.facts.add((head, label, tail))

    def alias_clusters(self) -> set[str]:
        return {root for root, ns in self.cluster_names.items() if len(ns) >= 2}


def _max_matching(n_pred: int, edges: list[list[int]]) -> dict[int, int]:
    """A maximum bipartite matching as {gold: pred}; edges[p] lists the golds pred p may take."""
    owner: dict[int, int] = {}

    def augment(p: int, seen: set[int]) -> bool:
        for g in edges[p]:
            if g in seen:
                continue
            seen.add(g)
            if g not in owner or augment(owner[g], seen):
                owner[g] = p
                return True
        return False

    for p in range(n_pred):
        augment(p, set())
    return owner


def _overlap_matches(gold: list[tuple[int, int]], pred: list[tuple[int, int]]) -> int:
    """Greedy one-to-one matching of overlapping ranges, earliest prediction first."""
    gold = sorted(gold)
    used = [False] * len(gold)
    matched = 0
    for ps, pe in sorted(pred):
        for i, (gs, ge) in enumerate(gold):
            if gs >= pe:
                break  # golds are sorted by start: none further can overlap
            if not used[i] and ps < ge:
                used[i] = True
                matched += 1
                break
    return matched


def _get(table: Table, label: str) -> PRF:
    return table.setdefault(label, PRF())


def _error(side: _Side, kind: str, label: str, text: str, start: int, end: int) -> ScoringError:
    return ScoringError(str(side.doc_id), kind, label, text, start, end, sentence_around(side.text, start, end))


def _score_entities(gold: _Side, pred: _Side, scores: Scores, keep: Collection[str] | None) -> None:
    labels = {lab for _, _, lab in gold.spans | pred.spans}
    for label in labels:
        if keep is not None and label not in keep:
            continue
        g = {(s, e) for s, e, lab in gold.spans if lab == label}
        p = {(s, e) for s, e, lab in pred.spans if lab == label}
        tp = len(g & p)
        strict = _get(scores.entities_strict, label)
        strict.add(PRF(tp, len(p) - tp, len(g) - tp))
        m = _overlap_matches(list(g), list(p))
        _get(scores.entities_overlap, label).add(PRF(m, len(p) - m, len(g) - m))
        for kind, side, spans in (("entity_fp", pred, p - g), ("entity_fn", gold, g - p)):
            scores.errors += [_error(side, kind, label, side.text[s:e], s, e) for s, e in sorted(spans)]


def _fact_error(side: _Side, kind: str, head: str, label: str, tail: str) -> ScoringError:
    start, end = side.first_mention[head]
    h = side.text[start:end]
    t = side.text[slice(*side.first_mention[tail])]
    return _error(side, kind, label, f"{h} -{label}-> {t}", start, end)


def _score_relations(
    gold: _Side,
    pred: _Side,
    scores: Scores,
    keep: Collection[str] | None,
    symmetric: Collection[str],
    alias: str | None,
) -> None:
    labels = {lab for _, lab, _ in gold.facts | pred.facts}
    for label in labels:
        if keep is not None and label not in keep:
            continue
        g = [(h, t) for h, lab, t in sorted(gold.facts) if lab == label]
        p = [(h, t) for h, lab, t in sorted(pred.facts) if lab == label]
        g_names = [(gold.cluster_names[h], gold.cluster_names[t]) for h, t in g]
        is_symmetric = label in symmetric
        edges: list[list[int]] = []
        for h, t in p:
            ph, pt = pred.cluster_names[h], pred.cluster_names[t]
            edges.append(
                [
                    i
                    for i, (gh, gt) in enumerate(g_names)
                    if (ph & gh and pt & gt) or (is_symmetric and ph & gt and pt & gh)
                ]
            )
        owner = _max_matching(len(p), edges)
        m = len(owner)
        _get(scores.relations, label).add(PRF(m, len(p) - m, len(g) - m))
        matched_preds = set(owner.values())
        scores.errors += [_fact_error(pred, "relation_fp", h, label, t) for i, (h, t) in enumerate(p) if i not in matched_preds]
        scores.errors += [_fact_error(gold, "relation_fn", h, label, t) for i, (h, t) in enumerate(g) if i not in owner]

    if alias is None or keep is not None and alias not in keep:
        return
    gold_clusters = gold.alias_clusters()
    found: set[str] = set()
    fp = 0
    for pair in sorted(pred.alias_pairs, key=sorted):
        a, b = sorted(pair)
        ca, cb = gold.name_cluster.get(a), gold.name_cluster.get(b)
        if ca is not None and ca == cb:
            found.add(ca)
        else:
            fp += 1
            start, end = pred.mention_of_name[a]
            scores.errors.append(_error(pred, "relation_fp", alias, f"{a} -{alias}-> {b}", start, end))
    for name in sorted(pred.self_aliases):
        fp += 1
        start, end = pred.mention_of_name[name]
        scores.errors.append(_error(pred, "relation_fp", alias, f"{name} -{alias}-> {name} (an entity aliased to itself)", start, end))
    for root in sorted(gold_clusters - found):
        start, end = gold.first_mention[root]
        names = " = ".join(sorted(gold.cluster_names[root]))
        scores.errors.append(_error(gold, "relation_fn", alias, names, start, end))
    if gold_clusters or found or fp:
        _get(scores.relations, alias).add(PRF(len(found), fp, len(gold_clusters - found)))


def _index(docs: Iterable[Mapping[str, Any]], side: str) -> dict[str, Mapping[str, Any]]:
    out: dict[str, Mapping[str, Any]] = {}
    for doc in docs:
        doc_id = doc["id"]
        if doc_id in out:
            raise ValueError(f"duplicate {side} document id {doc_id!r}")
        out[doc_id] = doc
    return out


def _finish(table: Table, schema_labels: Iterable[str], keep: Collection[str] | None) -> Table:
    """Fixed row order with zero rows for unseen labels, then the micro row."""
    ordered: Table = {}
    for label in schema_labels:
        if keep is None or label in keep:
            ordered[label] = table.get(label, PRF())
    for label in sorted(set(table) - set(ordered)):
        ordered[label] = table[label]
    micro = PRF()
    for prf in ordered.values():
        micro.add(prf)
    ordered[MICRO] = micro
    return ordered


def score_documents(
    gold: Iterable[Mapping[str, Any]],
    pred: Iterable[Mapping[str, Any]],
    *,
    labels: Collection[str] | None = None,
    symmetric: Collection[str] | None = None,
    alias_label: str | None = ALIAS,
    entity_labels: Iterable[str] = ENTITY_LABELS,
    relation_labels: Iterable[str] = RELATION_LABELS,
) -> Scores:
    """Score predictions against gold; see the module docstring for the matching rules.
    `entity_labels` and `relation_labels` give the row order of the tables."""
    keep = set(labels) if labels is not None else None
    symmetric = set(SYMMETRIC if symmetric is None else symmetric)
    gold_docs = _index(gold, "gold")
    pred_docs = _index(pred, "predicted")
    scores = Scores()
    for doc_id, gdoc in gold_docs.items():
        pdoc = pred_docs.get(doc_id)
        if pdoc is None:
            pdoc = {"id": doc_id, "text": gdoc.get("text", "")}
        g, p = _Side(gdoc, symmetric, alias_label), _Side(pdoc, symmetric, alias_label)
        _score_entities(g, p, scores, keep)
        _score_relations(g, p, scores, keep, symmetric, alias_label)
    scores.entities_strict = _finish(scores.entities_strict, entity_labels, keep)
    scores.entities_overlap = _finish(scores.entities_overlap, entity_labels, keep)
    scores.relations = _finish(scores.relations, relation_labels, keep)
    return scores
