"""Reading input documents: formats, encodings, bad inputs, jsonl and chunking."""
from __future__ import annotations

import io
import os
import types
from pathlib import Path

import docx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader, PdfWriter

from osint_extract.io import inputs
from osint_extract.io.inputs import InputDocument, InputError, chunks, discover, iter_documents, read_texts


# --------------------------------------------------------------------------- helpers


def make_pdf(pages: list[list[str]]) -> bytes:
    """A minimal valid PDF whose pages carry the given lines as a real text layer
    (Helvetica, WinAnsi), with a correct cross-reference table."""
    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(len(pages)))
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    font = 3 + 2 * len(pages)
    for i, lines in enumerate(pages):
        ops = ["BT", "/F1 12 Tf", "14 TL", "72 720 Td"]
        for line in lines:
            escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(f"({escaped}) Tj T*")
        ops.append("ET")
        stream = "\n".join(ops).encode("cp1252") if lines else b""
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 {font} 0 R >> >> /Contents {4 + 2 * i} 0 R >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def encrypted(pdf: bytes, user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def make_docx(path: Path) -> None:
    document = docx.Document()
    document.add_heading("Situation report", level=1)
    document.add_paragraph("The M23 rebels attacked Goma on Tuesday.")
    document.add_paragraph("")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Unit"
    table.cell(0, 1).text = "Place"
    table.cell(1, 0).text = "FARDC 34th Military Region"
    table.cell(1, 1).text = "Sake"
    document.add_paragraph("They used 120mm mortars.")
    document.save(path)


def read_all(folder: Path) -> tuple[list[tuple[str, str]], list[InputError]]:
    errors: list[InputError] = []
    docs = list(read_texts(discover([folder]), errors))
    return docs, errors


# --------------------------------------------------------------------------- discovery


def test_discover_finds_every_format_sorted_and_stable(tmp_path):
    for name in ("b.txt", "a.md", "sub/c.html", "sub/d.HTM", "e.pdf", "f.docx", "g.jsonl", "skip.csv", "skip.png", "sub/deeper/h.txt"):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    ids = [d.id for d in discover([tmp_path])]
    assert ids == ["a.md", "b.txt", "e.pdf", "f.docx", "g.jsonl", "sub/c.html", "sub/d.HTM", "sub/deeper/h.txt"]
    assert discover([tmp_path]) == discover([str(tmp_path)])
    assert [d.kind for d in discover([tmp_path])] == ["text", "text", "pdf", "docx", "jsonl", "html", "html", "text"]
    # a file given directly is taken whatever its suffix, with its name as id
    assert discover([tmp_path / "skip.csv"]) == [InputDocument("skip.csv", tmp_path / "skip.csv")]
    with pytest.raises(FileNotFoundError):
        discover([tmp_path / "missing"])


def test_discover_lists_links_and_special_files_it_cannot_read(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "ok.txt").write_text("text", encoding="utf-8")
    (tmp_path / "sub" / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    (tmp_path / "gone.png").symlink_to(tmp_path / "nowhere.png")  # not an input type: not an error either
    (tmp_path / "linked.txt").symlink_to(tmp_path / "sub" / "ok.txt")  # a link to a file is read
    (tmp_path / "loop").symlink_to(tmp_path)  # links to folders are not followed
    os.mkfifo(tmp_path / "pipe.md")
    errors: list[InputError] = []
    docs = discover([tmp_path], errors=errors)
    assert [d.id for d in docs] == ["linked.txt", "sub/ok.txt"]
    assert [(e.doc_id, e.reason) for e in errors] == [
        ("pipe.md", "not a regular file (a FIFO)"),
        ("sub/gone.txt", f"broken link (its target {str(tmp_path / 'nowhere.txt')!r} does not exist)"),
    ]
    # given directly: a FIFO is an error of the batch, a broken link a missing input
    errors = []
    assert discover([tmp_path / "pipe.md"], errors=errors) == [] and errors[0].reason == "not a regular file (a FIFO)"
    with pytest.raises(FileNotFoundError, match="broken link"):
        discover([tmp_path / "sub" / "gone.txt"])
    assert discover([tmp_path]) == docs  # errors are optional


def test_reading_is_deterministic(tmp_path):
    (tmp_path / "one.txt").write_text("First.", encoding="utf-8")
    (tmp_path / "two.html").write_text("<html><body><p>Second.</p></body></html>", encoding="utf-8")
    (tmp_path / "three.jsonl").write_text('{"text": "a"}\n{"text": "b", "id": 7}\n', encoding="utf-8")
    first, second = read_all(tmp_path), read_all(tmp_path)
    assert first == second
    assert [doc_id for doc_id, _ in first[0]] == ["one.txt", "three.jsonl#1", "three.jsonl#7", "two.html"]


# --------------------------------------------------------------------------- text and encodings

FRENCH = (
    "Le chef de la brigade a déclaré à Bukavu que les « rebelles » avaient été repoussés. "
    "L'armée a déployé des véhicules blindés près de la frontière ; à Goma, la population "
    "a fui vers le sud. Des témoins évoquent des obus de 120 mm et des fusils d'assaut."
)


def test_utf8_bom_and_crlf(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"\xef\xbb\xbfFirst line\r\nsecond line\r\n")
    (tmp_path / "b.md").write_text("# Titre\n\nÉtat-major à Kinshasa.\n", encoding="utf-8")
    docs, errors = read_all(tmp_path)
    assert errors == []
    assert docs == [("a.txt", "First line\nsecond line\n"), ("b.md", "# Titre\n\nÉtat-major à Kinshasa.\n")]


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
def test_legacy_single_byte_encodings(tmp_path, encoding):
    (tmp_path / "report.txt").write_bytes(FRENCH.encode(encoding))
    assert read_all(tmp_path) == ([("report.txt", FRENCH)], [])


def test_cp1252_punctuation(tmp_path):
    text = "The commander said: \u201cWe hold the bridge\u201d \u2014 and the M23\u2019s 3rd battalion withdrew. " * 3
    (tmp_path / "quote.txt").write_bytes(text.encode("cp1252"))
    assert read_all(tmp_path) == ([("quote.txt", text)], [])


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_and_utf32(tmp_path, encoding):
    text = "Rapport : l'unité Ω-7 a quitté Bunia.\nSecond paragraph — 日本語 too.\n"
    (tmp_path / "wide.txt").write_bytes(text.encode(encoding))
    assert read_all(tmp_path) == ([("wide.txt", text)], [])


# --------------------------------------------------------------------------- HTML

PAGE = """<!DOCTYPE html>
<html lang="en"><head><title>Report</title>
<style>body { color: red; } .STYLETEXT {}</style>
<script>var tracking = "SCRIPTTEXT";</script>
</head><body>
<nav><ul><li><a href="/">Home NAVTEXT</a></li><li><a href="/about">About</a></li></ul></nav>
<header><div class="menu">Menu HEADERTEXT</div></header>
<main><article>
<h1>Clashes near Goma</h1>
<p>The M23 rebels attacked Goma on Tuesday with 120mm mortars.</p>
<p>FARDC units withdrew to Sake, according to local officials.</p>
<script>document.write("INLINESCRIPT")</script>
</article></main>
<footer>FOOTERTEXT Copyright 2024</footer>
</body></html>"""


def test_html_main_text_without_scripts_styles_navigation(tmp_path):
    (tmp_path / "page.html").write_text(PAGE, encoding="utf-8")
    [(doc_id, text)], errors = read_all(tmp_path)
    assert doc_id == "page.html" and errors == []
    assert "The M23 rebels attacked Goma on Tuesday with 120mm mortars." in text
    assert "FARDC units withdrew to Sake" in text
    for noise in ("SCRIPTTEXT", "INLINESCRIPT", "STYLETEXT", "color: red", "NAVTEXT", "HEADERTEXT", "FOOTERTEXT", "<p>"):
        assert noise not in text


def test_html_encodings(tmp_path):
    body = "<html><head>{meta}</head><body><article><p>" + FRENCH + "</p></article></body></html>"
    (tmp_path / "declared.htm").write_bytes(body.format(meta='<meta charset="windows-1252">').encode("cp1252"))
    (tmp_path / "guessed.html").write_bytes(body.format(meta="").encode("cp1252"))
    (tmp_path / "utf16.html").write_bytes(body.format(meta="").encode("utf-16"))
    (tmp_path / "xmldecl.html").write_bytes(
        b'<?xml version="1.0" encoding="utf-8"?>\n' + body.format(meta="").encode("utf-8")
    )
    docs, errors = read_all(tmp_path)
    assert errors == []
    assert [doc_id for doc_id, _ in docs] == ["declared.htm", "guessed.html", "utf16.html", "xmldecl.html"]
    for _, text in docs:
        assert text.strip() == FRENCH


def test_html_without_text_is_empty(tmp_path):
    (tmp_path / "blank.html").write_text("<html><head><script>var x = 1;</script></head><body> </body></html>", encoding="utf-8")
    assert read_all(tmp_path) == ([], [InputError(tmp_path / "blank.html", "empty document", "blank.html")])


# --------------------------------------------------------------------------- PDF and DOCX


def test_pdf_text_layer(tmp_path):
    (tmp_path / "report.pdf").write_bytes(
        make_pdf([["The M23 rebels attacked Goma.", "FARDC withdrew (again) to Sake."], ["Page two: Bukavu."]])
    )
    assert read_all(tmp_path) == (
        [("report.pdf", "The M23 rebels attacked Goma.\nFARDC withdrew (again) to Sake.\n\nPage two: Bukavu.")],
        [],
    )


def test_bad_pdfs(tmp_path):
    good = make_pdf([["Readable text."]])
    (tmp_path / "a_truncated.pdf").write_bytes(good[: len(good) // 2])
    (tmp_path / "b_locked.pdf").write_bytes(encrypted(good, user_password="secret"))
    (tmp_path / "c_owner_only.pdf").write_bytes(encrypted(good, user_password=""))
    (tmp_path / "d_scanned.pdf").write_bytes(make_pdf([[]]))
    (tmp_path / "e_not_a_pdf.pdf").write_text("just some text pretending", encoding="utf-8")
    (tmp_path / "f_garbage.pdf").write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 4)
    (tmp_path / "z_good.pdf").write_bytes(good)
    docs, errors = read_all(tmp_path)
    # an owner-password-only PDF opens with the empty user password
    assert docs == [("c_owner_only.pdf", "Readable text."), ("z_good.pdf", "Readable text.")]
    by_name = {e.path.name: e.reason for e in errors}
    assert sorted(by_name) == ["a_truncated.pdf", "b_locked.pdf", "d_scanned.pdf", "e_not_a_pdf.pdf", "f_garbage.pdf"]
    assert by_name["a_truncated.pdf"].startswith("PDF could not be read: ")
    assert by_name["b_locked.pdf"] == "encrypted PDF"
    assert by_name["d_scanned.pdf"].startswith("PDF has no text layer")
    assert by_name["e_not_a_pdf.pdf"] == "PDF could not be read: not a PDF file"
    assert by_name["f_garbage.pdf"].startswith("PDF could not be read: ")


def test_docx_paragraphs_and_tables_in_order(tmp_path):
    make_docx(tmp_path / "sitrep.docx")
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip archive")
    docs, errors = read_all(tmp_path)
    assert docs == [
        (
            "sitrep.docx",
            "Situation report\n\nThe M23 rebels attacked Goma on Tuesday.\n\n"
            "Unit\tPlace\nFARDC 34th Military Region\tSake\n\nThey used 120mm mortars.",
        )
    ]
    assert [(e.path.name, e.reason.split(":")[0]) for e in errors] == [("broken.docx", "DOCX could not be read")]


# --------------------------------------------------------------------------- JSONL


def test_jsonl_ids_and_bad_lines(tmp_path):
    lines = [
        '{"id": "r1", "text": "First report."}',  # 1
        '{"text": "No id here."}',  # 2 -> #2
        "{not json",  # 3
        '{"id": "r4"}',  # 4
        '{"id": "r5", "text": ""}',  # 5
        '{"id": "r6", "text": 42}',  # 6
        "[1, 2]",  # 7
        "",  # 8: blank lines are skipped
        '{"id": 9, "text": "Integer id."}',  # 9
        '{"id": "r1", "text": "Same id again."}',  # 10
        '{"id": true, "text": "Bad id."}',  # 11
        '{"id": "r12", "text": "Last one, no newline at the end."}',  # 12
    ]
    raw = ("\n".join(lines)).encode("utf-8")
    raw += b"\n" + b'{"text": "bad \xff utf-8"}'  # 13
    (tmp_path / "feed.jsonl").write_bytes(b"\xef\xbb\xbf" + raw)
    errors: list[InputError] = []
    docs = list(read_texts(discover([tmp_path]), errors))
    assert docs == [
        ("feed.jsonl#r1", "First report."),
        ("feed.jsonl#2", "No id here."),
        ("feed.jsonl#9", "Integer id."),
        ("feed.jsonl#r12", "Last one, no newline at the end."),
    ]
    got = [(e.path.name, e.reason) for e in errors]
    assert [reason.split(":")[0] for _, reason in got] == [
        "line 3", "line 4", "line 5", "line 6", "line 7", "line 10", "line 11", "line 13"
    ]
    assert all(name == "feed.jsonl" for name, _ in got)
    reasons_by_line = {r.split(":")[0]: r for _, r in got}
    assert reasons_by_line["line 3"].startswith("line 3: invalid JSON")
    assert reasons_by_line["line 4"] == "line 4: no text field"
    assert reasons_by_line["line 5"] == "line 5: empty text"
    assert reasons_by_line["line 6"] == "line 6: text is not a string"
    assert reasons_by_line["line 7"] == "line 7: not a JSON object"
    assert reasons_by_line["line 10"] == "line 10: duplicate id 'r1'"
    assert reasons_by_line["line 11"].startswith("line 11: id is not")
    assert reasons_by_line["line 13"] == "line 13: not valid UTF-8"
    assert [e.doc_id for e in errors][1] == "feed.jsonl#r4"


def test_jsonl_in_a_subfolder_and_empty(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "x.jsonl").write_text('{"text": "one"}\r\n{"text": "two"}\r\n', encoding="utf-8")
    (tmp_path / "y.jsonl").write_text("\n\n", encoding="utf-8")
    (tmp_path / "z.jsonl").write_bytes(b"\x00\x01\x02" * 50)
    docs, errors = read_all(tmp_path)
    assert docs == [("sub/x.jsonl#1", "one"), ("sub/x.jsonl#2", "two")]
    assert [(e.path.name, e.reason) for e in errors] == [("y.jsonl", "empty document"), ("z.jsonl", "binary file")]


# --------------------------------------------------------------------------- bad inputs


def test_bad_inputs_are_errors_and_the_batch_goes_on(tmp_path, monkeypatch):
    (tmp_path / "a_good.txt").write_text("Good one.", encoding="utf-8")
    (tmp_path / "b_empty.txt").write_bytes(b"")
    (tmp_path / "c_blank.md").write_text(" \n\t\n", encoding="utf-8")
    (tmp_path / "d_binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8)
    (tmp_path / "e_broken.txt").write_bytes(b"\xff\xfe\x00bad \xc3\x28 bytes")  # UTF-16 BOM, odd length
    (tmp_path / "f_noise.txt").write_bytes(bytes(range(1, 32)) * 20)  # control characters only
    (tmp_path / "g_locked.txt").write_text("Secret.", encoding="utf-8")
    (tmp_path / "h_empty.pdf").write_bytes(b"")
    (tmp_path / "i_empty.docx").write_bytes(b"")
    (tmp_path / "j_empty.html").write_bytes(b"")
    (tmp_path / "z_good.md").write_text("Another good one.", encoding="utf-8")
    locked = tmp_path / "g_locked.txt"
    locked.chmod(0)
    if os.access(locked, os.R_OK):  # running as root: permissions do not stop reading
        real = Path.read_bytes

        def read_bytes(self):
            if self == locked:
                raise PermissionError(13, "Permission denied", str(self))
            return real(self)

        monkeypatch.setattr(Path, "read_bytes", read_bytes)
    try:
        docs, errors = read_all(tmp_path)
    finally:
        locked.chmod(0o644)
    assert docs == [("a_good.txt", "Good one."), ("z_good.md", "Another good one.")]
    assert [(e.path.name, e.reason) for e in errors] == [
        ("b_empty.txt", "empty document"),
        ("c_blank.md", "empty document"),
        ("d_binary.txt", "binary file"),
        ("e_broken.txt", "undecodable text: not valid UTF-16-LE after its byte order mark (truncated data)"),
        ("f_noise.txt", "binary file"),
        ("g_locked.txt", "permission denied"),
        ("h_empty.pdf", "empty document"),
        ("i_empty.docx", "empty document"),
        ("j_empty.html", "empty document"),
    ]
    assert all(e.doc_id == e.path.name for e in errors)


def test_reading_is_lazy_and_never_raises(tmp_path, monkeypatch):
    for name in ("a.txt", "b.txt", "c.txt"):
        (tmp_path / name).write_text(f"Text of {name}.", encoding="utf-8")
    docs = discover([tmp_path])
    errors: list[InputError] = []
    stream = read_texts(docs, errors)
    assert isinstance(stream, types.GeneratorType)
    assert next(stream) == ("a.txt", "Text of a.txt.")
    # files are read only when reached: one removed now is reported, not a crash
    (tmp_path / "b.txt").unlink()

    def explode(raw: bytes) -> str:
        raise RuntimeError("reader bug")

    monkeypatch.setitem(inputs._READERS, "text", explode)
    assert list(stream) == []
    assert [(e.path.name, e.reason) for e in errors] == [
        ("b.txt", "file not found"),
        ("c.txt", "could not be read: RuntimeError: reader bug"),
    ]


def test_iter_documents_keeps_errors_in_place(tmp_path):
    (tmp_path / "a.txt").write_text("A.", encoding="utf-8")
    (tmp_path / "b.txt").write_bytes(b"")
    (tmp_path / "c.txt").write_text("C.", encoding="utf-8")
    items = list(iter_documents(discover([tmp_path])))
    assert items == [("a.txt", "A."), InputError(tmp_path / "b.txt", "empty document", "b.txt"), ("c.txt", "C.")]


# --------------------------------------------------------------------------- chunks


def check_chunks(text: str, max_length: int) -> list[tuple[int, str]]:
    pieces = chunks(text, max_length)
    assert "".join(piece for _, piece in pieces) == text
    position = 0
    for start, piece in pieces:
        assert start == position
        assert text[start:start + len(piece)] == piece
        assert len(piece) <= max_length
        assert piece or text == ""
        position += len(piece)
    assert position == len(text)
    return pieces


ALPHABET = st.sampled_from(list("ab c.!?\n\n\t  é日\u201d\u00a0") + ["\r\n", ". ", "\n\n", "word", "x" * 30])


@settings(max_examples=300, deadline=None)
@given(text=st.lists(ALPHABET, max_size=200).map("".join), max_length=st.integers(1, 120))
def test_chunks_cover_the_text_exactly(text, max_length):
    check_chunks(text, max_length)


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=500), max_length=st.integers(1, 80))
def test_chunks_cover_any_unicode_text(text, max_length):
    check_chunks(text, max_length)


@settings(max_examples=15, deadline=None)
@given(
    unit=st.text(min_size=1, max_size=40),
    repeat=st.integers(5_000, 30_000),
    max_length=st.integers(50, 5_000),
)
def test_chunks_on_huge_single_lines(unit, repeat, max_length):
    text = unit * repeat
    pieces = check_chunks(text, max_length)
    assert len(pieces) >= len(text) // max_length


def test_chunks_cut_at_the_best_boundary():
    assert chunks("short", 10) == [(0, "short")]
    assert chunks("", 3) == [(0, "")]
    # a paragraph break wins over later sentence ends
    text = "First paragraph here.\n\nSecond one. It goes on. And on and on."
    assert check_chunks(text, 40)[0] == (0, "First paragraph here.\n\n")
    # a sentence end wins over later whitespace
    text = "One sentence here. Another sentence that is long"
    assert check_chunks(text, 30)[0] == (0, "One sentence here. ")
    # whitespace when there is no sentence end
    text = "alpha beta gamma delta epsilon zeta eta theta"
    first = check_chunks(text, 20)[0]
    assert first == (0, "alpha beta gamma ")
    # hard cuts inside one long token
    assert check_chunks("x" * 25, 10) == [(0, "x" * 10), (10, "x" * 10), (20, "x" * 5)]
    # entity offsets shift back to the document
    text = ("Filler sentence number one. " * 20) + "The M23 rebels took Goma."
    for start, piece in chunks(text, 100):
        at = piece.find("Goma")
        if at >= 0:
            assert text[start + at:start + at + 4] == "Goma"
    with pytest.raises(ValueError):
        chunks("abc", 0)


def test_chunks_of_a_huge_line_are_fast():
    text = ("word " * 400_000) + ("y" * 2_000_000)
    pieces = check_chunks(text, 10_000)
    assert all(len(piece) == 10_000 for _, piece in pieces[:-1] if "word" not in piece)
