"""Evaluation runs: the pipeline (or a stock spaCy pipeline, or a saved output) scored
against gold documents."""
from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..io.formats import FormatReport, read_documents
from ..io.labelmaps import LabelMap
from ..runs.extraction import extract_many, get_pipeline
from ..pipeline import load_base
from ..io.results import doc_to_result
from ..schema import SYMMETRIC
from ..io.tables import atomic_writer
from .scoring import Scores, score_documents


def read_gold(
    paths: Iterable[str | Path],
    *,
    format: str | None = None,
    lenient: bool = False,
    label_map: LabelMap | None = None,
    reports: list[FormatReport] | None = None,
    strict: bool = False,
) -> list[dict[str, Any]]:
    """Gold documents from files or folders in any supported format (detected unless
    `format` is given), labels mapped by `label_map`; one read report per path is
    appended to `reports`. `strict` makes gold that breaks the schema an error."""
    docs: list[dict[str, Any]] = []
    for raw in paths:
        found, report = read_documents(raw, format, lenient, label_map, side="gold", strict=strict)
        docs.extend(found)
        if reports is not None:
            reports.append(report)
    return docs


def stock_predictions(gold: list[dict], model: str | None = None, label_map: str = "spacy_ner") -> list[dict]:
    """What an unmodified spaCy pipeline finds, its labels mapped onto the schema by
    `label_map` (configs/labelmaps/spacy_ner.yml)."""
    nlp = load_base(model)
    raw = []
    for doc, doc_id in nlp.pipe(((d["text"], d["id"]) for d in gold), as_tuples=True):
        ents = [{"id": f"m{i}", "start": e.start_char, "end": e.end_char, "label": e.label_} for i, e in enumerate(doc.ents, 1)]
        raw.append({"id": doc_id, "text": doc.text, "entities": ents, "relations": []})
    return LabelMap.load(label_map).apply_pred(raw)


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
    format: str | None = None,
    label_map: str | Path | None = None,
    lenient: bool = False,
    strict: bool = False,
) -> Scores:
    """Scores per the schema: the full pipeline by default, `stock` for the bare base
    pipeline, or `pred_path` to score an existing output (any supported format).

    `format` names the gold format (detected otherwise); `label_map` (a name under
    configs/labelmaps/ or a YAML file) maps gold and predicted labels into one space
    first; `lenient` skips bad gold items with a warning instead of stopping; `strict`
    stops on gold that breaks the schema (overlapping or doubly labelled spans, relations
    the relation table forbids, empty gold), which is otherwise a warning. `disable`
    names pipeline components to switch off, to measure what each contributes;
    `baseline="cooccurrence"` keeps the pipeline's entities and replaces its relations by
    the co-occurrence baseline. What was read and left out is in `Scores.report`.
    """
    lm = LabelMap.load(label_map) if label_map is not None else None
    reports: list[FormatReport] = []
    gold = read_gold(gold_paths, format=format, lenient=lenient, label_map=lm, reports=reports, strict=strict)
    if pred_path is not None:
        preds, pred_report = read_documents(pred_path, None, lenient, lm, side="pred")
        reports.append(pred_report)
    else:
        if stock:
            preds = stock_predictions(gold, model)
        else:
            preds = _pipeline_predictions(gold, model, config, disable, baseline, mapped=lm is not None)
        if lm is not None:
            left_out: Counter = Counter()
            preds = lm.apply_pred(preds, left_out)
    if lm is None:
        scores = score_documents(gold, preds)
    else:
        scores = score_documents(
            gold,
            preds,
            symmetric=lm.symmetric,
            alias_label=lm.alias,
            entity_labels=lm.entity_labels,
            relation_labels=lm.relation_labels,
        )
    scores.report = {"inputs": [r.to_dict() for r in reports], "label_map": str(lm.path) if lm and lm.path else None}
    return scores


def _pipeline_predictions(
    gold: list[dict], model: str | None, config: str | Path | None, disable: Iterable[str], baseline: str | None, mapped: bool
) -> list[dict]:
    nlp = get_pipeline(model, config)
    disable = list(disable)
    unknown = sorted(set(disable) - set(nlp.pipe_names))
    if unknown:
        raise ValueError(f"no such pipeline component: {', '.join(unknown)} (have {', '.join(nlp.pipe_names)})")
    with nlp.select_pipes(disable=disable):
        if baseline is None:
            return [r.to_dict() for r in extract_many(((d["id"], d["text"]) for d in gold), nlp=nlp)]
        if baseline != "cooccurrence":
            raise ValueError(f"unknown baseline {baseline!r} (known: cooccurrence)")
        if mapped:
            raise ValueError("the co-occurrence baseline learns its labels from gold in the schema's labels: use it without a label map")
        return cooccurrence_predictions(gold, nlp)
