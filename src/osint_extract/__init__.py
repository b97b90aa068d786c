"""osint-extract: people, armed groups, state units, weapons, calibres and places, and who
controls what, from security-analysis texts."""
from __future__ import annotations

from .documents import GoldFormatError, read_jsonl, write_jsonl
from .evaluation import evaluate
from .exports import graph
from .extraction import extract, extract_many, get_pipeline
from .linking import RunEntities, link_entities
from .pipeline import ModelNotFound, load
from .report import report
from .results import Entity, Mention, Relation, Result
from .run_folder import RunFolder, RunFolderError
from .scoring import PRF, Scores, score_documents
from .tables import controls_table, entities_table, mentions_table, relations_table

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
