"""The schema of the relation lexicon (configs/lexicons/relations.yml), checked when it is read.

A misspelt key, label or argument slot would otherwise make a rule silently never fire;
an analyst extending the lexicon gets an error naming the file, the rule and the bad key
or value instead (with the nearest valid spelling where there is one).
"""
from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from typing import Any

from .schema import ENTITY_LABELS, RELATION_LABELS

# Argument slots the relation component knows, by the kind of trigger ("prep:WORD" is
# the object of any preposition WORD attached to the trigger).
VERB_SLOTS = frozenset({"agent", "patient", "subject", "modifier"})
NOUN_SLOTS = frozenset({"agent", "poss", "compound", "referent", "governor", "doer", "patient"})
ROLES = ("head", "tail", "pairs")

RULE_KEYS = frozenset({"name", "labels", "confidence", "verbs", "nouns", "head", "tail", "pairs", "locate", "locate_roles"})
WORD_LISTS = frozenset({
    "member_nouns", "facility_nouns", "facility_owner_verbs", "seizure_verbs", "arms_nouns", "container_nouns",
    "place_nouns", "place_preps", "include_words", "relative_words", "negation_words", "negation_phrases",
    "denial_verbs", "hedge_words",
})
TOP_KEYS = WORD_LISTS | {
    "rules", "arms_list", "subsumed_by", "name_frames", "pronouns", "generic_nouns", "alias_skip_labels",
    "alias_cues", "short_forms", "penalties", "min_confidence",
}
ARMS_LIST_KEYS = frozenset({"confidence", "single_actor", "previous_subject", "previous_confidence"})


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
    if not kinds:
        fail(where, "needs trigger 'verbs' or 'nouns'")
    for kind in kinds:
        _strings(rule[kind], lambda p, k=kind: fail(f"{where} {k}", p))
    slots = set().union(*(VERB_SLOTS if k == "verbs" else NOUN_SLOTS for k in kinds))
    if not any(rule.get(role) for role in ROLES):
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


def _validate_settings(data: dict, fail: Callable[[str, str], None]) -> None:
    for key, value in (data.get("arms_list") or {}).items():
        if key not in ARMS_LIST_KEYS:
            fail("arms_list", f"unknown key {key!r}" + _nearest(str(key), ARMS_LIST_KEYS))
    for label, covering in (data.get("subsumed_by") or {}).items():
        _labels([label], RELATION_LABELS, lambda p: fail("subsumed_by", p))
        _labels(covering, RELATION_LABELS, lambda p, lab=label: fail(f"subsumed_by {lab}", p))
    for frame, spec in (data.get("name_frames") or {}).items():
        if not isinstance(spec, dict):
            fail(f"name_frames {frame}", "must be a mapping with labels and confidence")
        _labels(spec.get("labels"), RELATION_LABELS, lambda p, f=frame: fail(f"name_frames {f} labels", p))
        _confidence(spec.get("confidence"), lambda p, f=frame: fail(f"name_frames {f} confidence", p))
    for word, labels in (data.get("pronouns") or {}).items():
        _labels(labels, ENTITY_LABELS, lambda p, w=word: fail(f"pronouns {w}", p))
    for key in ("generic_nouns", "short_forms"):
        for label, words in (data.get(key) or {}).items():
            if key == "short_forms":
                _labels([label], ENTITY_LABELS, lambda p: fail(key, p))
            if words != "any":
                if key == "generic_nouns":
                    _labels(words, ENTITY_LABELS, lambda p, w=label: fail(f"{key} {w}", p))
                else:
                    _strings(words, lambda p, w=label: fail(f"{key} {w}", p))
    if "alias_skip_labels" in data:
        _labels(data["alias_skip_labels"], ENTITY_LABELS, lambda p: fail("alias_skip_labels", p))
    for n, cue in enumerate(data.get("alias_cues") or [], 1):
        try:
            re.compile(cue)
        except (re.error, TypeError) as exc:
            fail(f"alias_cues {n}", f"not a regular expression ({exc})")
    for kind, value in (data.get("penalties") or {}).items():
        _confidence(value, lambda p, k=kind: fail(f"penalties {k}", p))
    if "min_confidence" in data:
        value = data["min_confidence"]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            fail("min_confidence", f"must be a number in [0, 1], got {value!r}")
