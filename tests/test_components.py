"""The pipeline's components on short sentences written for these tests.

Sentences use countries and groups other than the seed article's, and made-up group
names that no lexicon or pattern file contains, so the tests check the rules rather
than the lists. Expected spans follow ANNOTATION.md.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import spacy

import osint_extract
from osint_extract.runs.extraction import extract
from osint_extract.resources import configs_dir
from osint_extract.components.spans import add_entities, set_source, source_of



def ents(nlp, text: str) -> list[tuple[str, str]]:
    return [(e.text, e.label_) for e in nlp(text).ents]


def labelled(nlp, text: str, label: str) -> list[str]:
    return [e.text for e in nlp(text).ents if e.label_ == label]


def run_until(nlp, text: str, last: str):
    """The doc after the pipeline's components up to and including `last`."""
    doc = nlp.make_doc(text)
    for name, proc in nlp.pipeline:
        doc = proc(doc)
        if name == last:
            return doc
    raise KeyError(last)


def manual_doc(nlp, text: str, spans: list[tuple[str, str]]):
    """A tokenised doc with the given (substring, label) entities set by hand."""
    doc = nlp.make_doc(text)
    ents = []
    for sub, label in spans:
        start = text.index(sub)
        span = doc.char_span(start, start + len(sub), label=label)
        assert span is not None, sub
        ents.append(span)
    doc.ents = ents
    return doc


def alias_pairs(doc) -> set[tuple[str, str]]:
    """The (name, alias) texts of the document's alias links."""
    return {(doc.text[a:b], doc.text[c:d]) for a, b, c, d, _ in doc._.alias_links}


def parsed_doc(nlp, text: str, spans: list[tuple[str, str]]):
    """`manual_doc` with the base pipeline's parse, for rules that read parts of speech,
    sentence starts or coordination."""
    doc = manual_doc(nlp, text, spans)
    for name in ("tok2vec", "tagger", "parser", "attribute_ruler"):
        doc = nlp.get_pipe(name)(doc)
    return doc


def statistical_doc(nlp, text: str, spans: list[tuple[str, str]]):
    """`parsed_doc` whose entities a statistical NER gave (source `ner`)."""
    doc = parsed_doc(nlp, text, spans)
    for ent in doc.ents:
        set_source(ent, "ner")
    return doc


# --------------------------------------------------------------------------- calibres


@pytest.mark.parametrize(
    "text, calibres",
    [
        ("Militants in northern Mali were resupplied with 7.62×39 ammunition.", ["7.62×39"]),
        ("Customs officers seized crates of 7.62x39mm cartridges.", ["7.62x39mm"]),
        # The lexicon keeps the NATO designation that follows the unit word.
        ("The battalion fired 7.62 × 51 mm NATO rounds at the ridge.", ["7.62 × 51 mm NATO"]),
        ("Smugglers moved .50 caliber ammunition into Niger.", [".50 caliber"]),
        ("Gunmen mounted .50-cal guns on their pickups.", [".50-cal"]),
        ("Fighters fired 12.7×108mm rounds at the convoy.", ["12.7×108mm"]),
        ("Police recovered 5.56 mm rounds from the house.", ["5.56 mm"]),
        ("The kidnappers carried 9mm pistols.", ["9mm"]),
        ("Helicopters fired 2.75-inch rockets at the camp.", ["2.75-inch"]),
        ("The crew fired 40 mm grenades at the trench.", ["40 mm"]),
        ("Stocks of 7.62×39 and 5.56 mm ammunition were low.", ["7.62×39", "5.56 mm"]),
    ],
)
def test_calibre_notations(nlp, text, calibres):
    assert labelled(nlp, text, "CALIBRE") == calibres


def test_calibre_span_excludes_ammunition_word(nlp):
    doc = nlp("Smugglers moved .50 caliber ammunition and 7.62×39 ammunition into Niger.")
    calibres = [e for e in doc.ents if e.label_ == "CALIBRE"]
    assert [e.text for e in calibres] == [".50 caliber", "7.62×39"]
    assert all("ammunition" not in e.text for e in doc.ents)


def test_numbers_without_unit_are_not_calibres(nlp):
    text = "In 2021, 39 fighters and 762 civilians were counted in 12 districts."
    assert labelled(nlp, text, "CALIBRE") == []


# --------------------------------------------------------------------------- weapons


def test_weapon_models(nlp):
    text = (
        "The militia was armed with AK-103 rifles, AKM carbines, RPG-7 launchers, "
        "M16A4 rifles, FAL rifles and a Barrett M82."
    )
    assert labelled(nlp, text, "WEAPON") == ["AK-103", "AKM", "RPG-7", "M16A4", "FAL", "Barrett M82"]


@pytest.mark.parametrize(
    "text, weapons",
    [
        ("The group acquired heavy machine guns and anti-tank systems.", ["heavy machine guns", "anti-tank systems"]),
        ("Recruits were issued modern assault rifles.", ["assault rifles"]),
        ("Police seized AK-47 rifles in a raid.", ["AK-47"]),
        ("Gunmen mounted .50-cal guns and anti-tank weapons on pickups.", ["anti-tank weapons"]),
        ("Investigators traced the 9mm pistols to a dealer.", ["pistols"]),
    ],
)
def test_weapon_classes(nlp, text, weapons):
    assert labelled(nlp, text, "WEAPON") == weapons


def test_generic_armament_nouns_are_not_entities(nlp):
    doc = nlp("The unit received new systems, guns, weapons, arms and ammunition from abroad.")
    assert [e.text for e in doc.ents if e.label_ in ("WEAPON", "CALIBRE")] == []
    generic = {"systems", "guns", "weapons", "arms", "ammunition"}
    assert not [e.text for e in doc.ents if e.text.lower() in generic]


def test_arms_component_alone_on_a_bare_doc(nlp):
    """The matcher works on character offsets, without the NER or tagger."""
    doc = nlp.make_doc("Rebels bought RPG-7 launchers and 12.7×108mm rounds.")
    doc = nlp.get_pipe("osint_arms")(doc)
    assert [(e.text, e.label_) for e in doc.ents] == [("RPG-7", "WEAPON"), ("12.7×108mm", "CALIBRE")]
    assert {source_of(e) for e in doc.ents} == {"arms"}


# --------------------------------------------------------------------------- typing


@pytest.mark.parametrize(
    "text, name",
    [
        # "liberation" in an organisation's name makes it an armed group
        ("The Southern Ember Liberation Movement claimed the bombing in Mindanao.", "Southern Ember Liberation Movement"),
        # "<Name> Cartel"
        ("Fighters of the Halcones Negros Cartel attacked a convoy near Culiacán.", "Halcones Negros Cartel"),
        # "Frente <Name>"
        ("The Frente Vorlak militia ambushed soldiers in Cauca.", "Frente Vorlak"),
    ],
)
def test_unlisted_group_typed_by_head_word(nlp, text, name):
    assert (name, "ARMED_GROUP") in ents(nlp, text)


@pytest.mark.parametrize(
    "text, name",
    [
        ("Fighters of the Los Halcones del Norte Cartel attacked a convoy near Culiacán.", "Los Halcones del Norte Cartel"),
        ("The Frente Rojo del Sur militia ambushed soldiers in Cauca.", "Frente Rojo del Sur"),
    ],
)
def test_unlisted_group_with_connectors_typed_by_head_word(nlp, text, name):
    assert (name, "ARMED_GROUP") in ents(nlp, text)


def test_shape_match_inside_a_longer_name_does_not_cut_it(nlp):
    text = "The Sovereign Guard Liberation Front attacked a checkpoint in Cabo Delgado."
    assert ("Sovereign Guard Liberation Front", "ARMED_GROUP") in ents(nlp, text)


