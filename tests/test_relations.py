"""The relation component (osint_relations): one invented sentence per construction, and
the full set of facts it must give (no more, no fewer).

Entities are set by hand after the pipeline has parsed the text, so each test checks the
relation rules, not the entity recogniser.
"""
from __future__ import annotations

import copy
import re
import shutil
from pathlib import Path

import catalogue
import pytest
import yaml
from spacy.tokens import Span

import osint_extract
from osint_extract.components.facts import RelationFact
from osint_extract.components.relations import LexiconError, slot_registry, validate_relation_lexicon
from osint_extract.schema import relation_allowed

LEXICON = Path(__file__).resolve().parents[1] / "configs" / "lexicons" / "relations.yml"


def load_with_lexicon(lexicon: Path):
    """The default pipeline with its relation component re-initialised from `lexicon`."""
    nlp = osint_extract.load()
    nlp.get_pipe("osint_relations").initialize(lexicon=str(lexicon))
    return nlp


@pytest.fixture(scope="module")
def rel_nlp():
    return load_with_lexicon(LEXICON)


def extract(nlp, text: str, ents: list[tuple[str, str]]):
    """Relations of `text` with exactly the given (name, label) entities, every mention."""
    doc = nlp(text)
    spans = []
    for name, label in ents:
        for m in re.finditer(re.escape(name), text):
            span = doc.char_span(m.start(), m.end(), label=label)
            assert span is not None, f"{name!r} is not on token boundaries"
            spans.append(span)
    doc.ents = sorted(spans, key=lambda s: s.start)
    doc._.osint_relations = None  # what the full pipeline found with its own entities
    doc = nlp.get_pipe("osint_relations")(doc)
    return {(f.head.text, f.label, f.tail.text) for f in doc._.osint_relations}, doc


G, P, PL, U, W, C = "ARMED_GROUP", "PERSON", "PLACE", "UNIT", "WEAPON", "CALIBRE"

