"""Finding and reading the data files (configs, lexicons, pattern files) the pipeline is built from.

Domain knowledge lives in these files so that analysts extend coverage by editing data,
never code; this module is the one place that knows where they are.
"""
from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path
from typing import Any

import srsly
import yaml

CONFIGS_ENV = "OSINT_EXTRACT_CONFIGS"
MODEL_ENV = "OSINT_EXTRACT_MODEL"
TRAINED_MODEL = "osint-extract-trained"


def configs_dir() -> Path:
    """The folder holding config.cfg, lexicons/ and patterns/.

    Looked up in order: $OSINT_EXTRACT_CONFIGS, the source checkout (editable installs),
    then the copy a regular install places under <prefix>/share/osint-extract/configs.
    """
    candidates = []
    if os.environ.get(CONFIGS_ENV):
        candidates.append(Path(os.environ[CONFIGS_ENV]))
    candidates.append(Path(__file__).resolve().parents[2] / "configs")
    candidates.append(Path(sys.prefix) / "share" / "osint-extract" / "configs")
    for path in candidates:
        if (path / "config.cfg").is_file():
            return path
    raise FileNotFoundError(
        "osint-extract configs not found; set $%s to a folder holding config.cfg (looked in: %s)"
        % (CONFIGS_ENV, ", ".join(str(p) for p in candidates))
    )


def trained_model_dir() -> Path | None:
    """The shipped trained pipeline, the default one: $OSINT_EXTRACT_MODEL, else the source
    checkout's models/osint-extract-trained (editable installs); None where neither is there."""
    candidates = []
    if os.environ.get(MODEL_ENV):
        candidates.append(Path(os.environ[MODEL_ENV]))
        if not (candidates[0] / "meta.json").is_file():
            warnings.warn(f"${MODEL_ENV}={candidates[0]} is not a spaCy pipeline folder (no meta.json): ignored", stacklevel=2)
    candidates.append(Path(__file__).resolve().parents[2] / "models" / TRAINED_MODEL)
    return next((path for path in candidates if (path / "meta.json").is_file()), None)


def resolve(path: str | Path) -> Path:
    """A data-file path from a config: absolute or relative to the working directory (as
    `spacy assemble` reads them), else relative to the configs folder ("lexicons/arms.yml")."""
    path = Path(path)
    return path if path.is_absolute() or path.exists() else configs_dir() / path


def read_yaml(path: str | Path) -> Any:
    """A YAML lexicon; read afresh each time, so an edited file counts at the next initialise."""
    path = resolve(path)
    with path.open(encoding="utf8") as fh:
        try:
            return yaml.safe_load(fh) or {}
        except yaml.YAMLError as exc:
            raise ValueError(f"{path}: invalid YAML: {exc}") from exc


def read_data(path: str | Path) -> Any:
    """A data file by its kind: YAML or JSON lexicon, JSONL patterns, or a word list."""
    suffix = Path(path).suffix.lower()
    if suffix in (".yml", ".yaml"):
        return read_yaml(path)
    if suffix == ".json":
        return srsly.read_json(resolve(path))
    if suffix == ".jsonl":
        return read_patterns(path)
    return read_wordlist(path)


def read_patterns(path: str | Path) -> list[dict]:
    """An entity-ruler pattern file (JSONL), with errors naming the file and line."""
    path = resolve(path)
    patterns = []
    with path.open(encoding="utf8") as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.strip()
            if not line or line.startswith("//"):
                continue
            try:
                pattern = srsly.json_loads(line)
            except ValueError as exc:
                raise ValueError(f"{path}:{lineno}: invalid JSON: {exc}") from exc
            if not isinstance(pattern, dict) or "label" not in pattern or "pattern" not in pattern:
                raise ValueError(f"{path}:{lineno}: a pattern needs 'label' and 'pattern'")
            patterns.append(pattern)
    return patterns


def read_wordlist(path: str | Path) -> list[str]:
    """A plain list, one entry a line, '#' starting a comment."""
    path = resolve(path)
    words = []
    with path.open(encoding="utf8") as fh:
        for line in fh:
            line = line.split("#", 1)[0].strip()
            if line:
                words.append(line)
    return words
