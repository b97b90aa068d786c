"""Entity resolution inside a document, and the relation and controls tables."""
from __future__ import annotations

import pandas as pd

import osint_extract
from osint_extract import Entity, Mention, Relation, Result, controls_table, extract


def names(result):
    return {(e.name, e.label): sorted(e.aliases) for e in result.entities}


def aliases(result):
    return {(r.head_name, r.tail_name) for r in result.relations if r.label == "ALIAS_OF"}


def test_bracketed_acronym_is_one_entity_with_an_alias(nlp):
    result = extract("The Frente Kobra (FK) raided Tumaco. Later FK fighters left.")
    assert names(result)[("Frente Kobra", "ARMED_GROUP")] == ["FK"]
    fk = next(e for e in result.entities if e.name == "Frente Kobra")
    assert [m.text for m in fk.mentions] == ["Frente Kobra", "FK", "FK"]
    assert ("Frente Kobra", "FK") in aliases(result)


def test_cued_nicknames_join_their_person(nlp):
    text = 'The cell is run by Rafael Duarte Ibáñez, alias "El Tigre". Police say El Tigre fled to Quito.'
    result = extract(text)
    person = [e for e in result.entities if e.label == "PERSON"]
    assert len(person) == 1
    assert person[0].name == "Rafael Duarte Ibáñez"
    assert person[0].aliases == ["El Tigre"]
    assert len(person[0].mentions) == 3


def test_surname_after_full_name_is_the_same_person(nlp):
    result = extract("Admiral Remigio Ceballos inspected the base. Ceballos later denied any abuses.")
    assert names(result)[("Remigio Ceballos", "PERSON")] == ["Ceballos"]
    assert ("Remigio Ceballos", "Ceballos") in aliases(result)


def test_ambiguous_surname_joins_nobody(nlp):
    """The resolver's rule, on the rules pipeline: which labels a statistical NER gives the
    two full names is not what is tested here."""
    text = "Joaquín Guzmán Loera and Iván Archivaldo Guzmán were named. Guzmán was not seen."
    result = extract(text, nlp=nlp)
    people = {e.name: e for e in result.entities if e.label == "PERSON"}
    assert "Guzmán" in people  # two candidates: left as its own entity
    assert len(people) == 3 and all(e.aliases == [] for e in people.values())


def test_curated_id_joins_a_name_and_its_acronym(nlp):
    result = extract("The National Liberation Army attacked a patrol. The ELN denied it.")
    assert names(result)[("National Liberation Army", "ARMED_GROUP")] == ["ELN"]


def test_alias_relations_are_scored_as_facts(nlp):
    text = "The Frente Kobra (FK) raided Tumaco."
    gold = {
        "id": "d", "text": text,
        "entities": [
            {"id": "e1", "start": 4, "end": 16, "label": "ARMED_GROUP"},
            {"id": "e2", "start": 18, "end": 20, "label": "ARMED_GROUP"},
            {"id": "e3", "start": 29, "end": 35, "label": "PLACE"},
        ],
        "relations": [{"head": "e1", "tail": "e2", "label": "ALIAS_OF"}],
    }
    pred = extract(text, "d").to_dict()
    scores = osint_extract.score_documents([gold], [pred])
    assert scores.relations["ALIAS_OF"].tp == 1 and scores.relations["ALIAS_OF"].fp == 0


def _result(doc_id: str, facts: list[tuple[str, str, str, str, str, float]]) -> Result:
    """A hand-built result: (head, head_label, relation, tail, tail_label, confidence) facts."""
    entities: dict[tuple[str, str], Entity] = {}
    relations = []
    for n, (head, hl, rel, tail, tl, conf) in enumerate(facts):
        ids = []
        for name, label in ((head, hl), (tail, tl)):
            if (name, label) not in entities:
                eid = f"E{len(entities) + 1}"
                entities[(name, label)] = Entity(eid, name, label, [Mention(f"m{len(entities) + 1}", 0, 1, label, name, eid, "")])
            ids.append(entities[(name, label)].id)
        sentence = f"{head} {rel.lower()} {tail} ({doc_id} #{n})."
        relations.append(Relation(ids[0], ids[1], rel, conf, sentence, 0, len(sentence), "test", "m1", "m2", head, tail))
    return Result(doc_id, "", list(entities.values()), relations)


