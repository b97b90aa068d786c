"""Run-wide entities and exports on the bundled corpus: how many entities linking joins,
by which mechanism, and how long linking and the exports take as the run grows.

    python benchmarks/linking.py [--copies 150]

Extracts corpus/docs into a temporary folder (one process), prints the entity counts
before and after linking, then times link_entities and controls_table over the corpus
results repeated under new document ids (--copies times, as a large run of documents that
name the same entities), and each export of the corpus run.
"""
from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time
from pathlib import Path

from osint_extract.runs.batch import run_batch
from osint_extract.io.exports import FORMATS, export
from osint_extract.runs.linking import LinkingRules, link_entities
from osint_extract.io.run_folder import RunFolder
from osint_extract.names import mention_name
from osint_extract.io.tables import controls_table

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "docs"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=150)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        run_batch([CORPUS], out)
        folder = RunFolder(out)
        results = folder.results
        entities = [e for r in results for e in r.entities]
        exact = {(e.label, mention_name(e.name, 0, len(e.name))) for e in entities}
        plain = LinkingRules.from_config()
        no_curated = dataclasses.replace(plain, curated={})
        names_only = dataclasses.replace(no_curated, fuzzy_labels=frozenset())
        print(f"corpus: {len(results)} documents from {CORPUS}")
        print(f"per-document entities (entities.csv): {len(entities)}")
        print(f"distinct (label, name) up to case and spacing (controls.csv before run-wide ids): {len(exact)}")
        print(f"run-wide entities, folded names and aliases only: {len(link_entities(results, rules=names_only).table)}")
        print(f"  + fuzzy spellings: {len(link_entities(results, rules=no_curated).table)}")
        print(f"  + curated ids (entities_run.csv): {len(link_entities(results, rules=plain).table)}")
        many = [dataclasses.replace(r, id=f"{k:04d}/{r.id}") for k in range(args.copies) for r in results]
        for batch in (results, many):
            start = time.perf_counter()
            run = link_entities(batch, rules=plain)
            linked = time.perf_counter() - start
            start = time.perf_counter()
            controls = controls_table(batch, run=run)
            tabled = time.perf_counter() - start
            print(f"{len(batch)} documents: link_entities {linked:.2f} s ({len(run.table)} entities), "
                  f"controls_table {tabled:.2f} s ({len(controls)} rows)")
        for fmt in FORMATS:
            start = time.perf_counter()
            written = export(out, [fmt])
            size = sum(p.stat().st_size for p in written)
            print(f"export --to {fmt}: {time.perf_counter() - start:.2f} s, {len(written)} files, {size / 1e3:,.0f} kB")


if __name__ == "__main__":
    main()
