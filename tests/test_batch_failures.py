"""Batch runs that go wrong, with real processes running the installed command: Ctrl-C in
every engine, output folders that cannot be written, inputs discovery cannot read, and
runs sharing an output folder. Tests that need a path the user cannot read or write run
the command as `nobody` when the tests run as root (root reads and writes anything)."""
from __future__ import annotations

import csv
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from osint_extract.runs.batch import CACHE_DIR
from osint_extract.io.documents import temp_file_is_orphaned, temp_prefix
from helpers import copy_dev_documents

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus" / "docs"
CLI = Path(sys.executable).with_name("osint-extract")
TABLES = ("documents.jsonl", "mentions.csv", "entities.csv", "relations.csv", "controls.csv", "errors.csv", "manifest.csv")

pytestmark = pytest.mark.skipif(not CLI.exists(), reason="console script not installed")


def cached(out: Path) -> int:
    return sum(1 for _ in (out / CACHE_DIR).rglob("*.json")) if (out / CACHE_DIR).exists() else 0


def tables(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in TABLES}


def copies(root: Path, n: int) -> Path:
    for k in range(n):
        copy_dev_documents(root / f"set{k}")
    return root


def rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def with_sigint() -> None:
    """Ctrl-C as a terminal delivers it: default SIGINT handling (a test runner started in
    the background may have it ignored, and children inherit that)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture()
def shared_tmp() -> Iterator[Path]:
    """A temporary folder the unprivileged user can reach (pytest's tmp_path is 0700)."""
    folder = Path(tempfile.mkdtemp(prefix="osint-failures-"))
    folder.chmod(0o755)
    yield folder
    for path in [folder, *folder.rglob("*")]:  # give back what the tests locked up
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o755)
    shutil.rmtree(folder, ignore_errors=True)


# Ways to run a command without root's power to read and write anything: root without the
# capabilities that bypass permission bits, or as `nobody` (which needs the interpreter to
# be reachable by nobody).
WITHOUT_DAC = ["setpriv", "--inh-caps=-dac_override,-dac_read_search", "--bounding-set=-dac_override,-dac_read_search", "--"]
AS_NOBODY = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"]


@pytest.fixture()
def unprivileged(shared_tmp: Path) -> list[str]:
    """A command prefix under which permission bits mean what they say: nothing for a
    normal user; for root, the first way that a probe shows to work, else a skip."""
    if os.geteuid() != 0:
        return []
    probe = shared_tmp / "probe"
    probe.mkdir(mode=0)
    check = [sys.executable, "-c", "import os, sys, osint_extract; os.listdir(sys.argv[1])", str(probe)]
    try:
        for prefix in (WITHOUT_DAC, AS_NOBODY):
            if shutil.which(prefix[0]) is None:
                continue
            result = subprocess.run(prefix + check, capture_output=True, text=True, timeout=120)
            if result.returncode != 0 and "PermissionError" in result.stderr:
                return prefix
    finally:
        probe.rmdir()
    pytest.skip("running as root and cannot drop the power to read unreadable folders")


def run(args: list[str], *, prefix: list[str] | None = None, env_home: Path | None = None, timeout: int = 600):
    env = dict(os.environ)
    if env_home is not None:
        env["HOME"] = str(env_home)
    return subprocess.run([*(prefix or []), str(CLI), *args], capture_output=True, text=True, timeout=timeout, env=env)


# --------------------------------------------------------------------------- Ctrl-C


@pytest.mark.parametrize("engine", [["-n", "1"], ["-n", "2"], ["--engine", "dask", "--workers", "2"]], ids=["1-process", "2-processes", "dask"])
def test_ctrl_c_stops_every_engine_at_once_with_one_line(nlp, tmp_path, engine):
    psutil = pytest.importorskip("psutil")
    if engine[0] == "--engine":
        pytest.importorskip("dask.distributed")
    src = copies(tmp_path / "in", 4)
    out = tmp_path / "out"
    cmd = [str(CLI), "extract", str(src), "--out", str(out), "--no-progress", "--batch-size", "1", *engine]
    # a session of its own: the signal goes to the whole process group, as a terminal's Ctrl-C does
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True, preexec_fn=with_sigint)
    deadline = time.monotonic() + 300
    while cached(out) < 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before it could be interrupted"
    children = psutil.Process(proc.pid).children(recursive=True)
    if engine != ["-n", "1"]:
        assert children, "no worker processes"
    os.killpg(proc.pid, signal.SIGINT)
    sent = time.monotonic()
    try:
        stdout, stderr = proc.communicate(timeout=5)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail(f"still running 5 s after SIGINT: {proc.communicate()[1][-2000:]}")
    assert time.monotonic() - sent < 5
    assert proc.returncode == 130
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    done = cached(out)
    assert lines[0] == f"interrupted: {done} documents done and kept in {out}; run the same command again to resume"
    assert 0 < done < 56
    gone, alive = psutil.wait_procs(children, timeout=2)
    assert not alive, f"workers left running: {alive}"
    assert not (out / "documents.jsonl").exists()  # no table written from a half-done run
    assert not [p for p in out.rglob("*.tmp")]  # the run's own temp files are gone