CASES = [
    # active and passive voice
    ("The Red Hand Front controls Varnak.", [("Red Hand Front", G), ("Varnak", PL)], {("Red Hand Front", "CONTROLS", "Varnak")}),
    ("Varnak is controlled by the Red Hand Front.", [("Red Hand Front", G), ("Varnak", PL)], {("Red Hand Front", "CONTROLS", "Varnak")}),
    ("The Red Hand Front is led by Tomas Brevik.", [("Red Hand Front", G), ("Tomas Brevik", P)], {("Tomas Brevik", "LEADS", "Red Hand Front")}),
    # apposition
    ("Tomas Brevik, the leader of the Red Hand Front, was arrested.", [("Red Hand Front", G), ("Tomas Brevik", P)],
     {("Tomas Brevik", "LEADS", "Red Hand Front")}),
    # prepositional and possessive frames
    ("Varnak fell under the control of the Red Hand Front in 2020.", [("Red Hand Front", G), ("Varnak", PL)],
     {("Red Hand Front", "CONTROLS", "Varnak")}),
    ("For a decade Varnak has been the stronghold of the Red Hand Front.", [("Red Hand Front", G), ("Varnak", PL)],
     {("Red Hand Front", "CONTROLS", "Varnak")}),
    # the group led is unnamed, or only a part of the named one: no fact about a name
    ("The militia, led by Tomas Brevik, is small.", [("Tomas Brevik", P)], set()),
    ("Bands of the Red Hand Front led by Tomas Brevik raided farms.", [("Red Hand Front", G), ("Tomas Brevik", P)], set()),
    # nominalisations
    ("The Red Hand Front's takeover of Varnak surprised the army.", [("Red Hand Front", G), ("Varnak", PL)],
     {("Red Hand Front", "CONTROLS", "Varnak")}),
    ("The Red Hand Front's control over Varnak is weakening.", [("Red Hand Front", G), ("Varnak", PL)],
     {("Red Hand Front", "CONTROLS", "Varnak")}),
    # coordination
    ("The Red Hand Front controls Varnak and Oltenburg.", [("Red Hand Front", G), ("Varnak", PL), ("Oltenburg", PL)],
     {("Red Hand Front", "CONTROLS", "Varnak"), ("Red Hand Front", "CONTROLS", "Oltenburg")}),
    ("The Red Hand Front and the Blue Lake Cartel clashed last week.", [("Red Hand Front", G), ("Blue Lake Cartel", G)],
     {("Red Hand Front", "FIGHTS", "Blue Lake Cartel")}),
    # relative clause
    ("The Red Hand Front, which controls Varnak, has grown.", [("Red Hand Front", G), ("Varnak", PL)],
     {("Red Hand Front", "CONTROLS", "Varnak")}),
    # other labels
    ("The Red Hand Front operates in Varnak.", [("Red Hand Front", G), ("Varnak", PL)], {("Red Hand Front", "OPERATES_IN", "Varnak")}),
    ("The Red Hand Front fought the Blue Lake Cartel.", [("Red Hand Front", G), ("Blue Lake Cartel", G)],
     {("Red Hand Front", "FIGHTS", "Blue Lake Cartel")}),
    ("The Red Hand Front is allied with the Blue Lake Cartel.", [("Red Hand Front", G), ("Blue Lake Cartel", G)],
     {("Red Hand Front", "ALLIED_WITH", "Blue Lake Cartel")}),
    ("The Red Hand Front uses AK-47 rifles.", [("Red Hand Front", G), ("AK-47", W)], {("Red Hand Front", "POSSESSES", "AK-47")}),
    ("Police seized 7.62×39mm ammunition from the Red Hand Front.", [("Red Hand Front", G), ("7.62×39mm", C)],
     {("Red Hand Front", "POSSESSES", "7.62×39mm")}),
    ("The Ostrava Brigade, a faction of the Red Hand Front, holds the hills.", [("Red Hand Front", G), ("Ostrava Brigade", G)],
     {("Ostrava Brigade", "PART_OF", "Red Hand Front")}),
    ("Tomas Brevik is a member of the Red Hand Front.", [("Red Hand Front", G), ("Tomas Brevik", P)],
     {("Tomas Brevik", "MEMBER_OF", "Red Hand Front")}),
]


def canonical(facts: set[tuple[str, str, str]]) -> set[tuple[str, str, str]]:
    """Facts with the arguments of symmetric labels in a fixed order."""
    from osint_extract.schema import SYMMETRIC

    return {(min(h, t), label, max(h, t)) if label in SYMMETRIC else (h, label, t) for h, label, t in facts}


@pytest.mark.parametrize("text,ents,expected", CASES, ids=lambda v: v if isinstance(v, str) else None)
def test_construction(rel_nlp, text, ents, expected):
    facts, _ = extract(rel_nlp, text, ents)
    assert canonical(facts) == canonical(expected)


@pytest.mark.parametrize(
    "text,ents",
    [
        ("Officials denied that the Red Hand Front controls Varnak.", [("Red Hand Front", G), ("Varnak", PL)]),
        ("The Red Hand Front no longer controls Varnak.", [("Red Hand Front", G), ("Varnak", PL)]),
        ("The Red Hand Front does not control Varnak.", [("Red Hand Front", G), ("Varnak", PL)]),
        ("The Red Hand Front never fought the Blue Lake Cartel.", [("Red Hand Front", G), ("Blue Lake Cartel", G)]),
        ("Tomas Brevik denied leading the Red Hand Front.", [("Red Hand Front", G), ("Tomas Brevik", P)]),
    ],
)
def test_negated_and_denied(rel_nlp, text, ents):
    facts, _ = extract(rel_nlp, text, ents)
    assert not facts, facts


