"""Label maps: scoring our predictions against gold that uses another label set.

Another dataset (re3d, a stock spaCy NER) names things differently from the schema, so
both sides are mapped into one shared label space before scoring. The mapping is data
(``configs/labelmaps/*.yml``), not code, so a new dataset needs only a new YAML file.

YAML layout::

    predicted:                 # our (or a stock model's) labels -> shared labels
      entities: {PERSON: Person, ARMED_GROUP: Organisation}
      relations: {LEADS: InChargeOf}
    gold:                      # gold labels -> shared labels
      entities: {Person: Person, Temporal: null}   # null: known, deliberately not scored
      relations: [InChargeOf, BelongsTo]           # a list keeps the labels as they are
    symmetric: [FightingAgainst, AlliesOf]         # shared labels scored without direction
    alias: IsSynonymOf                             # shared label playing ALIAS_OF's role
    gold_spans:                                    # the schema's span rules applied to gold
      strip_leading: [the, a, an]                  # words cut from the start of gold spans
      drop: [we, he, they]                         # gold mentions that are only one of these

Rules:
- A label a side does not name is left out (with its relations); the ``left_out`` counter
  passed to ``apply_gold``/``apply_pred`` collects such labels so reports can list them.
- No ``gold`` section: gold labels are kept unchanged (the map targets the schema itself).
- Top-level ``entities``/``relations`` (the older ``spacy_ner.yml`` form) are the
  predicted side.
- ``symmetric``/``alias`` default to the schema's (``SYMMETRIC``, ``ALIAS_OF``), right for
  maps into the schema's own labels.
- ``gold_spans`` brings another dataset's span conventions to the schema's before scoring
  (the schema leaves determiners out of spans and pronouns out of the annotation); the
  cut and dropped mentions are counted under ``gold_spans:...`` in ``left_out``.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import resources
from ..schema import SYMMETRIC

__all__ = ["LabelMap"]

_TOP_KEYS = {"name", "description", "predicted", "gold", "entities", "relations", "symmetric", "alias", "gold_spans"}
_SIDE_KEYS = {"entities", "relations"}


def _side_table(raw: Any, where: str) -> dict[str, str | None]:
    """A side's entities/relations: a mapping (label -> label or null) or a list (kept as is)."""
    if raw is None:
        return {}
    if isinstance(raw, list):
        items: Iterable[tuple[Any, Any]] = ((label, label) for label in raw)
    elif isinstance(raw, dict):
        items = raw.items()
    else:
        raise ValueError(f"{where}: expected a mapping or a list, got {type(raw).__name__}")
    table: dict[str, str | None] = {}
    for source, target in items:
        if not isinstance(source, str) or not (target is None or isinstance(target, str)):
            raise ValueError(f"{where}: labels must be strings (or null to leave out), got {source!r}: {target!r}")
        if source in table:
            raise ValueError(f"{where}: label {source!r} named twice")
        table[source] = target
    return table


def _section(raw: Any, where: str) -> tuple[dict[str, str | None], dict[str, str | None]]:
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: expected a mapping with 'entities' and/or 'relations'")
    unknown = set(raw) - _SIDE_KEYS
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    return _side_table(raw.get("entities"), f"{where}.entities"), _side_table(raw.get("relations"), f"{where}.relations")