def test_controls_table_merges_entities_across_documents():
    results = [
        _result("a.txt", [("Los Lobos", "ARMED_GROUP", "CONTROLS", "Turi", "PLACE", 0.8),
                          ("Los Lobos", "ARMED_GROUP", "FIGHTS", "Los Choneros", "ARMED_GROUP", 0.7),
                          ("Los Lobos", "ARMED_GROUP", "OPERATES_IN", "Cuenca", "PLACE", 0.9)]),
        _result("b.txt", [("los lobos", "ARMED_GROUP", "CONTROLS", "Turi", "PLACE", 0.6),
                          ("Los Choneros", "ARMED_GROUP", "FIGHTS", "Los Lobos", "ARMED_GROUP", 0.9),
                          ("Turi", "PERSON", "LEADS", "Los Lobos", "ARMED_GROUP", 0.5)]),
    ]
    table = controls_table(results)
    assert isinstance(table, pd.DataFrame)
    assert "OPERATES_IN" not in set(table.relation)  # presence is not control
    controls = table[table.relation == "CONTROLS"]
    assert len(controls) == 1
    row = controls.iloc[0]
    assert (row.controller, row.controlled, row.documents, row.mentions, row.confidence) == ("Los Lobos", "Turi", 2, 2, 0.8)
    assert row.doc_ids == "a.txt; b.txt"
    assert "a.txt: Los Lobos controls Turi" in row.evidence and "b.txt: los lobos controls Turi" in row.evidence
    fights = table[table.relation == "FIGHTS"]
    assert len(fights) == 1 and fights.iloc[0].documents == 2  # symmetric: one row for both directions
    assert len(table[(table.relation == "LEADS")]) == 1  # PERSON "Turi" is not PLACE "Turi"
    assert list(table.documents) == sorted(table.documents, reverse=True)


# ---------------------------------------------------------------------------
# the resolver alone, on hand-made entities: identity is decided here and only here

import pathlib

import pytest
import spacy
from spacy.tokens import Doc, Span

from osint_extract.components.facts import RelationFact
from osint_extract.names import mention_name
from osint_extract.io.results import doc_to_result

CORPUS = pathlib.Path(__file__).resolve().parents[1] / "corpus" / "docs"


def _resolve(text: str, ents: list[tuple[str, str]], short_forms: dict | None = None) -> Doc:
    """`text` with the listed (surface, label) as entities, each at its every occurrence."""
    blank = spacy.blank("en")
    resolver = blank.add_pipe("osint_entity_resolver")
    resolver.set_lexicon({"short_forms": short_forms or {}})
    doc = blank(text)
    spans = []
    for surface, label in ents:
        start = 0
        while (at := text.find(surface, start)) >= 0:
            spans.append(doc.char_span(at, at + len(surface), label=label))
            start = at + len(surface)
    doc.ents = spacy.util.filter_spans(spans)
    return resolver(doc)


def _facts(doc: Doc) -> set[tuple[str, str, str, str]]:
    return {(f.head.text, f.label, f.tail.text, f.pattern) for f in doc._.osint_relations}


def test_short_form_joins_the_one_longer_name_it_starts_or_ends():
    doc = _resolve(
        "Los Zetas took the port. The Zetas then left.",
        [("Los Zetas", "ARMED_GROUP"), ("Zetas", "ARMED_GROUP")],
        {"ARMED_GROUP": ["los"]},
    )
    assert [[s.text for s in c] for c in doc._.osint_clusters] == [["Los Zetas", "Zetas"]]
    assert _facts(doc) == {("Los Zetas", "ALIAS_OF", "Zetas", "alias:short_form")}
    assert {e._.osint_entity for e in doc.ents} == {0}


def test_short_form_needs_listed_words_and_a_single_owner():
    ents = [("Los Zetas", "ARMED_GROUP"), ("Zetas Viejos", "ARMED_GROUP"), ("Zetas", "ARMED_GROUP")]
    text = "Los Zetas fought the Zetas Viejos. The Zetas won."
    two_owners = _resolve(text, ents, {"ARMED_GROUP": ["los", "viejos"]})
    assert len(two_owners._.osint_clusters) == 3 and _facts(two_owners) == set()
    one_owner = _resolve(text, ents, {"ARMED_GROUP": ["los"]})  # "viejos" may not be dropped
    assert _facts(one_owner) == {("Los Zetas", "ALIAS_OF", "Zetas", "alias:short_form")}
    other_label = _resolve(text, ents[:2] + [("Zetas", "PLACE")], {"ARMED_GROUP": ["los"]})
    assert _facts(other_label) == set()


