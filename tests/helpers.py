"""Test data from the bundled corpus."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from osint_extract.pipeline import base_name

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "corpus" / "docs"
# The rules-only pipeline: the rule components on the config's base pipeline (as a
# `model` argument); the default pipeline is the shipped trained one.
RULES = base_name()


def gold_doc(nlp, text: str, names: list[tuple[str, str]]):
    """A gold document: `names` ((text, label), in order of appearance) as its entities."""
    doc = nlp.make_doc(text)
    spans, pos = [], 0
    for name, label in names:
        start = text.index(name, pos)
        pos = start + len(name)
        spans.append(doc.char_span(start, pos, label=label))
    doc.ents = spans
    return doc


def dev_documents() -> list[Path]:
    """The texts of the development split (corpus/gold/dev.jsonl): a fixed set of 14 that
    batch tests run on, whatever training and test documents the corpus grows by."""
    lines = (ROOT / "corpus" / "gold" / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    return [DOCS / json.loads(line)["id"] for line in lines if line.strip()]


def copy_dev_documents(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for path in dev_documents():
        shutil.copy(path, folder / path.name)
    return folder
