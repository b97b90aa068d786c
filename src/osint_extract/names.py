"""Small helpers that scoring and run-time components share, so extraction never imports
the scorer: how a mention's name is compared, disjoint sets for grouping, and the plain
sentence around an offset when no parser ran."""
from __future__ import annotations

import re
from typing import Any


def mention_name(text: str, start: int, end: int) -> str:
    """The comparison key of a mention: case and spacing differences are not errors."""
    return " ".join(text[start:end].split()).lower()


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"“'‘(\[]?[A-Z0-9])|\n\s*\n|\n")


def sentence_around(text: str, start: int, end: int) -> str:
    """The sentence (or line) holding text[start:end], white space collapsed: the context
    an analyst needs to judge an error, found without a parser."""
    left = max((m.end() for m in _SENTENCE_END.finditer(text, 0, start)), default=0)
    right = next((m.start() for m in _SENTENCE_END.finditer(text, end)), len(text))
    return " ".join(text[left:right].split())


class UnionFind:
    """Disjoint sets over any hashable keys; the smaller key becomes the root, so
    clusters come out the same whatever order they were joined in."""

    def __init__(self) -> None:
        self.parent: dict[Any, Any] = {}

    def find(self, x: Any) -> Any:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: Any, b: Any) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)