@pytest.mark.parametrize(
    "text, found, rule_match, rule_label, source",
    [
        # a listed place inside a group's name, a shape ("X Police") inside a longer unit name
        ("Farmers fear the Autodefensas del Zulia (ADZ).", ("Autodefensas del Zulia", "ARMED_GROUP"), "Zulia", "PLACE", "gazetteer"),
        ("The Federal Criminal Police Office (BKA) leads the case.", ("Federal Criminal Police Office", "UNIT"), "Federal Criminal Police", "UNIT", "shape"),
    ],
)
def test_beside_a_trained_recogniser_a_rule_match_inside_its_name_does_not_cut_it(text, found, rule_match, rule_label, source):
    """The recogniser read the whole name; a list or shape that knows only part of it must
    not cut it down (the part would also become an entity of its own). A general NER's
    names are cut as before."""
    nlp = spacy.blank("en")
    start = text.index(rule_match)
    for keep, expected in ((True, [found]), (False, [(rule_match, rule_label)])):
        doc = manual_doc(nlp, text, [found])
        add_entities(doc, [doc.char_span(start, start + len(rule_match), label=rule_label)], source, overwrite=True, keep_statistical=keep)
        assert [(e.text, e.label_) for e in doc.ents] == expected


@pytest.mark.parametrize(
    "text, weapon, expected",
    [
        # a modifier the rules do not know stays with the class noun
        ("Its members carry hunting rifles.", "hunting rifles", [("hunting rifles", "WEAPON")]),
        # and so does the longer name of a model the lexicon knows in part
        ("Its snipers carry the M93 Black Arrow.", "M93 Black Arrow", [("M93 Black Arrow", "WEAPON")]),
        # a model or a calibre inside is split off as ANNOTATION.md says
        ("Its members carry PKM machine guns.", "PKM machine guns", [("PKM", "WEAPON")]),
        ("Its members carry Barrett M82 rifles.", "Barrett M82 rifles", [("Barrett M82", "WEAPON")]),
        ("Its members carry 9mm pistols.", "9mm pistols", [("9mm", "CALIBRE"), ("pistols", "WEAPON")]),
        ("Its members carry 9mm hunting rifles.", "9mm hunting rifles", [("9mm", "CALIBRE"), ("hunting rifles", "WEAPON")]),
        ("Its members carry a 7.62mm PKM.", "7.62mm PKM", [("7.62mm", "CALIBRE"), ("PKM", "WEAPON")]),
        # a model the lexicon knows only in part stays with the words around it
        ("Its members carry HK G3 rifles.", "HK G3 rifles", [("HK G3 rifles", "WEAPON")]),
    ],
)
def test_a_weapon_the_recogniser_found_is_cut_only_at_a_model_or_calibre(nlp, text, weapon, expected):
    doc = manual_doc(nlp, text, [(weapon, "WEAPON")])
    doc = nlp.get_pipe("osint_arms")(doc)
    assert [(e.text, e.label_) for e in doc.ents] == expected


def test_an_arms_match_cuts_a_statistical_name_around_it():
    nlp = spacy.blank("en")
    doc = manual_doc(nlp, "The unit carried Zarqa-9 launchers.", [("Zarqa-9 launchers", "PERSON")])
    add_entities(doc, [doc.char_span(17, 24, label="WEAPON")], "arms", overwrite=True)
    assert [(e.text, e.label_) for e in doc.ents] == [("Zarqa-9", "WEAPON")]


def test_a_rule_match_covering_a_statistical_name_replaces_it():
    nlp = spacy.blank("en")
    doc = manual_doc(nlp, "The Federal Police raided the port.", [("Police", "ORG")])
    add_entities(doc, [doc.char_span(4, 18, label="UNIT")], "gazetteer", overwrite=True)
    assert [(e.text, e.label_) for e in doc.ents] == [("Federal Police", "UNIT")]


@pytest.mark.parametrize(
    "text, name",
    [
        ("Residents said the gang Zorros Grises extorted shopkeepers in Guayaquil.", "Zorros Grises"),
        ("Residents said the Zorros Grises gang extorted shopkeepers in Guayaquil.", "Zorros Grises"),
        ("Police said the Kobra Boys gang controlled the market in Accra.", "Kobra Boys"),
    ],
)
def test_unlisted_group_typed_by_context(nlp, text, name):
    found = ents(nlp, text)
    assert (name, "ARMED_GROUP") in found
    # the generic noun is context, not part of the name
    assert not [t for t, _ in found if "gang" in t.lower()]


def test_context_typed_group_keeps_leading_article(nlp):
    text = "Residents said the Los Zorros Grises gang extorted shopkeepers in Guayaquil."
    assert ("Los Zorros Grises", "ARMED_GROUP") in ents(nlp, text)


def test_context_typed_group_replaces_partial_ner_span(nlp):
    text = "Police said the Vantar Boys gang controlled the market in Accra."
    assert ("Vantar Boys", "ARMED_GROUP") in ents(nlp, text)


@pytest.mark.parametrize(
    "text, name",
    [
        ("The 27th Mechanised Brigade was redeployed to Kyiv last month.", "27th Mechanised Brigade"),
        ("The 114th Mountain Battalion crossed into Tigray.", "114th Mountain Battalion"),
    ],
)
def test_unlisted_unit(nlp, text, name):
    assert (name, "UNIT") in ents(nlp, text)


@pytest.mark.parametrize(
    "text, name",
    [
        ("The Ministry of Rural Defence in Ghana denied the report.", "Ministry of Rural Defence"),
        # unit words inside a ministry's name do not make it a unit
        ("The Ministry of Police announced new patrols in Durban.", "Ministry of Police"),
        ("The Ministry of National Guard in Riyadh issued a statement.", "Ministry of National Guard"),
        ("Researchers at the University of Lagos published the report.", "University of Lagos"),
    ],
)
def test_organisation_stays_org(nlp, text, name):
    found = ents(nlp, text)
    assert (name, "ORG") in found
    assert [t for t, _ in found if name in t or t in name] == [name]


@pytest.mark.parametrize(
    "text, place",
    [
        ("Inmates rioted at Vellmora prison in Honduras on Tuesday.", "Vellmora"),
        ("Guards at the Ostrava prison were bribed.", "Ostrava"),
    ],
)
def test_prison_typed_place_without_the_word_prison(nlp, text, place):
    found = ents(nlp, text)
    assert (place, "PLACE") in found
    assert not [t for t, _ in found if "prison" in t.lower()]


@pytest.mark.parametrize(
    "name, kept",
    [
        ("4 September", False),
        ("Oct 9", False),
        ("April", False),
        ("Sept. 12", False),
        # a short form alone, an acronym and a name with other words stand
        ("Jan", True),
        ("MAR", True),
        ("SEP", True),
        ("August Town", True),
    ],
)
def test_dates_read_as_names_are_dropped(nlp, name, kept):
    # a recogniser trained on the schema reads a date as a name at times; the typer drops it
    text = f"On {name} soldiers of the Hornet Company raided the port."
    doc = manual_doc(nlp, text, [(name, "UNIT"), ("Hornet Company", "UNIT")])
    doc = nlp.get_pipe("osint_typer")(doc)
    assert [e.text for e in doc.ents] == ([name] if kept else []) + ["Hornet Company"]