# Locative, list and pairing constructions (one short invented sentence each).
MORE_CASES = [
    ("The Red Hand Front fought the Blue Lake Cartel in Varnak.", [("Red Hand Front", G), ("Blue Lake Cartel", G), ("Varnak", PL)], {("Red Hand Front", "FIGHTS", "Blue Lake Cartel"), ("Red Hand Front", "OPERATES_IN", "Varnak")}),
    ("The Red Hand Front attacked Varnak in March.", [("Red Hand Front", G), ("Varnak", PL)], {("Red Hand Front", "OPERATES_IN", "Varnak")}),
    ("Red Hand Front fighters in Varnak burned a bus.", [("Red Hand Front", G), ("Varnak", PL)], {("Red Hand Front", "OPERATES_IN", "Varnak")}),
    ("Tomas Brevik fled to Varnak, where the Red Hand Front recruits teenagers.", [("Red Hand Front", G), ("Varnak", PL), ("Tomas Brevik", P)], {("Red Hand Front", "OPERATES_IN", "Varnak")}),
    ("Varnak, the headquarters of the Red Hand Front, was shelled.", [("Red Hand Front", G), ("Varnak", PL)], {("Red Hand Front", "OPERATES_IN", "Varnak")}),
    ("The Red Hand Front operates in the hills above Varnak.", [("Red Hand Front", G), ("Varnak", PL)], {("Red Hand Front", "OPERATES_IN", "Varnak")}),
    ("The Red Hand Front controls most of the north, including Varnak and Ostrava.", [("Red Hand Front", G), ("Varnak", PL), ("Ostrava", PL)], {("Red Hand Front", "CONTROLS", "Varnak"), ("Red Hand Front", "CONTROLS", "Ostrava")}),
    ("Red Hand Front fighters carry AK-47 rifles, mount PKM machine guns on trucks and have used RPG-7 launchers.", [("Red Hand Front", G), ("AK-47", W), ("PKM", W), ("RPG-7", W)], {("Red Hand Front", "POSSESSES", "AK-47"), ("Red Hand Front", "POSSESSES", "PKM"), ("Red Hand Front", "POSSESSES", "RPG-7")}),
    ("The Red Hand Front fought alongside the Blue Lake Cartel.", [("Red Hand Front", G), ("Blue Lake Cartel", G)], {("Red Hand Front", "ALLIED_WITH", "Blue Lake Cartel")}),
    ("The Red Hand Front launched an offensive against the Blue Lake Cartel.", [("Red Hand Front", G), ("Blue Lake Cartel", G)], {("Red Hand Front", "FIGHTS", "Blue Lake Cartel")}),
    # a light verb with a trigger noun: the noun's fact only ("struck a deal" is no strike)
    ("The Red Hand Front has struck a deal with the Blue Lake Cartel.", [("Red Hand Front", G), ("Blue Lake Cartel", G)], {("Red Hand Front", "ALLIED_WITH", "Blue Lake Cartel")}),
    ("The Border Guard clashed with gunmen from the Red Hand Front and from the Blue Lake Cartel.", [("Border Guard", U), ("Red Hand Front", G), ("Blue Lake Cartel", G)], {("Border Guard", "FIGHTS", "Red Hand Front"), ("Border Guard", "FIGHTS", "Blue Lake Cartel")}),
    ("Soldiers under the Border Guard fought the Red Hand Front.", [("Border Guard", U), ("Red Hand Front", G)], {("Border Guard", "FIGHTS", "Red Hand Front")}),
    ("The Red Hand Front is strongest in Varnak.", [("Red Hand Front", G), ("Varnak", PL)], {("Red Hand Front", "OPERATES_IN", "Varnak")}),
    ("The Varnak-based Red Hand Front recruits teenagers.", [("Red Hand Front", G), ("Varnak", PL)], {("Red Hand Front", "OPERATES_IN", "Varnak")}),
    ("The Red Hand Front and the Blue Lake Cartel formed an alliance.", [("Red Hand Front", G), ("Blue Lake Cartel", G)], {("Red Hand Front", "ALLIED_WITH", "Blue Lake Cartel")}),
    ("An alliance of the Red Hand Front and the Blue Lake Cartel emerged.", [("Red Hand Front", G), ("Blue Lake Cartel", G)], {("Red Hand Front", "ALLIED_WITH", "Blue Lake Cartel")}),
    ("Clashes between the Red Hand Front and the Blue Lake Cartel killed ten.", [("Red Hand Front", G), ("Blue Lake Cartel", G)], {("Red Hand Front", "FIGHTS", "Blue Lake Cartel")}),
    ("The Ostrava Brigade, the elite unit trained with foreign support, which has fought the Red Hand Front, was disbanded.", [("Ostrava Brigade", U), ("Red Hand Front", G)], {("Ostrava Brigade", "FIGHTS", "Red Hand Front")}),
    ("The Red Hand Front seized Varnak.", [("Red Hand Front", G), ("Varnak", PL)], {("Red Hand Front", "CONTROLS", "Varnak")}),
    ("Varnak is under the control of the Red Hand Front.", [("Red Hand Front", G), ("Varnak", PL)], {("Red Hand Front", "CONTROLS", "Varnak")}),
]


