"""The schema of the relation lexicon (configs/lexicons/relations.yml), checked when it is read.

A misspelt key, label or argument slot would otherwise make a rule silently never fire;
an analyst extending the lexicon gets an error naming the file, the rule and the bad key
or value instead (with the nearest valid spelling where there is one).
"""
from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from spacy.matcher import DependencyMatcher
from spacy.vocab import Vocab

from ...schema import ENTITY_LABELS, RELATION_LABELS
from .slots import SlotFunc, get_slot, slot_names

ROLES = ("head", "tail", "pairs")
# the nodes of a dependency pattern that name the arguments (RIGHT_ID); "trigger", if
# present, is where the evidence and the negation check are anchored
PATTERN_NODES = ("head", "tail")

RULE_KEYS = frozenset({
    "name", "labels", "confidence", "verbs", "nouns", "head", "tail", "pairs", "locate", "locate_roles",
    "dependency_patterns",
})
WORD_LISTS = frozenset({
    "member_nouns", "facility_nouns", "facility_owner_verbs", "seizure_verbs", "arms_nouns", "container_nouns",
    "place_nouns", "place_preps", "include_words", "relative_words", "negation_words", "negation_phrases",
    "denial_verbs", "hedge_words", "definite_determiners", "container_preps", "member_preps",
    "arms_content_preps", "arms_content_outer_preps", "arms_content_verbs", "copulas",
})
LABEL_LISTS = frozenset({"actor_labels", "owner_labels", "place_labels"})
TOP_KEYS = WORD_LISTS | LABEL_LISTS | {
    "rules", "arms_list", "seizure", "subsumed_by", "name_frames", "pronouns", "generic_nouns", "penalties",
    "min_confidence",
}
ARMS_LIST_KEYS = frozenset({
    "confidence", "single_actor", "previous_subject", "previous_confidence", "owner_labels", "label", "acronym_gap",
    "skip_deps",
})
SEIZURE_KEYS = frozenset({"confidence", "labels", "owner_labels"})
NAME_FRAME_KEYS = frozenset({"labels", "confidence", "words"})


@dataclass
class Rule:
    """One rule of the lexicon: trigger words and slots, or dependency patterns."""

    name: str
    labels: list[str]
    confidence: float
    head: list[str]
    tail: list[str]
    pairs: list[str] = field(default_factory=list)
    locate: list[str] = field(default_factory=list)
    locate_roles: list[str] = field(default_factory=lambda: ["head", "tail", "pairs"])
    dependency_patterns: list[list[dict]] = field(default_factory=list)


def _words(values: Iterable[Any] | None) -> set[str]:
    return {str(v).lower() for v in values or []}


def _split_triggers(values: Iterable[Any] | None) -> dict[str, list[tuple[str, ...]]]:
    """"take over" -> {"take": [("over",)]}: the first word is a lemma, the rest must be
    words attached to the trigger (particles, prepositions, objects)."""
    out: dict[str, list[tuple[str, ...]]] = {}
    for value in values or []:
        words = str(value).lower().split()
        if words:
            out.setdefault(words[0], []).append(tuple(words[1:]))
    return out


class RelationLexicon:
    """The lexicon compiled for lookups: rules indexed by trigger lemma, word sets."""

    def __init__(self, data: dict):
        self.rules: list[Rule] = []
        self.verb_index: dict[str, list[tuple[Rule, tuple[str, ...]]]] = {}
        self.noun_index: dict[str, list[tuple[Rule, tuple[str, ...]]]] = {}
        for raw in data.get("rules", []):
            rule = Rule(
                name=raw["name"],
                labels=list(raw["labels"]),
                confidence=float(raw.get("confidence", 0.7)),
                head=list(raw.get("head", [])),
                tail=list(raw.get("tail", [])),
                pairs=list(raw.get("pairs", [])),
                locate=[str(p).lower() for p in raw.get("locate", [])],
                locate_roles=list(raw.get("locate_roles") or ["head", "tail", "pairs"]),
                dependency_patterns=list(raw.get("dependency_patterns") or []),
            )
            self.rules.append(rule)
            for lemma, rest in _split_triggers(raw.get("verbs")).items():
                self.verb_index.setdefault(lemma, []).extend((rule, r) for r in rest)
            for lemma, rest in _split_triggers(raw.get("nouns")).items():
                self.noun_index.setdefault(lemma, []).extend((rule, r) for r in rest)
        for key in WORD_LISTS - {"negation_phrases"}:
            setattr(self, key, _words(data.get(key)))
        self.negation_phrases = [tuple(p.lower().split()) for p in data.get("negation_phrases") or []]
        for key in LABEL_LISTS:
            setattr(self, key, set(data.get(key) or []))
        self.arms_list: dict = data.get("arms_list") or {}
        self.seizure: dict = data.get("seizure") or {}
        self.subsumed_by = {str(k): set(v) for k, v in (data.get("subsumed_by") or {}).items()}
        self.name_frames: dict = data.get("name_frames") or {}
        self.pronouns = {k.lower(): list(v) for k, v in (data.get("pronouns") or {}).items()}
        self.generic_nouns = {k.lower(): list(v) for k, v in (data.get("generic_nouns") or {}).items()}
        self.penalties = {k: float(v) for k, v in (data.get("penalties") or {}).items()}
        self.min_confidence = float(data.get("min_confidence", 0.0))
        self._slots: dict[tuple[str, str], SlotFunc | None] = {}

    def slot(self, kind: str, name: str) -> SlotFunc | None:
        """The slot function for `name` on a trigger of `kind`, looked up once per lexicon
        (a registry miss scans the installed packages' entry points)."""
        key = (kind, name)
        if key not in self._slots:
            self._slots[key] = get_slot(kind, name)
        return self._slots[key]