@pytest.mark.parametrize("pipeline", ["nlp", "trained_nlp"])
@pytest.mark.parametrize(
    "text, people",
    [
        ("The Siege of Harbour Town.\n(Picture: Maren Oskarsdottir)\n\nIn 2019 the gang took the port.", ["Maren Oskarsdottir"]),
        ("By Tomás Ruiz and Eva Lind\n\nLos Halcones took the port of Tumaco.", ["Tomás Ruiz", "Eva Lind"]),
        ("Fighters at the Kessel checkpoint. Photo: Jean-Pierre Mbeki / AFP", ["Jean-Pierre Mbeki"]),
        ("Reporting by Ana Lema in Lagos; Editing by Kwame Boateng\n", ["Ana Lema", "Kwame Boateng"]),
        ("By Ana Lema, Security Correspondent\n\nThe gang held the port.", ["Ana Lema"]),
        ("Por Ana Lema\n\nLa banda controla el puerto.", ["Ana Lema"]),
    ],
)
def test_credits_and_bylines_name_people(request, pipeline, text, people):
    # a name alone after "Photo:" or "By" has no context a model trained on prose reads: the
    # small model missed these or ran them into the cue or the agency ("Por Ana Lema",
    # "Jean-Pierre Mbeki / AFP"), and a title-cased credit line is dropped as a headline
    # unless the credit confirms its names
    found = ents(request.getfixturevalue(pipeline), text)
    assert [t for t, label in found if label == "PERSON"] == people


@pytest.mark.parametrize("pipeline", ["nlp", "trained_nlp"])
@pytest.mark.parametrize(
    "text",
    [
        # prose: a hard-wrapped line starting with "by", a date, a possessive, a name
        # followed by more of the sentence, "by" after an opener, capitals, a title-cased headline
        "Many residents were killed\nby Los Halcones fighters in March.",
        "By March, Los Halcones held the port.",
        "By Harbour Lions standards the raid was small.",
        "By Christmas Day, the gang held the port.",
        "By Land Rover, the convoy reached Guapi.",
        "The raids (by Los Pumas and Los Tigres) left many dead.",
        "BY THE TIME THE ARMY ARRIVED, THE GANG HAD FLED.",
        "PHOTOS: SECURITY FORCES IN TUMACO\n",
        "By Sea And Air, Gangs Move Cocaine Through Tumaco\n",
    ],
)
def test_prose_and_headlines_are_no_credits(request, pipeline, text):
    doc = request.getfixturevalue(pipeline)(text)
    assert not [e.text for e in doc.ents if source_of(e) == "credit"]


@pytest.mark.parametrize("pipeline", ["nlp", "trained_nlp"])
@pytest.mark.parametrize(
    "text, name, label",
    [
        ("Fighters were seen in Tumaco.\nPhoto: Associated Press\n", "Associated Press", "ORG"),
        ("Photo: Kivu Relief Desk\n\nThe gang held the market.", "Kivu Relief Desk", "ORG"),
        # a job title after a byline's name is no second name
        ("By Ana Lema, Staff Writer\n\nThe gang held the port.", "Ana Lema", "PERSON"),
        # "of", "via" and a bracket end a credit
        ("Photo by Kofi Mensah of Reuters\n", "Kofi Mensah", "PERSON"),
        ("Photo: Ana Lema via Getty Images\n", "Ana Lema", "PERSON"),
    ],
)
def test_credited_names_stop_where_the_credit_does(request, pipeline, text, name, label):
    doc = request.getfixturevalue(pipeline)(text)
    assert [(e.text, e.label_) for e in doc.ents if source_of(e) == "credit"] == [(name, label)]


def test_a_credit_keeps_a_caption_names_other_label(trained_nlp):
    # "Photo:" may open a description: the trained recogniser's places stay places
    found = ents(trained_nlp, "Photo: Puerto Tejada and Santander de Quilichao, 2021\n\nThe gang held the port.")
    assert ("Puerto Tejada", "PLACE") in found and ("Santander de Quilichao", "PLACE") in found


@pytest.mark.parametrize("label", ["PLACE", "ARMED_GROUP", "PERSON"])
def test_a_credit_cuts_a_statistical_name_of_any_label_that_ran_into_its_cue(nlp, label):
    # a model's "Por Ana Lema" has the cue inside it: the model misread the line, so the
    # credit wins whatever label the model gave
    text = "Por Ana Lema\n\nLa banda controla el puerto."
    doc = statistical_doc(nlp, text, [("Por Ana Lema", label)])
    doc = nlp.get_pipe("osint_typer")(doc)
    assert [(e.text, e.label_, source_of(e)) for e in doc.ents][:1] == [("Ana Lema", "PERSON", "credit")]


def test_a_name_that_opens_with_a_byline_word_is_no_credit_when_a_name_word_types_it(nlp):
    # "Von" opens a byline in German, but "Von Lettow Company" names a body by its last word
    text = "Von Lettow Company\n\nThe unit held the port."
    doc = statistical_doc(nlp, text, [("Von Lettow Company", "UNIT")])
    doc = nlp.get_pipe("osint_typer")(doc)
    assert [(e.text, e.label_) for e in doc.ents][:1] == [("Von Lettow Company", "UNIT")]


@pytest.mark.parametrize("pipeline", ["nlp", "trained_nlp"])
def test_portfolio_in_a_title_is_no_organisation_but_the_minister_is_a_person(request, pipeline):
    text = "The Minister of Defence, Ana Lema, visited Tumaco. The Vice-Minister for the Interior, Kofi Mensah, stayed away."
    found = ents(request.getfixturevalue(pipeline), text)
    assert ("Ana Lema", "PERSON") in found and ("Kofi Mensah", "PERSON") in found
    assert not [t for t, _ in found if t in ("Defence", "Interior")]


@pytest.mark.parametrize("pipeline", ["nlp", "trained_nlp"])
def test_a_body_after_a_title_is_no_portfolio(request, pipeline):
    # "of the" names an affiliation, and a name word makes a body of what follows "for the"
    text = "The general secretary of the Karen National Union spoke. The Commissioner for the National Police resigned."
    found = [t for t, _ in ents(request.getfixturevalue(pipeline), text)]
    assert "Karen National Union" in found and "National Police" in found


@pytest.mark.parametrize("pipeline", ["nlp", "trained_nlp"])
def test_a_date_before_a_context_noun_is_no_name(request, pipeline):
    # "soldiers" names the unit before it; a date there is none (the held-out fold's
    # "On 4 September" and "April" came out as units)
    text = "On 4 September soldiers of the Hornet Company raided the port. In April soldiers burned the depot."
    found = [t for t, _ in ents(request.getfixturevalue(pipeline), text)]
    assert not [t for t in found if "September" in t or "April" in t]


def test_operation_names_are_not_entities(nlp):
    doc = nlp("Operation Iron Harvest targeted smugglers along the border with Chad.")
    assert not [e.text for e in doc.ents if "Operation" in e.text or "Harvest" in e.text]


# --------------------------------------------------------------------------- normalisation


@pytest.mark.parametrize(
    "text, person",
    [
        ("General Kofi Mensah Asante inspected the troops in Ghana.", "Kofi Mensah Asante"),
        ("Commander Rustam Nazarov visited the front line in Tajikistan.", "Rustam Nazarov"),
    ],
)
def test_titles_dropped_from_people(nlp, text, person):
    assert (person, "PERSON") in ents(nlp, text)


def test_leading_determiner_dropped(nlp):
    doc = nlp("Fighters loyal to the Qorvath Brotherhood raided a market in Kisumu.")
    names = [e.text for e in doc.ents]
    assert "Qorvath Brotherhood" in names
    assert not [n for n in names if n.lower().startswith("the ")]


