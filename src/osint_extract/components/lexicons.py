"""Pipeline components whose knowledge is a data file.

The file is read when the pipeline is initialised (spaCy's ``[initialize.components]``
block names it, so ``spacy assemble`` and `osint_extract.load` read the current file every
time) and its content is saved with the pipeline, so a saved or packaged pipeline needs
neither the file nor the path it came from.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Iterable

import srsly

from ..resources import read_data, resolve

LEXICON_FILE = "lexicon.json"


class LexiconComponent:
    """Base for a component built from one lexicon: subclasses implement `compile`.

    ``self.lexicon`` holds the data as read (plain JSON-able values); everything the
    component computes from it is rebuilt by `compile` on load, so the saved form stays
    readable and stable across versions of the code."""

    name: str
    lexicon: Any = None

    def initialize(self, get_examples: Callable[[], Iterable[Any]] | None = None, *, nlp: Any = None, lexicon: str | None = None) -> None:
        if lexicon is None:
            raise ValueError(f"{self.name}: no lexicon; set it in config.cfg under [initialize.components.{self.name}]")
        data = read_data(lexicon)
        self.validate(data, str(resolve(lexicon)))
        self.set_lexicon(data)

    def validate(self, data: Any, origin: str) -> None:
        """Raise ValueError naming `origin` and the bad entry; by default anything goes."""

    def set_lexicon(self, data: Any) -> None:
        self.lexicon = data
        self.compile(data)

    def compile(self, data: Any) -> None:
        raise NotImplementedError

    def _require(self) -> None:
        if self.lexicon is None:
            raise RuntimeError(f"{self.name}: not initialised; call nlp.initialize() or load a saved pipeline")

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        self._require()
        return srsly.msgpack_dumps({"lexicon": self.lexicon})

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> "LexiconComponent":
        self.set_lexicon(srsly.msgpack_loads(data)["lexicon"])
        return self

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        self._require()
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        # the standard library's JSON: srsly's rounds floats (0.7 came back 0.7000000000000001)
        (path / LEXICON_FILE).write_text(json.dumps(self.lexicon, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> "LexiconComponent":
        self.set_lexicon(json.loads((Path(path) / LEXICON_FILE).read_text(encoding="utf-8")))
        return self