def _targets(*tables: Mapping[str, str | None]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for table in tables:
        for target in table.values():
            if target is not None:
                seen.setdefault(target)
    return tuple(seen)


@dataclass(frozen=True)
class LabelMap:
    """Both sides' label tables plus what the scorer needs to know about the shared space."""

    name: str
    pred_entities: Mapping[str, str | None]
    pred_relations: Mapping[str, str | None]
    # None: no gold section, gold labels pass through unchanged.
    gold_entities: Mapping[str, str | None] | None = None
    gold_relations: Mapping[str, str | None] | None = None
    symmetric: frozenset[str] = SYMMETRIC
    alias: str | None = "ALIAS_OF"
    strip_leading: frozenset[str] = frozenset()
    drop_texts: frozenset[str] = frozenset()
    path: Path | None = field(default=None, compare=False)

    # -- loading ---------------------------------------------------------------

    @classmethod
    def load(cls, path_or_name: str | Path) -> LabelMap:
        """A map from a YAML file, or a bare name (``"re3d"``) from ``configs/labelmaps``."""
        path = cls.locate(path_or_name)
        return cls.from_dict(resources.read_yaml(path), path)

    @staticmethod
    def locate(path_or_name: str | Path) -> Path:
        """Where a map lives: an existing file as given, a bare name under configs/labelmaps,
        else a path relative to the configs folder (``labelmaps/spacy_ner.yml``)."""
        path = Path(path_or_name)
        if path.is_file():
            return path.resolve()
        if isinstance(path_or_name, str) and path.suffix == "" and len(path.parts) == 1:
            path = Path("labelmaps") / f"{path_or_name}.yml"
        resolved = resources.resolve(path)
        if not resolved.is_file():
            raise FileNotFoundError(f"label map {str(path_or_name)!r} not found (looked for {resolved})")
        return resolved

    @classmethod
    def from_dict(cls, data: Any, path: Path | None = None) -> LabelMap:
        """Build and check a map; errors name the file so a broken YAML is quick to fix."""
        where = str(path) if path else "label map"
        if not isinstance(data, dict):
            raise ValueError(f"{where}: expected a mapping at the top level")
        unknown = set(data) - _TOP_KEYS
        if unknown:
            raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
        if "predicted" in data and ({"entities", "relations"} & set(data)):
            raise ValueError(f"{where}: give either 'predicted' or top-level 'entities'/'relations', not both")
        pred_raw = data.get("predicted", {k: data[k] for k in ("entities", "relations") if k in data})
        pred_entities, pred_relations = _section(pred_raw, f"{where}: predicted")
        gold_entities = gold_relations = None
        if "gold" in data:
            gold_entities, gold_relations = _section(data["gold"], f"{where}: gold")
        symmetric_raw = data.get("symmetric", sorted(SYMMETRIC))
        if not isinstance(symmetric_raw, list) or not all(isinstance(s, str) for s in symmetric_raw):
            raise ValueError(f"{where}: 'symmetric' must be a list of labels")
        alias = data.get("alias", "ALIAS_OF")
        if alias is not None and not isinstance(alias, str):
            raise ValueError(f"{where}: 'alias' must be a label or null")
        spans = data.get("gold_spans") or {}
        if not isinstance(spans, dict) or set(spans) - {"strip_leading", "drop"}:
            raise ValueError(f"{where}: 'gold_spans' takes 'strip_leading' and 'drop' word lists")
        strip_leading = frozenset(str(w).lower() for w in spans.get("strip_leading") or [])
        drop_texts = frozenset(" ".join(str(w).lower().split()) for w in spans.get("drop") or [])
        name = data.get("name") or (path.stem if path else "labelmap")
        lm = cls(
            name=str(name),
            pred_entities=pred_entities,
            pred_relations=pred_relations,
            gold_entities=gold_entities,
            gold_relations=gold_relations,
            symmetric=frozenset(symmetric_raw),
            alias=alias,
            strip_leading=strip_leading,
            drop_texts=drop_texts,
            path=path,
        )
        # Explicit symmetric/alias labels must exist in the shared space, or a typo would
        # silently score a symmetric relation with direction.
        if lm.relation_labels and "symmetric" in data:
            stray = set(symmetric_raw) - set(lm.relation_labels)
            if stray:
                raise ValueError(f"{where}: symmetric labels {sorted(stray)} are not relation labels of the map")
        if "alias" in data and alias is not None and alias not in lm.relation_labels:
            raise ValueError(f"{where}: alias {alias!r} is not a relation label of the map")
        return lm

    # -- the shared space --------------------------------------------------------

    @property
    def entity_labels(self) -> tuple[str, ...]:
        """Shared entity labels in file order (score table rows)."""
        return _targets(self.pred_entities, self.gold_entities or {})

    @property
    def relation_labels(self) -> tuple[str, ...]:
        """Shared relation labels in file order."""
        return _targets(self.pred_relations, self.gold_relations or {})

    @property
    def labels(self) -> tuple[str, ...]:
        """All shared labels: what ``score_documents(labels=...)`` should count."""
        return self.entity_labels + self.relation_labels

    def gold_source_labels(self) -> tuple[frozenset[str], frozenset[str]] | None:
        """Gold labels the map names (mapped or left out), including the predicted side's:
        gold annotated in the schema's own labels is mapped like predictions. None when
        the map has no gold side."""
        if self.gold_entities is None:
            return None
        return (
            frozenset(self.gold_entities) | frozenset(self.pred_entities),
            frozenset(self.gold_relations or {}) | frozenset(self.pred_relations),
        )

    def pred_source_labels(self) -> tuple[frozenset[str], frozenset[str]]:
        return frozenset(self.pred_entities), frozenset(self.pred_relations)

    # -- applying ------------------------------------------------------------------

    def apply_gold(self, docs: Iterable[Mapping[str, Any]], left_out: Counter[str] | None = None) -> list[dict[str, Any]]:
        """Gold docs with shared labels; unnamed labels dropped and counted in `left_out`."""
        if self.strip_leading or self.drop_texts:
            docs = [self._conform_spans(doc, left_out) for doc in docs]
        if self.gold_entities is None:
            return [_copy(doc) for doc in docs]
        entities = {**self.pred_entities, **self.gold_entities}
        relations = {**self.pred_relations, **(self.gold_relations or {})}
        return [_apply(doc, entities, relations, left_out) for doc in docs]

    def _conform_spans(self, doc: Mapping[str, Any], left_out: Counter[str] | None) -> dict[str, Any]:
        """The doc with leading `strip_leading` words cut from its gold spans and mentions
        that are only a `drop_texts` word removed (with their relations)."""
        text = doc.get("text", "")
        kept = []
        for ent in doc.get("entities") or []:
            start, end = ent["start"], ent["end"]
            words = text[start:end].split()
            if " ".join(words).lower() in self.drop_texts:
                if left_out is not None:
                    left_out["gold_spans:dropped"] += 1
                continue
            while len(words) > 1 and words[0].lower() in self.strip_leading:
                start = text.index(words[1], start + len(words[0]))
                words = words[1:]
            if start != ent["start"]:
                if left_out is not None:
                    left_out["gold_spans:cut"] += 1
                ent = {**ent, "start": start, **({"text": text[start:end]} if "text" in ent else {})}
            kept.append(ent)
        ids = {e["id"] for e in kept}
        relations = [r for r in doc.get("relations") or [] if r["head"] in ids and r["tail"] in ids]
        return {**doc, "entities": kept, "relations": relations}

    def apply_pred(self, docs: Iterable[Mapping[str, Any]], left_out: Counter[str] | None = None) -> list[dict[str, Any]]:
        """Predicted docs with shared labels; unnamed labels dropped and counted in `left_out`."""
        return [_apply(doc, self.pred_entities, self.pred_relations, left_out) for doc in docs]


def _copy(doc: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(doc)
    out["entities"] = [dict(e) for e in doc.get("entities") or []]
    out["relations"] = [dict(r) for r in doc.get("relations") or []]
    return out


def _apply(
    doc: Mapping[str, Any],
    entities: Mapping[str, str | None],
    relations: Mapping[str, str | None],
    left_out: Counter[str] | None,
) -> dict[str, Any]:
    out = {k: v for k, v in doc.items() if k not in ("entities", "relations")}
    kept_ents: list[dict[str, Any]] = []
    kept_ids: set[str] = set()
    for ent in doc.get("entities") or []:
        target = entities.get(ent["label"])
        if target is None:
            if left_out is not None:
                left_out[ent["label"]] += 1
            continue
        kept_ents.append({**ent, "label": target})
        kept_ids.add(ent["id"])
    kept_rels: list[dict[str, Any]] = []
    seen: set[tuple[str, str, str]] = set()
    for rel in doc.get("relations") or []:
        target = relations.get(rel["label"])
        if target is None:
            if left_out is not None:
                left_out[rel["label"]] += 1
            continue
        if rel["head"] not in kept_ids or rel["tail"] not in kept_ids:
            continue  # an endpoint's label was left out; the fact cannot be scored
        key = (rel["head"], target, rel["tail"])
        if key in seen:
            continue  # two of our labels can map to one shared label (LEADS, CONTROLS -> InChargeOf)
        seen.add(key)
        kept_rels.append({**rel, "label": target})
    out["entities"] = kept_ents
    out["relations"] = kept_rels
    return out
