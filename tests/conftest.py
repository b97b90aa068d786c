"""Shared fixtures: one pipeline per test session, and the shared seed corpus."""
from __future__ import annotations

from pathlib import Path

import pytest

import osint_extract

SEED_DIR = Path(__file__).resolve().parents[2] / "shared" / "seed"


@pytest.fixture(scope="session")
def nlp():
    """The full default pipeline, loaded once for the whole session.

    `get_pipeline()` is `load()` cached under the default (model, config) key, so the
    pipeline this fixture returns is also the one `extract()`, `extract_many()`,
    `evaluate()` and the in-process CLI use: the ~2 s load happens once, not per module.
    """
    return osint_extract.get_pipeline()


@pytest.fixture(scope="session")
def seed_path() -> Path:
    """The shared seed folder (tocoron.txt, tocoron.gold.jsonl), beside the checkout."""
    if not SEED_DIR.is_dir():
        pytest.skip(f"seed corpus not found at {SEED_DIR}")
    return SEED_DIR