@pytest.mark.parametrize("text,ents,expected", MORE_CASES, ids=lambda v: v if isinstance(v, str) else None)
def test_more_constructions(rel_nlp, text, ents, expected):
    facts, _ = extract(rel_nlp, text, ents)
    assert canonical(facts) == canonical(expected)


# Negated, denied or subsumed variants: the fact must not come out.
MORE_NEGATED = [
    ("The Red Hand Front did not attack Varnak.", [("Red Hand Front", G), ("Varnak", PL)], set()),
    ("The Red Hand Front uses AK-47 rifles but has no RPG-7 launchers.", [("Red Hand Front", G), ("AK-47", W), ("RPG-7", W)],
     {("Red Hand Front", "POSSESSES", "AK-47")}),
    ("The Red Hand Front never fought alongside the Blue Lake Cartel.", [("Red Hand Front", G), ("Blue Lake Cartel", G)], set()),
    # subsumed: controlling a place says more than patrolling it
    ("The Red Hand Front controls Varnak, and its fighters patrol Varnak.", [("Red Hand Front", G), ("Varnak", PL)],
     {("Red Hand Front", "CONTROLS", "Varnak")}),
    ("Tomas Brevik fled to Varnak, where the Red Hand Front does not recruit.", [("Red Hand Front", G), ("Varnak", PL), ("Tomas Brevik", P)], set()),
    # arms a clause is about are not on the list of the actor's arms in the same sentence
    ("Rifles and pistols were scarce, since the Red Hand Front uses PKM.",
     [("Rifles", W), ("pistols", W), ("Red Hand Front", G), ("PKM", W)], {("Red Hand Front", "POSSESSES", "PKM")}),
    # ... unless that clause ties them to the owner, or they are the owner's from the sentence before
    ("The Red Hand Front uses AK-47 rifles; PKM machine guns and RPG-7 launchers are also part of its arsenal.",
     [("Red Hand Front", G), ("AK-47", W), ("PKM", W), ("RPG-7", W)],
     {("Red Hand Front", "POSSESSES", "AK-47"), ("Red Hand Front", "POSSESSES", "PKM"), ("Red Hand Front", "POSSESSES", "RPG-7")}),
    ("The Red Hand Front attacked Varnak. RPG-7 launchers and PKM machine guns were used.",
     [("Red Hand Front", G), ("Varnak", PL), ("RPG-7", W), ("PKM", W)],
     {("Red Hand Front", "OPERATES_IN", "Varnak"), ("Red Hand Front", "POSSESSES", "RPG-7"), ("Red Hand Front", "POSSESSES", "PKM")}),
]


@pytest.mark.parametrize("text,ents,expected", MORE_NEGATED, ids=lambda v: v if isinstance(v, str) else None)
def test_negated_subsumed_or_light_verb_facts_stay_out(rel_nlp, text, ents, expected):
    facts, _ = extract(rel_nlp, text, ents)
    assert canonical(facts) == canonical(expected)


