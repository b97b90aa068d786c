"""Evaluation runs: the pipeline (or a stock spaCy pipeline, or a saved output) scored
against gold documents."""
from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .documents import read_jsonl
from .extraction import extract_many, get_pipeline
from .pipeline import load_base, read_config
from .resources import read_yaml
from .results import doc_to_result
from .schema import SYMMETRIC
from .tables import atomic_writer
from .scoring import Scores, score_documents


def read_gold(paths: Iterable[str | Path]) -> list[dict[str, Any]]:
    """Gold documents from JSONL files, or from every *.jsonl in the given folders."""
    docs: list[dict[str, Any]] = []
    for raw in paths:
        path = Path(raw)
        files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
        if not files:
            raise FileNotFoundError(f"{path}: no .jsonl gold files")
        for file in files:
            docs.extend(read_jsonl(file))
    return docs


def stock_predictions(gold: list[dict], model: str | None = None, label_map: str = "labelmaps/spacy_ner.yml") -> list[dict]:
    """What an unmodified spaCy pipeline finds, its labels mapped onto the schema."""
    mapping = read_yaml(label_map)["entities"]
    nlp = load_base(model, list(read_config()["osint"]["base_models"]))
    preds = []
    for doc, doc_id in nlp.pipe(((d["text"], d["id"]) for d in gold), as_tuples=True):
        ents = [
            {"id": f"m{i}", "start": e.start_char, "end": e.end_char, "label": mapping[e.label_]}
            for i, e in enumerate((e for e in doc.ents if e.label_ in mapping), 1)
        ]
        preds.append({"id": doc_id, "text": doc.text, "entities": ents, "relations": []})
    return preds


def cooccurrence_predictions(gold: list[dict], nlp) -> list[dict]:
    """The relation baseline: the pipeline's entities, and for every pair of entities in a
    sentence the label the gold gives most often to pairs of their types (either
    direction, as the label's table allows)."""
    by_types: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for doc in gold:
        labels = {e["id"]: e["label"] for e in doc["entities"]}
        for rel in doc.get("relations", []):
            by_types[(labels[rel["head"]], labels[rel["tail"]])][rel["label"]] += 1
    majority = {types: counts.most_common(1)[0][0] for types, counts in by_types.items()}
    preds = []
    for doc, doc_id in nlp.pipe(((d["text"], d["id"]) for d in gold), as_tuples=True):
        result = doc_to_result(doc, doc_id)
        pred = result.to_dict()
        pred["relations"] = []
        seen = set()
        for sent in doc.sents:
            mentions = [m for m in result.mentions if sent.start_char <= m.start < sent.end_char]
            for a in mentions:
                for b in mentions:
                    label = majority.get((a.label, b.label))
                    if a.entity_id == b.entity_id or label is None:
                        continue
                    key = (label, *sorted((a.entity_id, b.entity_id))) if label in SYMMETRIC else (label, a.entity_id, b.entity_id)
                    if key not in seen:
                        seen.add(key)
                        pred["relations"].append({"head": a.id, "tail": b.id, "label": label})
        preds.append(pred)
    return preds


ERROR_COLUMNS = ["doc_id", "kind", "label", "text", "start", "end", "sentence"]


def write_report(scores: Scores, out_dir: str | Path, extra: dict[str, Any] | None = None) -> None:
    """scores.json (every table, with micro and macro rows, plus `extra`, e.g. what a label
    map left out) and errors.csv (every false positive and negative) in `out_dir`."""
    out = Path(out_dir)
    with atomic_writer(out / "scores.json") as fh:
        fh.write(json.dumps({**scores.to_dict(), **(extra or {})}, indent=2, ensure_ascii=False) + "\n")
    with atomic_writer(out / "errors.csv") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(ERROR_COLUMNS)
        writer.writerows([getattr(e, c) for c in ERROR_COLUMNS] for e in scores.errors)


def evaluate(
    gold_paths: Iterable[str | Path],
    *,
    pred_path: str | Path | None = None,
    model: str | None = None,
    config: str | Path | None = None,
    stock: bool = False,
    disable: Iterable[str] = (),
    baseline: str | None = None,
) -> Scores:
    """Scores per the schema: the full pipeline by default, `stock` for the bare base
    pipeline, or `pred_path` to score an existing documents.jsonl. `disable` names
    pipeline components to switch off for the run, to measure what each contributes.
    `baseline="cooccurrence"` keeps the pipeline's entities and replaces its relations by
    the co-occurrence baseline."""
    gold = read_gold(gold_paths)
    if pred_path is not None:
        preds = read_jsonl(pred_path)
    elif stock:
        preds = stock_predictions(gold, model)
    else:
        nlp = get_pipeline(model, config)
        disable = list(disable)
        unknown = sorted(set(disable) - set(nlp.pipe_names))
        if unknown:
            raise ValueError(f"no such pipeline component: {', '.join(unknown)} (have {', '.join(nlp.pipe_names)})")
        with nlp.select_pipes(disable=disable):
            if baseline == "cooccurrence":
                preds = cooccurrence_predictions(gold, nlp)
            elif baseline is None:
                preds = [r.to_dict() for r in extract_many(((d["id"], d["text"]) for d in gold), nlp=nlp)]
            else:
                raise ValueError(f"unknown baseline {baseline!r} (known: cooccurrence)")
    return score_documents(gold, preds)
