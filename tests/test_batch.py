"""Batch runs: resume, changed documents, a real SIGKILL mid-run, parallel and dask
engines giving the same bytes, and folders of garbage that never stop a batch."""
from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from osint_extract.runs.batch import CACHE_DIR, run_batch
from helpers import copy_dev_documents

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus" / "docs"
TABLES = ("documents.jsonl", "mentions.csv", "entities.csv", "relations.csv", "controls.csv", "errors.csv", "manifest.csv")


def make_folder(root: Path, copies: int) -> Path:
    """The bundled corpus, `copies` times over in sub-folders, plus one unreadable file."""
    for k in range(copies):
        copy_dev_documents(root / f"set{k:02d}")
    (root / "broken.txt").write_bytes(b"\x00\x01\x02binary\x00")
    return root


def tables(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in TABLES}


def cached(out: Path) -> int:
    return sum(1 for p in (out / CACHE_DIR).rglob("*.json")) if (out / CACHE_DIR).exists() else 0


def test_rerun_reuses_finished_documents_and_redoes_changed_ones(nlp, tmp_path):
    src = make_folder(tmp_path / "in", 1)
    out = tmp_path / "out"
    first = run_batch([src], out)
    assert (first.documents, first.processed, first.reused) == (14, 14, 0)
    assert [Path(e.path).name for e in first.errors] == ["broken.txt"]
    before = tables(out)
    again = run_batch([src], out)
    assert (again.processed, again.reused) == (0, 14)
    assert tables(out) == before

    doc = src / "set00" / "mexico-culiacan.txt"
    doc.write_text(doc.read_text(encoding="utf-8") + "\n\nThe Halcones Negros Cartel seized Tepic.\n", encoding="utf-8")
    third = run_batch([src], out)
    assert (third.processed, third.reused) == (1, 13)
    assert b"Halcones Negros Cartel" in (out / "entities.csv").read_bytes()
    manifest = list(csv.DictReader((out / "manifest.csv").open(encoding="utf-8")))
    assert {m["status"] for m in manifest} == {"done", "error"} and len(manifest) == 15


