"""Scaling with document length: words per second and peak memory of the real
`osint-extract extract` CLI (default settings, one process) on ONE document of 10k, 100k,
1M and 5M words built from corpus/docs, on a ~3 MB single line with no full stops, and on a
PDF whose text layer holds ~1 MB of hard-wrapped lines (written with fpdf2, the test extra,
and a DejaVu font; skipped where either is missing).

    python benchmarks/scaling.py                       # every size, the single line and the PDF
    python benchmarks/scaling.py --sizes 10k 100k 1M   # a subset ("line", "pdf" for those two)

Peak memory is the sum of the resident memory of the run's whole process tree, sampled
every 50 ms. Targets (issue 8): words/s at 1M within 25% of words/s at 10k; peak memory
under 1.5 GB at 5M words and for the single line. The 5M run takes about 20 minutes.
"""
from __future__ import annotations

import argparse
import re
import tempfile
from pathlib import Path

import psutil

from cli_runs import run

ROOT = Path(__file__).resolve().parents[1]
SIZES = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000, "5M": 5_000_000}
PDF_WORDS = 170_000  # about 1 MB of text
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def corpus_docs() -> list[str]:
    docs = [p.read_text(encoding="utf-8").strip() for p in sorted((ROOT / "corpus" / "docs").glob("*.txt"))]
    if not docs:
        raise SystemExit("no documents under corpus/docs")
    return docs


def long_document(path: Path, words: int) -> int:
    """One document of at least `words` words: the corpus documents one after another,
    repeated, as paragraphs of one text. Written piecewise, never held whole."""
    total = 0
    with path.open("w", encoding="utf-8") as fh:
        while total < words:
            for text in corpus_docs():
                fh.write(text + "\n\n")
                total += len(text.split())
                if total >= words:
                    break
    return total


def single_line(path: Path, chars: int = 3_000_000) -> int:
    """A ~3 MB line with no full stops: the corpus's words, punctuation that ends
    sentences removed, joined by single spaces."""
    words = [w for w in re.sub(r"[.!?;:\n]", " ", " ".join(corpus_docs())).split() if w]
    total, n = 0, 0
    with path.open("w", encoding="utf-8") as fh:
        while total < chars:
            for w in words:
                fh.write(w + " ")
                total += len(w) + 1
                n += 1
                if total >= chars:
                    break
    return n


def hard_wrapped_pdf(path: Path, words: int = PDF_WORDS) -> int | None:
    """A PDF of the corpus documents one after another, each paragraph wrapped to the page
    width, as a report's PDF export is; None without fpdf2 or the font."""
    try:
        import fpdf
    except ImportError:
        return None
    if not FONT.is_file():
        return None
    pdf = fpdf.FPDF()
    pdf.add_page()
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_font("DejaVu", size=11)
    total = 0
    while total < words:
        for text in corpus_docs():
            for paragraph in text.split("\n\n"):
                pdf.multi_cell(0, 5, paragraph.replace("\n", " "), align="L", new_x="LMARGIN", new_y="NEXT")
                pdf.ln(5)
            total += len(text.split())
            if total >= words:
                break
    pdf.output(str(path))
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", default=[*SIZES, "line", "pdf"], choices=[*SIZES, "line", "pdf"])
    args = parser.parse_args()
    print(f"one document per run, `osint-extract extract` with default settings; {psutil.cpu_count()} CPUs", flush=True)
    rates: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        # start-up (imports, loading the pipeline, writing the tables) on a one-sentence document
        tiny = Path(tmp) / "tiny.txt"
        tiny.write_text(corpus_docs()[0].split(".")[0] + ".\n", encoding="utf-8")
        startup, _ = run(["extract", str(tiny), "--out", str(Path(tmp) / "out-tiny")])
        print(f"start-up (a one-sentence document): {startup:.1f} s", flush=True)
        for size in args.sizes:
            doc = Path(tmp) / (f"{size}.pdf" if size == "pdf" else f"{size}.txt")
            if size == "pdf":
                words = hard_wrapped_pdf(doc)
                if words is None:
                    print(f"pdf: skipped (needs fpdf2 and {FONT})", flush=True)
                    continue
            else:
                words = single_line(doc) if size == "line" else long_document(doc, SIZES[size])
            mb = doc.stat().st_size / 1e6
            seconds, peak = run(["extract", str(doc), "--out", str(Path(tmp) / f"out-{size}")])
            rates[size] = words / seconds
            name = {"line": "single line, no full stops", "pdf": "PDF, hard-wrapped lines"}.get(size, f"{size} words")
            after = words / max(seconds - startup, 1e-9)
            print(
                f"{name}: {words:,} words, {mb:.1f} MB, {seconds:,.1f} s, {rates[size]:,.0f} words/s "
                f"({after:,.0f} words/s after start-up), peak memory {peak:,.0f} MiB",
                flush=True,
            )
            doc.unlink()
    if "10k" in rates and "1M" in rates:
        print(f"words/s at 1M / at 10k: {rates['1M'] / rates['10k']:.2f}")


if __name__ == "__main__":
    main()