@pytest.mark.parametrize(
    "text, name, label",
    [
        ("The gang Los Pumas expanded. Los Pumas's leader was arrested in Bolivia.", "Los Pumas", "ARMED_GROUP"),
        ("The Halcones Negros Cartel's fighters crossed into Guatemala.", "Halcones Negros Cartel", "ARMED_GROUP"),
        ("The Halcones Negros Cartel´s fighters crossed into Guatemala.", "Halcones Negros Cartel", "ARMED_GROUP"),
    ],
)
def test_possessive_dropped(nlp, text, name, label):
    doc = nlp(text)
    assert (name, label) in [(e.text, e.label_) for e in doc.ents]
    assert not [e.text for e in doc.ents if e.text.endswith(("'s", "´s", "’s", "'", "´"))]


def test_no_span_crosses_a_line_break(nlp):
    text = "The Dakar Observer\nPolice officer Mamadou Sow was killed in Thiès."
    doc = nlp(text)
    assert ("Mamadou Sow", "PERSON") in [(e.text, e.label_) for e in doc.ents]
    assert not [e.text for e in doc.ents if "\n" in e.text]


def test_normaliser_component_on_hand_made_spans(nlp):
    text = "Yesterday General Ama Owusu met the Qorvath Brotherhood's envoy and the General Command."
    doc = manual_doc(
        nlp,
        text,
        [("General Ama Owusu", "PERSON"), ("the Qorvath Brotherhood's", "ORG"), ("the General Command", "UNIT")],
    )
    doc = nlp.get_pipe("osint_normaliser")(doc)
    # titles are cut from people only; determiners and possessives from every label
    assert [(e.text, e.label_) for e in doc.ents] == [
        ("Ama Owusu", "PERSON"),
        ("Qorvath Brotherhood", "ORG"),
        ("General Command", "UNIT"),
    ]


@pytest.mark.parametrize("source, kept", [("ner", False), ("shape", False), ("gazetteer", True)])
def test_normaliser_cuts_a_sentence_opener_but_not_from_a_listed_name(nlp, source, kept):
    """"Later" is no part of a name the NER or a shape took in; a curated list's "Before Dawn
    Brigade" begins with its first word."""
    text = "Later Kobra Front gunmen left. Before Dawn Brigade fighters came."
    doc = parsed_doc(nlp, text, [("Later Kobra Front", "ARMED_GROUP"), ("Before Dawn Brigade", "ARMED_GROUP")])
    assert doc[0].pos_ == "ADV" and doc[6].pos_ in ("ADP", "SCONJ") and doc[6].is_sent_start
    for ent in doc.ents:
        set_source(ent, source)
    doc = nlp.get_pipe("osint_normaliser")(doc)
    expected = ["Later Kobra Front", "Before Dawn Brigade"] if kept else ["Kobra Front", "Dawn Brigade"]
    assert [e.text for e in doc.ents] == expected


def test_normaliser_drops_a_statistical_name_that_looks_like_none(nlp):
    text = "They didn't stay: 43 of the 187th Brigade left for rain, said حزب الله."
    spans = [("n't", "PLACE"), ("43", "UNIT"), ("187th", "UNIT"), ("rain", "ARMED_GROUP"), ("حزب الله", "ARMED_GROUP")]
    doc = nlp.get_pipe("osint_normaliser")(manual_doc(nlp, text, spans))
    assert [e.text for e in doc.ents] == ["187th", "حزب الله"]


def test_normaliser_drops_a_decade_and_a_run_together_token(nlp):
    """A word of letters and digits is a name's ("187th") only when it is one word, not a
    number's plural or a tokeniser's run-together of a figure and a noun."""
    text = "Raids like those of the 60s and 1990s left 46%)—fiefdoms to the 187th."
    spans = [("60s", "PLACE"), ("1990s", "UNIT"), ("46%)—fiefdoms", "UNIT"), ("187th", "UNIT")]
    doc = manual_doc(nlp, text, spans)
    assert "46%)—fiefdoms" in [t.text for t in doc]  # one token, as the tokeniser makes it
    doc = nlp.get_pipe("osint_normaliser")(doc)
    assert [e.text for e in doc.ents] == ["187th"]


@pytest.mark.parametrize(
    "span, place",
    [
        ("Siege of Varnak", "Varnak"),
        ("the Battle of the Ostrava Pass", "Ostrava Pass"),
        ("Fall of Kessel", "Kessel"),
        ("the Siege of the “Tarrow”", "Tarrow"),
    ],
)
def test_normaliser_cuts_an_event_to_its_place(nlp, span, place):
    text = f"Analysts recall {span} often."
    doc = nlp.get_pipe("osint_normaliser")(manual_doc(nlp, text, [(span, "ARMED_GROUP")]))
    assert [(e.text, e.label_) for e in doc.ents] == [(place, "PLACE")]


def test_normaliser_drops_an_event_cut_before_its_place(nlp):
    # the NER read "Siege of" and "Varnak" as two names: the first names nothing
    doc = manual_doc(nlp, "Analysts recall the Siege of Varnak often.", [("Siege of", "ARMED_GROUP"), ("Varnak", "PLACE")])
    doc = nlp.get_pipe("osint_normaliser")(doc)
    assert [(e.text, e.label_) for e in doc.ents] == [("Varnak", "PLACE")]


@pytest.mark.parametrize(
    "span, label, kept",
    [
        ("Fall of Ocampo", "PERSON", ["Fall of Ocampo"]),  # a person's name is left as it is
        ("Fall of 2019", "WEAPON", []),  # as a place, "2019" looks like no name
        ("Capture of Ocampo", "ORG", ["Capture of Ocampo"]),  # not an event at a place
    ],
)
def test_normaliser_leaves_other_events(nlp, span, label, kept):
    doc = nlp.get_pipe("osint_normaliser")(manual_doc(nlp, f"Analysts recall the {span} often.", [(span, label)]))
    assert [e.text for e in doc.ents] == kept


def test_normaliser_keeps_a_listed_name_that_begins_like_an_event(nlp):
    doc = manual_doc(nlp, "The Fall of Kessel Brigade attacked.", [("Fall of Kessel Brigade", "ARMED_GROUP")])
    set_source(doc.ents[0], "gazetteer")
    doc = nlp.get_pipe("osint_normaliser")(doc)
    assert [(e.text, e.label_) for e in doc.ents] == [("Fall of Kessel Brigade", "ARMED_GROUP")]


def test_normaliser_keeps_last_line_of_a_span(nlp):
    text = "SECURITY UPDATE\nKwame Boateng spoke."
    doc = manual_doc(nlp, text, [("SECURITY UPDATE\nKwame Boateng", "PERSON")])
    doc = nlp.get_pipe("osint_normaliser")(doc)
    assert [(e.text, e.label_) for e in doc.ents] == [("Kwame Boateng", "PERSON")]


def test_normaliser_drops_span_of_only_trimmed_words(nlp):
    doc = manual_doc(nlp, "He said the report was late.", [("the", "ORG")])
    assert list(nlp.get_pipe("osint_normaliser")(doc).ents) == []


# --------------------------------------------------------------------------- gazetteers


