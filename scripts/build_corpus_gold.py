#!/usr/bin/env python3
"""Build the development-corpus gold file from the per-document annotation specs.

Each document ``corpus/docs/<slug>.txt`` has a spec ``corpus/annotations/<slug>.yml``::

    entities:
      - {text: Sinaloa Cartel, label: ARMED_GROUP, count: 6}
      - {text: Lobos, label: ARMED_GROUP, count: 1, skip: [2]}
    relations:
      - [Iván Archivaldo Guzmán, LEADS, Los Chapitos]

An entity entry is applied to every occurrence of its text on word boundaries
(so "ELN" never matches inside another word and "Sinaloa Cartel's" yields
"Sinaloa Cartel").  ``skip`` lists 1-based occurrences of the string, counted
over all of its matches in the text, that are not this entity.  An occurrence
lying inside a longer annotated mention ("Guzmán" inside "Iván Archivaldo
Guzmán") is dropped.  ``count`` is the number of mentions that must remain.

A relation names its head and tail by mention text; it is attached to the first
remaining occurrence of each.  Labels and head/tail types are checked against
the relation table in src/osint_extract/schema.py, and a fact may appear once
per document (symmetric labels in either direction, names joined by ALIAS_OF
counting as one entity).

Writes corpus/gold/corpus.gold.jsonl (schema v1, one document per line) and
prints per-document and per-label counts.  Any problem stops the build with a
message naming the spec file and the entry.

Usage:
    python scripts/build_corpus_gold.py            # check and write
    python scripts/build_corpus_gold.py --check    # check only, write nothing
    python scripts/build_corpus_gold.py --show SLUG  # also print SLUG with mentions marked
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
DOCS = CORPUS / "docs"
SPECS = CORPUS / "annotations"
GOLD = CORPUS / "gold"
# train: model training (and, its held-out fold in corpus/threshold-fold.txt, the trained
# components' settings); dev: rule tuning and picking a training run's best checkpoint;
# test: the blind check, written before any training run and never used to train or tune.
SPLITS = ("train", "dev", "test")


def _load(name: str):
    # Loaded from its file so the build needs neither an installed package nor
    # whatever the package's __init__ imports.
    path = ROOT / "src" / "osint_extract" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"_osint_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


schema = _load("schema")
names = _load("names")


class SpecError(SystemExit):
    def __init__(self, spec_path: Path, where: str, message: str):
        super().__init__(f"{spec_path.relative_to(ROOT)}: {where}: {message}")


def find_occurrences(text: str, mention: str) -> list[tuple[int, int]]:
    pattern = re.compile(r"(?<!\w)" + re.escape(mention) + r"(?!\w)")
    return [(m.start(), m.end()) for m in pattern.finditer(text)]


def build_entities(spec_path: Path, text: str, entries: list) -> tuple[list[dict], dict[str, int]]:
    """Return the entity list (sorted by start) and, per mention text, the index of its first mention."""
    candidates = []  # (start, end, label, mention)
    seen_texts = set()
    for n, entry in enumerate(entries, 1):
        where = f"entity #{n} {entry!r}"
        if not isinstance(entry, dict) or not {"text", "label", "count"} <= set(entry) \
                or set(entry) - {"text", "label", "count", "skip"}:
            raise SpecError(spec_path, where, "needs keys text, label, count (and optional skip)")
        mention, label, count = entry["text"], entry["label"], entry["count"]
        skip = entry.get("skip", [])
        if label not in schema.ENTITY_LABELS:
            raise SpecError(spec_path, where, f"unknown label {label!r}")
        if mention != mention.strip() or not mention:
            raise SpecError(spec_path, where, "mention text is empty or has surrounding white space")
        if mention in seen_texts:
            raise SpecError(spec_path, where, "mention text listed twice")
        seen_texts.add(mention)
        occurrences = find_occurrences(text, mention)
        if not occurrences:
            raise SpecError(spec_path, where, "mention does not occur in the text")
        for k in skip:
            if not isinstance(k, int) or not 1 <= k <= len(occurrences):
                raise SpecError(spec_path, where,
                                f"skip {k!r} is not an occurrence (the string occurs {len(occurrences)} times)")
        candidates += [(s, e, label, mention) for i, (s, e) in enumerate(occurrences, 1) if i not in skip]

    def nested(span, others):
        s, e = span
        return any(os_ <= s and e <= oe and (oe - os_) > (e - s) for os_, oe, _, _ in others)

    kept = [c for c in candidates if not nested(c[:2], candidates)]
    counts = Counter(c[3] for c in kept)
    wrong = [f"#{n} {e['text']!r} expected {e['count']}, found {counts[e['text']]}"
             for n, e in enumerate(entries, 1) if counts[e["text"]] != e["count"]]
    if wrong:
        raise SpecError(spec_path, "entity counts (after dropping nested occurrences and skips)",
                        "; ".join(wrong))

    kept.sort(key=lambda c: (c[0], c[1]))
    for a, b in zip(kept, kept[1:]):
        if b[0] < a[1]:
            raise SpecError(spec_path, f"entities {a[3]!r} and {b[3]!r}",
                            f"spans {a[:2]} and {b[:2]} overlap without one nesting in the other")

    entities, first = [], {}
    for i, (s, e, label, mention) in enumerate(kept, 1):
        if text[s:e] != mention:
            raise SpecError(spec_path, f"entity {mention!r}", f"text[{s}:{e}] is {text[s:e]!r}")
        entities.append({"id": f"e{i}", "start": s, "end": e, "label": label, "text": mention})
        first.setdefault(mention, i - 1)
    return entities, first


def _name(mention: str) -> str:
    return names.mention_name(mention, 0, len(mention))


def build_relations(spec_path: Path, entities: list[dict], first: dict[str, int], rows: list) -> list[dict]:
    parsed = []
    for n, row in enumerate(rows, 1):
        where = f"relation #{n} {row!r}"
        if not isinstance(row, list) or len(row) != 3:
            raise SpecError(spec_path, where, "must be [head mention, LABEL, tail mention]")
        head, label, tail = row
        if label not in schema.RELATION_TYPES:
            raise SpecError(spec_path, where, f"unknown relation label {label!r}")
        for side in (head, tail):
            if side not in first:
                raise SpecError(spec_path, where, f"{side!r} is not an annotated mention")
        h, t = entities[first[head]], entities[first[tail]]
        if head == tail:
            raise SpecError(spec_path, where, "head and tail are the same mention")
        if not schema.relation_allowed(label, h["label"], t["label"]):
            raise SpecError(spec_path, where, f"{label} is not allowed from {h['label']} to {t['label']}")
        parsed.append((n, row, h, t))

    # Names of one entity: ALIAS_OF joins them, and a repeated mention is the same name
    # (compared as the scorer compares names: lowercased, white space collapsed).
    clusters = names.UnionFind()
    for n, row, h, t in parsed:
        if row[1] != "ALIAS_OF":
            continue
        a, b = _name(h["text"]), _name(t["text"])
        if clusters.find(a) == clusters.find(b):
            raise SpecError(spec_path, f"relation #{n} {row!r}",
                            "duplicate fact: the two names are already joined by ALIAS_OF")
        clusters.union(a, b)
    seen = {}
    relations = []
    for n, row, h, t in parsed:
        label = row[1]
        if label != "ALIAS_OF":
            a, b = clusters.find(_name(h["text"])), clusters.find(_name(t["text"]))
            if a == b:
                raise SpecError(spec_path, f"relation #{n} {row!r}", "head and tail are names of one entity")
            key = (label,) + (tuple(sorted((a, b))) if label in schema.SYMMETRIC else (a, b))
            if key in seen:
                raise SpecError(spec_path, f"relation #{n} {row!r}", f"duplicate fact (see relation #{seen[key]})")
            seen[key] = n
        relations.append({"head": h["id"], "tail": t["id"], "label": label})
    return relations


def build_document(spec_path: Path) -> dict:
    slug = spec_path.stem
    doc_path = DOCS / f"{slug}.txt"
    if not doc_path.exists():
        raise SpecError(spec_path, "document", f"no text file {doc_path.relative_to(ROOT)}")
    text = doc_path.read_text(encoding="utf-8")
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8")) or {}
    if set(spec) != {"split", "entities", "relations"}:
        raise SpecError(spec_path, "top level", "must have exactly the keys split, entities and relations")
    if spec["split"] not in SPLITS:
        raise SpecError(spec_path, "split", f"{spec['split']!r} is not one of {', '.join(SPLITS)}")
    entities, first = build_entities(spec_path, text, spec["entities"] or [])
    relations = build_relations(spec_path, entities, first, spec["relations"] or [])
    return {"id": doc_path.name, "text": text, "entities": entities, "relations": relations,
            "split": spec["split"]}


def show(doc: dict) -> str:
    """The text with every mention marked [mention|LABEL], then the relations."""
    text, parts, pos = doc["text"], [], 0
    for e in doc["entities"]:
        parts += [text[pos:e["start"]], f"[{e['text']}|{e['label']}]"]
        pos = e["end"]
    parts.append(text[pos:])
    by_id = {e["id"]: e for e in doc["entities"]}
    rels = [f"  {by_id[r['head']]['text']} -{r['label']}-> {by_id[r['tail']]['text']}" for r in doc["relations"]]
    return "".join(parts) + "\nRelations:\n" + "\n".join(rels)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="check the specs, write nothing")
    parser.add_argument("--show", metavar="SLUG", action="append", default=[],
                        help="print this document with its mentions marked (repeatable)")
    parser.add_argument("slugs", nargs="*", metavar="SLUG",
                        help="check only these documents (implies --check)")
    args = parser.parse_args(argv)

    if args.slugs:
        args.check = True
        specs = [SPECS / f"{slug}.yml" for slug in args.slugs]
        missing = [str(p.relative_to(ROOT)) for p in specs if not p.exists()]
        if missing:
            raise SystemExit(f"no spec {', '.join(missing)}")
    else:
        specs = sorted(SPECS.glob("*.yml"))
        if not specs:
            raise SystemExit(f"no specs in {SPECS.relative_to(ROOT)}")
        unannotated = sorted({p.stem for p in DOCS.glob("*.txt")} - {p.stem for p in specs})
        if unannotated:
            raise SystemExit(f"documents without a spec in {SPECS.relative_to(ROOT)}: {', '.join(unannotated)}")
    docs = [build_document(p) for p in specs]

    for slug in args.show:
        matches = [d for d in docs if d["id"] == f"{slug}.txt"]
        if not matches:
            raise SystemExit(f"--show: no document {slug!r}")
        print(show(matches[0]), end="\n\n")

    if not args.check:
        GOLD.mkdir(parents=True, exist_ok=True)
        for split in SPLITS:
            with (GOLD / f"{split}.jsonl").open("w", encoding="utf-8", newline="\n") as fh:
                for d in docs:
                    if d["split"] == split:
                        fh.write(json.dumps({k: v for k, v in d.items() if k != "split"}, ensure_ascii=False) + "\n")

    print(f"{'document':<40}{'split':>6}{'words':>7}{'entities':>10}{'relations':>11}")
    for d in docs:
        print(f"{d['id']:<40}{d['split']:>6}{len(d['text'].split()):>7}{len(d['entities']):>10}{len(d['relations']):>11}")
    ent_labels = Counter(e["label"] for d in docs for e in d["entities"])
    rel_labels = Counter(r["label"] for d in docs for r in d["relations"])
    print(f"{len(docs)} documents, {sum(ent_labels.values())} entities, {sum(rel_labels.values())} relations")
    print("entities:  " + ", ".join(f"{lab} {ent_labels[lab]}" for lab in schema.ENTITY_LABELS))
    print("relations: " + ", ".join(f"{lab} {rel_labels[lab]}" for lab in schema.RELATION_LABELS))
    for lab in ("WEAPON", "CALIBRE"):
        n = sum(any(e["label"] == lab for e in d["entities"]) for d in docs)
        print(f"documents with {lab}: {n}")
    for split in SPLITS:
        print(f"{split}: {sum(d['split'] == split for d in docs)} documents")
    if not args.check:
        print(f"wrote {', '.join(str((GOLD / f'{s}.jsonl').relative_to(ROOT)) for s in SPLITS)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