def test_killed_run_resumes_to_the_same_bytes(nlp, tmp_path):
    src = make_folder(tmp_path / "in", 4)
    script = Path(sys.executable).with_name("osint-extract")
    if not script.exists():
        pytest.skip("console script not installed")
    cmd = [str(script), "extract", str(src), "--no-progress", "--batch-size", "2"]
    killed = tmp_path / "killed"
    proc = subprocess.Popen(cmd + ["--out", str(killed)], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    while cached(killed) < 6 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = cached(killed)
    assert 0 < done_before < 56
    assert not (killed / "documents.jsonl").exists()  # no table was half-written

    resumed = subprocess.run(cmd + ["--out", str(killed)], capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{56 - done_before} processed, {done_before} unchanged" in resumed.stderr
    whole = tmp_path / "whole"
    subprocess.run(cmd + ["--out", str(whole)], check=True, capture_output=True, timeout=600)
    assert tables(killed) == tables(whole)


def test_two_processes_give_the_same_bytes(nlp, tmp_path):
    src = make_folder(tmp_path / "in", 1)
    run_batch([src], tmp_path / "one")
    run_batch([src], tmp_path / "two", n_process=2, batch_size=2)
    assert tables(tmp_path / "one") == tables(tmp_path / "two")


def test_dask_engine_gives_the_same_bytes_as_local(nlp, tmp_path):
    pytest.importorskip("dask.distributed")
    src = tmp_path / "in"
    src.mkdir()
    for path in sorted(CORPUS.glob("*.txt"))[:5]:
        shutil.copy(path, src / path.name)
    (src / "empty.md").write_text("", encoding="utf-8")
    run_batch([src], tmp_path / "local")
    report = run_batch([src], tmp_path / "dask", engine="dask", workers=2, batch_size=2)
    assert report.processed == 5
    assert tables(tmp_path / "local") == tables(tmp_path / "dask")


def test_long_documents_are_chunked_with_document_offsets(tmp_path):
    text = (CORPUS / "sudan-darfur.txt").read_text(encoding="utf-8")
    src = tmp_path / "in"
    src.mkdir()
    (src / "long.txt").write_text(text, encoding="utf-8")
    run_batch([src], tmp_path / "whole")
    run_batch([src], tmp_path / "chunked", max_length=1000)
    import json

    doc = json.loads((tmp_path / "chunked" / "documents.jsonl").read_text(encoding="utf-8"))
    assert doc["text"] == text
    assert all(text[e["start"] : e["end"]] == e["text"] for e in doc["entities"])
    whole = json.loads((tmp_path / "whole" / "documents.jsonl").read_text(encoding="utf-8"))
    names = lambda d: {(e["text"], e["label"]) for e in d["entities"]}  # noqa: E731
    assert len(names(doc) & names(whole)) >= 0.8 * len(names(whole))


def test_long_documents_are_cut_and_joined_as_extract_many_does(trained_nlp, tmp_path):
    """A long document's chunks travel to the workers on their own and are joined again:
    the result is the library's for the same max_length, in one process or two, and the
    progress moves chunk by chunk, counting every word once."""
    import json

    from osint_extract import extract_many

    long_text = (CORPUS / "sudan-darfur.txt").read_text(encoding="utf-8")
    short_text = (CORPUS / "colombia-cauca.txt").read_text(encoding="utf-8")
    src = tmp_path / "in"
    src.mkdir()
    (src / "long.txt").write_text(long_text, encoding="utf-8")
    (src / "short.txt").write_text(short_text, encoding="utf-8")
    # run_batch's default pipeline: the shipped trained one
    expected = [r.to_dict() for r in extract_many([("long.txt", long_text), ("short.txt", short_text)], nlp=trained_nlp, max_length=1000)]
    for n_process in (1, 2):
        calls: list[tuple[int, int]] = []
        out = tmp_path / f"out{n_process}"
        run_batch([src], out, max_length=1000, n_process=n_process, batch_size=2, progress=lambda w, d: calls.append((w, d)))
        docs = [json.loads(line) for line in (out / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
        assert docs == expected
        assert len(calls) > len(long_text) // 1000  # one call per chunk
        assert sum(w for w, _ in calls) == len(long_text.split()) + len(short_text.split())
        assert sum(d for _, d in calls) == 2


FILES = st.one_of(
    st.binary(max_size=3000),
    st.text(max_size=3000),
    st.just(""),
    st.just(b"\x00" * 100),
    # huge single lines: a random phrase repeated, no line break
    st.tuples(st.text(min_size=5, max_size=60), st.integers(400, 1500)).map(lambda p: (p[0].replace("\n", " ") + " ") * p[1]),
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(contents=st.lists(FILES, min_size=1, max_size=5), suffixes=st.lists(st.sampled_from([".txt", ".md", ".html", ".pdf", ".docx", ".jsonl"]), min_size=5, max_size=5))
def test_garbage_never_stops_a_batch(nlp, tmp_path_factory, contents, suffixes):
    src = tmp_path_factory.mktemp("garbage")
    names = []
    for k, content in enumerate(contents):
        path = src / f"f{k}{suffixes[k]}"
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        names.append(path.name)
    out = tmp_path_factory.mktemp("out")
    report = run_batch([src], out, max_length=5000)
    import json

    done = {json.loads(line)["id"].split("#")[0] for line in (out / "documents.jsonl").read_text(encoding="utf-8").split("\n") if line}
    failed = {Path(row["path"]).name for row in csv.DictReader((out / "errors.csv").open(encoding="utf-8"))}
    assert done | failed == set(names)  # every file is either in the tables or in errors.csv
    assert report.documents + len(report.errors) >= len(names)


def test_a_write_failing_mid_run_names_the_file_and_keeps_the_tables(nlp, tmp_path, monkeypatch):
    import errno

    from typer.testing import CliRunner

    from osint_extract.runs import batch
    from osint_extract.cli import app

    src = tmp_path / "in"
    src.mkdir()
    for path in sorted(CORPUS.glob("*.txt"))[:3]:
        shutil.copy(path, src / path.name)
    out = tmp_path / "out"
    run_batch([src], out)
    before = tables(out)
    (src / "new.txt").write_text("Los Choneros controlled the Litoral Penitentiary.", encoding="utf-8")

    def disk_full(self, result, digest):
        raise OSError(errno.ENOSPC, "No space left on device", str(self._path(result.id)))

    monkeypatch.setattr(batch.ResultCache, "save", disk_full)
    with pytest.raises(batch.OutputError, match="no space left on device") as caught:
        run_batch([src], out)
    assert caught.value.path.parent.parent == out / CACHE_DIR
    result = CliRunner().invoke(app, ["extract", str(src), "--out", str(out), "--no-progress"])
    assert result.exit_code == 2
    assert result.output.strip() == f"error: {caught.value.path}: no space left on device"
    assert tables(out) == before


def _tricky_result():
    """A result whose strings need JSON escapes: newlines, U+2028, quotes, non-ASCII."""
    from osint_extract.io.results import Entity, Mention, Relation, Result

    text = 'Ana "la Jefa" Pérez\nleads\u2028the Cártel del Golfo.\r\n{"end": 3}\n'
    sentence = text[:40]
    ana = Entity("E1", 'Ana "la Jefa" Pérez', "PERSON", aliases=["Pérez"])
    ana.mentions += [Mention("m1", 0, 19, "PERSON", 'Ana "la Jefa" Pérez', "E1", sentence)]
    cartel = Entity("E2", "Cártel del Golfo", "ORG")
    cartel.mentions += [Mention("m2", 30, 46, "ORG", "Cártel del Golfo", "E2", sentence)]
    relation = Relation("E1", "E2", "LEADS", 0.8125, text[:47], 0, 47, "nsubj-dobj\n", "m1", "m2", ana.name, cartel.name, 3)
    return Result("dir/ünï code#7", text, [ana, cartel], [relation])


def _corpus_results(nlp):
    from osint_extract.runs.extraction import extract_many

    texts = [(p.stem, p.read_text(encoding="utf-8")) for p in sorted(CORPUS.glob("*.txt"))[:6]]
    long_text = "\n\n".join(text for _, text in texts)  # cut into chunks and merged
    return [*extract_many(texts, nlp=nlp), *extract_many([("long", long_text)], nlp=nlp, max_length=3000)]


def test_a_cached_result_round_trips_exactly(nlp, tmp_path):
    from osint_extract.runs.batch import ResultCache
    from osint_extract.io.results import as_dict

    cache = ResultCache(tmp_path, "fp1")
    results = [_tricky_result(), *_corpus_results(nlp)]
    assert any(len(r.relations) > 3 and len(r.entities) > 10 for r in results)
    for result in results:
        cache.save(result, "sha-" + result.id)
        assert cache.has(result.id, "sha-" + result.id)
        assert not cache.has(result.id, "another digest")
        assert not ResultCache(tmp_path, "fp2").has(result.id, "sha-" + result.id)
        loaded = cache.load(result.id)
        assert loaded == result
        assert as_dict(loaded) == as_dict(result)
        assert [type(m.start) for m in loaded.mentions] == [int] * len(loaded.mentions)
        # mentions of one sentence share its string, as in the extracted result
        sentences = {}
        for m in loaded.mentions:
            assert sentences.setdefault(m.sentence, m.sentence) is m.sentence
        entry = cache._read(result.id)  # the plain-data view run_folder.py reads
        assert (entry["sha256"], entry["fingerprint"], entry["result"]) == ("sha-" + result.id, "fp1", as_dict(result))
    with pytest.raises(KeyError):
        cache.load("never saved")


def test_a_truncated_or_old_cache_file_is_not_a_result(nlp, tmp_path):
    import json

    from osint_extract.runs.batch import ResultCache
    from osint_extract.io.results import as_dict

    cache = ResultCache(tmp_path, "fp")
    result = _corpus_results(nlp)[-1]
    cache.save(result, "sha")
    path = cache._path(result.id)
    whole = path.read_bytes()
    lines = whole.splitlines(keepends=True)
    assert len(lines) == 3 + len(result.entities) + len(result.mentions) + len(result.relations)
    cuts = {len(whole) - 1, len(whole) - len(lines[-1]), len(whole) - len(lines[-1]) - 1, len(lines[0]), 0, 1}
    cuts |= set(range(1, len(whole), max(1, len(whole) // 40)))
    for cut in sorted(cuts):
        path.write_bytes(whole[:cut])
        assert not cache.has(result.id, "sha"), cut
        with pytest.raises(KeyError):
            cache.load(result.id)
        assert cache._read(result.id) is None
    # a line lost in the middle, the final line kept
    path.write_bytes(b"".join(lines[:5] + lines[6:]))
    with pytest.raises(KeyError):
        cache.load(result.id)
    # an entry of the earlier single-object format is not read (the document is redone)
    old = {"doc_id": result.id, "sha256": "sha", "fingerprint": "fp", "result": as_dict(result)}
    path.write_text(json.dumps(old, ensure_ascii=False), encoding="utf-8")
    assert not cache.has(result.id, "sha")
    path.write_bytes(whole)
    assert cache.has(result.id, "sha") and cache.load(result.id) == result


def test_a_run_redoes_a_document_whose_cache_file_is_cut_short(nlp, tmp_path):
    src = tmp_path / "in"
    copy_dev_documents(src)
    out = tmp_path / "out"
    first = run_batch([src], out)
    before = tables(out)
    files = sorted((out / CACHE_DIR).rglob("*.json"))
    assert len(files) == first.processed
    cut = files[len(files) // 2]
    cut.write_bytes(cut.read_bytes()[: cut.stat().st_size // 2])
    again = run_batch([src], out)
    assert (again.processed, again.reused) == (1, first.processed - 1)
    assert tables(out) == before


def test_pieces_join_chunks_in_any_order_as_merge_results_does(nlp):
    """Chunks coming back out of order (several workers, dask) are merged in text order
    as they become mergeable: the same result as merging them all at the end."""
    import random

    from osint_extract.runs.batch import Pieces
    from osint_extract.runs.extraction import extract_many
    from osint_extract.io.inputs import chunks
    from osint_extract.io.results import merge_results

    text = "\n\n".join(p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))[:4])
    pieces = Pieces(1500)
    items = list(pieces.split("doc", text))
    assert len(items) > 5
    parts = list(extract_many(items, nlp=nlp, max_length=1500))
    offsets = [offset for offset, _ in chunks(text, 1500)]
    expected = merge_results("doc", list(zip(offsets, parts)))
    for seed in range(3):
        order = parts[:]
        random.Random(seed).shuffle(order)
        if seed == 0:
            order = parts[:]
        pieces = Pieces(1500)
        list(pieces.split("doc", text))
        joined = [pieces.join(part) for part in order]
        assert joined[:-1] == [None] * (len(order) - 1)
        assert joined[-1] == expected and joined[-1].text == text
