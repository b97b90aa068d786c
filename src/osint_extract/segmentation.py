"""Sentence boundaries the parser must respect: a blank line or a line break ends a
sentence. Headlines, captions and list items have no full stop, and the parser would
otherwise run them into the next paragraph, joining unrelated names in one sentence."""
from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc


@Language.factory("osint_line_breaks", assigns=["token.is_sent_start"], default_config={"min_newlines": 1})
def make_line_breaks(nlp: Language, name: str, min_newlines: int) -> "LineBreaks":
    return LineBreaks(name, min_newlines)


class LineBreaks:
    """Marks the token after `min_newlines` or more line breaks as a sentence start."""

    def __init__(self, name: str, min_newlines: int):
        self.name = name
        self.min_newlines = min_newlines

    def __call__(self, doc: Doc) -> Doc:
        for tok in doc[:-1]:
            breaks = tok.whitespace_.count("\n") + (tok.text.count("\n") if tok.is_space else 0)
            if breaks >= self.min_newlines:
                doc[tok.i + 1].is_sent_start = True
        return doc