def test_interrupted_run_resumes_to_the_same_bytes(nlp, tmp_path):
    src = copies(tmp_path / "in", 2)
    out = tmp_path / "out"
    cmd = [str(CLI), "extract", str(src), "--out", str(out), "--no-progress", "--batch-size", "1", "-n", "2"]
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, start_new_session=True, preexec_fn=with_sigint)
    deadline = time.monotonic() + 300
    while cached(out) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before it could be interrupted"
    proc.send_signal(signal.SIGINT)  # the main process only: it must stop the workers itself
    assert proc.wait(timeout=5) == 130
    done = cached(out)
    resumed = run(cmd[1:])
    assert resumed.returncode == 0, resumed.stderr
    assert f"{28 - done} processed, {done} unchanged" in resumed.stderr
    whole = tmp_path / "whole"
    assert run(["extract", str(src), "--out", str(whole), "--no-progress"]).returncode == 0
    assert tables(out) == tables(whole)


# --------------------------------------------------------------------------- output paths


def test_output_that_cannot_be_written_stops_before_any_work(nlp, shared_tmp, unprivileged):
    src = shared_tmp / "in"
    src.mkdir()
    (src / "a.txt").write_text("Los Choneros controlled the Litoral Penitentiary.", encoding="utf-8")
    file_out = shared_tmp / "file-out"
    file_out.write_text("not a folder\n", encoding="utf-8")
    locked = shared_tmp / "locked"
    locked.mkdir()
    table_is_folder = shared_tmp / "table-is-folder"
    (table_is_folder / "mentions.csv").mkdir(parents=True)
    cases = [
        (file_out, file_out, []),
        (file_out / "sub", file_out / "sub", []),  # under a file
        (table_is_folder, table_is_folder / "mentions.csv", []),
        (locked, locked, unprivileged),  # a folder this user cannot write into
        (locked / "new", locked / "new", unprivileged),  # cannot be created
    ]
    locked.chmod(0o555)
    for out, named, prefix in cases:
        # an unknown model too: the output is checked first, so it is what the message names
        result = run(["extract", str(src), "--out", str(out), "--model", "no_such_pipeline", "--no-progress"], prefix=prefix, env_home=shared_tmp)
        assert result.returncode == 2, (out, result.stderr)
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"error: {named}: "), (out, result.stderr)
        assert "no_such_pipeline" not in result.stderr
    assert file_out.read_text(encoding="utf-8") == "not a folder\n"
    assert [p.name for p in table_is_folder.iterdir()] == ["mentions.csv"]  # not even a cache
    assert list(locked.iterdir()) == []


# --------------------------------------------------------------------------- discovery


