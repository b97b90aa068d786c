"""Entity resolution inside a document: which mentions name one entity, under which
canonical name, and which of its names are aliases.

Analysts want one row per actor, not per spelling: "National Liberation Army", "ELN",
"Remigio Ceballos" and a later "Ceballos" are each one entity. The evidence is the curated
list's id, the aliases the text itself introduces (brackets, "alias", "known as"), and
surname-only references and short forms ("Brevik" / "Tomas Brevik", "Los Zetas" / "Zetas")
of a longer name given in the same document.

This is the one place that decides identity: it runs before the relation extractor, which
reads `doc._.osint_clusters` (and `span._.osint_entity`) instead of judging names itself.
"""
from __future__ import annotations

from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span

from .facts import RelationFact, relations_of
from .lexicons import LexiconComponent
from ..names import UnionFind, mention_name
from .segmentation import Sentences
from .spans import alias_links

DEFAULT_CONFIDENCE = {"gazetteer": 0.95, "bracket": 0.9, "cue": 0.9, "surname": 0.75, "short_form": 0.8}


@Language.factory(
    "osint_entity_resolver",
    assigns=["doc._.osint_clusters", "doc._.osint_relations"],
    requires=["doc.ents"],
    default_config={"surnames": True, "labels_with_surnames": ["PERSON"], "confidence": DEFAULT_CONFIDENCE},
)
def make_entity_resolver(
    nlp: Language, name: str, surnames: bool, labels_with_surnames: list[str], confidence: dict[str, float]
) -> "EntityResolver":
    return EntityResolver(name, surnames, labels_with_surnames, confidence)


