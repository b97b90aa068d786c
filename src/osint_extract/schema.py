"""The annotation schema (v1): labels and the head/tail types each relation allows.

Kept in one place so the pipeline, the readers and the scorer agree on what a valid
document is.
"""
from __future__ import annotations

ENTITY_LABELS: tuple[str, ...] = ("PERSON", "ARMED_GROUP", "UNIT", "ORG", "PLACE", "WEAPON", "CALIBRE")

ACTORS = frozenset({"PERSON", "ARMED_GROUP", "UNIT", "ORG"})
GROUPS = frozenset({"ARMED_GROUP", "UNIT", "ORG"})
FORCES = frozenset({"ARMED_GROUP", "UNIT"})
ARMS = frozenset({"WEAPON", "CALIBRE"})

# label -> (allowed head labels, allowed tail labels)
RELATION_TYPES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "CONTROLS": (ACTORS, frozenset({"PLACE"})),
    "LEADS": (frozenset({"PERSON"}), GROUPS),
    "MEMBER_OF": (frozenset({"PERSON"}), GROUPS),
    "PART_OF": (GROUPS, GROUPS),
    "OPERATES_IN": (ACTORS, frozenset({"PLACE"})),
    "FIGHTS": (FORCES, FORCES),
    "ALLIED_WITH": (ACTORS, ACTORS),
    "POSSESSES": (frozenset({"PERSON", "ARMED_GROUP", "UNIT"}), ARMS),
    "ALIAS_OF": (frozenset(ENTITY_LABELS), frozenset(ENTITY_LABELS)),
}
RELATION_LABELS: tuple[str, ...] = tuple(RELATION_TYPES)

# Relations whose direction carries no meaning; scored without direction.
SYMMETRIC = frozenset({"FIGHTS", "ALLIED_WITH", "ALIAS_OF"})
# Relations whose two sides must carry the same entity label.
SAME_LABEL = frozenset({"ALLIED_WITH", "ALIAS_OF"})


def relation_allowed(label: str, head_label: str, tail_label: str) -> bool:
    """Whether the schema allows `label` between entities of these labels."""
    if label not in RELATION_TYPES:
        return False
    heads, tails = RELATION_TYPES[label]
    if head_label not in heads or tail_label not in tails:
        return False
    return label not in SAME_LABEL or head_label == tail_label
