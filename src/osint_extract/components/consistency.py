"""Document-level consistency: one name, one label, every mention found.

The NER labels the same name differently from sentence to sentence and misses some
repeats; an analyst reads a document as a whole, so the strongest evidence for a name
anywhere in it decides the label of all its mentions.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Iterable

from spacy.language import Language
from spacy.tokens import Doc, Span

from .lexicons import LexiconComponent
from .spans import SOURCE_RANK, add_alias_links, add_entities, alias_links, is_acronym, is_statistical, rank, set_label, source_of


@Language.factory(
    "osint_consistency",
    assigns=["doc.ents"],
    requires=["doc.ents", "doc.sents"],
    default_config={
        "aliases": True,
        "surnames": True,
        "propagate": True,
        "headlines": True,
        "conjunct_labels": {"PERSON": ["PLACE"], "ORG": ["PLACE", "ARMED_GROUP", "UNIT"]},
        "lone_openers": ["NOUN", "DET", "PRON"],
    },
)
def make_consistency(
    nlp: Language,
    name: str,
    aliases: bool,
    surnames: bool,
    propagate: bool,
    headlines: bool,
    conjunct_labels: dict[str, list[str]],
    lone_openers: list[str],
) -> "Consistency":
    return Consistency(name, aliases, surnames, propagate, headlines, conjunct_labels, lone_openers)


class Consistency(LexiconComponent):
    """Aliases (in brackets or after a cue) take their name's label; each surface form gets the label of
    its strongest evidence; unlabelled repeats of labelled names and surname-only
    references to people become mentions."""

    def __init__(
        self,
        name: str,
        aliases: bool,
        surnames: bool,
        propagate: bool,
        headlines: bool = True,
        conjunct_labels: dict[str, list[str]] | None = None,
        lone_openers: Iterable[str] = (),
    ):
        self.name = name
        self.lone_openers = set(lone_openers)
        self.headlines = headlines
        self.conjunct_labels = {k: set(v) for k, v in (conjunct_labels or {}).items()}
        self.aliases = aliases
        self.surnames = surnames
        self.propagate = propagate

    def compile(self, data: dict) -> None:
        self.alias_cues = sorted((" ".join(c.lower().split()) for c in data.get("alias_cues", [])), key=len, reverse=True)
        self.person_cues = {" ".join(c.lower().split()) for c in data.get("person_cues", [])}
        self.person_cue_retypes = set(data.get("person_cue_retypes", []))
        # a cue's words may stand on two lines or with several spaces between them (hard-wrapped text)
        self.cue_patterns = [
            (cue, re.compile(r"\s+".join(map(re.escape, cue.split())) + r"(?=\s)", re.IGNORECASE))
            for cue in self.alias_cues
        ]
        self.inner_words = {w.lower() for w in data.get("name_inner_words", [])}
        self.quotes = set(data.get("quotes", ['"', "“", "”", "'", "‘", "’"]))

    def __call__(self, doc: Doc) -> Doc:
        if not doc.ents:
            return doc
        if self.headlines:
            doc.ents = self._without_unsupported_headline_names(doc)
        if self.lone_openers:
            doc.ents = self._without_lone_openers(doc)
        if self.aliases:
            self._add_aliases(doc, list(self._bracketed_aliases(doc)), "bracket")
            self._add_aliases(doc, self._person_cues_type(doc, list(self._cued_aliases(doc))), "cue")
            doc.ents = _aliases_follow_their_names(doc)
        if self.conjunct_labels:
            doc.ents = self._conjunct_labels(doc)
        votes = self._vote(doc)
        labels = {text: label for text, (label, _) in votes.items()}
        doc.ents = [
            set_label(e, labels[e.text]) if labels.get(e.text, e.label_) != e.label_ else e for e in doc.ents
        ]
        if self.surnames:
            for surname, label in self._surnames(doc).items():
                if votes.get(surname, (label, 0))[1] <= SOURCE_RANK["surname"]:
                    labels[surname] = label
        if self.propagate:
            add_entities(doc, self._repeats(doc, labels), "propagated", overwrite=False)
            # a surname the NER typed otherwise ("Guerrero" as a place) follows the full name
            doc.ents = [
                set_label(e, labels[e.text], "surname")
                if e.text in labels and labels[e.text] != e.label_ and rank(e) <= SOURCE_RANK["surname"]
                else e
                for e in doc.ents
            ]
        return doc

    @staticmethod
    def _add_aliases(doc: Doc, pairs: list[tuple[Span, Span]], how: str) -> None:
        """Alias spans become mentions with their name's label, and each (name, alias)
        pair is kept in `doc._.alias_links` for entity resolution."""
        add_entities(doc, [alias for _, alias in pairs], "alias", overwrite=True)
        add_alias_links(doc, pairs, how)

    def _bracketed_aliases(self, doc: Doc):
        """"National Liberation Army (ELN)", "Viv Ansanm ("Living Together")", "Los
        Alcatraces (the Gannets)", "Tarra Peasant Association (TPA, ACAT)": each
        capitalised or quoted name in brackets right after an entity names the same thing
        (a leading "the" left out, the lexicon's inner words allowed inside a name). After a
        phrase in lower case, a class rather than a name ("medium machine guns (MG/AFAG)"), a
        capitalised name in brackets is a kind of it, not another name of it."""
        for ent in doc.ents:
            if ent.end + 2 >= len(doc) or doc[ent.end].text != "(":
                continue
            close = next((i for i in range(ent.end + 1, min(ent.end + 10, len(doc))) if doc[i].text == ")"), None)
            if close is None or close == ent.end + 1:
                continue
            start, end = ent.end + 1, close
            quoted = doc[start].text in self.quotes
            if quoted:  # ("Living Together" in Creole): the quoted words only
                start += 1
                end = next((k for k in range(start, close) if doc[k].text in self.quotes), close)
                if start < end:
                    yield ent, Span(doc, start, end, label=ent.label_)
                continue
            if any(c.islower() for c in ent.text) and not any(c.isupper() for c in ent.text):
                continue  # a class in lower case; a name in a script without case passes
            parts, part_start = [], start
            for k in range(start, end + 1):
                if k == end or doc[k].text in (",", ";"):
                    parts.append((part_start, k))
                    part_start = k + 1
            for a, b in parts:
                if a < b and doc[a].lower_ == "the":
                    a += 1
                if a < b and self._is_name(doc[a:b]):
                    yield ent, Span(doc, a, b, label=ent.label_)

    def _is_name(self, words: Span) -> bool:
        """Capitalised words and numbers, beginning and ending with one, at least one word
        capitalised ("14 APBn"; "(45)", "(2019)" are an age and a year); punctuation and the
        lexicon's inner words ("de", "del") may stand between them."""
        def capital(t) -> bool:
            return t.text[:1].isupper() or t.like_num

        return (
            capital(words[0])
            and capital(words[-1])
            and any(t.text[:1].isupper() for t in words)
            and all(capital(t) or t.is_punct or t.lower_ in self.inner_words for t in words)
        )

    def _person_cues_type(self, doc: Doc, cued: list[tuple[Span, Span, str]]) -> list[tuple[Span, Span]]:
        """The (name, alias) pairs of the cues; a cue of `person_cues` ("Rafael Duarte Ibáñez,
        alias "El Tigre"") makes both a person where the name has a label of
        `person_cue_retypes` from a source below the cue's rank."""
        people = {
            (n.start, n.end)
            for n, _, cue in cued
            if cue in self.person_cues and n.label_ in self.person_cue_retypes and rank(n) < SOURCE_RANK["cue"]
        }
        if people:
            doc.ents = [set_label(e, "PERSON", "cue") if (e.start, e.end) in people else e for e in doc.ents]
        return [
            (name, set_label(alias, "PERSON") if cue in self.person_cues and (name.start, name.end) in people else alias)
            for name, alias, cue in cued
        ]

    def _cued_aliases(self, doc: Doc):
        """"Néstor Vera, alias "Iván Mordisco"", "X, better known as the Clan del Golfo": the
        name after an alias cue of the lexicon, quoted, capitalised or an entity already, names
        the entity before it (yielded with the cue).
        Cues are matched on the characters, so tokenisation ("a.k.a" + ".") does not matter,
        and a line break inside a cue ("also known\nas") neither."""
        if not self.alias_cues:
            return
        text = doc.text
        token_at = {t.idx: t.i for t in doc}
        named = {e.start: e.end for e in doc.ents}
        for ent in doc.ents:
            pos = ent.end_char
            while pos < len(text) and (text[pos].isspace() or text[pos] in ",("):
                pos += 1
            cue, match = next(((c, m) for c, p in self.cue_patterns if (m := p.match(text, pos))), (None, None))
            if match is None:
                continue
            if match.group()[:1].isupper() and cue.isalpha():
                continue  # a one-word cue with a capital is a name: "Aka communities", "Alias Grace"
            pos = match.end()
            while pos < len(text) and text[pos].isspace():
                pos += 1
            i = token_at.get(pos)
            if i is None:
                continue
            if doc[i].lower_ == "the":
                i += 1
            quoted = i < len(doc) and doc[i].text in self.quotes
            if quoted:
                i += 1
            j = i
            limit = min(i + 6, len(doc))
            if quoted:
                while j < limit and doc[j].text not in self.quotes and not doc[j].is_sent_start:
                    j += 1
                if j == limit or doc[j].text not in self.quotes:
                    continue
            elif i in named:  # a name the recogniser read whole ("Cachot ya Mai")
                j = named[i]
            else:
                while j < limit and (doc[j].is_title or doc[j].is_upper or doc[j].lower_ in self.inner_words):
                    j += 1
                while j > i and not (doc[j - 1].is_title or doc[j - 1].is_upper):
                    j -= 1
            if j > i and doc[i].text[:1].isupper():
                yield ent, Span(doc, i, j, label=ent.label_), cue

    @staticmethod
    def _vote(doc: Doc) -> dict[str, tuple[str, int]]:
        """Per surface form, the label with the strongest source, and that source's rank;
        ties go to the majority."""
        votes: dict[str, Counter] = defaultdict(Counter)
        for ent in doc.ents:
            votes[ent.text][(rank(ent), ent.label_)] += 1
        best = {text: max(counter.items(), key=lambda kv: (kv[0][0], kv[1]))[0] for text, counter in votes.items()}
        return {text: (label, rank_) for text, (rank_, label) in best.items()}

    def _without_lone_openers(self, doc: Doc) -> list[Span]:
        """"Cans of 7.62×39 ammunition ...": a statistical one-word name that opens a sentence
        (after an opening quote, maybe) and is written capitalised nowhere else in the document
        but at a sentence start is the capital of the sentence, not a name, when it is tagged
        a common noun, a determiner or a pronoun (a part of speech in `lone_openers`; an
        acronym is a name whatever its tag: "WHO has warned ...") or, written in title case,
        the document uses it in lower case as a noun or adjective elsewhere ("“Pranatos” are
        led by ..." after "under “pranatos”"; "US" is not "us"). "Hornets" that the text names
        again mid-sentence stand, and so does one with an alias in brackets after it."""
        openers = [e for e in doc.ents if len(e) == 1 and is_statistical(e) and _opens_sentence(e[0]) and not self._before_bracket(e)]
        if not openers:
            return list(doc.ents)
        texts = {e.text for e in openers}
        lowered = {e.text.lower() for e in openers if e[0].is_title}
        repeated, common = set(), set()
        for t in doc:
            if t.text in texts and t.text[:1].isupper() and not _opens_sentence(t):
                repeated.add(t.text)
            elif t.text in lowered and t.pos_ in ("NOUN", "ADJ"):
                common.add(t.text)
        lone = {
            e.start
            for e in openers
            if e.text not in repeated
            and (e[0].pos_ in self.lone_openers and not is_acronym(e[0]) or e.text.lower() in common)
        }
        return [e for e in doc.ents if e.start not in lone]

    def _before_bracket(self, ent: Span) -> bool:
        """An alias in brackets follows (after the closing quote of a quoted name)."""
        i = ent.end
        while i < len(ent.doc) and ent.doc[i].text in self.quotes:
            i += 1
        return i < len(ent.doc) and ent.doc[i].text == "("

    def _conjunct_labels(self, doc: Doc) -> list[Span]:
        """"troops from Nigeria, Chad, Cameroon and Niger": names in one coordination are
        of one kind, so a statistical label gives way to a conjunct's stronger one, where
        `conjunct_labels` allows the change (a person is never made a group this way). The
        world place list proves its own name a place, not the names beside it ("Russia and
        Putin"), so its places cast no vote here."""
        owner = {t.i: e for e in doc.ents for t in e}
        out = []
        for ent in doc.ents:
            if rank(ent) <= SOURCE_RANK["ner"]:
                stronger = [
                    owner[c.i]
                    for c in ent.root.conjuncts
                    if c.i in owner
                    and rank(owner[c.i]) > SOURCE_RANK["ner"]
                    and source_of(owner[c.i]) != "world"
                    and owner[c.i].label_ != ent.label_
                ]
                labels = {s.label_ for s in stronger} & self.conjunct_labels.get(ent.label_, set())
                if len(labels) == 1:
                    ent = set_label(ent, labels.pop(), "propagated")
            out.append(ent)
        return out

    @staticmethod
    def _without_unsupported_headline_names(doc: Doc) -> list[Span]:
        """In a title-cased line ("Prison Factions Fight for the Coast") every word looks
        like a name to the NER; there a name the rules did not find stands only if the body
        names it too (it is put back with the other repeats)."""
        headline_tokens: set[int] = set()
        in_entity = {t.i for e in doc.ents for t in e}
        line: list = []
        for tok in doc:
            line.append(tok)
            if "\n" in tok.whitespace_ or "\n" in tok.text or tok.i == len(doc) - 1:
                words = [t for t in line if t.is_alpha and len(t) > 3]
                capitalised = [t for t in words if t.is_title or t.is_upper]
                # a byline ("Ana María Pérez") is one name, not a headline
                if (
                    not _ends_sentence(line)  # a headline has no full stop
                    and len(words) >= 3
                    and len(capitalised) >= 0.75 * len(words)
                    and sum(t.i not in in_entity for t in capitalised) >= 2
                ):
                    headline_tokens.update(t.i for t in line)
                line = []
        if not headline_tokens:
            return list(doc.ents)
        body_names = {e.text for e in doc.ents if e.start not in headline_tokens}
        return [
            e
            for e in doc.ents
            if e.start not in headline_tokens
            or e.text in body_names
            or rank(e) >= SOURCE_RANK["shape"]
            or source_of(e) in ("world", "credit")  # a place the world list confirms; a byline's name
        ]

    @staticmethod
    def _surnames(doc: Doc) -> dict[str, str]:
        """The last word of a multi-word person name refers to that person on its own."""
        found = {}
        for ent in doc.ents:
            if ent.label_ == "PERSON" and len(ent) > 1 and ent[-1].is_title and len(ent[-1]) > 2:
                found.setdefault(ent[-1].text, "PERSON")
        return found

    @staticmethod
    def _repeats(doc: Doc, labels: dict[str, str]) -> list[Span]:
        names = [n for n in labels if any(c.isupper() for c in n)]
        if not names:
            return []
        pattern = re.compile(
            r"(?<![\w-])(?:" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + r")(?![\w-])"
        )
        spans = []
        for match in pattern.finditer(doc.text):
            span = doc.char_span(match.start(), match.end(), label=labels[match.group()])
            if span is not None:
                spans.append(span)
        return spans


def _opens_sentence(tok) -> bool:
    """The first word of its sentence, after any punctuation that opens it (a quote, a
    bullet, a bracket)."""
    i = tok.i
    while i > 0 and not tok.doc[i].is_sent_start and tok.doc[i - 1].is_punct:
        i -= 1
    return bool(tok.doc[i].is_sent_start) and not tok.is_punct


def _aliases_follow_their_names(doc: Doc) -> list[Span]:
    """"A a.k.a. B (C)": the bracket gave C the label B had then; once the cue has given B
    the label of A, C takes it too (links are followed until no label changes)."""
    ents = {(e.start_char, e.end_char): e for e in doc.ents}
    links = alias_links(doc)
    for _ in range(len(links)):
        changed = False
        for a0, a1, b0, b1, _how in links:
            name, alias = ents.get((a0, a1)), ents.get((b0, b1))
            if name is not None and alias is not None and source_of(alias) == "alias" and alias.label_ != name.label_:
                ents[(b0, b1)] = set_label(alias, name.label_)
                changed = True
        if not changed:
            break
    return sorted(ents.values(), key=lambda e: e.start)


def _ends_sentence(line: list) -> bool:
    last = next((t for t in reversed(line) if not t.is_space), None)
    return last is not None and last.text in {".", "!"}
