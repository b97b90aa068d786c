"""Exact counts for the scoring rules in ANNOTATION.md on small made-up documents."""
from __future__ import annotations

from typing import Any

import pytest

from osint_extract.evaluation.scoring import PRF, Scores, score_documents


def ent(text: str, eid: str, surface: str, label: str, nth: int = 0) -> dict[str, Any]:
    """Entity for the nth occurrence of `surface`, so tests need no hand-counted offsets."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(surface, start + 1)
    return {"id": eid, "start": start, "end": start + len(surface), "label": label}


def rel(head: str, label: str, tail: str) -> dict[str, str]:
    return {"head": head, "tail": tail, "label": label}


def doc(doc_id: str, text: str, entities: list[dict[str, Any]], relations: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"id": doc_id, "text": text, "entities": entities, "relations": relations or []}


def counts(prf: PRF) -> tuple[int, int, int]:
    return prf.tp, prf.fp, prf.fn


# --- PRF ---------------------------------------------------------------------


def test_prf_ratios_and_zero_denominators() -> None:
    prf = PRF(tp=2, fp=1, fn=3)
    assert prf.precision == pytest.approx(2 / 3)
    assert prf.recall == pytest.approx(2 / 5)
    assert prf.f1 == pytest.approx(2 * (2 / 3) * (2 / 5) / (2 / 3 + 2 / 5))
    empty = PRF()
    assert (empty.precision, empty.recall, empty.f1) == (0.0, 0.0, 0.0)
    assert PRF(tp=0, fp=2, fn=0).f1 == 0.0
    assert prf.to_dict() == {"precision": 0.6667, "recall": 0.4, "f1": 0.5, "tp": 2, "fp": 1, "fn": 3}


# --- entities ------------------------------------------------------------------

TDA = "The Tren de Aragua controls Tocorón prison."


def tda_gold() -> dict[str, Any]:
    return doc("d1", TDA, [ent(TDA, "e1", "Tren de Aragua", "ARMED_GROUP"), ent(TDA, "e2", "Tocorón", "PLACE")])


def test_strict_vs_overlap() -> None:
    pred = doc(
        "d1",
        TDA,
        [ent(TDA, "p1", "The Tren de Aragua", "ARMED_GROUP"), ent(TDA, "p2", "Tocorón", "PLACE")],
    )
    s = score_documents([tda_gold()], [pred])
    assert counts(s.entities_strict["ARMED_GROUP"]) == (0, 1, 1)
    assert counts(s.entities_strict["PLACE"]) == (1, 0, 0)
    assert counts(s.entities_overlap["ARMED_GROUP"]) == (1, 0, 0)
    assert counts(s.entities_overlap["PLACE"]) == (1, 0, 0)
    assert counts(s.entities_strict["micro"]) == (1, 1, 1)
    assert s.entities_strict["micro"].precision == 0.5
    assert s.entities_strict["micro"].recall == 0.5
    assert s.entities_strict["micro"].f1 == 0.5
    assert counts(s.entities_overlap["micro"]) == (2, 0, 0)
    assert s.entities_overlap["micro"].f1 == 1.0


def test_overlap_is_one_to_one() -> None:
    # Two predictions inside one gold span: only one of them can take it.
    pred = doc(
        "d1",
        TDA,
        [ent(TDA, "p1", "Tren", "ARMED_GROUP"), ent(TDA, "p2", "Aragua", "ARMED_GROUP")],
    )
    s = score_documents([tda_gold()], [pred])
    assert counts(s.entities_overlap["ARMED_GROUP"]) == (1, 1, 0)
    assert counts(s.entities_strict["ARMED_GROUP"]) == (0, 2, 1)


def test_label_mismatch_is_fp_and_fn() -> None:
    pred = doc("d1", TDA, [ent(TDA, "p1", "Tren de Aragua", "ORG"), ent(TDA, "p2", "Tocorón", "PLACE")])
    s = score_documents([tda_gold()], [pred])
    for table in (s.entities_strict, s.entities_overlap):
        assert counts(table["ORG"]) == (0, 1, 0)
        assert counts(table["ARMED_GROUP"]) == (0, 0, 1)
        assert counts(table["PLACE"]) == (1, 0, 0)
        assert counts(table["micro"]) == (1, 1, 1)


def test_duplicate_predictions_count_once() -> None:
    pred = doc(
        "d1",
        TDA,
        [
            ent(TDA, "p1", "Tren de Aragua", "ARMED_GROUP"),
            ent(TDA, "p2", "Tren de Aragua", "ARMED_GROUP"),
            ent(TDA, "p3", "Tocorón", "PLACE"),
        ],
    )
    s = score_documents([tda_gold()], [pred])
    assert counts(s.entities_strict["ARMED_GROUP"]) == (1, 0, 0)
    assert counts(s.entities_overlap["ARMED_GROUP"]) == (1, 0, 0)
    assert counts(s.entities_strict["micro"]) == (2, 0, 0)


def test_micro_sums_labels_and_rows_are_ordered() -> None:
    text = "Maduro visited Caracas and Apure."
    gold = doc(
        "d1",
        text,
        [ent(text, "e1", "Maduro", "PERSON"), ent(text, "e2", "Caracas", "PLACE"), ent(text, "e3", "Apure", "PLACE")],
    )
    pred = doc(
        "d1",
        text,
        [ent(text, "p1", "Maduro", "PERSON"), ent(text, "p2", "Caracas", "PLACE"), ent(text, "p3", "visited", "PLACE")],
    )
    s = score_documents([gold], [pred])
    assert counts(s.entities_strict["PERSON"]) == (1, 0, 0)
    assert counts(s.entities_strict["PLACE"]) == (1, 1, 1)
    micro = s.entities_strict["micro"]
    assert counts(micro) == (2, 1, 1)
    assert micro.precision == pytest.approx(2 / 3)
    assert micro.recall == pytest.approx(2 / 3)
    assert micro.f1 == pytest.approx(2 / 3)
    assert list(s.entities_strict) == [
        "PERSON", "ARMED_GROUP", "UNIT", "ORG", "PLACE", "WEAPON", "CALIBRE", "micro"
    ]
    assert counts(s.entities_strict["WEAPON"]) == (0, 0, 0)
    assert list(s.relations)[-1] == "micro"


def test_missing_pred_doc_counts_fn_and_pred_only_doc_is_ignored() -> None:
    text = "ELN fights FARC dissidents in Apure."
    gold2 = doc(
        "d2",
        text,
        [ent(text, "e1", "ELN", "ARMED_GROUP"), ent(text, "e2", "FARC dissidents", "ARMED_GROUP"), ent(text, "e3", "Apure", "PLACE")],
        [rel("e1", "FIGHTS", "e2"), rel("e1", "OPERATES_IN", "e3")],
    )
    pred1 = doc("d1", TDA, [ent(TDA, "p1", "Tren de Aragua", "ARMED_GROUP"), ent(TDA, "p2", "Tocorón", "PLACE")])
    stray = doc("zz", text, [ent(text, "p1", "ELN", "ARMED_GROUP")], [])
    s = score_documents([tda_gold(), gold2], [pred1, stray])
    assert counts(s.entities_strict["ARMED_GROUP"]) == (1, 0, 2)
    assert counts(s.entities_strict["PLACE"]) == (1, 0, 1)
    assert counts(s.entities_strict["micro"]) == (2, 0, 3)
    assert s.entities_strict["micro"].precision == 1.0
    assert s.entities_strict["micro"].recall == pytest.approx(0.4)
    assert counts(s.relations["FIGHTS"]) == (0, 0, 1)
    assert counts(s.relations["OPERATES_IN"]) == (0, 0, 1)
    assert counts(s.relations["micro"]) == (0, 0, 2)


def test_duplicate_doc_ids_rejected() -> None:
    with pytest.raises(ValueError, match="duplicate gold"):
        score_documents([tda_gold(), tda_gold()], [])
    with pytest.raises(ValueError, match="duplicate predicted"):
        score_documents([tda_gold()], [tda_gold(), tda_gold()])


def test_labels_restricts_counting() -> None:
    pred = doc("d1", TDA, [ent(TDA, "p1", "Tren de Aragua", "ORG")])
    s = score_documents([tda_gold()], [pred], labels={"PLACE", "CONTROLS"})
    assert list(s.entities_strict) == ["PLACE", "micro"]
    assert counts(s.entities_strict["micro"]) == (0, 0, 1)
    assert list(s.relations) == ["CONTROLS", "micro"]


# --- relations ----------------------------------------------------------------

NINO = "Niño Guerrero leads Tren de Aragua. Niño  guerrero was born in Venezuela."


def nino_entities(prefix: str) -> list[dict[str, Any]]:
    return [
        ent(NINO, f"{prefix}1", "Niño Guerrero", "PERSON"),
        ent(NINO, f"{prefix}2", "Tren de Aragua", "ARMED_GROUP"),
        ent(NINO, f"{prefix}3", "Niño  guerrero", "PERSON"),
        ent(NINO, f"{prefix}4", "Venezuela", "PLACE"),
    ]


def test_relation_matches_through_repeated_mention_name() -> None:
    gold = doc("d1", NINO, nino_entities("e"), [rel("e1", "LEADS", "e2")])
    # The prediction attaches the fact to the second mention (different case and spacing).
    pred = doc("d1", NINO, nino_entities("p"), [rel("p3", "LEADS", "p2")])
    s = score_documents([gold], [pred])
    assert counts(s.relations["LEADS"]) == (1, 0, 0)
    assert counts(s.relations["micro"]) == (1, 0, 0)
    assert s.relations["LEADS"].f1 == 1.0


def test_same_fact_from_two_mentions_counts_once() -> None:
    gold = doc("d1", NINO, nino_entities("e"), [rel("e1", "LEADS", "e2")])
    pred = doc("d1", NINO, nino_entities("p"), [rel("p1", "LEADS", "p2"), rel("p3", "LEADS", "p2")])
    s = score_documents([gold], [pred])
    assert counts(s.relations["LEADS"]) == (1, 0, 0)


HGF = "Héctor Guerrero Flórez, known as Niño Guerrero, leads Tren de Aragua."


def hgf_entities(prefix: str) -> list[dict[str, Any]]:
    return [
        ent(HGF, f"{prefix}1", "Héctor Guerrero Flórez", "PERSON"),
        ent(HGF, f"{prefix}2", "Niño Guerrero", "PERSON"),
        ent(HGF, f"{prefix}3", "Tren de Aragua", "ARMED_GROUP"),
    ]


def test_relation_matches_through_gold_alias() -> None:
    gold = doc("d1", HGF, hgf_entities("e"), [rel("e2", "ALIAS_OF", "e1"), rel("e1", "LEADS", "e3")])
    pred = doc("d1", HGF, hgf_entities("p"), [rel("p2", "LEADS", "p3")])
    s = score_documents([gold], [pred])
    assert counts(s.relations["LEADS"]) == (1, 0, 0)
    assert counts(s.relations["ALIAS_OF"]) == (0, 0, 1)
    micro = s.relations["micro"]
    assert counts(micro) == (1, 0, 1)
    assert (micro.precision, micro.recall, micro.f1) == (1.0, 0.5, pytest.approx(2 / 3))


def test_relation_matches_through_predicted_alias() -> None:
    gold = doc("d1", HGF, hgf_entities("e"), [rel("e2", "LEADS", "e3")])
    pred = doc("d1", HGF, hgf_entities("p"), [rel("p1", "ALIAS_OF", "p2"), rel("p1", "LEADS", "p3")])
    s = score_documents([gold], [pred])
    assert counts(s.relations["LEADS"]) == (1, 0, 0)
    # No gold alias cluster, so the predicted alias pair is a false positive.
    assert counts(s.relations["ALIAS_OF"]) == (0, 1, 0)


ELN = "The ELN fights FARC dissidents. The 41st Armored Brigade is part of the FANB."


def eln_entities(prefix: str) -> list[dict[str, Any]]:
    return [
        ent(ELN, f"{prefix}1", "ELN", "ARMED_GROUP"),
        ent(ELN, f"{prefix}2", "FARC dissidents", "ARMED_GROUP"),
        ent(ELN, f"{prefix}3", "41st Armored Brigade", "UNIT"),
        ent(ELN, f"{prefix}4", "FANB", "UNIT"),
    ]


def test_symmetric_label_matches_reversed() -> None:
    gold = doc("d1", ELN, eln_entities("e"), [rel("e1", "FIGHTS", "e2")])
    pred = doc("d1", ELN, eln_entities("p"), [rel("p2", "FIGHTS", "p1"), rel("p1", "FIGHTS", "p2")])
    s = score_documents([gold], [pred])
    # Both directions are the same fact: one tp, no fp.
    assert counts(s.relations["FIGHTS"]) == (1, 0, 0)


def test_non_symmetric_reversed_does_not_match() -> None:
    gold = doc("d1", ELN, eln_entities("e"), [rel("e3", "PART_OF", "e4")])
    pred = doc("d1", ELN, eln_entities("p"), [rel("p4", "PART_OF", "p3")])
    s = score_documents([gold], [pred])
    assert counts(s.relations["PART_OF"]) == (0, 1, 1)
    assert (s.relations["PART_OF"].precision, s.relations["PART_OF"].recall, s.relations["PART_OF"].f1) == (0.0, 0.0, 0.0)


def test_relation_label_mismatch() -> None:
    gold = doc("d1", ELN, eln_entities("e"), [rel("e1", "FIGHTS", "e2")])
    pred = doc("d1", ELN, eln_entities("p"), [rel("p1", "ALLIED_WITH", "p2")])
    s = score_documents([gold], [pred])
    assert counts(s.relations["FIGHTS"]) == (0, 0, 1)
    assert counts(s.relations["ALLIED_WITH"]) == (0, 1, 0)
    assert counts(s.relations["micro"]) == (0, 1, 1)


LNA = "The National Liberation Army (ELN), or Ejército de Liberación Nacional, fights Tren de Aragua."


def lna_entities(prefix: str) -> list[dict[str, Any]]:
    return [
        ent(LNA, f"{prefix}1", "National Liberation Army", "ARMED_GROUP"),
        ent(LNA, f"{prefix}2", "ELN", "ARMED_GROUP"),
        ent(LNA, f"{prefix}3", "Ejército de Liberación Nacional", "ARMED_GROUP"),
        ent(LNA, f"{prefix}4", "Tren de Aragua", "ARMED_GROUP"),
    ]


def lna_gold() -> dict[str, Any]:
    return doc(
        "d1",
        LNA,
        lna_entities("e"),
        [rel("e2", "ALIAS_OF", "e1"), rel("e3", "ALIAS_OF", "e1"), rel("e1", "FIGHTS", "e4")],
    )


def test_alias_counts_once_per_cluster() -> None:
    pred = doc(
        "d1",
        LNA,
        lna_entities("p"),
        [rel("p1", "ALIAS_OF", "p2"), rel("p2", "ALIAS_OF", "p3"), rel("p3", "ALIAS_OF", "p1"), rel("p2", "ALIAS_OF", "p1")],
    )
    s = score_documents([lna_gold()], [pred])
    assert counts(s.relations["ALIAS_OF"]) == (1, 0, 0)
    assert s.relations["ALIAS_OF"].f1 == 1.0
    assert counts(s.relations["FIGHTS"]) == (0, 0, 1)


def test_one_alias_pair_finds_the_cluster() -> None:
    pred = doc("d1", LNA, lna_entities("p"), [rel("p3", "ALIAS_OF", "p2")])
    s = score_documents([lna_gold()], [pred])
    assert counts(s.relations["ALIAS_OF"]) == (1, 0, 0)


def test_alias_joining_two_gold_entities_is_fp() -> None:
    pred = doc("d1", LNA, lna_entities("p"), [rel("p2", "ALIAS_OF", "p4")])
    s = score_documents([lna_gold()], [pred])
    assert counts(s.relations["ALIAS_OF"]) == (0, 1, 1)
    assert s.relations["ALIAS_OF"].precision == 0.0


def test_an_entity_aliased_to_itself_is_an_error() -> None:
    gold = doc("d1", NINO, nino_entities("e"), [])
    pred = doc("d1", NINO, nino_entities("p"), [rel("p1", "ALIAS_OF", "p3")])  # two mentions of one name
    s = score_documents([gold], [pred])
    assert counts(s.relations["ALIAS_OF"]) == (0, 1, 0)
    [error] = [e for e in s.errors if e.label == "ALIAS_OF"]
    assert error.kind == "relation_fp" and "aliased to itself" in error.text


def test_relation_to_unknown_entity_rejected() -> None:
    pred = doc("d1", TDA, [ent(TDA, "p1", "Tren de Aragua", "ARMED_GROUP")], [rel("p1", "CONTROLS", "p9")])
    with pytest.raises(ValueError, match="p9"):
        score_documents([tda_gold()], [pred])


# --- reporting -----------------------------------------------------------------


def test_to_dict_and_format_table() -> None:
    pred = doc("d1", TDA, [ent(TDA, "p1", "The Tren de Aragua", "ARMED_GROUP"), ent(TDA, "p2", "Tocorón", "PLACE")])
    s = score_documents([tda_gold()], [pred])
    assert isinstance(s, Scores)
    d = s.to_dict()
    assert set(d) == {"entities_strict", "entities_overlap", "relations"}
    assert d["entities_strict"]["micro"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "tp": 1, "fp": 1, "fn": 1}
    assert d["entities_overlap"]["ARMED_GROUP"]["f1"] == 1.0
    table = s.format_table()
    for section in ("entities_strict", "entities_overlap", "relations"):
        assert section in table
    row = next(line for line in table.splitlines()[2:] if line.startswith("micro"))
    assert row.split() == ["micro", "0.5000", "0.5000", "0.5000", "1", "1", "1"]


# --------------------------------------------------------------------------- macro and errors


def _doc(text, ents, rels=()):
    return {
        "id": "d",
        "text": text,
        "entities": [{"id": f"e{i}", "start": s, "end": e, "label": lab} for i, (s, e, lab) in enumerate(ents, 1)],
        "relations": [{"head": h, "tail": t, "label": lab} for h, lab, t in rels],
    }


def test_macro_is_the_mean_over_labels_that_occur():
    text = "Ana met Bo in Cali and Lima."
    gold = _doc(text, [(0, 3, "PERSON"), (8, 10, "PERSON"), (14, 18, "PLACE"), (23, 27, "PLACE")])
    pred = _doc(text, [(0, 3, "PERSON"), (14, 18, "PLACE"), (23, 27, "ORG")])
    scores = score_documents([gold], [pred])
    strict = scores.entities_strict
    # PERSON P 1 R .5 F1 2/3; PLACE P 1 R .5 F1 2/3; ORG P 0 R 0 F1 0; others absent
    macro = scores.macro("entities_strict")
    assert macro.labels == 3
    assert macro.precision == pytest.approx((1 + 1 + 0) / 3)
    assert macro.recall == pytest.approx((0.5 + 0.5 + 0) / 3)
    assert macro.f1 == pytest.approx((2 / 3 + 2 / 3 + 0) / 3)
    assert (strict["micro"].tp, strict["micro"].fp, strict["micro"].fn) == (2, 1, 2)
    assert scores.to_dict()["entities_strict"]["macro"]["labels"] == 3
    assert "macro" in scores.format_table()


def test_errors_list_every_false_positive_and_negative_with_its_sentence():
    text = "Ana met Bo. They left Cali.\nLima was quiet."
    gold = _doc(text, [(0, 3, "PERSON"), (8, 10, "PERSON"), (22, 26, "PLACE"), (28, 32, "PLACE")],
                [("e1", "OPERATES_IN", "e3")])
    pred = _doc(text, [(0, 3, "PERSON"), (22, 26, "ORG"), (28, 32, "PLACE")], [("e1", "OPERATES_IN", "e2")])
    scores = score_documents([gold], [pred])
    found = {(e.kind, e.label, e.text, e.start, e.end, e.sentence) for e in scores.errors}
    assert found == {
        ("entity_fn", "PERSON", "Bo", 8, 10, "Ana met Bo."),
        ("entity_fp", "ORG", "Cali", 22, 26, "They left Cali."),
        ("entity_fn", "PLACE", "Cali", 22, 26, "They left Cali."),
        # the predicted fact points at ORG "Cali", the gold one at PLACE "Cali": same names, so it matches
    }
    micro = scores.entities_strict["micro"]
    assert len([e for e in scores.errors if e.kind.startswith("entity")]) == micro.fp + micro.fn


def test_relation_errors_name_both_sides():
    text = "Ana leads Kobra. Kobra fights Lobos."
    gold = _doc(text, [(0, 3, "PERSON"), (10, 15, "ARMED_GROUP"), (17, 22, "ARMED_GROUP"), (30, 35, "ARMED_GROUP")],
                [("e1", "LEADS", "e2"), ("e3", "FIGHTS", "e4")])
    pred = _doc(text, [(0, 3, "PERSON"), (10, 15, "ARMED_GROUP"), (17, 22, "ARMED_GROUP"), (30, 35, "ARMED_GROUP")],
                [("e1", "MEMBER_OF", "e2"), ("e4", "FIGHTS", "e3")])
    scores = score_documents([gold], [pred])
    rel = {(e.kind, e.label, e.text, e.sentence) for e in scores.errors}
    assert rel == {
        ("relation_fp", "MEMBER_OF", "Ana -MEMBER_OF-> Kobra", "Ana leads Kobra."),
        ("relation_fn", "LEADS", "Ana -LEADS-> Kobra", "Ana leads Kobra."),
    }
    assert scores.relations["FIGHTS"].tp == 1  # symmetric, reversed direction


def test_another_label_space_with_its_own_symmetric_labels():
    text = "Kobra fights Lobos."
    gold = _doc(text, [(0, 5, "Organisation"), (13, 18, "Organisation")], [("e1", "FightingAgainst", "e2")])
    pred = _doc(text, [(0, 5, "Organisation"), (13, 18, "Organisation")], [("e2", "FightingAgainst", "e1")])
    asymmetric = score_documents([gold], [pred], entity_labels=["Organisation"], relation_labels=["FightingAgainst"])
    assert asymmetric.relations["FightingAgainst"].tp == 0
    symmetric = score_documents([gold], [pred], symmetric={"FightingAgainst"}, alias_label="IsSynonymOf",
                                entity_labels=["Organisation"], relation_labels=["FightingAgainst"])
    assert symmetric.relations["FightingAgainst"].tp == 1
    assert list(symmetric.entities_strict) == ["Organisation", "micro"]
