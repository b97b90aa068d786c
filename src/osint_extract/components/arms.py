"""Calibres and weapon designations, matched on the text with expressions built from a lexicon.

Analysts write calibres and models in many notations ("7.62x39mm", ".50-cal", "RPG-7")
that tokenisers split unpredictably; matching characters rather than tokens is robust to that.
"""
from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc, Span

from .lexicons import LexiconComponent
from .spans import add_entities, strictly_inside


def _alternation(words: list[str]) -> str:
    """A regex alternation, longest first so "AKMS" wins over "AKM"; spaces and hyphens
    inside a phrase match either."""
    parts = []
    for word in sorted(set(map(str, words)), key=len, reverse=True):
        parts.append(r"[\s-]+".join(re.escape(piece) for piece in re.split(r"[\s-]+", word)))
    return "(?:" + "|".join(parts) + ")"


@Language.factory("osint_arms", assigns=["doc.ents"])
def make_arms_matcher(nlp: Language, name: str) -> "ArmsMatcher":
    return ArmsMatcher(name)


class ArmsMatcher(LexiconComponent):
    """Adds CALIBRE and WEAPON entities; they replace whatever the NER put there."""

    def __init__(self, name: str):
        self.name = name

    def compile(self, data: dict) -> None:
        self.calibres = [re.compile(p) for p in data.get("calibres", [])]
        des = data.get("designations", {})
        maker = rf"(?:{_alternation(des['makers'])}\s)?" if des.get("makers") else ""
        edge_l, edge_r = r"(?<![\w/-])", r"(?![\w/-]|-\w)"
        alternatives = []
        if des.get("families"):
            number = des.get("number", r"-?\d+")
            alternatives.append(_alternation(des["families"]) + number)
        if des.get("models"):
            alternatives.append(_alternation(des["models"]))
        suffix = rf"(?:\s{_alternation(des['suffixes'])})?" if des.get("suffixes") else ""
        self.designation = (
            re.compile(f"{edge_l}{maker}(?:{'|'.join(alternatives)}){suffix}{edge_r}") if alternatives else None
        )
        cls = data.get("classes", {})
        mods = _alternation(cls.get("modifiers", []))
        pieces = []
        if cls.get("heads"):
            pieces.append(rf"(?:{mods}[\s-]+)*{_alternation(cls['heads'])}")
        if cls.get("heads_with_modifier"):
            pieces.append(rf"(?:{mods}[\s-]+)+{_alternation(cls['heads_with_modifier'])}")
        self.weapon_class = (
            re.compile(rf"(?<![\w-])(?:{'|'.join(pieces)})(?![\w-])", re.IGNORECASE) if pieces else None
        )

    def __call__(self, doc: Doc) -> Doc:
        text = doc.text
        read = [e for e in doc.ents if e.label_ == "WEAPON"]  # the recogniser's weapons
        # a model the recogniser found ("AK-pattern" in "AK-pattern rifles") is the mention
        # as much as one the lexicon knows
        designation_ends = {e.end_char for e in read}
        calibres: list[Span] = []
        for regex in self.calibres:
            calibres += self._spans(doc, text, regex, "CALIBRE")
        designations: list[Span] = []
        if self.designation is not None:
            designations = self._spans(doc, text, self.designation, "WEAPON")
            designation_ends |= {s.end_char for s in designations}
        all_classes = self._spans(doc, text, self.weapon_class, "WEAPON") if self.weapon_class is not None else []
        classes: list[Span] = []
        for span in all_classes:
            before = span.start_char
            while before > 0 and text[before - 1] == " ":
                before -= 1
            if before in designation_ends and span.start_char - before <= 1:
                continue  # "AK-103 rifles": the model is the mention
            if span[-1].dep_ == "compound" and span[-1].head.i >= span.end:
                continue  # "drone capacities", "rifle range": a modifier, not a weapon
            classes.append(span)
        # a weapon the recogniser read stands as it read it ("hunting rifles", "M93 Black
        # Arrow") but for the splits the annotation guide asks for
        pieces = [self._split(w, calibres, designations, all_classes) for w in read]
        designations = [d for d in designations if not any(strictly_inside(d, w) for w in read)]
        classes = [c for c in classes if not any(strictly_inside(c, w) for w in read)]
        spans = calibres + designations + classes + [p for ps in pieces for p in ps]
        add_entities(doc, spans, "arms", overwrite=True)
        return doc

    @staticmethod
    def _split(weapon: Span, calibres: list[Span], designations: list[Span], classes: list[Span]) -> list[Span]:
        """The weapon mentions that replace a span the recogniser read as one weapon: a
        calibre apart from the rest ("9mm" + "pistols"), a model apart from the class noun
        right after it, which is left out ("PKM" in "PKM machine guns"); none where the span
        stands as it is."""
        start = max((c.end for c in calibres if weapon.start <= c.start and c.end <= weapon.end), default=weapon.start)
        if start >= weapon.end:
            return []
        model = next((d for d in designations if d.start == start and d.end <= weapon.end), None)
        if model is not None and (
            model.end == weapon.end or any(c.start == model.end and c.end == weapon.end for c in classes)
        ):
            return [model]
        if start > weapon.start:
            return [Span(weapon.doc, start, weapon.end, label="WEAPON")]
        return []

    @staticmethod
    def _spans(doc: Doc, text: str, regex: re.Pattern, label: str) -> list[Span]:
        spans = []
        for match in regex.finditer(text):
            span = doc.char_span(match.start(), match.end(), label=label, alignment_mode="strict")
            if span is None:
                span = doc.char_span(match.start(), match.end(), label=label, alignment_mode="contract")
            if span is not None and len(span):
                spans.append(span)
        return spans