class LexiconError(ValueError):
    """A relation lexicon entry the component cannot use; the message says where and why."""


def _nearest(value: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(value, sorted(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def validate_relation_lexicon(data: Any, origin: str) -> None:
    """Raise `LexiconError` at the first entry of `data` that breaks the lexicon's schema."""

    def fail(where: str, problem: str) -> None:
        raise LexiconError(f"{origin}: {where}: {problem}")

    if not isinstance(data, dict):
        fail("top level", "must be a mapping")
    for key in data:
        if key not in TOP_KEYS:
            fail(f"key {key!r}", "unknown key" + _nearest(str(key), TOP_KEYS))
    for key in WORD_LISTS & set(data):
        _strings(data[key], lambda p, k=key: fail(k, p))
    for key in LABEL_LISTS & set(data):
        _labels(data[key], ENTITY_LABELS, lambda p, k=key: fail(k, p))
    rules = data.get("rules") or []
    if not isinstance(rules, list):
        fail("rules", "must be a list of rules")
    names: set[str] = set()
    for n, rule in enumerate(rules, 1):
        _validate_rule(rule, n, names, fail)
    _validate_settings(data, fail)


def _strings(value: Any, fail: Callable[[str], None]) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        fail(f"must be a list of words, got {value!r}")


def _labels(value: Any, known: Iterable[str], fail: Callable[[str], None]) -> None:
    if not isinstance(value, list) or not value:
        fail(f"must be a non-empty list of labels, got {value!r}")
    for label in value:
        if label not in known:
            fail(f"unknown label {label!r}" + _nearest(str(label), known))


def _confidence(value: Any, fail: Callable[[str], None]) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
        fail(f"must be a number in (0, 1], got {value!r}")


def _validate_rule(rule: Any, n: int, names: set[str], fail: Callable[[str, str], None]) -> None:
    name = rule.get("name") if isinstance(rule, dict) else None
    where = f"rule {n}" + (f" {name!r}" if isinstance(name, str) else "")
    if not isinstance(rule, dict):
        fail(where, "must be a mapping")
    for key in rule:
        if key not in RULE_KEYS:
            fail(where, f"unknown key {key!r}" + _nearest(str(key), RULE_KEYS))
    if not isinstance(name, str) or not name:
        fail(where, "needs a 'name'")
    if name in names:
        fail(where, "a rule of this name comes earlier")
    names.add(name)
    _labels(rule.get("labels"), RELATION_LABELS, lambda p: fail(f"{where} labels", p))
    if "confidence" in rule:
        _confidence(rule["confidence"], lambda p: fail(f"{where} confidence", p))
    kinds = [k for k in ("verbs", "nouns") if k in rule]
    if "dependency_patterns" in rule:
        _dependency_patterns(rule["dependency_patterns"], lambda p: fail(f"{where} dependency_patterns", p))
    elif not kinds:
        fail(where, "needs trigger 'verbs' or 'nouns', or 'dependency_patterns'")
    for kind in kinds:
        _strings(rule[kind], lambda p, k=kind: fail(f"{where} {k}", p))
    slots = set().union(*(slot_names(k[:-1]) for k in kinds)) if kinds else set()
    if kinds and not any(rule.get(role) for role in ROLES):
        fail(where, "needs argument slots under 'head' and 'tail', or 'pairs'")
    for role in ROLES:
        for slot in rule.get(role) or []:
            if not isinstance(slot, str) or not (slot in slots or re.fullmatch(r"prep:[a-z]+", slot)):
                fail(f"{where} {role}", f"unknown slot {slot!r}" + _nearest(str(slot), slots)
                     + f"; slots for {' and '.join(kinds)}: {', '.join(sorted(slots))}, prep:WORD")
    if "locate" in rule:
        _strings(rule["locate"], lambda p: fail(f"{where} locate", p))
    for role in rule.get("locate_roles") or []:
        if role not in ROLES:
            fail(f"{where} locate_roles", f"unknown role {role!r}" + _nearest(str(role), ROLES))


def _dependency_patterns(value: Any, fail: Callable[[str], None]) -> None:
    """Each pattern must be one spaCy DependencyMatcher accepts, with nodes named "head"
    and "tail" (the arguments)."""
    if not isinstance(value, list) or not value:
        fail(f"must be a non-empty list of DependencyMatcher patterns, got {value!r}")
    matcher = DependencyMatcher(Vocab())
    for n, pattern in enumerate(value, 1):
        if not isinstance(pattern, list) or not all(isinstance(node, dict) for node in pattern):
            fail(f"pattern {n} must be a list of nodes (mappings), got {pattern!r}")
        ids = {node.get("RIGHT_ID") for node in pattern}
        missing = [node for node in PATTERN_NODES if node not in ids]
        if missing:
            fail(f"pattern {n} has no node with RIGHT_ID {missing[0]!r}")
        try:
            matcher.add(f"p{n}", [pattern])
        except (ValueError, KeyError, TypeError) as exc:
            fail(f"pattern {n} is not a valid DependencyMatcher pattern: {' '.join(str(exc).split())}")


def _validate_settings(data: dict, fail: Callable[[str, str], None]) -> None:
    for section, keys in (("arms_list", ARMS_LIST_KEYS), ("seizure", SEIZURE_KEYS)):
        spec = data.get(section) or {}
        for key in spec:
            if key not in keys:
                fail(section, f"unknown key {key!r}" + _nearest(str(key), keys))
        if "confidence" in spec:
            _confidence(spec["confidence"], lambda p, s=section: fail(f"{s} confidence", p))
        if "owner_labels" in spec:
            _labels(spec["owner_labels"], ENTITY_LABELS, lambda p, s=section: fail(f"{s} owner_labels", p))
        for key in ("labels", "label"):
            if key in spec:
                value = spec[key] if key == "labels" else [spec[key]]
                _labels(value, RELATION_LABELS, lambda p, s=section, k=key: fail(f"{s} {k}", p))
    for label, covering in (data.get("subsumed_by") or {}).items():
        _labels([label], RELATION_LABELS, lambda p: fail("subsumed_by", p))
        _labels(covering, RELATION_LABELS, lambda p, lab=label: fail(f"subsumed_by {lab}", p))
    for frame, spec in (data.get("name_frames") or {}).items():
        if not isinstance(spec, dict):
            fail(f"name_frames {frame}", "must be a mapping with labels and confidence")
        for key in spec:
            if key not in NAME_FRAME_KEYS:
                fail(f"name_frames {frame}", f"unknown key {key!r}" + _nearest(str(key), NAME_FRAME_KEYS))
        if "words" in spec:
            _strings(spec["words"], lambda p, f=frame: fail(f"name_frames {f} words", p))
        _labels(spec.get("labels"), RELATION_LABELS, lambda p, f=frame: fail(f"name_frames {f} labels", p))
        _confidence(spec.get("confidence"), lambda p, f=frame: fail(f"name_frames {f} confidence", p))
    for word, labels in (data.get("pronouns") or {}).items():
        _labels(labels, ENTITY_LABELS, lambda p, w=word: fail(f"pronouns {w}", p))
    for word, labels in (data.get("generic_nouns") or {}).items():
        _labels(labels, ENTITY_LABELS, lambda p, w=word: fail(f"generic_nouns {w}", p))
    for kind, value in (data.get("penalties") or {}).items():
        _confidence(value, lambda p, k=kind: fail(f"penalties {k}", p))
    if "min_confidence" in data:
        value = data["min_confidence"]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            fail("min_confidence", f"must be a number in [0, 1], got {value!r}")
