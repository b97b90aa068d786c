"""The review report of a finished run: `OUT/report/index.html` and one page per document.

An analyst opens it from disk, on a machine that may have no network: every script and
style is inlined (vis-network's from the installed pyvis package, the rest from this
package's `report_templates/`), nothing is fetched, and each page's Content-Security-Policy
forbids fetching anything. The report is built from the run folder's files alone, so it can
be made for any earlier run.

Everything taken from the run (texts, names, evidence, file names) reaches the page as text:
escaped by Jinja2 and displaCy in the HTML, and put into the DOM with `textContent` by the
page's script, so a document holding `<script>` shows it. Document pages carry no script at
all and their policy allows none.

The index stays light with thousands of documents: the table data travel as one JSON block
and the tables show a page of rows at a time; each document has its own file.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from spacy import displacy

from .run_folder import RunFolder, read_run
from ..schema import ENTITY_LABELS, SYMMETRIC
from .tables import CONTROL_RELATIONS

REPORT_DIR = "report"
# Written into every report folder: a folder without it is never replaced.
MARKER = ".osint-extract-report"
# The network draws at most this many relations, the best supported first.
MAX_NETWORK_EDGES = 1500
MAX_ERRORS_LISTED = 500
VIS_DIR = "lib/vis-9.1.2"

LABEL_COLORS = {
    "PERSON": "#aa9cfc",
    "ARMED_GROUP": "#ff8f8f",
    "UNIT": "#f6b26b",
    "ORG": "#7aecec",
    "PLACE": "#bfe1d9",
    "WEAPON": "#e4e7d2",
    "CALIBRE": "#c7c7c7",
}
RELATION_COLORS = {
    "CONTROLS": "#d62728",
    "LEADS": "#9467bd",
    "POSSESSES": "#8c8c8c",
    "PART_OF": "#1f77b4",
    "MEMBER_OF": "#17becf",
    "ALLIED_WITH": "#2ca02c",
    "FIGHTS": "#ff7f0e",
}


# displaCy's mention markup with its styling moved to report.css: a third of the page's size.
ENT_TEMPLATE = '<mark class="entity" style="background: {bg}">{text} <span class="entity-label">{label}{kb_link}</span></mark>'


class ReportError(ValueError):
    """The run folder cannot be turned into a report; the message names the file."""


@dataclass
class ReportStats:
    """What a report holds, for the caller to print."""

    path: Path
    documents: int
    controls: int
    entities: int
    bytes: int


def report(
    out_dir: str | Path,
    dest: str | Path | None = None,
    *,
    config: str | Path | None = None,
    max_network_edges: int = MAX_NETWORK_EDGES,
) -> ReportStats:
    """Write the review report of the run in `out_dir` to `dest` (default `out_dir/report`)
    and say what it holds and where its index is. `config` is the pipeline config the run
    used (its linking rules place each document's entities among the run-wide ones). The
    folder is built beside its target and moved into place when complete, so a failed
    build leaves the previous report as it was."""
    out = Path(out_dir)
    target = Path(dest) if dest is not None else out / REPORT_DIR
    run = read_run(out, config)
    _check_replaceable(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        stats = _build(run, out, build, max_network_edges)
        (build / MARKER).write_text("written by osint-extract report; replaced by the next report\n", encoding="utf-8")
        os.chmod(build, 0o755)
        _swap_in(build, target)
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    stats.path = target / "index.html"
    stats.bytes = sum(p.stat().st_size for p in target.rglob("*") if p.is_file())
    return stats


def _check_replaceable(target: Path) -> None:
    if target.exists() and (not target.is_dir() or any(target.iterdir()) and not (target / MARKER).exists()):
        raise ReportError(f"{target} exists and is not a report folder; give another --dest or remove it")


def _swap_in(build: Path, target: Path) -> None:
    """Replace `target` by `build` with two renames: never a half-written report."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(target, old)
    os.replace(build, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("osint_extract", "io/report_templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def _package_text(package: str, path: str) -> str:
    return resources.files(package).joinpath(path).read_text(encoding="utf-8")


def _vis_assets() -> tuple[str, str]:
    """vis-network's script and style as pyvis installs them (never fetched)."""
    try:
        return _package_text("pyvis", f"{VIS_DIR}/vis-network.min.js"), _package_text("pyvis", f"{VIS_DIR}/vis-network.css")
    except (ModuleNotFoundError, FileNotFoundError) as exc:  # pragma: no cover - a broken install
        raise ReportError(f"vis-network not found in the installed pyvis package ({exc}); reinstall osint-extract") from exc


def script_json(value: Any) -> str:
    """JSON that can sit inside a <script> element: no '<', '>' or '&' that could end it."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _csp_hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode() + "'"


def page_name(doc_id: str) -> str:
    """A document's page: readable, safe on every file system, unique through the hash."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", doc_id).strip("._")[:60] or "document"
    return f"{stem}-{hashlib.sha1(doc_id.encode('utf-8')).hexdigest()[:10]}.html"


def _build(run: RunFolder, out: Path, build: Path, max_network_edges: int) -> ReportStats:
    from .. import __version__

    env = _templates()
    css = _package_text("osint_extract", "io/report_templates/report.css")
    colors = {label: LABEL_COLORS.get(label, "#ddd") for label in ENTITY_LABELS}
    documents, anchors = _document_pages(run, env.get_template("document.html"), build / "docs", css, colors)
    rows = _control_rows(run, anchors, {d[0]: d[1] for d in documents})
    entities_run = run.entities_run
    edges = [[row[1], row[5], row[3], row[7], row[9]] for row in rows]
    # a big run's network draws its best supported relations; the table holds them all
    edges_shown = sorted(edges, key=lambda e: -e[3])[:max_network_edges]
    used = {row[1] for row in rows} | {row[5] for row in rows}
    entity_data = {
        e.id: [e.name, e.label, _aliases(e.aliases), int(e.documents), int(e.mentions)]
        for e in entities_run.itertuples(index=False)
        if e.id in used
    }
    for row in rows:  # a controls.csv edited by hand may name an id entities_run.csv lacks
        for name, rid, label in ((row[0], row[1], row[2]), (row[4], row[5], row[6])):
            entity_data.setdefault(rid, [name, label, [], len(row[10]), int(row[8])])
    data = {
        "label_colors": colors,
        "relation_colors": RELATION_COLORS,
        "symmetric": sorted(SYMMETRIC),
        "controls": rows,
        "entities": entity_data,
        "network": {"edges": edges_shown},
        "documents": documents,
    }
    errors = run.table("errors")
    vis_js, vis_css = _vis_assets()
    report_js = _package_text("osint_extract", "io/report_templates/report.js")
    # Only the page's own two scripts may run (allowed by their hashes); nothing may be fetched.
    csp = f"default-src 'none'; script-src {_csp_hash(vis_js)} {_csp_hash(report_js)}; style-src 'unsafe-inline'; img-src data:"
    index = env.get_template("index.html").render(
        csp=csp, version=__version__, run_name=out.resolve().name, vis_css=vis_css, report_css=css,
        summary=_summary(run, len(documents), len(rows), len(errors)), colors=colors, relation_colors=RELATION_COLORS,
        labels=ENTITY_LABELS, control_relations=CONTROL_RELATIONS, network_shown=len(edges_shown),
        network_total=len(edges), errors_total=len(errors),
        errors=[(str(e.path), str(e.reason)) for e in errors.head(MAX_ERRORS_LISTED).itertuples(index=False)],
        data_json=script_json(data), vis_js=vis_js, report_js=report_js,
    )
    (build / "index.html").write_text(index, encoding="utf-8")
    return ReportStats(path=build / "index.html", documents=len(documents), controls=len(rows), entities=len(entity_data), bytes=0)


def _document_pages(
    run: RunFolder, template: jinja2.Template, folder: Path, css: str, colors: dict[str, str]
) -> tuple[list[list], dict[tuple[str, str, str | None, str | None], str]]:
    """Write every document's page; return the documents table ([id, page, mentions,
    entities, relations]) and where each relation is: (doc, label, run-wide head id,
    run-wide tail id; both ways for symmetric labels) -> page#anchor, first one wins."""
    folder.mkdir()
    run_id = run.entity_ids
    anchors: dict[tuple[str, str, str | None, str | None], str] = {}
    documents = []
    for doc in run.documents():
        name = page_name(doc["id"])
        html, relations, n_entities = _document_page(doc, template, css, colors)
        (folder / name).write_text(html, encoding="utf-8")
        for rel in relations:
            head, tail = run_id.get((doc["id"], rel["head_entity"])), run_id.get((doc["id"], rel["tail_entity"]))
            anchors.setdefault((doc["id"], rel["label"], head, tail), f"docs/{name}#rel-{rel['number']}")
            if rel["label"] in SYMMETRIC:
                anchors.setdefault((doc["id"], rel["label"], tail, head), f"docs/{name}#rel-{rel['number']}")
        documents.append([doc["id"], f"docs/{name}", len(doc["entities"]), n_entities, len(relations)])
    return documents, anchors


def _control_rows(run: RunFolder, anchors: dict, pages: dict[str, str]) -> list[list]:
    """controls.csv as the page's script reads it, each evidence sentence with its link."""
    rows = []
    for r in run.controls.itertuples(index=False):
        evidence = []
        for doc_id, sentence in _split_evidence(r.evidence, r.doc_ids):
            link = anchors.get((doc_id, r.relation, r.controller_id, r.controlled_id)) or pages.get(doc_id, "")
            evidence.append([doc_id, sentence, link])
        rows.append([
            r.controller, r.controller_id, r.controller_label, r.relation, r.controlled, r.controlled_id,
            r.controlled_label, int(r.documents), int(r.mentions), float(r.confidence), evidence,
        ])
    return rows


def _summary(run: RunFolder, documents: int, controls: int, errors: int) -> dict[str, Any]:
    mentions = run.table("mentions")
    relations = run.table("relations")
    entities_run = run.entities_run
    by_label = Counter(mentions["label"])
    entities_by_label = Counter(entities_run["label"])
    relation_labels = [
        (label, len(group), group["doc_id"].nunique()) for label, group in relations.groupby("relation", sort=True)
    ]
    return {
        "documents": documents,
        "entities": len(entities_run),
        "mentions": len(mentions),
        "relations": len(relations),
        "controls": controls,
        "errors": errors,
        "entity_labels": [(label, entities_by_label[label], by_label[label]) for label in ENTITY_LABELS],
        "relation_labels": relation_labels,
    }


def _aliases(value: Any) -> list[str]:
    if isinstance(value, str):
        return [a for a in (part.strip() for part in value.split(";")) if a]
    return [str(a) for a in value or []]


def _split_evidence(evidence: str, doc_ids: str) -> list[tuple[str, str]]:
    """controls.csv's `doc: sentence | doc: sentence` back into pairs, by its doc ids (a
    sentence may itself hold ' | ' or ': ')."""
    ids = [d for d in (str(doc_ids).split("; ") if isinstance(doc_ids, str) and doc_ids else [])]
    text = str(evidence) if isinstance(evidence, str) else ""
    pairs = []
    for n, doc_id in enumerate(ids):
        prefix = f"{doc_id}: "
        if not text.startswith(prefix):
            break
        text = text[len(prefix):]
        end = len(text)
        if n + 1 < len(ids):
            nxt = text.find(f" | {ids[n + 1]}: ")
            end = nxt if nxt != -1 else len(text)
        pairs.append((doc_id, text[:end]))
        text = text[end + 3:]
    return pairs


def _document_page(doc: dict, template: jinja2.Template, css: str, colors: dict[str, str]) -> tuple[str, list[dict], int]:
    """A document's page: its text with the mentions marked by displaCy, and its relations
    with the two entities marked in the evidence sentence."""
    text = doc["text"]
    mentions = {m["id"]: m for m in doc["entities"]}
    ents = [{"start": m["start"], "end": m["end"], "label": m["label"]} for m in sorted(doc["entities"], key=lambda m: m["start"])]
    text_html = displacy.render(
        {"text": text, "ents": ents, "title": None}, style="ent", manual=True, page=False,
        options={"colors": colors, "template": ENT_TEMPLATE},
    )
    relations = []
    for number, rel in enumerate(doc["relations"], 1):
        head, tail = mentions[rel["head"]], mentions[rel["tail"]]
        start = rel.get("evidence_start", 0)
        end = rel.get("evidence_end", 0)
        relations.append({
            "number": number,
            "label": rel["label"],
            "head": rel.get("head_name") or head.get("text") or text[head["start"]:head["end"]],
            "tail": rel.get("tail_name") or tail.get("text") or text[tail["start"]:tail["end"]],
            "head_label": head["label"],
            "tail_label": tail["label"],
            "head_entity": head.get("entity", head["id"]),
            "tail_entity": tail.get("entity", tail["id"]),
            "confidence": float(rel.get("confidence", 1.0)),
            "pattern": rel.get("pattern", ""),
            "evidence": _marked(text, start, end, head, tail) if _offsets(start, end, text) else [(rel.get("evidence", ""), "")],
        })
    n_entities = len({m.get("entity", m["id"]) for m in doc["entities"]})
    html = template.render(
        doc_id=doc["id"], text_html=text_html, relations=relations, mentions=len(doc["entities"]),
        entities=n_entities, labels=ENTITY_LABELS, colors=colors, report_css=css,
    )
    return html, relations, n_entities


def _offsets(start: Any, end: Any, text: str) -> bool:
    """Whether a relation's evidence offsets (optional in gold files) point into the text."""
    return isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)


def _marked(text: str, start: int, end: int, head: dict, tail: dict) -> list[tuple[str, str]]:
    """The evidence sentence cut into (text, kind) parts, kind 'head' or 'tail' for the two
    mentions where they fall inside it."""
    marks = sorted(
        (m["start"], m["end"], kind) for m, kind in ((head, "head"), (tail, "tail"))
        if start <= m["start"] and m["end"] <= end
    )
    parts, pos = [], start
    for m_start, m_end, kind in marks:
        if m_start < pos:
            continue
        parts.append((text[pos:m_start], ""))
        parts.append((text[m_start:m_end], kind))
        pos = m_end
    parts.append((text[pos:end], ""))
    return [p for p in parts if p[0]]
