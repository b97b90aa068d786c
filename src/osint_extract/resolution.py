"""Entity resolution inside a document: which mentions name one entity, under which
canonical name, and which of its names are aliases.

Analysts want one row per actor, not per spelling: "National Liberation Army", "ELN",
"Remigio Ceballos" and a later "Ceballos" are each one entity. The evidence is the curated
list's id, the aliases the text itself introduces (brackets, "alias", "known as"), and
surname-only references to a full name given in the same document.
"""
from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc, Span

from .scoring import UnionFind, mention_name
from .segmentation import Sentences
from .spans import alias_links, relations_of

if not Doc.has_extension("clusters"):
    # one list per entity: [start_char, end_char] of each mention, canonical name first
    Doc.set_extension("clusters", default=None)

DEFAULT_CONFIDENCE = {"gazetteer": 0.95, "bracket": 0.9, "cue": 0.9, "surname": 0.75}


@Language.factory(
    "osint_entity_resolver",
    assigns=["doc._.clusters", "doc._.relations"],
    requires=["doc.ents"],
    default_config={"surnames": True, "labels_with_surnames": ["PERSON"], "confidence": DEFAULT_CONFIDENCE},
)
def make_entity_resolver(
    nlp: Language, name: str, surnames: bool, labels_with_surnames: list[str], confidence: dict[str, float]
) -> "EntityResolver":
    return EntityResolver(name, surnames, labels_with_surnames, confidence)


class EntityResolver:
    """Groups the doc's entity mentions into entities (`doc._.clusters`) and adds an
    ALIAS_OF relation from each entity's canonical name to each of its other names."""

    def __init__(self, name: str, surnames: bool, labels_with_surnames: list[str], confidence: dict[str, float]):
        self.name = name
        self.surnames = surnames
        self.labels_with_surnames = set(labels_with_surnames)
        self.confidence = {**DEFAULT_CONFIDENCE, **confidence}

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
            clusters.append([[ents[i].start_char, ents[i].end_char] for i in [canonical] + [m for m in members if m != canonical]])
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
        doc._.clusters = clusters
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

    @staticmethod
    def _evidence(i: int, members: set[int], how_of: dict[int, list[tuple[int, int, str]]]) -> str:
        """What joined mention `i` to its entity: the first link of `i` inside it."""
        for a, b, kind in how_of.get(i, ()):
            if a in members and b in members:
                return kind
        return "gazetteer"


def _alias_relation(name: Span, alias: Span, kind: str, confidence: float, sentences: Sentences) -> dict:
    start, end = sentences.window(alias.start_char, alias.end_char)
    return {
        "head": (name.start_char, name.end_char),
        "tail": (alias.start_char, alias.end_char),
        "label": "ALIAS_OF",
        "confidence": confidence,
        "evidence": sentences.text[start:end],
        "evidence_start": start,
        "evidence_end": end,
        "pattern": f"alias:{kind}",
    }