def test_what_discovery_cannot_read_is_listed_and_the_batch_goes_on(nlp, shared_tmp, unprivileged):
    src = shared_tmp / "in"
    (src / "closed").mkdir(parents=True)
    (src / "good.txt").write_text("Los Choneros controlled the Litoral Penitentiary in Guayaquil.", encoding="utf-8")
    (src / "closed" / "hidden.txt").write_text("ISWAP fighters attacked Monguno.", encoding="utf-8")
    (src / "gone.md").symlink_to(src / "deleted.md")
    os.mkfifo(src / "pipe.txt")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(src / "agent.txt"))
        (src / "closed").chmod(0)
        out = shared_tmp / "out"
        # a file named directly inside the folder that cannot be searched: an error of the batch too
        hidden = src / "closed" / "hidden.txt"
        result = run(["extract", str(src), str(hidden), "--out", str(out), "--no-progress"], prefix=unprivileged, env_home=shared_tmp, timeout=300)
    assert result.returncode == 0, result.stderr
    errors = {Path(e["path"]).name: e["reason"] for e in rows(out / "errors.csv")}
    assert errors == {
        "closed": "folder cannot be read: permission denied",
        "gone.md": f"broken link (its target {str(src / 'deleted.md')!r} does not exist)",
        "pipe.txt": "not a regular file (a FIFO)",
        "agent.txt": "not a regular file (a socket)",
        "hidden.txt": "permission denied",
    }
    manifest = {m["doc_id"]: m["status"] for m in rows(out / "manifest.csv")}
    assert manifest == {
        "good.txt": "done", "closed/": "error", "gone.md": "error", "pipe.txt": "error", "agent.txt": "error", "hidden.txt": "error",
    }
    assert [e["doc_id"] for e in rows(out / "entities.csv")][:1] == ["good.txt"]
    assert "skipped " + str(src / "pipe.txt") in result.stderr


# --------------------------------------------------------------------------- runs sharing an output folder


def test_runs_sharing_an_output_folder_keep_each_others_temp_files(nlp, tmp_path):
    src = copies(tmp_path / "in", 2)
    out = tmp_path / "out"
    reference = tmp_path / "reference"
    assert run(["extract", str(src), "--out", str(reference), "--no-progress"]).returncode == 0

    # a live run's temp files (this test process is alive), and a dead run's (a finished process)
    dead = subprocess.run(
        [sys.executable, "-c", "from pathlib import Path; from osint_extract.io.documents import temp_prefix; print(temp_prefix(Path('documents.jsonl')))"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    (out / CACHE_DIR / "ab").mkdir(parents=True)
    live_files = [out / f"{temp_prefix(out / 'documents.jsonl')}x1y2z3w4.tmp", out / CACHE_DIR / "ab" / f"{temp_prefix(Path('ab.json'))}q9w8e7r6.tmp"]
    dead_file = out / f"{dead}k5l6m7n8.tmp"
    pid = dead.split(".")[-2].split("@")[0]
    live_files.append(out / f".mentions.csv.{pid}@another-host.a1b2c3d4.tmp")  # a dead id, but of another machine
    live_files.append(out / ".errors.csv.p0q9r8s7.tmp")  # no owner in the name
    for path in [*live_files, dead_file]:
        path.write_text("{half a result", encoding="utf-8")
    assert [temp_file_is_orphaned(path) for path in [*live_files, dead_file]] == [False, False, False, False, True]

    # two runs at once on the same folder: the second starts while the first is writing
    first = subprocess.Popen([str(CLI), "extract", str(src), "--out", str(out), "--no-progress", "--batch-size", "1"], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while cached(out) < 2 and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    second = run(["extract", str(src), "--out", str(out), "--no-progress", "--batch-size", "1"])
    assert first.wait(timeout=600) == 0, first.stderr.read()
    assert second.returncode == 0, second.stderr
    assert tables(out) == tables(reference)
    assert all(path.read_text(encoding="utf-8") == "{half a result" for path in live_files)
    assert not dead_file.exists()
    leftovers = {p for p in out.rglob("*.tmp")} - set(live_files)
    assert not leftovers


# --------------------------------------------------------------------------- progress


def test_progress_counts_words_with_documents_beside(nlp, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    texts = {"a.txt": "Los Choneros controlled the Litoral Penitentiary in Guayaquil.", "b.md": "ISWAP fighters attacked Monguno."}
    for name, text in texts.items():
        (src / name).write_text(text, encoding="utf-8")
    result = run(["extract", str(src), "--out", str(tmp_path / "out")])
    assert result.returncode == 0, result.stderr
    words = sum(len(t.split()) for t in texts.values())
    states = [re.match(r"([0-9.]+) words \[.*, (\d+)/2 documents\]$", line) for line in result.stderr.replace("\r", "\n").splitlines()]
    counts = [(float(m.group(1)), int(m.group(2))) for m in states if m]
    assert counts[-1] == (words, 2), result.stderr
    assert counts == sorted(counts)  # it only goes forward
    quiet = run(["extract", str(src), "--out", str(tmp_path / "out"), "--no-progress"])
    assert " words [" not in quiet.stderr and quiet.stderr.count("\n") == 1