def test_a_listed_persons_surname_alone_is_that_person(nlp):
    """"the Varga government": the NER's group is the listed Tomas Varga's surname; a
    nickname's last word ("El Toro") is none, and a sentence's first word proves nothing."""
    from osint_extract.components.gazetteer import Gazetteer

    gazetteer = Gazetteer(nlp, "people", surnames=True, nickname_articles=["el"])
    gazetteer.add_patterns([{"label": "PERSON", "pattern": "Tomas Varga", "id": "tv"}, {"label": "PERSON", "pattern": "El Toro"}])
    text = "Varga spoke. Under the Varga government the Toro gang grew, and Varga stayed."
    doc = parsed_doc(nlp, text, [("Toro", "ARMED_GROUP")])
    second = text.index("Varga government")
    doc.ents = [doc.char_span(second, second + 5, label="ARMED_GROUP"), *doc.ents]  # the NER's reading
    doc = gazetteer(doc)
    assert [(e.start_char, e.text, e.label_, e.ent_id_) for e in doc.ents] == [
        (text.index("Varga government"), "Varga", "PERSON", ""),
        (text.index("Toro"), "Toro", "ARMED_GROUP", ""),
        (text.rindex("Varga"), "Varga", "PERSON", ""),
    ]
    assert Gazetteer(nlp, "off").surnames is False  # off unless the config asks


def test_gazetteer_overrides_ner(nlp):
    text = "Rapid Support Forces fighters shelled El Fasher in Sudan."
    raw = {e.text: e.label_ for e in run_until(nlp, text, "ner").ents}
    # precondition: the statistical NER disagrees with the curated lists here
    assert raw.get("Rapid Support Forces") != "ARMED_GROUP"
    found = ents(nlp, text)
    assert ("Rapid Support Forces", "ARMED_GROUP") in found
    assert ("El Fasher", "PLACE") in found


def test_gazetteer_component_overwrites_existing_entity(nlp):
    doc = manual_doc(nlp, "Wazalendo fighters clashed with soldiers.", [("Wazalendo", "PERSON")])
    doc = nlp.get_pipe("osint_gazetteer")(doc)
    assert [(e.text, e.label_) for e in doc.ents] == [("Wazalendo", "ARMED_GROUP")]
    assert source_of(doc.ents[0]) == "gazetteer"


def test_geo_gazetteer_fills_gaps_and_relabels_only_statistical_guesses(nlp):
    doc = run_until(nlp, "Troops left Niger for Sokoto.", "osint_normaliser")  # tagged, with POS
    niger = doc.char_span(12, 17, label="ORG")  # "Niger", claimed by a rule
    doc.ents = [niger]
    set_source(doc.ents[0], "cue")
    doc = nlp.get_pipe("osint_geo")(doc)
    found = [(e.text, e.label_) for e in doc.ents]
    assert ("Niger", "ORG") in found  # a rule's entity keeps its label
    assert ("Sokoto", "PLACE") in found  # an unclaimed world place name is added

    doc = run_until(nlp, "Troops left Niger for Sokoto.", "osint_normaliser")
    doc.ents = [doc.char_span(12, 17, label="ORG")]  # the statistical NER's guess
    doc = nlp.get_pipe("osint_geo")(doc)
    assert ("Niger", "PLACE") in [(e.text, e.label_) for e in doc.ents]  # a country is a place


def test_listed_group_not_taken_by_weapon_designation(nlp):
    assert ("M23", "ARMED_GROUP") in ents(nlp, "The M23 rebels advanced on Goma.")


def test_listed_place_inside_an_organisation_name(nlp):
    found = ents(nlp, "The Darfur Bar Association condemned the killings.")
    assert ("Darfur Bar Association", "ORG") in found
    assert ("Darfur", "PLACE") not in found


# --------------------------------------------------------------------------- extensibility


EXTRA_PATTERNS = [
    '{"label": "ARMED_GROUP", "pattern": "Qorvath Sentinels", "id": "qorvath"}',
    '{"label": "ARMED_GROUP", "pattern": "QBH", "id": "qorvath"}',
    '{"label": "UNIT", "pattern": [{"LOWER": "grey"}, {"LOWER": "heron"}, {"LOWER": "detachment"}]}',
]
EXTENSION_TEXT = (
    "Fighters of the Qorvath Sentinels raided a market in Kisumu. Kenyan police blamed QBH "
    "for the attack, and the Grey Heron Detachment was sent north."
)


@pytest.fixture(scope="module")
def extended_config(tmp_path_factory) -> Path:
    """A copy of the bundled configs with one more pattern file in the gazetteer."""
    root = tmp_path_factory.mktemp("configs")
    shutil.copytree(configs_dir(), root, dirs_exist_ok=True)
    (root / "patterns" / "extra_groups.jsonl").write_text(
        "// project-specific names\n" + "\n".join(EXTRA_PATTERNS) + "\n", encoding="utf-8"
    )
    cfg = root / "config.cfg"
    text = cfg.read_text(encoding="utf-8")
    listed = '"${paths.configs}/patterns/people.jsonl"]'
    assert text.count(listed) == 1
    cfg.write_text(
        text.replace(listed, '"${paths.configs}/patterns/people.jsonl", "${paths.configs}/patterns/extra_groups.jsonl"]'),
        encoding="utf-8",
    )
    return cfg


def test_user_pattern_file_extends_the_pipeline(nlp, extended_config):
    before = ents(nlp, EXTENSION_TEXT)
    assert ("Qorvath Sentinels", "ARMED_GROUP") not in before  # the bundled lists do not know it

    custom = osint_extract.load(config=extended_config)
    assert "osint_gazetteer" in custom.pipe_names
    after = ents(custom, EXTENSION_TEXT)
    assert ("Qorvath Sentinels", "ARMED_GROUP") in after
    assert ("QBH", "ARMED_GROUP") in after
    assert ("Grey Heron Detachment", "UNIT") in after

    # the pattern id joins the name and its acronym into one entity
    result = extract(EXTENSION_TEXT, nlp=custom)
    qorvath = [e for e in result.entities if e.label == "ARMED_GROUP"]
    assert len(qorvath) == 1
    assert sorted(m.text for m in qorvath[0].mentions) == ["QBH", "Qorvath Sentinels"]


def test_pattern_file_with_unknown_label_is_rejected(tmp_path):
    from osint_extract.components.gazetteer import Gazetteer
    from osint_extract.resources import read_patterns

    path = tmp_path / "bad.jsonl"
    path.write_text('{"label": "ARMED_GROUP", "pattern": "Qorvath"}\n{"label": "GANG", "pattern": "X"}\n')
    import spacy

    gazetteer = Gazetteer(spacy.blank("en"), "test")
    with pytest.raises(ValueError, match=r"bad\.jsonl.*pattern 2.*GANG"):
        gazetteer.add_patterns(read_patterns(path), origin=str(path))


# --------------------------------------------------------------------------- consistency


def test_bracketed_acronym_takes_its_names_label(nlp):
    text = (
        "The Northern Dawn Movement (NDM) attacked Maiduguri. "
        "The NDM later denied it, but residents blamed the NDM."
    )
    doc = nlp(text)
    found = [(e.text, e.label_) for e in doc.ents]
    assert ("Northern Dawn Movement", "ARMED_GROUP") in found
    assert [label for t, label in found if t == "NDM"] == ["ARMED_GROUP"] * 3


def test_surname_alone_after_full_name_is_person(nlp):
    text = "Rebel commander Faustin Kabila Mwamba fled to Uvira. Mwamba had led the group since 2019."
    doc = nlp(text)
    second = text.rindex("Mwamba")
    assert ("Faustin Kabila Mwamba", "PERSON") in [(e.text, e.label_) for e in doc.ents]
    assert [(e.start_char, e.label_) for e in doc.ents if e.text == "Mwamba"] == [(second, "PERSON")]


