"""Shared fixtures: one pipeline per test session, and the shared seed corpus."""
from __future__ import annotations

from pathlib import Path

import pytest

import osint_extract
from helpers import RULES

SEED_DIR = Path(__file__).resolve().parents[2] / "shared" / "seed"


@pytest.fixture(scope="session")
def nlp():
    """The rules-only pipeline, loaded once for the whole session: the rules' tests pin
    down what the rules do, whatever a trained model would add (tests of the library's
    defaults take `trained_nlp`).

    `get_pipeline(RULES)` is `load(RULES)` cached, so the pipeline this fixture returns is
    also the one `extract()`, `extract_many()`, `evaluate()` and the in-process CLI use
    with `model=RULES` / `--model RULES`: the ~2 s load happens once, not per module.
    """
    return osint_extract.get_pipeline(RULES)


@pytest.fixture(scope="session")
def trained_nlp():
    """The default pipeline: the shipped trained one (models/osint-extract-trained)."""
    return osint_extract.get_pipeline()


@pytest.fixture(scope="session")
def seed_path() -> Path:
    """The shared seed folder (tocoron.txt, tocoron.gold.jsonl), beside the checkout."""
    if not SEED_DIR.is_dir():
        pytest.skip(f"seed corpus not found at {SEED_DIR}")
    return SEED_DIR
