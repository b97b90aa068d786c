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
    text = "Joaquín Guzmán Loera and Iván Archivaldo Guzmán were named. Guzmán was not seen."
    result = extract(text)
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
