"""Typing what the statistical NER finds into the schema's labels.

A general English NER knows ORG, not armed groups or state units. Head words inside a
name ("Sinaloa Cartel", "41st Armored Brigade") and nouns around it ("the mega-gang X",
"X prison") decide the label, so groups on no list are still typed right. The trained
pipeline's NER is trained on the schema's own labels: they pass through as they are; the
head-word and context rules are left out for them, and so is the mending of names a
general NER cuts or runs together: on held-out documents both changed more of its names
wrong than right (see the README's "Trained components" for the whole policy). The
trimming and the names found by context nouns apply to both.
"""
from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc, Span

from .lexicons import LexiconComponent
from .recogniser import trained_on_schema
from ..schema import ENTITY_LABELS
from .spans import add_entities, is_acronym, is_statistical, set_source


@Language.factory("osint_entity_typer", assigns=["doc.ents"], requires=["doc.ents", "token.pos", "token.dep"])
def make_entity_typer(nlp: Language, name: str) -> "EntityTyper":
    return EntityTyper(name, nlp)


class EntityTyper(LexiconComponent):
    """Maps NER labels to the schema and re-types organisations from names and context."""

    def __init__(self, name: str, nlp: Language | None = None):
        self.name = name
        self.nlp = nlp
        self._schema_ner = False

    def compile(self, data: dict) -> None:
        self.ner_labels: dict[str, str] = data.get("ner_labels", {})
        self.name_words: dict[str, set[str]] = {
            label: {w.lower() for w in words} for label, words in data.get("name_words", {}).items()
        }
        self.retype_anywhere = set(data.get("retype_anywhere", ["ORG"]))
        self.retype_at_edges = set(data.get("retype_at_edges", []))
        self.not_first = {w.lower() for w in data.get("not_entity_first_words", [])}
        self.date_words = {w.lower() for w in data.get("date_words", [])}
        self.date_short_forms = {w.lower() for w in data.get("date_short_forms", [])}
        self.portfolio_titles = {w.lower() for w in data.get("portfolio_titles", [])}
        self.portfolio_prepositions = _phrases(data.get("portfolio_prepositions", []))
        credits = data.get("credits") or {}
        self.credit_label: str = credits.get("label", "PERSON")
        self.credit_org_label: str = credits.get("organisation_label", "ORG")
        self.credit_org_words = {w.lower() for w in credits.get("organisation_words", [])}
        # longest first, so that "photo credit:" wins over "credit:" and "reporting by" over "by"
        self.credit_cues = _phrases(credits.get("cues", []))
        self.byline_cues = _phrases(credits.get("byline_cues", []))
        # most tokens start no cue: one set lookup sends them past
        self.credit_first_words = {p[0] for p in self.credit_cues + self.byline_cues}
        self.credit_openers = set(credits.get("openers", []))
        self.credit_max_words: int = credits.get("max_words", 5)
        self.credit_closers = {w.lower() for w in credits.get("closers", [])}
        self.credit_joiners = {w.lower() for w in credits.get("joiners", [])}
        self.credit_title_words = {w.lower() for w in credits.get("title_words", [])}
        self.connectors = {w.lower() for w in data.get("name_connectors", [])}
        self.inner_words = {w.lower() for w in data.get("name_inner_words", [])}
        # what a byline's line may hold besides capitalised words and punctuation
        self.byline_small_words = self.credit_closers | self.credit_joiners | self.inner_words
        self.first_words: dict[str, str] = {
            w.lower(): label for label, words in data.get("name_first_words", {}).items() for w in words
        }
        self.not_name_labels = set(data.get("not_name_labels", []))
        self.place_prepositions = {w.lower() for w in data.get("place_prepositions", [])}
        self.retype_by_context = set(data.get("retype_by_context", []))
        self.context: dict[str, str] = {}
        for label, words in data.get("context_nouns", {}).items():
            for word in words:
                self.context.setdefault(word.lower(), label)

    def __call__(self, doc: Doc) -> Doc:
        self._schema_ner = trained_on_schema(self.nlp)
        # tokens of dates, numbers and nationalities are never part of a name
        blocked = {i for e in doc.ents if e.label_ in self.not_name_labels for i in range(e.start, e.end)}
        ents: list[Span] = []
        # the mending of cut or run-together names is for a general NER's spans; a recogniser
        # trained on the schema's spans reads a name whole (held-out fold: better without)
        for ent in list(doc.ents) if self._schema_ner else self._join_names(doc):
            if ent[0].lower_ in self.not_first or self._in_job_title(ent) or self._is_date(ent):
                continue
            if not self._schema_ner:
                ent = self._after_possessive(ent)
            ent = self._trim_generic_tail(ent)
            label, source = self._type(ent)
            if label is None:
                continue
            span = Span(doc, ent.start, ent.end, label=label, kb_id=ent.kb_id, span_id=ent.id)
            if source != "ner":
                set_source(span, source)
            ents.append(span)
        doc.ents = ents
        add_entities(doc, self._unlisted_names(doc, blocked), "cue", overwrite=True, keep_statistical=self._schema_ner)
        self._add_credited_names(doc, blocked)
        return doc

    def _is_date(self, ent: Span) -> bool:
        """"4 September", "Oct 9": numbers and date words only; a short form needs a number."""
        has_number = any(t.like_num for t in ent)
        words = [t for t in ent if not (t.like_num or t.is_punct)]
        return bool(words) and all(
            not t.is_upper and (w in self.date_words or has_number and w in self.date_short_forms)
            for t in words
            for w in [t.lower_.rstrip(".")]
        )

    def _join_names(self, doc: Doc) -> list[Span]:
        """Mend names the NER cut in two: organisations across connectors ("... Económicas
        y Sociales", "Observatory of" + "Prisons") and people whose first name it missed."""
        ents = list(doc.ents)
        out: list[Span] = []
        i = 0
        while i < len(ents):
            ent = ents[i]
            start, end = ent.start, ent.end
            if ent.label_ == "ORG":
                if doc[end - 1].lower_ in self.connectors:
                    end -= 1
                while end + 1 < len(doc) and doc[end].lower_ in self.connectors and doc[end + 1].is_title:
                    stop = end + 1
                    while stop < len(doc) and doc[stop].is_title and not doc[stop].is_sent_start:
                        stop += 1
                    end = stop
                while i + 1 < len(ents) and ents[i + 1].start < end:
                    i += 1
                    end = max(end, ents[i].end)
            elif ent.label_ == "PERSON":
                while (
                    start > 0
                    and doc[start - 1].pos_ == "PROPN"
                    and doc[start - 1].is_title
                    and not doc[start - 1].is_sent_end
                    and (not out or out[-1].end < start)
                ):
                    start -= 1
                while (
                    end < len(doc)
                    and doc[end].pos_ == "PROPN"
                    and doc[end].is_title
                    and not doc[end].is_sent_start
                    and not (i + 1 < len(ents) and ents[i + 1].start <= end)
                ):
                    end += 1
            out.append(Span(doc, start, end, label=ent.label, kb_id=ent.kb_id, span_id=ent.id))
            i += 1
        return out

    def _in_job_title(self, ent: Span) -> bool:
        """Whether the name is the portfolio of a title: "Minister of Justice and Peace",
        "Vice-Minister for the Interior". A person after one is the minister ("Minister of
        Defence Ana Lema"), unless its span starts at the preposition: the general NER's
        "Home Affairs Leonard X" holds the portfolio."""
        doc = ent.doc
        i = ent.start - 1
        while i > 0 and (doc[i].is_title or doc[i].text == "," or doc[i].lower_ == "and"):
            i -= 1
        if ent.label_ == "PERSON" and i < ent.start - 1:
            return False
        for words in self.portfolio_prepositions:
            start = i - len(words) + 1
            if start > 0 and tuple(t.lower_ for t in doc[start : i + 1]) == words:
                # a name word makes a body of it: "Commissioner for the National Police"
                return doc[start - 1].lower_ in self.portfolio_titles and self._name_word_label(ent, anywhere=True)[0] is None
        return False

    @staticmethod
    def _after_possessive(ent: Span) -> Span:
        """"Tatmadaw's Light Infantry Division": the NER ran two names together; the
        possessed one, after the possessive, is the name it typed."""
        for tok in reversed(ent[:-1]):
            if tok.tag_ == "POS" and tok.i + 1 < ent.end:
                return ent.doc[tok.i + 1 : ent.end]
        return ent

    def _trim_generic_tail(self, ent: Span) -> Span:
        """"La Joya prison" names the place "La Joya": a trailing lower-case generic noun is
        context, not name."""
        last = ent[-1]
        if len(ent) > 1 and last.is_lower and last.lower_ in self.context:
            return ent.doc[ent.start : ent.end - 1]
        return ent

    def _name_word_label(self, ent: Span, anywhere: bool) -> tuple[str | None, str]:
        """The label a word of the name gives it, and the source: "head" when that word ends
        the name ("... Bar Association"), so that no shorter match inside may cut it."""
        if len(ent) > 1 and ent[0].lower_ in self.first_words and ent.label_ in self.retype_by_context:
            return self.first_words[ent[0].lower_], "cue"
        words = [t.lower_ for t in ent] if anywhere else [ent[0].lower_, ent[-1].lower_]
        label = self._name_word_of(words)
        if label is None:
            return None, "cue"
        return label, "head" if len(ent) > 1 and words[-1] in self.name_words[label] else "cue"

    def _name_word_of(self, words: list[str]) -> str | None:
        """The label of the first `name_words` list (in file order) that has one of the words."""
        return next((label for label, vocab in self.name_words.items() if any(w in vocab for w in words)), None)

    def _context_label(self, ent: Span) -> str | None:
        doc = ent.doc
        if ent.end < len(doc):
            nxt = doc[ent.end]
            if nxt.is_lower and nxt.lower_ in self.context:
                return self.context[nxt.lower_]
            if nxt.text == "," and ent.end + 2 < len(doc):
                for tok in doc[ent.end + 2 : min(ent.end + 6, len(doc))]:
                    if tok.lower_ in self.context and tok.is_lower:
                        return self.context[tok.lower_]
                    if tok.pos_ not in ("ADJ", "DET", "PUNCT", "NOUN", "PROPN") or tok.is_punct:
                        break
                    if tok.pos_ == "NOUN":
                        break
        prev = ent.start - 1
        if (
            ent.label_ in self.retype_by_context
            and prev >= 0
            and doc[prev].lower_ in self.place_prepositions
            and not (ent.end < len(doc) and doc[ent.end].tag_ == "POS")
        ):
            return "PLACE"
        if prev >= 1 and doc[prev].lower_ == "of":
            prev -= 1
        if prev >= 0 and doc[prev].is_lower and doc[prev].lower_ in self.context:
            return self.context[doc[prev].lower_]
        return None

    def _type(self, ent: Span) -> tuple[str | None, str]:
        ner_label = ent.label_
        # A NER trained on the schema (osint-extract train) needs no mapping, and its
        # labels are its reading of the context: they stand.
        if self._schema_ner and ner_label in ENTITY_LABELS:
            return ner_label, "ner"
        label = self.ner_labels.get(ner_label, ner_label if ner_label in ENTITY_LABELS else None)
        if ner_label in self.retype_anywhere or ner_label in self.retype_at_edges:
            by_name, source = self._name_word_label(ent, anywhere=ner_label in self.retype_anywhere)
            if by_name is not None:
                return by_name, source
        if ner_label == "NORP" or label is None:
            return None, "ner"
        by_context = self._context_label(ent)
        if by_context is not None and by_context != label:
            return by_context, "cue"
        return label, "ner"

    def _credited_names(self, doc: Doc, blocked: set[int]) -> list[Span]:
        """The people a caption's credit or a byline names ("(Photo: Ana Lema)", "By Tomás
        Ruiz and Eva Lind"): a name standing alone after a colon has no context a model
        trained on prose reads. A cue opens a line or a sentence or follows an opener; a
        byline's cue opens a line of names only, so prose ("By Christmas Day, the gang ...",
        "(by Los Pumas)") does not match."""
        found: list[Span] = []
        for tok in doc:
            if tok.lower_ not in self.credit_first_words:
                continue
            prev = doc[tok.i - 1] if tok.i else None
            line_start = prev is None or "\n" in prev.text or "\n" in prev.whitespace_
            capital = tok.text[:1].isupper() and not tok.is_upper
            cue = None
            if capital and line_start:
                cue = _match(doc, tok.i, self.byline_cues)
                if cue is not None and not self._names_only(doc, tok.i + len(cue)):
                    cue = None
            if cue is None and (capital and (line_start or tok.is_sent_start) or prev is not None and prev.text in self.credit_openers):
                cue = _match(doc, tok.i, self.credit_cues)
            if cue is None:
                continue
            i = tok.i + len(cue)
            while (span := self._credited_name(doc, i, blocked)) is not None:
                found.append(span)
                # "By Ana Lema and Eva Lind": a joining word leads to the next name
                if span.end + 1 >= len(doc) or doc[span.end].lower_ not in self.credit_joiners:
                    break
                i = span.end + 1
        return found

    def _add_credited_names(self, doc: Doc, blocked: set[int]) -> None:
        """A credited name fills a gap, and cuts a statistical name of its label that ran
        past a closer ("Ana Lema / AFP") or one of any label that ran into the cue ("Por Ana
        Lema" read as a place: the cue shows the model misread the line), unless a name word
        says what kind of body it is ("Von Lettow Company": "Von" opens the name); a name a
        model read the same is confirmed (a credit line looks like a headline to
        consistency, which keeps only confirmed names there). Any other name keeps its
        label: a caption may describe ("Photo: Los Halcones fighters in Tumaco")."""
        credited = self._credited_names(doc, blocked)
        if not credited:
            return
        found = {(e.start, e.end, e.label_): e for e in doc.ents}
        cuts, gaps = [], []
        for span in credited:
            named = self._name_word_of([t.lower_ for t in span]) is not None
            if (span.start, span.end, span.label_) in found:
                set_source(found[span.start, span.end, span.label_], "credit")
            elif any(
                is_statistical(e)
                and (e.label_ == span.label_ or e.start < span.start and not named)
                and e.start <= span.start
                and span.end <= e.end
                for e in doc.ents
            ):
                cuts.append(span)
            else:
                gaps.append(span)
        add_entities(doc, cuts, "credit", overwrite=True)
        add_entities(doc, gaps, "credit", overwrite=False)

    def _names_only(self, doc: Doc, start: int) -> bool:
        """Whether the line from `start` holds only capitalised words, punctuation and the
        small words of credits and names."""
        for t in doc[start:]:
            if "\n" in t.text:
                break
            if not (t.is_punct or t.text[:1].isupper() or t.lower_ in self.byline_small_words):
                return False
            if "\n" in t.whitespace_:
                break
        return True

    def _credited_name(self, doc: Doc, start: int, blocked: set[int]) -> Span | None:
        """The run of two to `max_words` capitalised words (not in capitals, with the inner
        words of names between them) from `start`, if it ends the line or the text or stops
        at a closer; a run with a job title's word is no name."""
        end = start
        while end < len(doc) and end not in blocked:
            t = doc[end]
            # an inner word that is no word ("-") joins only without spaces: "Jean-Pierre", not "Lema - AFP"
            joined = not t.is_alpha and t.lower_ in self.inner_words and not t.whitespace_ and end > start and not doc[end - 1].whitespace_
            word = t.is_alpha and t.text[:1].isupper() and not is_acronym(t)
            if joined or t.lower_ not in self.credit_closers and (word or end > start and t.lower_ in self.inner_words and t.is_lower):
                end += 1
            else:
                break
        while end > start and not doc[end - 1].text[:1].isupper():
            end -= 1
        words = [t.lower_ for t in doc[start:end] if t.is_alpha and t.text[:1].isupper()]
        closed = end == len(doc) or "\n" in doc[end - 1].whitespace_ or "\n" in doc[end].text or doc[end].lower_ in self.credit_closers
        if not (2 <= len(words) <= self.credit_max_words) or not closed:
            return None
        if any(w in self.date_words or w in self.credit_title_words for w in words):
            return None
        label = self.credit_org_label if any(w in self.credit_org_words for w in words) else self.credit_label
        return Span(doc, start, end, label=label)

    def _unlisted_names(self, doc: Doc, blocked: set[int]) -> list[Span]:
        """Names the NER missed, typed by the noun after them: "the Barrio 18 gang". A date
        word ends the run: "On 4 September soldiers ...", "In April soldiers ..." (the trained
        recogniser gives no DATE spans to block them)."""
        found = []
        for tok in doc:
            if not (tok.is_lower and tok.lower_ in self.context) or tok.i == 0:
                continue
            end = tok.i
            start = end
            while start > 0:
                prev = doc[start - 1]
                if prev.i in blocked or prev.lower_ in self.date_words:
                    break
                if prev.is_title or prev.is_upper or prev.like_num and start < end or prev.lower_ in self.inner_words:
                    start -= 1
                else:
                    break
            while start < end and (
                doc[start].is_lower and doc[start].lower_ in self.inner_words
                or doc[start].is_sent_start and doc[start].pos_ != "PROPN" and doc[start].lower_ not in self.first_words
            ):
                start += 1
            if start < end and any(t.pos_ == "PROPN" for t in doc[start:end]):
                found.append(Span(doc, start, end, label=self.context[tok.lower_]))
        return found


def _phrases(phrases: list[str]) -> list[tuple[str, ...]]:
    """Lower-case token sequences of cue phrases ("photo:" -> ("photo", ":")), longest first."""
    return sorted((tuple(re.findall(r"\w+|[^\w\s]", p.lower())) for p in phrases), key=len, reverse=True)


def _match(doc: Doc, i: int, phrases: list[tuple[str, ...]]) -> tuple[str, ...] | None:
    """The first of `phrases` that the tokens from `i` spell."""
    return next((p for p in phrases if tuple(t.lower_ for t in doc[i : i + len(p)]) == p), None)