@pytest.mark.parametrize(
    "text",
    [
        "Militia commander Ricardo Montes Aragón was arrested in Quito. Police said Aragón ran extortion rackets.",
        "Ricardo Montes Aragón was arrested in Quito on Friday. According to police, Aragón ran extortion rackets.",
    ],
)
def test_surname_typed_otherwise_follows_full_name(nlp, text):
    doc = nlp(text)
    assert ("Ricardo Montes Aragón", "PERSON") in [(e.text, e.label_) for e in doc.ents]
    assert [e.label_ for e in doc.ents if e.text == "Aragón"] == ["PERSON"]


def test_same_name_gets_one_label_in_a_document(nlp):
    text = "The gang Los Pumas expanded last year. Los Pumas's leader was arrested in Bolivia."
    raw = [e.label_ for e in run_until(nlp, text, "osint_normaliser").ents if e.text == "Los Pumas"]
    assert len(set(raw)) > 1  # precondition: before consistency the two mentions disagree
    labels = [e.label_ for e in nlp(text).ents if e.text == "Los Pumas"]
    assert labels == ["ARMED_GROUP", "ARMED_GROUP"]


def test_repeat_the_ner_missed_is_found(nlp):
    text = "The Halcones Negros Cartel controls Reynosa. Analysts say Halcones Negros Cartel revenues doubled."
    doc = nlp(text)
    hits = [(e.start_char, e.label_) for e in doc.ents if e.text == "Halcones Negros Cartel"]
    assert hits == [(4, "ARMED_GROUP"), (text.rindex("Halcones"), "ARMED_GROUP")]


def test_consistency_component_on_hand_made_spans(nlp):
    """Direct check of the component: alias in brackets, vote, propagation of repeats."""
    text = "The Qorvath Brotherhood (QB) raided Kisumu. Later QB fighters and Qorvath Brotherhood envoys met."
    doc = manual_doc(nlp, text, [("Qorvath Brotherhood", "ARMED_GROUP"), ("Kisumu", "PLACE")])
    doc = nlp.get_pipe("osint_consistency")(doc)
    found = [(e.start_char, e.text, e.label_) for e in doc.ents]
    assert found == [
        (4, "Qorvath Brotherhood", "ARMED_GROUP"),
        (25, "QB", "ARMED_GROUP"),
        (36, "Kisumu", "PLACE"),
        (50, "QB", "ARMED_GROUP"),
        (text.rindex("Qorvath"), "Qorvath Brotherhood", "ARMED_GROUP"),
    ]


@pytest.mark.parametrize(
    "text, name, aliases",
    [
        # a gloss with its article, which the span leaves out
        ("Traders pay Los Garzos (the Herons) at the jetty.", "Los Garzos", ["Herons"]),
        # two names in one bracket
        ("The Kessel Growers Union (KGU, Unión de Cultivadores) met.", "Kessel Growers Union", ["KGU", "Unión de Cultivadores"]),
        # a number and an abbreviation
        ("The 14th Armed Police Battalion (14 APBn) moved north.", "14th Armed Police Battalion", ["14 APBn"]),
        # the lexicon's inner words inside a translated name
        ("The Joint Task Force Tizón (Fuerza de Tarea Conjunta Tizón) moved north.", "Joint Task Force Tizón", ["Fuerza de Tarea Conjunta Tizón"]),
    ],
)
def test_names_in_brackets_after_an_entity_are_its_aliases(nlp, text, name, aliases):
    doc = manual_doc(nlp, text, [(name, "ARMED_GROUP")])
    doc = nlp.get_pipe("osint_consistency")(doc)
    assert [e.text for e in doc.ents] == [name] + aliases
    assert {e.label_ for e in doc.ents} == {"ARMED_GROUP"}
    assert alias_pairs(doc) == {(name, alias) for alias in aliases}


@pytest.mark.parametrize(
    "text, names",
    [
        ("The Kessel Growers Union (which denies it) and the Harbour Crew (the smaller one) met.", ["Kessel Growers Union", "Harbour Crew"]),
        # an age and a year
        ("Juan Perez (45) joined the Kessel Growers Union (2019).", ["Juan Perez", "Kessel Growers Union"]),
    ],
)
def test_words_in_brackets_that_are_no_name_are_no_alias(nlp, text, names):
    doc = manual_doc(nlp, text, [(n, "ORG") for n in names])
    doc = nlp.get_pipe("osint_consistency")(doc)
    assert [e.text for e in doc.ents] == names


def test_line_breaks_end_sentences(nlp):
    doc = nlp("Rebels Take the Valley Road\n\nThe Frente Kobra seized Tumaco on Monday. It held the port.")
    sents = [s.text.strip() for s in doc.sents]
    assert sents[0] == "Rebels Take the Valley Road"
    assert sents[1].startswith("The Frente Kobra")


GENERAL_NER = ["ORG", "PERSON", "GPE"]
SCHEMA_NER = ["ORG", "PERSON", "ARMED_GROUP", "UNIT"]


def typer_after(ner_labels: list[str]):
    """A pipeline of a `ner` that knows `ner_labels` and the rule typer after it."""
    nlp = spacy.blank("en")
    ner = nlp.add_pipe("ner")
    for label in ner_labels:
        ner.add_label(label)
    nlp.initialize()
    typer = nlp.add_pipe("osint_entity_typer", name="osint_typer")
    typer.initialize(lexicon=str(configs_dir() / "lexicons" / "entity_types.yml"))
    return nlp, typer


@pytest.mark.parametrize("ner_labels, expected", [(GENERAL_NER, "ARMED_GROUP"), (SCHEMA_NER, "ORG")])
def test_the_head_word_rules_retype_a_general_ner_but_not_one_trained_on_the_schema(ner_labels, expected):
    """"... Syndicate" makes a general NER's ORG an armed group; a recogniser trained on the
    schema's labels chose ORG from the context, and its choice stands."""
    nlp, typer = typer_after(ner_labels)
    doc = manual_doc(nlp, "Investors sued the Kessel Syndicate in March.", [("Kessel Syndicate", "ORG")])
    assert [(e.text, e.label_) for e in typer(doc).ents] == [("Kessel Syndicate", expected)]


@pytest.mark.parametrize(
    "ner_labels, text, name, expected",
    [
        (SCHEMA_NER, "Rebels of the Kurdistan Workers' Party crossed the river.", ("Kurdistan Workers' Party", "ARMED_GROUP"), None),
        (SCHEMA_NER, "Police Brigadier General Hendra Wiratama led the raid.", ("Hendra Wiratama", "PERSON"), None),
        # a general NER's cut person name is joined to the first name before it; the
        # recogniser's is left as it read it
        (GENERAL_NER, "Rebels led by Hendra Wiratama crossed.", ("Wiratama", "PERSON"), ("Hendra Wiratama", "PERSON")),
        (SCHEMA_NER, "Rebels led by Hendra Wiratama crossed.", ("Wiratama", "PERSON"), None),
    ],
)
def test_a_general_ners_names_are_mended_and_a_schema_recognisers_are_not(ner_labels, text, name, expected):
    """A general NER's run-together names are split at a possessive and its cut person names
    joined to the capitalised words before them; a recogniser trained on the schema's
    spans read the name whole, and the mending would only cut it or add titles to it."""
    nlp, typer = typer_after(ner_labels)
    doc = manual_doc(nlp, text, [name])
    for token in doc:  # the tags a tagger gives them
        token.tag_ = "POS" if token.text in ("'", "'s") else "NNP" if token.is_title else "NN"
        token.pos_ = "PROPN" if token.is_title else "NOUN"
    assert [(e.text, e.label_) for e in typer(doc).ents] == [expected or name]


