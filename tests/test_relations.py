"""The relation component (osint_relations): one invented sentence per construction.

Entities are set by hand after the pipeline has parsed the text, so each test checks the
relation rules, not the entity recogniser.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from spacy.tokens import Span

import osint_extract
from osint_extract import relations as _relations  # noqa: F401  (registers the factory)
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
    doc = nlp.get_pipe("osint_relations")(doc)
    return {(doc.text[r["head"][0] : r["head"][1]], r["label"], doc.text[r["tail"][0] : r["tail"][1]]) for r in doc._.relations}, doc


def has(facts, head, label, tail):
    from osint_extract.schema import SYMMETRIC

    return (head, label, tail) in facts or (label in SYMMETRIC and (tail, label, head) in facts)


G, P, PL, U, W, C = "ARMED_GROUP", "PERSON", "PLACE", "UNIT", "WEAPON", "CALIBRE"

CASES = [
    # active and passive voice
    ("The Red Hand Front controls Varnak.", [("Red Hand Front", G), ("Varnak", PL)], ("Red Hand Front", "CONTROLS", "Varnak")),
    ("Varnak is controlled by the Red Hand Front.", [("Red Hand Front", G), ("Varnak", PL)], ("Red Hand Front", "CONTROLS", "Varnak")),
    ("The Red Hand Front is led by Tomas Brevik.", [("Red Hand Front", G), ("Tomas Brevik", P)], ("Tomas Brevik", "LEADS", "Red Hand Front")),
    # apposition
    ("Tomas Brevik, the leader of the Red Hand Front, was arrested.", [("Red Hand Front", G), ("Tomas Brevik", P)],
     ("Tomas Brevik", "LEADS", "Red Hand Front")),
    # prepositional and possessive frames
    ("Varnak fell under the control of the Red Hand Front in 2020.", [("Red Hand Front", G), ("Varnak", PL)],
     ("Red Hand Front", "CONTROLS", "Varnak")),
    ("For a decade Varnak has been the stronghold of the Red Hand Front.", [("Red Hand Front", G), ("Varnak", PL)],
     ("Red Hand Front", "CONTROLS", "Varnak")),
    ("The militia, led by Tomas Brevik, is small.", [("Tomas Brevik", P)], None),
    ("Bands of the Red Hand Front led by Tomas Brevik raided farms.", [("Red Hand Front", G), ("Tomas Brevik", P)], None),
    # nominalisations
    ("The Red Hand Front's takeover of Varnak surprised the army.", [("Red Hand Front", G), ("Varnak", PL)],
     ("Red Hand Front", "CONTROLS", "Varnak")),
    ("The Red Hand Front's control over Varnak is weakening.", [("Red Hand Front", G), ("Varnak", PL)],
     ("Red Hand Front", "CONTROLS", "Varnak")),
    # coordination
    ("The Red Hand Front controls Varnak and Oltenburg.", [("Red Hand Front", G), ("Varnak", PL), ("Oltenburg", PL)],
     ("Red Hand Front", "CONTROLS", "Oltenburg")),
    ("The Red Hand Front and the Blue Lake Cartel clashed last week.", [("Red Hand Front", G), ("Blue Lake Cartel", G)],
     ("Red Hand Front", "FIGHTS", "Blue Lake Cartel")),
    # relative clause
    ("The Red Hand Front, which controls Varnak, has grown.", [("Red Hand Front", G), ("Varnak", PL)],
     ("Red Hand Front", "CONTROLS", "Varnak")),
    # other labels
    ("The Red Hand Front operates in Varnak.", [("Red Hand Front", G), ("Varnak", PL)], ("Red Hand Front", "OPERATES_IN", "Varnak")),
    ("The Red Hand Front fought the Blue Lake Cartel.", [("Red Hand Front", G), ("Blue Lake Cartel", G)],
     ("Red Hand Front", "FIGHTS", "Blue Lake Cartel")),
    ("The Red Hand Front is allied with the Blue Lake Cartel.", [("Red Hand Front", G), ("Blue Lake Cartel", G)],
     ("Red Hand Front", "ALLIED_WITH", "Blue Lake Cartel")),
    ("The Red Hand Front uses AK-47 rifles.", [("Red Hand Front", G), ("AK-47", W)], ("Red Hand Front", "POSSESSES", "AK-47")),
    ("Police seized 7.62×39mm ammunition from the Red Hand Front.", [("Red Hand Front", G), ("7.62×39mm", C)],
     ("Red Hand Front", "POSSESSES", "7.62×39mm")),
    ("The Ostrava Brigade, a faction of the Red Hand Front, holds the hills.", [("Red Hand Front", G), ("Ostrava Brigade", G)],
     ("Ostrava Brigade", "PART_OF", "Red Hand Front")),
    ("Tomas Brevik is a member of the Red Hand Front.", [("Red Hand Front", G), ("Tomas Brevik", P)],
     ("Tomas Brevik", "MEMBER_OF", "Red Hand Front")),
    # aliases
    ("The Northern Liberation Front (NLF) attacked a convoy.", [("Northern Liberation Front", G), ("NLF", G)],
     ("Northern Liberation Front", "ALIAS_OF", "NLF")),
    ("Tomas Brevik, known as \"El Lobo\", escaped.", [("Tomas Brevik", P), ("El Lobo", P)], ("Tomas Brevik", "ALIAS_OF", "El Lobo")),
    ("Tomas Brevik a.k.a. Lobo Gris escaped.", [("Tomas Brevik", P), ("Lobo Gris", P)], ("Tomas Brevik", "ALIAS_OF", "Lobo Gris")),
]


@pytest.mark.parametrize("text,ents,expected", [c for c in CASES if c[2] is not None], ids=lambda v: v if isinstance(v, str) else None)
def test_construction(rel_nlp, text, ents, expected):
    facts, _ = extract(rel_nlp, text, ents)
    assert has(facts, *expected), facts


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
    ("The Red Hand Front fought the Blue Lake Cartel in Varnak.", [("Red Hand Front", G), ("Blue Lake Cartel", G), ("Varnak", PL)], ("Red Hand Front", "OPERATES_IN", "Varnak")),
    ("The Red Hand Front attacked Varnak in March.", [("Red Hand Front", G), ("Varnak", PL)], ("Red Hand Front", "OPERATES_IN", "Varnak")),
    ("Red Hand Front fighters in Varnak burned a bus.", [("Red Hand Front", G), ("Varnak", PL)], ("Red Hand Front", "OPERATES_IN", "Varnak")),
    ("Tomas Brevik fled to Varnak, where the Red Hand Front recruits teenagers.", [("Red Hand Front", G), ("Varnak", PL), ("Tomas Brevik", P)], ("Red Hand Front", "OPERATES_IN", "Varnak")),
    ("Varnak, the headquarters of the Red Hand Front, was shelled.", [("Red Hand Front", G), ("Varnak", PL)], ("Red Hand Front", "OPERATES_IN", "Varnak")),
    ("The Red Hand Front operates in the hills above Varnak.", [("Red Hand Front", G), ("Varnak", PL)], ("Red Hand Front", "OPERATES_IN", "Varnak")),
    ("The Red Hand Front controls most of the north, including Varnak and Ostrava.", [("Red Hand Front", G), ("Varnak", PL), ("Ostrava", PL)], ("Red Hand Front", "CONTROLS", "Ostrava")),
    ("Red Hand Front fighters carry AK-47 rifles, mount PKM machine guns on trucks and have used RPG-7 launchers.", [("Red Hand Front", G), ("AK-47", W), ("PKM", W), ("RPG-7", W)], ("Red Hand Front", "POSSESSES", "PKM")),
    ("The Red Hand Front fought alongside the Blue Lake Cartel.", [("Red Hand Front", G), ("Blue Lake Cartel", G)], ("Red Hand Front", "ALLIED_WITH", "Blue Lake Cartel")),
    ("The Red Hand Front launched an offensive against the Blue Lake Cartel.", [("Red Hand Front", G), ("Blue Lake Cartel", G)], ("Red Hand Front", "FIGHTS", "Blue Lake Cartel")),
    ("The Red Hand Front has struck a deal with the Blue Lake Cartel.", [("Red Hand Front", G), ("Blue Lake Cartel", G)], ("Red Hand Front", "ALLIED_WITH", "Blue Lake Cartel")),
    ("The Border Guard clashed with gunmen from the Red Hand Front and from the Blue Lake Cartel.", [("Border Guard", U), ("Red Hand Front", G), ("Blue Lake Cartel", G)], ("Border Guard", "FIGHTS", "Blue Lake Cartel")),
    ("Soldiers under the Border Guard fought the Red Hand Front.", [("Border Guard", U), ("Red Hand Front", G)], ("Border Guard", "FIGHTS", "Red Hand Front")),
    ("The Red Hand Front is strongest in Varnak.", [("Red Hand Front", G), ("Varnak", PL)], ("Red Hand Front", "OPERATES_IN", "Varnak")),
    ("The Varnak-based Red Hand Front recruits teenagers.", [("Red Hand Front", G), ("Varnak", PL)], ("Red Hand Front", "OPERATES_IN", "Varnak")),
    ("The Red Hand Front and the Blue Lake Cartel formed an alliance.", [("Red Hand Front", G), ("Blue Lake Cartel", G)], ("Red Hand Front", "ALLIED_WITH", "Blue Lake Cartel")),
    ("An alliance of the Red Hand Front and the Blue Lake Cartel emerged.", [("Red Hand Front", G), ("Blue Lake Cartel", G)], ("Red Hand Front", "ALLIED_WITH", "Blue Lake Cartel")),
    ("Clashes between the Red Hand Front and the Blue Lake Cartel killed ten.", [("Red Hand Front", G), ("Blue Lake Cartel", G)], ("Red Hand Front", "FIGHTS", "Blue Lake Cartel")),
    ("The Ostrava Brigade, the elite unit trained with foreign support, which has fought the Red Hand Front, was disbanded.", [("Ostrava Brigade", U), ("Red Hand Front", G)], ("Ostrava Brigade", "FIGHTS", "Red Hand Front")),
    ("The Red Hand Front seized Varnak.", [("Red Hand Front", G), ("Varnak", PL)], ("Red Hand Front", "CONTROLS", "Varnak")),
    ("Varnak is under the control of the Red Hand Front.", [("Red Hand Front", G), ("Varnak", PL)], ("Red Hand Front", "CONTROLS", "Varnak")),
]


@pytest.mark.parametrize("text,ents,expected", MORE_CASES, ids=lambda v: v if isinstance(v, str) else None)
def test_more_constructions(rel_nlp, text, ents, expected):
    facts, _ = extract(rel_nlp, text, ents)
    assert has(facts, *expected), facts


# Negated, denied or subsumed variants: the fact must not come out.
MORE_NEGATED = [
    ("The Red Hand Front did not attack Varnak.", [("Red Hand Front", G), ("Varnak", PL)], ("Red Hand Front", "OPERATES_IN", "Varnak")),
    ("The Red Hand Front uses AK-47 rifles but has no RPG-7 launchers.", [("Red Hand Front", G), ("AK-47", W), ("RPG-7", W)], ("Red Hand Front", "POSSESSES", "RPG-7")),
    ("The Red Hand Front never fought alongside the Blue Lake Cartel.", [("Red Hand Front", G), ("Blue Lake Cartel", G)], ("Red Hand Front", "ALLIED_WITH", "Blue Lake Cartel")),
    ("The Red Hand Front controls Varnak, and its fighters patrol Varnak.", [("Red Hand Front", G), ("Varnak", PL)], ("Red Hand Front", "OPERATES_IN", "Varnak")),
    ("Tomas Brevik fled to Varnak, where the Red Hand Front does not recruit.", [("Red Hand Front", G), ("Varnak", PL), ("Tomas Brevik", P)], ("Red Hand Front", "OPERATES_IN", "Varnak")),
]


@pytest.mark.parametrize("text,ents,absent", MORE_NEGATED, ids=lambda v: v if isinstance(v, str) else None)
def test_more_negated(rel_nlp, text, ents, absent):
    facts, _ = extract(rel_nlp, text, ents)
    assert not has(facts, *absent), facts
    if "controls Varnak" in text:
        assert has(facts, "Red Hand Front", "CONTROLS", "Varnak"), facts


def test_unverified_claim_gives_nothing(rel_nlp):
    text = "Claims that the Red Hand Front and the Blue Lake Cartel negotiated a truce have circulated."
    facts, _ = extract(rel_nlp, text, [("Red Hand Front", G), ("Blue Lake Cartel", G)])
    assert not has(facts, "Red Hand Front", "ALLIED_WITH", "Blue Lake Cartel"), facts


def test_relation_fields_and_schema(rel_nlp):
    text = "The Red Hand Front controls Varnak. Tomas Brevik, the leader of the Red Hand Front, lives there."
    _, doc = extract(rel_nlp, text, [("Red Hand Front", G), ("Varnak", PL), ("Tomas Brevik", P)])
    ents = {(e.start_char, e.end_char): e.label_ for e in doc.ents}
    assert doc._.relations
    seen = set()
    for r in doc._.relations:
        assert set(r) >= {"head", "tail", "label", "confidence", "evidence", "evidence_start", "evidence_end", "pattern"}
        assert tuple(r["head"]) in ents and tuple(r["tail"]) in ents
        assert relation_allowed(r["label"], ents[tuple(r["head"])], ents[tuple(r["tail"])])
        assert 0.0 <= r["confidence"] <= 1.0
        assert doc.text[r["evidence_start"] : r["evidence_end"]].strip() == r["evidence"]
        key = (r["evidence_start"], r["head"], r["label"], r["tail"])
        assert key not in seen
        seen.add(key)


def test_types_are_checked(rel_nlp):
    # a person cannot CONTROLS-lead a weapon; nothing the schema forbids comes out
    facts, _ = extract(rel_nlp, "Tomas Brevik controls AK-47 rifles.", [("Tomas Brevik", P), ("AK-47", W)])
    assert not any(label == "CONTROLS" for _, label, _ in facts)


def test_trigger_added_to_lexicon_copy_takes_effect(tmp_path):
    text = "The Red Hand Front lords over Varnak."
    ents = [("Red Hand Front", G), ("Varnak", PL)]
    copy = tmp_path / "relations.yml"
    shutil.copy(LEXICON, copy)

    nlp = load_with_lexicon(copy)
    before, _ = extract(nlp, text, ents)
    assert not has(before, "Red Hand Front", "CONTROLS", "Varnak")

    data = yaml.safe_load(copy.read_text(encoding="utf8"))
    data["rules"].append(
        {"name": "analyst_lord", "labels": ["CONTROLS"], "confidence": 0.7, "verbs": ["lord"], "head": ["agent"], "tail": ["prep:over"]}
    )
    copy.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf8")  # the same file, edited
    nlp.get_pipe("osint_relations").initialize(lexicon=str(copy))
    after, doc = extract(nlp, text, ents)
    assert has(after, "Red Hand Front", "CONTROLS", "Varnak")
    assert any(r["pattern"] == "analyst_lord" for r in doc._.relations)


def test_default_pipeline_has_relations_before_resolver(nlp):
    names = nlp.pipe_names
    assert "osint_relations" in names
    if "osint_resolver" in names:
        assert names.index("osint_relations") < names.index("osint_resolver")