class EntityResolver(LexiconComponent):
    """Groups the doc's entity mentions into entities (`doc._.osint_clusters`) and adds an
    ALIAS_OF fact from each entity's canonical name to each of its other names (never
    from a name to itself). Its lexicon (aliases.yml) gives the short forms per label."""

    def __init__(self, name: str, surnames: bool, labels_with_surnames: list[str], confidence: dict[str, float]):
        self.name = name
        self.surnames = surnames
        self.labels_with_surnames = set(labels_with_surnames)
        self.confidence = {**DEFAULT_CONFIDENCE, **confidence}
        self.set_lexicon({})  # no short forms until initialised with a lexicon

    def validate(self, data: Any, origin: str) -> None:
        forms = (data or {}).get("short_forms") or {}
        if not isinstance(forms, dict):
            raise ValueError(f"{origin}: short_forms: expected a mapping of label to dropped words or 'any'")
        for label, words in forms.items():
            if words != "any" and not (isinstance(words, list) and all(isinstance(w, str) for w in words)):
                raise ValueError(f"{origin}: short_forms: {label}: expected 'any' or a list of words, got {words!r}")

    def compile(self, data: Any) -> None:
        forms = (data or {}).get("short_forms") or {}
        # label -> None (any words may be dropped) or the set of words that may be
        self.short_forms: dict[str, frozenset[str] | None] = {
            label: None if words == "any" else frozenset(w.lower() for w in words) for label, words in forms.items()
        }

    def __call__(self, doc: Doc) -> Doc:
        ents = list(doc.ents)
        uf = UnionFind()
        how: dict[tuple[int, int], str] = {}  # joined pairs of mentions with different names -> evidence
        names = [mention_name(e.text, 0, len(e.text)) for e in ents]

        first_by_key: dict[tuple[str, str], int] = {}
        for i, ent in enumerate(ents):
            for key in ((ent.label_, "name:" + names[i]), (ent.label_, "id:" + ent.ent_id_) if ent.ent_id_ else None):
                if key is None:
                    continue
                j = first_by_key.setdefault(key, i)
                if j != i:
                    uf.union(j, i)
                    if names[i] != names[j]:
                        how.setdefault((j, i), "gazetteer")

        index = {(e.start_char, e.end_char): i for i, e in enumerate(ents)}
        for a_start, a_end, b_start, b_end, kind in alias_links(doc):
            a, b = index.get((a_start, a_end)), index.get((b_start, b_end))
            if a is not None and b is not None and a != b and ents[a].label_ == ents[b].label_:
                uf.union(a, b)
                how.setdefault((a, b), kind)

        if self.surnames:
            self._join_surnames(ents, names, uf, how)
        if self.short_forms:
            self._join_short_forms(ents, names, uf, how)

        groups: dict[int, list[int]] = {}
        for i in range(len(ents)):
            groups.setdefault(uf.find(i), []).append(i)
        clusters = []
        relations = relations_of(doc)
        sentences = Sentences(doc)
        how_of: dict[int, list[tuple[int, int, str]]] = {}
        for (a, b), kind in how.items():
            how_of.setdefault(a, []).append((a, b, kind))
            how_of.setdefault(b, []).append((a, b, kind))
        for members in groups.values():
            canonical = min(members, key=lambda i: (-len(ents[i].text), ents[i].start_char))
            clusters.append([ents[i] for i in [canonical] + [m for m in members if m != canonical]])
            seen = {names[canonical]}
            member_set = set(members)
            for i in members:
                if names[i] in seen:
                    continue
                seen.add(names[i])
                kind = self._evidence(i, member_set, how_of)
                relations.append(
                    _alias_relation(ents[canonical], ents[i], kind, self.confidence.get(kind, 0.5), sentences)
                )
        doc._.osint_clusters = clusters
        return doc

    def _join_surnames(self, ents: list[Span], names: list[str], uf: UnionFind, how: dict) -> None:
        """"Ceballos" after "Remigio Ceballos": a shorter name whose words run inside exactly
        one longer name of the same label refers to that entity."""
        # every run of words inside a longer name -> the first mention of each longer name
        # holding it (mentions of one name are one entity already), so the cost grows with
        # the names, not with the pairs of mentions
        inside: dict[tuple[str, tuple[str, ...]], dict[tuple[str, ...], int]] = {}
        for j, e in enumerate(ents):
            if e.label_ in self.labels_with_surnames and len(e) > 1:
                other = tuple(t.lower_ for t in e)
                for a in range(len(other)):
                    for b in range(a + 1, min(len(other), a + len(other) - 1) + 1):
                        inside.setdefault((e.label_, other[a:b]), {}).setdefault(other, j)
        for i, ent in enumerate(ents):
            if ent.label_ not in self.labels_with_surnames:
                continue
            owners = {}
            for j in inside.get((ent.label_, tuple(t.lower_ for t in ent)), {}).values():
                owners.setdefault(uf.find(j), j)
            if len(owners) == 1:
                j = next(iter(owners.values()))
                if uf.find(i) != uf.find(j):
                    uf.union(j, i)
                    how.setdefault((j, i), "surname")

    def _join_short_forms(self, ents: list[Span], names: list[str], uf: UnionFind, how: dict) -> None:
        """"Zetas" after "Los Zetas": a name that starts or ends exactly one longer name of
        the same label, the rest being words the lexicon lets that label drop."""
        first: dict[tuple[str, str], int] = {}  # (label, name) -> its first mention
        for i, ent in enumerate(ents):
            if ent.label_ in self.short_forms:
                first.setdefault((ent.label_, names[i]), i)
        # (label, leading or trailing words of a longer name) -> the longer names' first mentions
        parts: dict[tuple[str, tuple[str, ...]], set[int]] = {}
        for (label, name), j in first.items():
            words = tuple(name.split())
            allowed = self.short_forms[label]
            for cut in range(1, len(words)):
                for part, rest in ((words[:cut], words[cut:]), (words[cut:], words[:cut])):
                    if allowed is None or all(w in allowed for w in rest):
                        parts.setdefault((label, part), set()).add(j)
        for (label, name), i in first.items():
            owners = {uf.find(j): j for j in parts.get((label, tuple(name.split())), ())}
            if len(owners) == 1:
                j = next(iter(owners.values()))
                if uf.find(i) != uf.find(j):
                    uf.union(j, i)
                    how.setdefault((j, i), "short_form")

    @staticmethod
    def _evidence(i: int, members: set[int], how_of: dict[int, list[tuple[int, int, str]]]) -> str:
        """What joined mention `i` to its entity: the first link of `i` inside it."""
        for a, b, kind in how_of.get(i, ()):
            if a in members and b in members:
                return kind
        return "gazetteer"


def _alias_relation(name: Span, alias: Span, kind: str, confidence: float, sentences: Sentences) -> RelationFact:
    start, end = sentences.window(alias.start_char, alias.end_char)
    evidence = alias.doc.char_span(start, end, alignment_mode="expand")
    return RelationFact(head=name, tail=alias, label="ALIAS_OF", confidence=confidence, evidence=evidence, pattern=f"alias:{kind}")