def test_unverified_claim_gives_nothing(rel_nlp):
    text = "Claims that the Red Hand Front and the Blue Lake Cartel negotiated a truce have circulated."
    facts, _ = extract(rel_nlp, text, [("Red Hand Front", G), ("Blue Lake Cartel", G)])
    assert facts == set()


def test_relation_fields_and_schema(rel_nlp):
    text = "The Red Hand Front controls Varnak. Tomas Brevik, the leader of the Red Hand Front, lives there."
    _, doc = extract(rel_nlp, text, [("Red Hand Front", G), ("Varnak", PL), ("Tomas Brevik", P)])
    ents = set(doc.ents)
    assert doc._.osint_relations
    seen = set()
    for f in doc._.osint_relations:
        assert isinstance(f, RelationFact)
        assert f.head in ents and f.tail in ents  # Span references to doc.ents
        assert relation_allowed(f.label, f.head.label_, f.tail.label_)
        assert 0.0 <= f.confidence <= 1.0
        assert isinstance(f.evidence, Span) and f.evidence.doc is doc
        assert f.evidence.start_char <= min(f.head.start_char, f.tail.start_char)
        assert f.evidence.end_char >= max(f.head.end_char, f.tail.end_char)
        key = (f.evidence.start, f.head.start, f.label, f.tail.start)
        assert key not in seen
        seen.add(key)


def test_types_are_checked(rel_nlp):
    # a person cannot CONTROLS-lead a weapon; nothing the schema forbids comes out
    facts, _ = extract(rel_nlp, "Tomas Brevik controls AK-47 rifles.", [("Tomas Brevik", P), ("AK-47", W)])
    assert facts == set()


@pytest.mark.parametrize(
    "text,ents",
    [
        ("The Northern Liberation Front (NLF) attacked a convoy.", [("Northern Liberation Front", G), ("NLF", G)]),
        ("Tomas Brevik, known as \"El Lobo\", escaped.", [("Tomas Brevik", P), ("El Lobo", P)]),
        ("Tomas Brevik a.k.a. Lobo Gris escaped.", [("Tomas Brevik", P), ("Lobo Gris", P)]),
    ],
)
def test_identity_is_not_decided_here(rel_nlp, text, ents):
    """Aliases, acronyms and short forms are the resolver's (osint_entity_resolver):
    the relation component states no ALIAS_OF, not even between distinct names."""
    facts, _ = extract(rel_nlp, text, ents)
    assert facts == set()


def test_relations_append_to_the_resolvers_facts(nlp):
    doc = nlp("The National Liberation Army (ELN) controls Arauca.")
    facts = doc._.osint_relations
    assert all(isinstance(f, RelationFact) for f in facts)
    assert [(f.head.text, f.label, f.tail.text) for f in facts] == [
        ("National Liberation Army", "ALIAS_OF", "ELN"),  # the resolver's, first
        ("National Liberation Army", "CONTROLS", "Arauca"),
    ]
    assert facts[1].pattern == "control_verb" and facts[0].pattern not in {r["name"] for r in LEXICON_DATA["rules"]}


def test_trigger_added_to_lexicon_copy_takes_effect(tmp_path):
    text = "The Red Hand Front lords over Varnak."
    ents = [("Red Hand Front", G), ("Varnak", PL)]
    copy = tmp_path / "relations.yml"
    shutil.copy(LEXICON, copy)

    nlp = load_with_lexicon(copy)
    before, _ = extract(nlp, text, ents)
    assert before == set()

    data = yaml.safe_load(copy.read_text(encoding="utf8"))
    data["rules"].append(
        {"name": "analyst_lord", "labels": ["CONTROLS"], "confidence": 0.7, "verbs": ["lord"], "head": ["agent"], "tail": ["prep:over"]}
    )
    copy.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf8")  # the same file, edited
    nlp.get_pipe("osint_relations").initialize(lexicon=str(copy))
    after, doc = extract(nlp, text, ents)
    assert after == {("Red Hand Front", "CONTROLS", "Varnak")}
    assert [f.pattern for f in doc._.osint_relations] == ["analyst_lord"]


