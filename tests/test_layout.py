"""Layout-aware sentence boundaries, bounded sentence windows, chunked documents, and a
PDF of a corpus document scoring as well as its plain text."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import osint_extract
from osint_extract.runs.batch import run_batch
from osint_extract.io.documents import read_jsonl
from osint_extract.runs.extraction import extract_many
from osint_extract.io.inputs import _pdf_reader
from osint_extract.io.results import doc_to_result
from osint_extract.evaluation.scoring import score_documents
from osint_extract.components.segmentation import WINDOW, window
from helpers import copy_dev_documents

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT / "corpus" / "gold" / "dev.jsonl"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

PARAGRAPH = (
    "Members of the Jalisco New Generation Cartel attacked a convoy of the state police near the town "
    "of Aguililla on Monday, and officials said the gunmen used drones and armoured trucks against the "
    "officers before they withdrew into the hills above the town, where the cartel has held the roads "
    "for more than two years."
)


def wrapped(text: str, width: int = 60) -> str:
    return "\n".join(textwrap.wrap(text, width))


def layout(nlp):
    return nlp.get_pipe("osint_line_breaks").layout


def test_wrapped_lines_are_soft_breaks_and_text_breaks_are_hard(nlp):
    text = "Cartel Violence in Michoacan\n\n" + wrapped(PARAGRAPH) + "\n- a list item follows\nThe end."
    breaks = layout(nlp).breaks(text)
    soft_lines = {text[:start].count("\n") for start, _ in breaks.soft}
    n_wrapped = wrapped(PARAGRAPH).count("\n")
    # every break inside the paragraph is soft; the blank line, the end of the paragraph
    # (a full stop), the list item and the headline are hard
    assert soft_lines == set(range(2, 2 + n_wrapped))
    assert len(breaks.hard) == 3


def test_text_with_whole_paragraph_lines_keeps_every_break(nlp):
    text = "Cartel Violence in Michoacan\n" + PARAGRAPH + "\nA second paragraph without a full stop\n" + PARAGRAPH
    breaks = layout(nlp).breaks(text)
    assert breaks.soft == [] and len(breaks.hard) == 3


def test_wrapped_paragraph_is_parsed_as_joined_lines(nlp):
    text = "Cartel Violence\n\n" + wrapped(PARAGRAPH, 40)
    doc = nlp(text)
    assert doc.text == text
    sents = list(doc.sents)
    assert sents[0].text.strip() == "Cartel Violence"
    # no sentence of the paragraph starts after a wrapped line break
    starts = {s.start_char for s in sents}
    line_starts = {i + 1 for i, c in enumerate(text) if c == "\n"}
    assert not (starts & line_starts) - {text.index("Members")}
    cartel = [e for e in doc.ents if "Cartel" in e.text and e.start_char > 20]
    assert cartel and " ".join(cartel[0].text.split()) == "Jalisco New Generation Cartel"


def test_name_cut_by_a_line_break_is_found_whole(nlp):
    text = wrapped(PARAGRAPH, 25)  # the first line ends "... the Jalisco"
    assert "Jalisco\nNew" in text
    result = osint_extract.extract(text, nlp=nlp)
    names = {(" ".join(e.name.split()), e.label) for e in result.entities}
    assert ("Jalisco New Generation Cartel", "ARMED_GROUP") in names
    assert ("Jalisco", "PLACE") not in names
    mention = next(m for m in result.mentions if m.text.startswith("Jalisco"))
    assert text[mention.start : mention.end] == mention.text == "Jalisco\nNew Generation Cartel"


def _hyphenate_first_line_end(text: str, capitalise: bool = False) -> tuple[str, str, str]:
    """The last word of the first line split by a hyphen across the line break."""
    first, rest = text.split("\n", 1)
    head, word = first.rsplit(" ", 1)
    tail = word[3:].capitalize() if capitalise else word[3:]
    return f"{head} {word[:3]}-\n{tail}{rest and ' ' + rest}", f"{word[:3]}-\n{tail}", word.lower()


def test_hyphenated_line_end_word_is_one_token(nlp):
    text, broken, joined = _hyphenate_first_line_end(wrapped(PARAGRAPH, 44))
    assert len(joined) > 4
    doc = nlp(text)
    assert doc.text == text
    token = next(t for t in doc if t.text.startswith(broken[:3]))
    assert token.text == broken and token.norm_ == joined
    # a capitalised continuation ("Al-\nQaeda") is not a word broken by the wrapping
    text, broken, _ = _hyphenate_first_line_end(wrapped(PARAGRAPH, 44), capitalise=True)
    assert all(t.text != broken for t in nlp(text))


def test_line_without_full_stops_has_bounded_sentences_and_windows(nlp):
    words = PARAGRAPH.replace(".", "").replace(",", "").split()
    text = " ".join(words * 40)  # ~2,000 words, one line, no sentence ends
    doc = nlp(text)
    limit = nlp.get_pipe("osint_line_breaks").max_sentence_tokens
    assert max(len(s) for s in doc.sents) <= limit
    result = doc_to_result(doc, "line")
    assert result.mentions
    for m in result.mentions:
        assert m.text in m.sentence and len(m.sentence) <= WINDOW
    for r in result.relations:
        assert r.evidence == text[r.evidence_start : r.evidence_end]
        assert len(r.evidence) <= 2 * WINDOW


def test_window_is_cut_at_word_boundaries():
    text = " ".join(f"word{i}" for i in range(1000))
    start = text.index("word500")
    end = start + len("word500")
    lo, hi = window(text, start, end, 0, len(text), limit=100)
    assert lo <= start and end <= hi and hi - lo <= 100
    assert text[lo - 1] == " " and text[hi] == " "
    assert window(text, start, end, start - 10, end + 10) == (start - 10, end + 10)


def test_evidence_is_the_text_between_its_offsets_in_every_row(nlp, tmp_path):
    run_batch([copy_dev_documents(tmp_path / "in")], tmp_path / "out", progress=None)
    tmp_path = tmp_path / "out"
    docs = read_jsonl(tmp_path / "documents.jsonl")
    rows = [(d["text"], r) for d in docs for r in d["relations"]]
    assert len(docs) >= 14 and len(rows) > 100
    for text, r in rows:
        assert r["evidence"] == text[r["evidence_start"] : r["evidence_end"]]
        assert r["evidence"] == r["evidence"].strip() and r["evidence"]


def test_chunked_document_has_document_offsets(nlp):
    docs = read_jsonl(DEV)[:3]
    text = "\n\n".join(d["text"] for d in docs)
    whole = next(extract_many([("d", text)], nlp=nlp, max_length=len(text)))
    parts = next(extract_many([("d", text)], nlp=nlp, max_length=len(docs[0]["text"]) + 10))
    assert parts.text == text
    assert [m.id for m in parts.mentions] == [f"m{i}" for i in range(1, len(parts.mentions) + 1)]
    for m in parts.mentions:
        assert text[m.start : m.end] == m.text
    for r in parts.relations:
        assert r.evidence == text[r.evidence_start : r.evidence_end]
    # chunks cut at paragraph ends see what the whole document sees, nearly
    same = {(m.start, m.end, m.label) for m in whole.mentions} & {(m.start, m.end, m.label) for m in parts.mentions}
    assert len(same) >= 0.95 * len(whole.mentions)


# ---------------------------------------------------------------------------- PDF


def _pdf_of(text: str) -> bytes:
    fpdf = pytest.importorskip("fpdf")
    if not FONT.is_file():
        pytest.skip(f"no Unicode font at {FONT}")
    pdf = fpdf.FPDF()
    pdf.add_page()
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_font("DejaVu", size=11)
    for line in text.split("\n"):
        if line.strip():
            pdf.multi_cell(0, 5, line, align="L", new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.ln(5)
    return bytes(pdf.output())


def _moved(gold: dict, text: str) -> dict:
    """The gold document with its offsets moved onto `text`, which differs from the gold
    text only in whitespace: the k-th non-space character of one is the k-th of the other."""
    def non_space(s: str) -> list[int]:
        return [i for i, c in enumerate(s) if not c.isspace()]

    old, new = non_space(gold["text"]), non_space(text)
    assert [gold["text"][i] for i in old] == [text[i] for i in new], "PDF text differs beyond whitespace"
    rank = {pos: k for k, pos in enumerate(old)}
    entities = []
    for e in gold["entities"]:
        start, end = new[rank[e["start"]]], new[rank[e["end"] - 1]] + 1
        entities.append({**e, "start": start, "end": end, "text": text[start:end]})
    return {**gold, "text": text, "entities": entities}


def test_pdf_with_hard_wrapped_lines_scores_like_the_plain_text(nlp):
    golds = read_jsonl(DEV)
    pdf_golds = []
    for gold in golds:
        text = _pdf_reader(_pdf_of(gold["text"]))
        assert text.count("\n") > gold["text"].count("\n") * 2  # the lines are hard-wrapped
        pdf_golds.append(_moved(gold, text))
    plain = score_documents(golds, [r.to_dict() for r in extract_many([(g["id"], g["text"]) for g in golds], nlp=nlp)])
    pdf = score_documents(pdf_golds, [r.to_dict() for r in extract_many([(g["id"], g["text"]) for g in pdf_golds], nlp=nlp)])
    for table in ("entities_strict", "relations"):
        plain_f1, pdf_f1 = getattr(plain, table)["micro"].f1, getattr(pdf, table)["micro"].f1
        assert pdf_f1 >= plain_f1 - 0.03, (table, plain_f1, pdf_f1)


def test_extract_processes_a_long_text_in_chunks(nlp):
    from osint_extract.runs.extraction import CHUNK_LENGTH

    docs = read_jsonl(DEV)
    text = "\n\n".join(d["text"] for d in docs)
    assert len(text) > CHUNK_LENGTH
    result = osint_extract.extract(text, "long", nlp=nlp)
    assert result.text == text and len(result.mentions) > 500
    assert all(text[m.start : m.end] == m.text for m in result.mentions)
