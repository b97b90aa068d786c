"""Training the pipeline's statistical components on gold annotations.

Gold in any format `evaluate` reads becomes spaCy DocBin files (entities as `doc.ents`,
relations as character offsets in `doc.user_data["osint_relations"]`), `spacy train` fits
the components of each training config (by default DEFAULT_TRAIN_CONFIGS) on them, and the
trained components are put into the osint-extract pipeline (rules and lexicons from
configs/config.cfg), which is saved where `--model` and `osint_extract.load` read it.
"""
from __future__ import annotations

import random
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import spacy
from spacy.language import Language
from spacy.tokens import Doc, DocBin
from thinc.api import Config

from .evaluation.runs import read_gold
from .resources import configs_dir

# doc.user_data key of the gold relations in the training DocBins: a list of
# [head_start, head_end, tail_start, tail_end, label] character offsets.
RELATIONS_KEY = "osint_relations"


@dataclass
class ConversionReport:
    """What the conversion kept and what it could not align to tokens."""

    documents: int = 0
    entities: int = 0
    relations: int = 0
    skipped: Counter = field(default_factory=Counter)

    def summary(self) -> str:
        lost = ", ".join(f"{k} {v}" for k, v in sorted(self.skipped.items()))
        return f"{self.documents} documents, {self.entities} entities, {self.relations} relations" + (
            f" (skipped: {lost})" if lost else ""
        )


# The default training: the entity recogniser (cnn.cfg), the name typer on gold entities
# (typing.cfg), then the relation classifier on gold entities (relations.cfg); each is a
# separate `spacy train` run, combined after.
DEFAULT_TRAIN_CONFIGS = ("cnn.cfg", "typing.cfg", "relations.cfg")


def train_config_paths(configs: Sequence[str | Path] | str | Path | None = None) -> list[Path]:
    if configs is None:
        paths = [configs_dir() / "train" / name for name in DEFAULT_TRAIN_CONFIGS]
    else:
        paths = [Path(configs)] if isinstance(configs, (str, Path)) else [Path(c) for c in configs]
    for path in paths:
        if not path.is_file():
            raise FileNotFoundError(f"{path}: training config not found")
    return paths


def gold_to_docs(gold: Iterable[dict[str, Any]], nlp: Language, report: ConversionReport | None = None) -> list[Doc]:
    """Native gold documents as tokenised Docs with `doc.ents` and the relations in
    user_data. A span that does not fall on token boundaries is widened to the tokens
    it touches (the tokenizer splits less finely than annotators); one that overlaps an
    earlier span is left out and counted."""
    report = report if report is not None else ConversionReport()
    docs = []
    for item in gold:
        doc = nlp.make_doc(item["text"])
        doc.user_data["id"] = item["id"]
        spans, taken, by_id = [], set(), {}
        for ent in sorted(item.get("entities") or [], key=lambda e: (e["start"], -e["end"])):
            span = doc.char_span(ent["start"], ent["end"], label=ent["label"], alignment_mode="strict")
            if span is None:
                span = doc.char_span(ent["start"], ent["end"], label=ent["label"], alignment_mode="expand")
                if span is None or len(span.text) > (ent["end"] - ent["start"]) + 3:
                    report.skipped["misaligned_entity"] += 1
                    continue
                report.skipped["entity_widened_to_tokens"] += 1
            if taken & set(range(span.start, span.end)):
                report.skipped["overlapping_entity"] += 1
                continue
            taken.update(range(span.start, span.end))
            spans.append(span)
            by_id[ent["id"]] = span
        doc.ents = sorted(spans, key=lambda s: s.start)
        relations = []
        for rel in item.get("relations") or []:
            head, tail = by_id.get(rel["head"]), by_id.get(rel["tail"])
            if head is None or tail is None:
                report.skipped["relation_without_entity"] += 1
                continue
            relations.append([head.start_char, head.end_char, tail.start_char, tail.end_char, rel["label"]])
        doc.user_data[RELATIONS_KEY] = relations
        report.documents += 1
        report.entities += len(spans)
        report.relations += len(relations)
        docs.append(doc)
    return docs