def test_no_entity_is_ever_alias_of_itself():
    doc = _resolve(
        "Frente Kobra (FK) attacked. FRENTE KOBRA and frente  kobra denied it; FK left.",
        [("Frente Kobra", "ARMED_GROUP"), ("FRENTE KOBRA", "ARMED_GROUP"), ("frente  kobra", "ARMED_GROUP"), ("FK", "ARMED_GROUP")],
    )
    # spellings of one name are one entity (FK stays apart: no consistency component left a bracket link)
    assert [sorted(s.text for s in c) for c in doc._.osint_clusters] == [["FRENTE KOBRA", "Frente Kobra", "frente  kobra"], ["FK", "FK"]]
    assert doc._.osint_relations == []
    # ALIAS_OF from another component never makes a row joining a name to itself, nor one
    # joining two entities the resolver kept apart
    kobra, fk = doc._.osint_clusters
    doc._.osint_relations.append(RelationFact(kobra[0], kobra[1], "ALIAS_OF", 0.9, doc[:], "test"))
    doc._.osint_relations.append(RelationFact(kobra[0], fk[0], "ALIAS_OF", 0.9, doc[:], "test"))
    result = doc_to_result(doc, "d")
    assert len(result.entities) == 2 and result.relations == []


def test_clusters_and_facts_survive_serialisation_as_spans_of_the_new_doc():
    doc = _resolve("Los Zetas took the port. The Zetas then left.", [("Los Zetas", "ARMED_GROUP"), ("Zetas", "ARMED_GROUP")], {"ARMED_GROUP": ["los"]})
    copy = Doc(doc.vocab).from_bytes(doc.to_bytes())
    assert [[(s.start_char, s.end_char, s.label_) for s in c] for c in copy._.osint_clusters] == [
        [(s.start_char, s.end_char, s.label_) for s in c] for c in doc._.osint_clusters
    ]
    fact = copy._.osint_relations[0]
    assert isinstance(fact.head, Span) and fact.head.doc is copy and fact.evidence.doc is copy
    assert (fact.head.text, fact.tail.text) == ("Los Zetas", "Zetas")
    assert (fact.evidence.start, fact.evidence.end) == (doc._.osint_relations[0].evidence.start, doc._.osint_relations[0].evidence.end)
    assert doc_to_result(copy, "d").to_dict() == doc_to_result(doc, "d").to_dict()


def test_bad_short_forms_name_the_file_and_label(tmp_path):
    bad = tmp_path / "aliases.yml"
    bad.write_text("short_forms:\n  ARMED_GROUP: los\n", encoding="utf-8")
    resolver = spacy.blank("en").add_pipe("osint_entity_resolver")
    with pytest.raises(ValueError, match=r"aliases\.yml: short_forms: ARMED_GROUP"):
        resolver.initialize(lexicon=str(bad))


def test_no_alias_row_joins_an_entity_to_itself_on_the_corpus(nlp):
    """On the bundled corpus (17 of 114 ALIAS_OF rows were "X ALIAS_OF X" before one
    resolver owned identity)."""
    texts = [(p.name, p.read_text(encoding="utf-8")) for p in sorted(CORPUS.iterdir()) if p.is_file()]
    assert texts
    rows = 0
    for result in osint_extract.extract_many(texts, nlp=nlp):
        for rel in result.relations:
            if rel.label == "ALIAS_OF":
                rows += 1
                assert rel.head == rel.tail
                assert mention_name(rel.head_name, 0, len(rel.head_name)) != mention_name(rel.tail_name, 0, len(rel.tail_name)), rel
        for entity in result.entities:
            assert mention_name(entity.name, 0, len(entity.name)) not in {mention_name(a, 0, len(a)) for a in entity.aliases}
    assert rows > 50  # the corpus has many aliases: the check is not vacuous
