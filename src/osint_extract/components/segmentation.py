"""Sentence boundaries from the page layout, and bounded sentence windows.

A line break is a sentence boundary only where the text says so: a blank line, a line
that ends with sentence-final punctuation, a list item or caption after it, a short line
(a headline, a byline) before it. Hard-wrapped text (PDF text layers, e-mail, plain-text
reports) breaks lines wherever they are full; there the break is only a space, and the
parser must see one sentence, or names and statements are cut in two. A word hyphenated
at a line end ("Gener-\\nation") becomes one token whose norm is the joined word. The
doc's text stays the original text, so every offset points into it.

Sentences are unbounded in text without punctuation (a 3 MB line with no full stop), so
what is shown as a mention's sentence or a relation's evidence is a window of the
sentence around the mention, cut at word boundaries.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

import numpy
from spacy.attrs import IDX, IS_SPACE, ORTH, SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from .lexicons import LexiconComponent

# at most this many characters of a sentence are kept as a mention's sentence or evidence
WINDOW = 1000


@Language.factory(
    "osint_line_breaks",
    assigns=["token.is_sent_start"],
    default_config={
        "full_line": 0.75,
        "min_wrapped_lines": 3,
        "max_wrap_width": 200,
        "max_sentence_tokens": 200,
    },
)
def make_line_breaks(
    nlp: Language,
    name: str,
    full_line: float,
    min_wrapped_lines: int,
    max_wrap_width: int,
    max_sentence_tokens: int,
) -> "LineBreaks":
    return LineBreaks(name, full_line, min_wrapped_lines, max_wrap_width, max_sentence_tokens)


@dataclass
class Breaks:
    """The line breaks of a text: `hard` and `soft` as (position of the first newline,
    position of the next non-space character); `hyphens` as (start, end, joined word)."""

    hard: list[tuple[int, int]]
    soft: list[tuple[int, int]]
    hyphens: list[tuple[int, int, str]]


_LINE_BREAK = re.compile(r"[ \t\r\f\v]*\n[\s]*")
_HYPHENATED = re.compile(r"([^\W\d_]+)-[ \t]*\n[ \t]*([^\W\d_]+)")


class Layout:
    """Tells the text's own line breaks from those of hard wrapping.

    A text is hard-wrapped when at least `min_wrapped_lines` of its lines are nearly as
    long as its wrap width (the 90th percentile of line lengths, at most `max_wrap_width`
    characters; a text of whole-paragraph lines has no such width). There a break is soft
    when the line before it is full (the next line's first word would not have fitted in
    `full_line` of the width), it does not end a sentence, and the next line does not
    start a list item or caption.
    """

    def __init__(
        self,
        sentence_final: list[str],
        closing: list[str],
        line_starts: list[str],
        full_line: float = 0.75,
        min_wrapped_lines: int = 3,
        max_wrap_width: int = 200,
    ):
        self.sentence_final = tuple(sentence_final)
        self.closing = "".join(closing)
        self.line_start = re.compile("|".join(f"(?:{p})" for p in line_starts)) if line_starts else None
        self.full_line = full_line
        self.min_wrapped_lines = min_wrapped_lines
        self.max_wrap_width = max_wrap_width

    @classmethod
    def from_lexicon(cls, data: dict, full_line: float, min_wrapped_lines: int, max_wrap_width: int) -> "Layout":
        return cls(
            [str(c) for c in data.get("sentence_final", [])],
            [str(c) for c in data.get("closing", [])],
            [str(p) for p in data.get("line_starts", [])],
            full_line,
            min_wrapped_lines,
            max_wrap_width,
        )

    def wrap_width(self, lengths: list[int]) -> int | None:
        """The width the text was wrapped at, or None when it is not hard-wrapped."""
        if len(lengths) < self.min_wrapped_lines:
            return None
        width = sorted(lengths)[int(0.9 * (len(lengths) - 1))]
        if width > self.max_wrap_width:
            return None
        if sum(1 for n in lengths if n >= self.full_line * width) < self.min_wrapped_lines:
            return None
        return width

    def ends_sentence(self, line: str) -> bool:
        return line.rstrip().rstrip(self.closing).endswith(self.sentence_final)

    def breaks(self, text: str) -> Breaks:
        found = Breaks([], [], [])
        runs = [(m.start(), m.end(), m.group().count("\n")) for m in _LINE_BREAK.finditer(text)]
        if not runs:
            return found
        # the lines between breaks, stripped: [(start, end)]
        bounds = []
        pos = 0
        for start, end, _ in runs:
            bounds.append((pos, start))
            pos = end
        bounds.append((pos, len(text)))
        lengths = [e - s for s, e in bounds if e > s]
        width = self.wrap_width(lengths)
        hyphen_at = {}
        if width is not None:
            hyphen_at = {m.start(0) + len(m.group(1)): m for m in _HYPHENATED.finditer(text) if m.group(2)[0].islower()}
        for k, (start, end, newlines) in enumerate(runs):
            before = text[bounds[k][0] : bounds[k][1]]
            after_start, after_end = bounds[k + 1]
            soft = False
            if width is not None and newlines == 1 and before and after_end > after_start:
                after = text[after_start:after_end]
                first_word = after.split(None, 1)[0]
                soft = (
                    len(before) + 1 + len(first_word) >= self.full_line * width
                    and not self.ends_sentence(before)
                    and not (self.line_start is not None and self.line_start.match(after))
                )
            (found.soft if soft else found.hard).append((start, end))
            hyphen = hyphen_at.get(start - 1) if soft else None
            if hyphen is not None:
                found.hyphens.append((hyphen.start(0), hyphen.end(0), (hyphen.group(1) + hyphen.group(2)).lower()))
        return found


class LineBreaks(LexiconComponent):
    """Marks sentence starts at the text's own line breaks and forbids them at the breaks
    of hard wrapping; joins words hyphenated across a line break into one token. Runs
    before the statistical components, so they see the joined words and the parser
    respects the boundaries. Its lexicon (layout.yml) holds the sentence-final marks and
    the line starts of list items and captions."""

    def __init__(
        self,
        name: str,
        full_line: float = 0.75,
        min_wrapped_lines: int = 3,
        max_wrap_width: int = 200,
        max_sentence_tokens: int = 200,
    ):
        self.name = name
        self.wrap = (full_line, min_wrapped_lines, max_wrap_width)
        self.max_sentence_tokens = max_sentence_tokens

    def compile(self, data: dict) -> None:
        self.layout = Layout.from_lexicon(data or {}, *self.wrap)

    def __call__(self, doc: Doc) -> Doc:
        text = doc.text
        if len(doc) < 2:
            return doc
        breaks = self.layout.breaks(text)
        if breaks.hyphens:
            with doc.retokenize() as retokenizer:
                for start, end, joined in breaks.hyphens:
                    span = doc.char_span(start, end)
                    if span is not None and len(span) > 1:
                        retokenizer.merge(span, attrs={"NORM": joined})
        idx = doc.to_array([IDX]).astype(numpy.int64)
        sent_start = doc.to_array([SENT_START]).astype(numpy.int64)
        for start, end in breaks.hard:
            k = int(numpy.searchsorted(idx, end))
            if 0 < k < len(doc):
                sent_start[k] = 1
        for start, end in breaks.soft:
            lo = int(numpy.searchsorted(idx, start))
            hi = int(numpy.searchsorted(idx, end, side="right"))
            sent_start[max(lo, 1) : min(hi, len(doc))] = -1
        sent_start[0] = 1
        self._bound_sentences(doc, sent_start)
        doc.from_array([SENT_START], sent_start.astype(numpy.uint64))
        return doc

    def _bound_sentences(self, doc: Doc, sent_start: numpy.ndarray) -> None:
        """A start every `max_sentence_tokens` tokens in a stretch without any
        sentence-final punctuation or boundary (a list of names without full stops, a
        whole file on one line), so no sentence, and nothing done per sentence, grows
        with the document."""
        limit = self.max_sentence_tokens
        if limit <= 0 or len(doc) <= limit:
            return
        final = numpy.isin(doc.to_array([ORTH]).astype(numpy.uint64), self._final_orths(doc))
        marks = numpy.flatnonzero(final | (sent_start == 1))
        edges = numpy.concatenate(([0], marks, [len(doc)]))
        for lo, hi in zip(edges[:-1].tolist(), edges[1:].tolist()):
            for k in range(lo + limit, hi - 1, limit):
                if sent_start[k] == 0:
                    sent_start[k] = 1

    def _final_orths(self, doc: Doc) -> numpy.ndarray:
        return numpy.array([doc.vocab.strings.add(c) for c in self.layout.sentence_final], dtype=numpy.uint64)


class Sentences:
    """The doc's sentences as character bounds, looked up by offset in O(log n): a
    mention's sentence without `Span.sent`, which walks the tokens of the sentence."""

    def __init__(self, doc: Doc):
        self.text = doc.text
        if doc.has_annotation("SENT_START"):
            sents = [(s.start, s.start_char, s.end_char) for s in doc.sents]
        else:
            sents = [(0, 0, len(self.text))]
        self.first_tokens = [i for i, _, _ in sents]
        self.starts = [s for _, s, _ in sents]
        self.ends = [e for _, _, e in sents]

    def first_token(self, i: int) -> int:
        """The index of the first token of token `i`'s sentence."""
        return self.first_tokens[max(0, bisect.bisect_right(self.first_tokens, i) - 1)]

    def bounds(self, offset: int) -> tuple[int, int]:
        """(start, end) of the sentence holding character `offset`."""
        k = max(0, bisect.bisect_right(self.starts, offset) - 1)
        return self.starts[k], self.ends[k]

    def window(self, start: int, end: int, limit: int = WINDOW) -> tuple[int, int]:
        """The sentence around [start, end), cut to about `limit` characters at word
        boundaries and stripped of surrounding whitespace."""
        return window(self.text, start, end, *self.bounds(start), limit=limit)


