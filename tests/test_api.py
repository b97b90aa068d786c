"""The library API: load, extract, extract_many, result objects and tables."""
from __future__ import annotations

import pytest
import spacy

import osint_extract
from osint_extract import ModelNotFound, Result, extract, extract_many, score_documents

TEXT = (
    "The Halcones Negros Cartel, led by Rafael Ortega Vance, seized the Brisas del Mar prison in Puerto Alto. "
    "Ortega Vance's men carried AK-103 rifles and 7.62x39mm ammunition. "
    "The 14th Infantry Brigade was sent to Puerto Alto."
)


def test_load_adds_the_project_components_after_the_base(nlp):
    names = nlp.pipe_names
    assert names.index("ner") < names.index("osint_typer")
    for component in ("osint_gazetteer", "osint_arms", "osint_normaliser", "osint_geo", "osint_consistency"):
        assert component in names
    assert isinstance(nlp, spacy.language.Language)


def test_load_reports_a_missing_model_clearly():
    with pytest.raises(ModelNotFound, match="no_such_pipeline"):
        osint_extract.load(model="no_such_pipeline")


def test_load_accepts_a_pipeline_path(nlp, tmp_path):
    base = spacy.blank("en")
    base.add_pipe("sentencizer")
    base.to_disk(tmp_path / "blank_en")
    custom = osint_extract.load(model=tmp_path / "blank_en")
    assert "sentencizer" in custom.pipe_names  # the given pipeline is the base
    result = extract("They fired 7.62x39mm rounds from AK-103 rifles.", nlp=custom)
    assert {(m.text, m.label) for m in result.mentions} == {("7.62x39mm", "CALIBRE"), ("AK-103", "WEAPON")}


def test_extract_returns_typed_results(trained_nlp):  # extract() runs the default, trained pipeline
    result = extract(TEXT, "report-1")
    assert isinstance(result, Result)
    assert result.id == "report-1"
    found = {(e.name, e.label) for e in result.entities}
    assert ("Halcones Negros Cartel", "ARMED_GROUP") in found
    assert ("Rafael Ortega Vance", "PERSON") in found
    assert ("AK-103", "WEAPON") in found
    assert ("7.62x39mm", "CALIBRE") in found
    assert ("14th Infantry Brigade", "UNIT") in found
    # mentions point into the text, and repeated names are one entity
    for m in result.mentions:
        assert TEXT[m.start : m.end] == m.text
        assert m.sentence and m.text in m.sentence
    puerto = [e for e in result.entities if e.name == "Puerto Alto"]
    assert len(puerto) == 1 and len(puerto[0].mentions) == 2
    assert isinstance(result.relations, list)


def test_to_dict_is_gold_format_and_scores_perfectly_against_itself(trained_nlp):  # extract() runs the default, trained pipeline
    doc = extract(TEXT, "report-1").to_dict()
    assert set(doc) >= {"id", "text", "entities", "relations"}
    ids = [e["id"] for e in doc["entities"]]
    assert ids == [f"m{i}" for i in range(1, len(ids) + 1)]
    assert all(doc["text"][e["start"] : e["end"]] == e["text"] for e in doc["entities"])
    scores = score_documents([doc], [doc])
    assert scores.entities_strict["micro"].f1 == 1.0


def test_extract_many_keeps_order_and_ids(trained_nlp):  # extract() runs the default, trained pipeline
    texts = ["Los Choneros controlled the Litoral Penitentiary.", "ISWAP fighters attacked Monguno.", TEXT]
    plain = list(extract_many(texts))
    assert [r.id for r in plain] == ["doc-1", "doc-2", "doc-3"]
    pairs = list(extract_many([("b", texts[1]), ("a", texts[0])]))
    assert [r.id for r in pairs] == ["b", "a"]
    assert pairs[0].to_dict()["entities"] == plain[1].to_dict()["entities"]


def test_extract_many_in_two_processes_gives_the_same_results(trained_nlp):  # extract() runs the default, trained pipeline
    texts = [TEXT, "ISWAP fighters attacked Monguno with RPG-7 launchers.", "Los Lobos run the prison in Cuenca."] * 2
    one = [r.to_dict() for r in extract_many(texts, batch_size=2)]
    two = [r.to_dict() for r in extract_many(texts, n_process=2, batch_size=2)]
    assert one == two