def shapes_after(ner_labels: list[str], beside_trained_ner: str):
    nlp, _ = typer_after(ner_labels)
    shapes = nlp.add_pipe("osint_gazetteer", name="shapes", config={"span_source": "shape", "beside_trained_ner": beside_trained_ner})
    shapes.add_patterns([
        {"label": "UNIT", "pattern": [{"IS_TITLE": True}, {"LOWER": "guard"}]},
        {"label": "ARMED_GROUP", "pattern": [{"LOWER": "dissident"}, {"IS_UPPER": True}, {"LOWER": "groups"}]},
        {"label": "PLACE", "pattern": [{"IS_TITLE": True}, {"IS_TITLE": True}, {"LOWER": "prison"}]},
        {"label": "ARMED_GROUP", "pattern": [{"IS_TITLE": True}, {"LOWER": "front"}]},
    ])
    return nlp, shapes


@pytest.mark.parametrize("ner_labels, expected", [
    (GENERAL_NER, [("Zulia", "PLACE")]),
    (SCHEMA_NER, [("Autodefensas del Zulia", "ARMED_GROUP")]),
])
def test_a_listed_place_inside_a_recognisers_name_does_not_cut_it(ner_labels, expected):
    """The curated gazetteer beside each kind of NER: only a general NER's name is cut."""
    nlp, _ = typer_after(ner_labels)
    gazetteer = nlp.add_pipe("osint_gazetteer", name="gazetteer")
    gazetteer.add_patterns([{"label": "PLACE", "pattern": "Zulia"}])
    doc = manual_doc(nlp, "Farmers fear the Autodefensas del Zulia.", [("Autodefensas del Zulia", "ARMED_GROUP")])
    assert [(e.text, e.label_) for e in gazetteer(doc).ents] == expected


def test_a_shape_that_adds_only_a_stop_word_extends_nothing():
    nlp, shapes = shapes_after(SCHEMA_NER, "extend")
    doc = manual_doc(nlp, "At Kessel Prison the guards left.", [("Kessel Prison", "PLACE")])
    assert [e.text for e in shapes(doc).ents] == ["Kessel Prison"]


def test_a_capitalised_stop_word_inside_a_sentence_extends_a_name():
    """spaCy counts "front" as a stop word; "Front" in a name is none."""
    nlp, shapes = shapes_after(SCHEMA_NER, "extend")
    doc = manual_doc(nlp, "Gunmen of the Kobra Front left.", [("Kobra", "ARMED_GROUP")])
    assert [e.text for e in shapes(doc).ents] == ["Kobra Front"]


@pytest.mark.parametrize(
    "ner_labels, beside, expected",
    [
        (GENERAL_NER, "extend", [("Zorse Guard", "UNIT"), ("dissident KLF groups", "ARMED_GROUP")]),
        # config.cfg's osint_shapes: beside a trained recogniser a shape only extends its names
        (SCHEMA_NER, "extend", [("Zorse Guard", "ARMED_GROUP"), ("dissident KLF groups", "ARMED_GROUP")]),
        (SCHEMA_NER, "none", [("Zorse Guard", "ARMED_GROUP"), ("KLF", "ARMED_GROUP")]),
        (SCHEMA_NER, "all", [("Zorse Guard", "UNIT"), ("dissident KLF groups", "ARMED_GROUP")]),
    ],
)
def test_name_shapes_beside_a_recogniser_trained_on_the_schema(ner_labels, beside, expected):
    """"X Guard" is a unit by its shape for a general NER; a recogniser trained on the schema
    read "Zorse Guard" as a group from the context, and its label stands unless the shapes are
    told to apply in full; a longer shape around one of its names still extends it."""
    nlp, shapes = shapes_after(ner_labels, beside)
    text = "Gunmen of the Zorse Guard and dissident KLF groups raided the market."
    doc = manual_doc(nlp, text, [("Zorse Guard", "ARMED_GROUP"), ("KLF", "ARMED_GROUP")])
    assert [(e.text, e.label_) for e in shapes(doc).ents] == expected


def test_an_unknown_setting_beside_a_trained_recogniser_is_refused():
    with pytest.raises(ValueError, match="beside_trained_ner"):
        shapes_after(SCHEMA_NER, "some")


def test_a_class_noun_after_a_model_the_recogniser_found_is_no_second_weapon(nlp):
    """"AK-pattern rifles": the model is the mention (ANNOTATION.md), whether the lexicon or
    the recogniser knows the model."""
    doc = manual_doc(nlp, "Fighters carried Zorvak-pattern rifles and mortars.", [("Zorvak-pattern", "WEAPON")])
    doc = nlp.get_pipe("osint_arms")(doc)
    assert [(e.text, e.label_) for e in doc.ents] == [("Zorvak-pattern", "WEAPON"), ("mortars", "WEAPON")]


def test_a_country_in_a_headline_stands_without_the_body_naming_it(nlp):
    """A title-cased headline's names stand only with support; a statistical place that the
    world place list confirms (osint_geo: source "world") is its own support."""
    text = "Cattle Raiders Strike Herders Across Northern Kenya\n\nThe Loima Raiders attacked herders on Monday."
    doc = manual_doc(nlp, text, [("Kenya", "PLACE"), ("Loima Raiders", "ARMED_GROUP")])
    unconfirmed = nlp.get_pipe("osint_consistency")(doc)
    assert ("Kenya", "PLACE") not in [(e.text, e.label_) for e in unconfirmed.ents]
    doc = manual_doc(nlp, text, [("Kenya", "PLACE"), ("Loima Raiders", "ARMED_GROUP")])
    doc = nlp.get_pipe("osint_geo")(doc)
    assert source_of(doc.ents[0]) == "world"
    assert ("Kenya", "PLACE") in [(e.text, e.label_) for e in nlp.get_pipe("osint_consistency")(doc).ents]


@pytest.mark.parametrize("ner_label", ["PLACE", "ORG"])
def test_a_place_the_world_list_confirms_does_not_make_its_conjunct_a_place(nlp, ner_label):
    """The list proves "Russia" a place (whatever the NER called it), not the person
    coordinated with it."""
    doc = parsed_doc(nlp, "The sanctions hit Russia and Putin.", [("Russia", ner_label), ("Putin", "PERSON")])
    assert [c.text for c in doc[3].conjuncts] == ["Putin"]
    doc = nlp.get_pipe("osint_consistency")(nlp.get_pipe("osint_geo")(doc))
    assert [(e.text, e.label_) for e in doc.ents] == [("Russia", "PLACE"), ("Putin", "PERSON")]


def test_a_determiner_or_pronoun_opening_a_sentence_is_no_name_but_an_acronym_is(nlp):
    """The NER's one-word "All" ("All this sounds ...") and "Each" are the sentence's
    capitals; "WHO", tagged a pronoun too, is an acronym and a name."""
    text = "All this was new. Each of them left. WHO has warned of cholera."
    doc = parsed_doc(nlp, text, [("All", "PERSON"), ("Each", "ORG"), ("WHO", "ORG")])
    assert [doc[0].pos_, doc[5].pos_, doc[10].pos_] == ["DET", "PRON", "PRON"]  # what the rule reads
    doc = nlp.get_pipe("osint_consistency")(doc)
    assert [e.text for e in doc.ents] == ["WHO"]


def test_a_common_noun_opening_a_sentence_is_no_name_unless_the_text_repeats_it(nlp):
    text = "Crates of rifles reached the port. Hornets raided the farm. Residents fear the Hornets."
    doc = parsed_doc(nlp, text, [("Crates", "ARMED_GROUP"), ("Hornets", "ARMED_GROUP")])
    assert doc[0].pos_ == "NOUN" and doc[7].pos_ == "NOUN"  # what the rule reads
    doc = nlp.get_pipe("osint_consistency")(doc)
    assert [(e.start_char, e.text) for e in doc.ents] == [(text.index("Hornets"), "Hornets"), (text.rindex("Hornets"), "Hornets")]