def write_docbin(docs: Sequence[Doc], path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    DocBin(docs=docs, store_user_data=True).to_disk(path)
    return path


def read_gold_paths(paths: Sequence[str | Path], format: str | None = None, label_map: str | None = None) -> list[dict[str, Any]]:
    from .io.labelmaps import LabelMap

    lm = LabelMap.load(label_map) if label_map else None
    return read_gold(paths, format=format, label_map=lm)


def prepare(
    train: Sequence[str | Path],
    dev: Sequence[str | Path],
    out_dir: str | Path,
    *,
    nlp: Language,
    format: str | None = None,
    label_map: str | None = None,
    max_docs: int | None = None,
) -> tuple[Path, Path, ConversionReport, ConversionReport]:
    """Write train.spacy and dev.spacy under out_dir from gold files or folders."""
    out_dir = Path(out_dir)
    reports = ConversionReport(), ConversionReport()
    files = []
    for name, paths, report in (("train", train, reports[0]), ("dev", dev, reports[1])):
        gold = read_gold_paths(paths, format=format, label_map=label_map)
        if max_docs is not None:
            gold = gold[:max_docs]
        if not gold:
            raise ValueError(f"{', '.join(map(str, paths))}: no {name} documents")
        files.append(write_docbin(gold_to_docs(gold, nlp, report), out_dir / f"{name}.spacy"))
    return files[0], files[1], reports[0], reports[1]


def train(
    train: Sequence[str | Path],
    dev: Sequence[str | Path],
    output: str | Path,
    *,
    train_config: Sequence[str | Path] | str | Path | None = None,
    config: str | Path | None = None,
    base: str | None = None,
    work_dir: str | Path | None = None,
    overrides: dict[str, Any] | None = None,
    format: str | None = None,
    label_map: str | None = None,
    max_docs: int | None = None,
    seed: int | None = None,
) -> Language:
    """Train the components of each training config (default: DEFAULT_TRAIN_CONFIGS) on
    the gold, one `spacy train` run each, and save the osint-extract pipeline with their
    best models' components to `output`. Returns the saved pipeline."""
    from spacy.cli.train import train as spacy_train

    from .pipeline import base_name, load_base

    output = Path(output)
    base = base or base_name(config)
    work = Path(work_dir) if work_dir else output.parent / f".{output.name}-training"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    base_nlp = load_base(base)
    train_file, dev_file, *_ = reports = prepare(train, dev, work / "corpus", nlp=base_nlp, format=format, label_map=label_map, max_docs=max_docs)
    for name, report in zip(("train", "dev"), reports[2:]):
        print(f"{name}: {report.summary()}")
    cfg_overrides = {"paths.train": str(train_file), "paths.dev": str(dev_file), "paths.base": str(base)}
    if seed is not None:
        cfg_overrides["training.seed"] = seed
        cfg_overrides["system.seed"] = seed
    cfg_overrides.update(overrides or {})
    runs = []
    for train_cfg in train_config_paths(train_config):
        random.seed(cfg_overrides.get("training.seed", 0))
        run_dir = work / "trained" / train_cfg.stem
        spacy_train(train_cfg, run_dir, overrides=cfg_overrides, use_gpu=-1)
        runs.append(run_dir / "model-best")
    nlp = combine(*runs, config=config, base=base)
    if output.exists():
        shutil.rmtree(output)
    nlp.to_disk(output)
    return nlp


def combine(*trained: str | Path, config: str | Path | None = None, base: str | None = None) -> Language:
    """The osint-extract pipeline of `config` with the trained components of `trained`
    (`spacy train` outputs; a later one's component wins) in place of, or beside, the base's."""
    from .pipeline import assemble

    return assemble(config, base=base, trained=list(trained))
