"""Relation extraction (component "osint_relations"), split by concern:

- `component`: the pipeline component; rules applied per sentence, facts kept once.
- `lexicon`: the schema of configs/lexicons/relations.yml, checked on load; the compiled form.
- `slots`: the registry of argument slots ("agent", "prep:in", ...), open to new ones.
- `arguments`: from a slot's tokens to entities (names, lists, pronouns, "X fighters").
- `negation`: whether a trigger is asserted.
- `frames`: constructions without a trigger rule (possessive and "of" names, "where" clauses,
  arms lists, seizures from facilities).
"""
from .component import Relations, make_relations
from .lexicon import LexiconError, RelationLexicon, Rule, validate_relation_lexicon
from .slots import slot_registry

__all__ = [
    "Relations", "make_relations", "LexiconError", "RelationLexicon", "Rule", "validate_relation_lexicon", "slot_registry",
]