def test_tables(trained_nlp):  # extract() runs the default, trained pipeline
    results = list(extract_many([("a", TEXT), ("b", "ISWAP fighters attacked Monguno.")]))
    mentions = osint_extract.mentions_table(results)
    entities = osint_extract.entities_table(results)
    assert list(mentions.columns) == ["doc_id", "entity_id", "start", "end", "text", "label", "sentence"]
    assert list(entities.columns) == ["doc_id", "entity_id", "name", "label", "mentions", "aliases"]
    assert set(mentions.doc_id) == {"a", "b"}
    # every entity's mention count matches its rows in the mention table
    counts = mentions.groupby(["doc_id", "entity_id"]).size()
    for row in entities.itertuples():
        assert counts[(row.doc_id, row.entity_id)] == row.mentions


def test_cooccurrence_baseline_gives_pairs_the_majority_label(nlp, tmp_path):
    import json

    text = "Los Choneros fighters operate in Guayaquil. Los Lobos fighters patrol Cuenca and Quito."
    ents = [(0, 12, "ARMED_GROUP"), (33, 42, "PLACE"), (44, 53, "ARMED_GROUP"), (70, 76, "PLACE"), (81, 86, "PLACE")]
    gold = {"id": "d", "text": text,
            "entities": [{"id": f"e{i}", "start": s, "end": e, "label": lab} for i, (s, e, lab) in enumerate(ents, 1)],
            "relations": [{"head": "e1", "tail": "e2", "label": "OPERATES_IN"}, {"head": "e3", "tail": "e4", "label": "OPERATES_IN"}]}
    assert [text[s:e] for s, e, _ in ents] == ["Los Choneros", "Guayaquil", "Los Lobos", "Cuenca", "Quito"]
    path = tmp_path / "gold.jsonl"
    path.write_text(json.dumps(gold) + "\n", encoding="utf-8")
    scores = osint_extract.evaluate([path], baseline="cooccurrence")
    # every ARMED_GROUP-PLACE pair in a sentence: 3 facts, 2 of them in the gold
    assert (scores.relations["OPERATES_IN"].tp, scores.relations["OPERATES_IN"].fp) == (2, 1)


def test_documents_line_is_written_piecewise_with_the_bytes_of_one_dump(nlp):
    import io
    import json

    from osint_extract.io.tables import write_document

    text = (
        "The Jalisco New Generation Cartel (CJNG), led by Nemesio Oseguera, controls Aguililla. "
        "Oseguera, known as \"El Mencho\", fought the Knights Templar near Apatzingan."
    )
    result = osint_extract.extract(text, "doc", nlp=nlp)
    assert result.entities and result.relations
    fh = io.StringIO()
    write_document(fh, result)
    assert fh.getvalue() == json.dumps(result.to_dict(), ensure_ascii=False) + "\n"


def test_doc_extensions_hold_spans_that_the_result_is_made_of(trained_nlp):
    """The library's Doc view and its Result view say the same: clusters are lists of
    mention Spans (canonical first), facts hold Spans of the same Doc."""
    from osint_extract.components.facts import RelationFact
    from osint_extract.io.results import doc_to_result

    text = "The Frente Kobra (FK) controls Tumaco. Commander Rafael Duarte leads the FK. Duarte fled."
    doc = trained_nlp(text)  # the default pipeline, which extract() uses
    assert all(s.doc is doc for c in doc._.osint_clusters for s in c)
    assert {(s.start_char, s.end_char) for c in doc._.osint_clusters for s in c} == {(e.start_char, e.end_char) for e in doc.ents}
    assert all(isinstance(f, RelationFact) and f.head.doc is doc and f.tail.doc is doc for f in doc._.osint_relations)
    assert {e._.osint_entity for e in doc.ents} == set(range(len(doc._.osint_clusters)))
    result = doc_to_result(doc, "d")
    assert result.to_dict() == extract(text, "d").to_dict()
    assert sorted(e.name for e in result.entities) == sorted(c[0].text for c in doc._.osint_clusters)
    assert any(f.label == "ALIAS_OF" and f.head.text == "Frente Kobra" and f.tail.text == "FK" for f in doc._.osint_relations)
