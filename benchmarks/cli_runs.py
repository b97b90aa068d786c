"""Timing real `osint-extract` command runs, shared by the benchmark scripts."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import psutil

CLI = Path(sys.executable).with_name("osint-extract")


def run(args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak memory (MiB, whole process tree) of one CLI run."""
    start = time.perf_counter()
    proc = subprocess.Popen([str(CLI), *args, "--no-progress"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    root = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            tree = [root, *root.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"osint-extract {' '.join(args)} failed:\n{proc.stderr.read().decode()}")
    return seconds, peak / 2**20
