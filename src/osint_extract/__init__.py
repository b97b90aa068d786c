"""osint-extract: people, armed groups, state units, weapons, calibres and places, and who
controls what, from security-analysis texts."""
from __future__ import annotations

from .io.documents import GoldFormatError, read_jsonl, write_jsonl
from .evaluation.runs import evaluate
from .io.exports import graph
from .runs.extraction import extract, extract_many, get_pipeline
from .runs.linking import RunEntities, link_entities
from .pipeline import ModelNotFound, load
from .io.report import report
from .io.results import Entity, Mention, Relation, Result
from .io.run_folder import RunFolder, RunFolderError
from .evaluation.scoring import PRF, Scores, score_documents
from .io.tables import controls_table, entities_table, mentions_table, relations_table

__version__ = "0.1.0"

__all__ = [
    "load",
    "extract",
    "extract_many",
    "get_pipeline",
    "evaluate",
    "score_documents",
    "read_jsonl",
    "write_jsonl",
    "mentions_table",
    "entities_table",
    "relations_table",
    "controls_table",
    "graph",
    "link_entities",
    "RunEntities",
    "RunFolder",
    "RunFolderError",
    "report",
    "Result",
    "Entity",
    "Mention",
    "Relation",
    "Scores",
    "PRF",
    "GoldFormatError",
    "ModelNotFound",
]
