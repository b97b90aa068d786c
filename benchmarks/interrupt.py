"""How fast Ctrl-C stops a batch run: seconds from SIGINT to exit, per engine.

    python benchmarks/interrupt.py [--copies 4] [--repeat 3]

Runs `osint-extract extract` over --copies copies of corpus/docs with 1 process,
--n-process 2 and the dask engine (2 local workers); once a few documents are done it
sends SIGINT to the run's process group, as a terminal's Ctrl-C does, and prints the
seconds until the run exited (the worst of --repeat tries), and the exit statuses and
numbers of lines on stderr that the tries gave.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = Path(sys.executable).with_name("osint-extract")
ENGINES = {"1 process": ["-n", "1"], "--n-process 2": ["-n", "2"], "dask, 2 local workers": ["--engine", "dask", "--workers", "2"]}


def interrupt_once(src: Path, out: Path, engine: list[str]) -> tuple[float, int, int]:
    cmd = [str(CLI), "extract", str(src), "--out", str(out), "--no-progress", "--batch-size", "1", *engine]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    cache = out / ".osint-cache"
    while proc.poll() is None and (not cache.exists() or sum(1 for _ in cache.rglob("*.json")) < 3):
        time.sleep(0.05)
    if proc.poll() is not None:
        raise SystemExit("the run finished before it could be interrupted: use more --copies")
    os.killpg(proc.pid, signal.SIGINT)
    start = time.perf_counter()
    _, stderr = proc.communicate()
    return time.perf_counter() - start, proc.returncode, len(stderr.splitlines())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in"
        for k in range(args.copies):
            shutil.copytree(ROOT / "corpus" / "docs", src / f"copy{k:03d}")
        for name, engine in ENGINES.items():
            tries = []
            for n in range(args.repeat):
                out = Path(tmp) / f"out-{len(tries)}-{engine[-1]}"
                tries.append(interrupt_once(src, out, engine))
                shutil.rmtree(out)
            statuses = ", ".join(str(s) for s in sorted({t[1] for t in tries}))
            lines = ", ".join(str(n) for n in sorted({t[2] for t in tries}))
            print(
                f"{name}: stopped {max(t[0] for t in tries):.2f} s after SIGINT at worst of {args.repeat} "
                f"(exit status: {statuses}; lines on stderr: {lines})"
            )


if __name__ == "__main__":
    main()