def test_default_pipeline_reads_identity_before_relations(nlp):
    names = nlp.pipe_names
    assert names.index("osint_resolver") < names.index("osint_relations")


# --------------------------------------------------------------------------- new slots


def _with_rule(tmp_path: Path, rule: dict) -> Path:
    data = yaml.safe_load(LEXICON.read_text(encoding="utf8"))
    data["rules"].append(rule)
    path = tmp_path / "relations.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf8")
    return path


BANKROLL = {"name": "bankroll_verb", "labels": ["ALLIED_WITH"], "confidence": 0.7, "verbs": ["bankroll"],
            "head": ["agent"], "tail": ["financed"]}


def test_a_registered_slot_is_usable_without_editing_the_component(tmp_path, rel_nlp):
    """A new construction is a function registered in the slot registry, named in the lexicon."""
    path = _with_rule(tmp_path, BANKROLL)
    component = rel_nlp.get_pipe("osint_relations")
    with pytest.raises(LexiconError, match="unknown slot 'financed'"):
        component.initialize(lexicon=str(path))  # not registered yet

    @slot_registry.register("verb:financed")
    def financed(ctx, tok):
        return [c for c in tok.children if c.dep_ == "dobj"]

    try:
        nlp = load_with_lexicon(path)
        text = "The Red Hand Front bankrolls the Blue Lake Cartel."
        facts, doc = extract(nlp, text, [("Red Hand Front", G), ("Blue Lake Cartel", G)])
        assert canonical(facts) == canonical({("Red Hand Front", "ALLIED_WITH", "Blue Lake Cartel")})
        assert [f.pattern for f in doc._.osint_relations] == ["bankroll_verb"]
        facts, _ = extract(nlp, "The Red Hand Front never bankrolled the Blue Lake Cartel.", [("Red Hand Front", G), ("Blue Lake Cartel", G)])
        assert facts == set()
    finally:
        catalogue.REGISTRY.pop(("osint_extract", "relation_slots", "verb:financed"), None)


# --------------------------------------------------------------------------- dependency patterns

HARBOUR = {
    "name": "harbour_dep",
    "labels": ["ALLIED_WITH"],
    "confidence": 0.65,
    "dependency_patterns": [[
        {"RIGHT_ID": "trigger", "RIGHT_ATTRS": {"LEMMA": {"IN": ["harbour", "harbor"]}}},
        {"LEFT_ID": "trigger", "REL_OP": ">", "RIGHT_ID": "head", "RIGHT_ATTRS": {"DEP": "nsubj"}},
        {"LEFT_ID": "trigger", "REL_OP": ">", "RIGHT_ID": "tail", "RIGHT_ATTRS": {"DEP": "dobj"}},
    ]],
}


def test_a_rule_may_be_dependency_patterns(tmp_path):
    nlp = load_with_lexicon(_with_rule(tmp_path, HARBOUR))
    ents = [("Red Hand Front", G), ("Blue Lake Cartel", G)]
    facts, doc = extract(nlp, "The Red Hand Front harbours the Blue Lake Cartel.", ents)
    assert canonical(facts) == canonical({("Red Hand Front", "ALLIED_WITH", "Blue Lake Cartel")})
    (fact,) = doc._.osint_relations
    assert fact.pattern == "harbour_dep" and fact.confidence == 0.65
    # the matched tokens are resolved like slots: a list gives each of its names
    ents3 = ents + [("Black Sun", G)]
    facts, _ = extract(nlp, "The Red Hand Front harbours the Blue Lake Cartel and the Black Sun.", ents3)
    assert canonical(facts) == canonical({("Red Hand Front", "ALLIED_WITH", "Blue Lake Cartel"), ("Red Hand Front", "ALLIED_WITH", "Black Sun")})
    # and negated triggers state nothing
    facts, _ = extract(nlp, "The Red Hand Front does not harbour the Blue Lake Cartel.", ents)
    assert facts == set()


# --------------------------------------------------------------------------- lexicon validation