def window(text: str, start: int, end: int, sent_start: int, sent_end: int, limit: int = WINDOW) -> tuple[int, int]:
    """[start, end) widened to its sentence [sent_start, sent_end), or to about `limit`
    characters around it, cut at word boundaries, when the sentence is longer."""
    sent_start, sent_end = min(sent_start, start), max(sent_end, end)
    if sent_end - sent_start > limit:
        room = max(0, limit - (end - start))
        lo = max(sent_start, start - room // 2)
        hi = min(sent_end, end + room - (start - lo))
        lo = max(sent_start, min(lo, hi - limit))  # room left over at the end goes before
        # cut at word boundaries, never into [start, end) itself
        if lo > sent_start and not text[lo - 1].isspace():
            space = _SPACE.search(text, lo, start)
            lo = space.end() if space else lo
        if hi < sent_end and not text[hi].isspace():
            hi = max(text.rfind(" ", end, hi), text.rfind("\n", end, hi), end)
        sent_start, sent_end = lo, hi
    while sent_start < start and text[sent_start].isspace():
        sent_start += 1
    while sent_end > end and text[sent_end - 1].isspace():
        sent_end -= 1
    return sent_start, sent_end


_SPACE = re.compile(r"\s")


def sentence_text(text: str, start: int, end: int) -> str:
    """A sentence window as shown in tables: whitespace runs (line breaks) as one space."""
    return " ".join(text[start:end].split())


def without_soft_breaks(doc: Doc) -> tuple[Doc, list[int] | None]:
    """The doc as rules should match it: without the whitespace tokens of hard-wrapped
    line breaks (a space token not followed by a sentence start), so "Jalisco\\nNew
    Generation Cartel" matches the phrase. Returns the view and, for each of its tokens,
    the index of the token in `doc` (None when the doc has no such breaks)."""
    arr = doc.to_array([IS_SPACE, SENT_START])
    if len(doc) < 2 or not arr[:, 0].any():
        return doc, None
    soft = (arr[:-1, 0] == 1) & (arr[1:, 1].astype(numpy.int64) != 1)
    if not soft.any():
        return doc, None
    keep = numpy.flatnonzero(numpy.append(~soft, True)).tolist()
    words = [doc[i].text for i in keep]
    spaces = [bool(doc[i].whitespace_) or bool(i + 1 < len(soft) and soft[i + 1]) for i in keep]
    return Doc(doc.vocab, words=words, spaces=spaces), keep