def test_a_quoted_opener_the_text_writes_in_lower_case_elsewhere_is_no_name(nlp):
    """“Pranatos” capitalised at a sentence start, after its opening quote, is the word the
    document writes "pranatos" mid-sentence; a quoted opener written nowhere in lower case
    stands."""
    text = "Inmates live under “garitos” run by bosses. “Garitos” are led by inmates. “Korvath” recruits there."
    doc = parsed_doc(nlp, text, [("Garitos", "ORG"), ("Korvath", "ARMED_GROUP")])
    doc = nlp.get_pipe("osint_consistency")(doc)
    assert [e.text for e in doc.ents] == ["Korvath"]


def test_an_acronym_opening_a_sentence_is_not_the_lower_case_word(nlp):
    """"US" is no "us", and an opener with an alias in brackets after its closing quote stands."""
    text = "US forces withdrew. “They told us nothing,” a villager said of their hornets. “Hornets” (HRN) raided the farm."
    doc = parsed_doc(nlp, text, [("US", "PLACE"), ("Hornets", "ARMED_GROUP")])
    doc = nlp.get_pipe("osint_consistency")(doc)
    assert [e.text for e in doc.ents] == ["US", "Hornets"]


def test_a_name_in_brackets_after_a_class_is_no_alias_of_it(nlp):
    """"machine guns (PKM)": the machine guns are PKMs, and "PKM" is no other name for them; a
    translation in quotes after a class still is."""
    text = "Police seized machine guns (PKM) and fusils (“rifles”) in the raid."
    doc = manual_doc(nlp, text, [("machine guns", "WEAPON"), ("PKM", "WEAPON"), ("fusils", "WEAPON")])
    doc = nlp.get_pipe("osint_consistency")(doc)
    assert alias_pairs(doc) == {("fusils", "rifles")}


def test_a_bracket_after_a_cued_alias_is_no_alias_of_it(nlp):
    """"alias Tigre (Colombia)": the bracket after the nickname names where, not who."""
    text = "Police arrested Jhon Mendoza, alias Tigre (Colombia), on Monday."
    doc = manual_doc(nlp, text, [("Jhon Mendoza", "PERSON"), ("Colombia", "PLACE")])
    doc = nlp.get_pipe("osint_consistency")(doc)
    assert [(e.text, e.label_) for e in doc.ents] == [("Jhon Mendoza", "PERSON"), ("Tigre", "PERSON"), ("Colombia", "PLACE")]
    assert alias_pairs(doc) == {("Jhon Mendoza", "Tigre")}


def test_an_alias_of_an_alias_takes_the_first_names_label(nlp):
    """"A a.k.a. B (C)": the bracket gives C the label the NER gave B, the cue gives B the
    label of A, and C follows B."""
    text = "The raids were led by Omar Dasse a.k.a. Tigre Negro (Blackcat), the gang's chief."
    doc = manual_doc(nlp, text, [("Omar Dasse", "PERSON"), ("Tigre Negro", "PLACE")])
    doc = nlp.get_pipe("osint_consistency")(doc)
    assert [(e.text, e.label_) for e in doc.ents] == [("Omar Dasse", "PERSON"), ("Tigre Negro", "PERSON"), ("Blackcat", "PERSON")]


@pytest.mark.parametrize(
    "text, name, label, expected",
    [
        # "alias" names a person, whatever the NER made of the name
        ('The cell is run by Rafael Duarte Ibáñez, alias "El Tigre", since May.', "Rafael Duarte Ibáñez", "ORG", "PERSON"),
        # and so does "a.k.a."
        ("The cell is run by Ivo Sandrelli Mota a.k.a. Pescador since May.", "Ivo Sandrelli Mota", "ORG", "PERSON"),
        # a name read as an armed group keeps its label: gangs have nicknames too
        ("The port is run by the Barrio Sur Crew, aka Los Halcones, since May.", "Barrio Sur Crew", "ARMED_GROUP", "ARMED_GROUP"),
        # other cues name groups and places too: the name keeps its label
        ("The port is run by the Harbour Crew, known as the Gulls, since May.", "Harbour Crew", "ARMED_GROUP", "ARMED_GROUP"),
    ],
)
def test_a_person_cue_makes_its_name_and_alias_people(nlp, text, name, label, expected):
    doc = manual_doc(nlp, text, [(name, label)])
    doc = nlp.get_pipe("osint_consistency")(doc)
    assert [e.label_ for e in doc.ents] == [expected, expected] and doc.ents[0].text == name


@pytest.mark.parametrize("cue", ["also known\nas ", "also  known as ", "alias\n", "a.k.a.\u00a0"])
def test_a_cue_across_a_line_break_or_spaces_still_names_an_alias(nlp, cue):
    """Hard-wrapped text (a PDF's text layer) breaks lines inside and after a cue."""
    text = f"Police arrested Jhon Mendoza, {cue}Tigre, on Monday."
    doc = manual_doc(nlp, text, [("Jhon Mendoza", "PERSON")])
    doc = nlp.get_pipe("osint_consistency")(doc)
    assert alias_pairs(doc) == {("Jhon Mendoza", "Tigre")}


def test_a_one_word_cue_written_with_a_capital_is_no_cue(nlp):
    text = "In Lobaye, Aka Pygmy communities fled the fighting."
    doc = manual_doc(nlp, text, [("Lobaye", "PLACE")])
    doc = nlp.get_pipe("osint_consistency")(doc)
    assert [(e.text, e.label_) for e in doc.ents] == [("Lobaye", "PLACE")]
    assert not doc._.alias_links


def test_a_name_in_a_script_without_case_keeps_its_bracketed_alias(nlp):
    text = "Fighters of حزب الله (Hezbollah) crossed the river."
    doc = manual_doc(nlp, text, [("حزب الله", "ARMED_GROUP")])
    doc = nlp.get_pipe("osint_consistency")(doc)
    assert alias_pairs(doc) == {("حزب الله", "Hezbollah")}


def test_a_cued_alias_the_recogniser_read_whole_stays_whole(nlp):
    text = "Captives are held at Lopa, known locally as Casa ya Maji, a flooded pit."
    doc = manual_doc(nlp, text, [("Lopa", "PLACE"), ("Casa ya Maji", "PLACE")])
    doc = nlp.get_pipe("osint_consistency")(doc)
    assert [e.text for e in doc.ents] == ["Lopa", "Casa ya Maji"]
    assert alias_pairs(doc) == {("Lopa", "Casa ya Maji")}


def test_a_common_noun_opening_a_sentence_with_an_alias_after_it_is_a_name(nlp):
    doc = parsed_doc(nlp, "Hornets (HRN) raided the farm.", [("Hornets", "ARMED_GROUP")])
    doc = nlp.get_pipe("osint_consistency")(doc)
    assert [e.text for e in doc.ents] == ["Hornets", "HRN"]


def test_a_listed_place_still_makes_its_statistical_conjunct_a_place(nlp):
    """"Chad, Cameroon and Niger": a conjunct the gazetteer knows outranks the NER's label."""
    text = "Troops from Chad, Cameroon and Niger met."
    doc = parsed_doc(nlp, text, [("Chad", "PLACE"), ("Cameroon", "PLACE"), ("Niger", "PERSON")])
    set_source(doc.ents[1], "gazetteer")
    doc = nlp.get_pipe("osint_consistency")(doc)
    assert ("Niger", "PLACE") in [(e.text, e.label_) for e in doc.ents]