LEXICON_DATA = yaml.safe_load(LEXICON.read_text(encoding="utf8"))


def _rule(data: dict) -> dict:
    return next(r for r in data["rules"] if r["name"] == "control_verb")


def _rename(data: dict, old: str, new: str) -> None:
    rule = _rule(data)
    rule[new] = rule.pop(old)


def _set(data: dict, key: str, value) -> None:
    _rule(data)[key] = value


def _pattern(data: dict, change) -> None:
    rule = copy.deepcopy(HARBOUR)
    change(rule["dependency_patterns"][0])
    data["rules"].append(rule)


BAD = {
    # what to break, and what the message must say
    "misspelt rule key": (lambda d: _rename(d, "verbs", "verb"), ["rule 1 'control_verb'", "unknown key 'verb'", "did you mean 'verbs'"]),
    "unknown relation label": (lambda d: _set(d, "labels", ["CONTROLZ"]), ["rule 1 'control_verb' labels", "unknown label 'CONTROLZ'", "'CONTROLS'"]),
    "unknown slot": (lambda d: _set(d, "head", ["agnet"]), ["rule 1 'control_verb' head", "unknown slot 'agnet'", "did you mean 'agent'"]),
    "confidence out of range": (lambda d: _set(d, "confidence", 1.5), ["rule 1 'control_verb' confidence", "(0, 1]"]),
    "rule without triggers": (lambda d: _rename(d, "verbs", "locate"), ["rule 1 'control_verb'", "needs trigger 'verbs' or 'nouns'"]),
    "misspelt top-level key": (lambda d: d.update(negation_word=d.pop("negation_words")), ["key 'negation_word'", "did you mean 'negation_words'"]),
    "unknown pronoun label": (lambda d: d["pronouns"].update(it=["GANG"]), ["pronouns it", "unknown label 'GANG'"]),
    "unknown actor label": (lambda d: d.update(actor_labels=["PERSON", "GANG"]), ["actor_labels", "unknown label 'GANG'"]),
    "alias cues are the resolver's": (lambda d: d.update(alias_cues=["aka"]), ["key 'alias_cues'", "unknown key"]),
    "seizure confidence": (lambda d: d["seizure"].update(confidence=2), ["seizure confidence", "(0, 1]"]),
    "pattern without a tail node": (lambda d: _pattern(d, lambda p: p.pop()), ["'harbour_dep' dependency_patterns", "pattern 1", "RIGHT_ID 'tail'"]),
    "pattern with a bad operator": (lambda d: _pattern(d, lambda p: p[1].update(REL_OP="~~")), ["'harbour_dep' dependency_patterns", "pattern 1", "not a valid DependencyMatcher pattern"]),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_relation_lexicon_entry_is_named(case: str, tmp_path: Path, rel_nlp) -> None:
    breaks, words = BAD[case]
    data = copy.deepcopy(LEXICON_DATA)
    breaks(data)
    path = tmp_path / "relations.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    component = rel_nlp.get_pipe("osint_relations")  # validation fails before anything is replaced
    with pytest.raises(LexiconError) as err:
        component.initialize(lexicon=str(path))
    message = str(err.value)
    assert message.startswith(f"{path}: ")
    for word in words:
        assert word in message, message


def test_the_bundled_relation_lexicon_is_valid() -> None:
    validate_relation_lexicon(copy.deepcopy(LEXICON_DATA), "relations.yml")


def test_the_words_of_constructions_are_data(tmp_path):
    """"Soldiers under X": the prepositions through which a member noun names its actor come
    from the lexicon, not the code."""
    text = "Soldiers under the Border Guard fought the Red Hand Front."
    ents = [("Border Guard", U), ("Red Hand Front", G)]
    data = copy.deepcopy(LEXICON_DATA)
    data["member_preps"] = [w for w in data["member_preps"] if w != "under"]
    path = tmp_path / "relations.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    facts, _ = extract(load_with_lexicon(path), text, ents)
    assert facts == set()
