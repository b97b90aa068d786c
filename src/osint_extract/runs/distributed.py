"""Parallel engines: worker processes on this machine, or a Dask distributed cluster.

Both work the same way: texts are read here and sent to the workers in batches, so
workers need no access to the input files; each worker has the pipeline loaded once (the
pipeline cache in `extraction`) and sends results back as plain dicts. Only a bounded
number of batches is in flight, so memory does not grow with the corpus.

Both also stop the same way. Workers never see Ctrl-C: local workers ignore SIGINT (it
reaches the whole process group from a terminal), and on KeyboardInterrupt, or when the
consumer stops early, the workers this engine started are killed at once instead of
being asked to finish their batch, so a run stops within a second and prints no worker
tracebacks. What a killed worker was doing is lost; nothing it did reached the output.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from itertools import islice
from pathlib import Path

from .extraction import extract_many, get_pipeline
from ..io.results import Result, as_dict, result_from_dict


def _extract_batch(items: list[tuple[str, str]], model: str | None, config: str | None, max_length: int | None) -> list[dict]:
    nlp = get_pipeline(model, config)
    return [as_dict(r) for r in extract_many(items, nlp=nlp, max_length=max_length)]


def _batches(items: Iterable[tuple[str, str]], batch_size: int) -> Iterator[list[tuple[str, str]]]:
    it = iter(items)
    return iter(lambda: list(islice(it, batch_size)), [])


@contextmanager
def _sigint_ignored() -> Iterator[None]:
    """SIGINT ignored for the block (in the main thread; elsewhere signals cannot be
    set and none arrive): processes started in it inherit the ignoring, and cleanup in
    it is not cut short by a second Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def extract_in_processes(
    items: Iterable[tuple[str, str]],
    *,
    model: str | None = None,
    config: str | Path | None = None,
    n_process: int = 2,
    batch_size: int = 16,
    max_length: int | None = None,
) -> Iterator[Result]:
    """Results for (doc_id, text) items from `n_process` worker processes on this
    machine, in the order batches finish. On Linux workers are forked (they share the
    pipeline the caller already loaded); elsewhere they start fresh and load it once."""
    context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else None)
    config_arg = str(config) if config is not None else None
    batches = _batches(items, batch_size)
    first = next(batches, None)
    if first is None:
        return
    executor = ProcessPoolExecutor(n_process, mp_context=context, initializer=_ignore_sigint)

    def submit(batch: list[tuple[str, str]]) -> Future:
        with _sigint_ignored():  # a worker started in a submit inherits the ignoring from its start
            return executor.submit(_extract_batch, batch, model, config_arg, max_length)

    finished = False
    try:
        in_flight = {submit(first)}
        for batch in islice(batches, 2 * n_process - 1):
            in_flight.add(submit(batch))
        while in_flight:
            done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in done:
                batch = next(batches, None)
                if batch:
                    in_flight.add(submit(batch))
                for data in future.result():
                    yield result_from_dict(data)
        finished = True
    finally:
        if finished:
            executor.shutdown(wait=True)
        else:
            with _sigint_ignored():
                _kill_workers(executor)


def _kill_workers(executor: ProcessPoolExecutor) -> None:
    """Stop the pool now: queued batches are dropped and running ones killed."""
    # The pool's processes have no public accessor before Python 3.14 (terminate_workers).
    processes = list((getattr(executor, "_processes", None) or {}).values())
    for process in processes:
        if process.is_alive():
            process.kill()
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.join(timeout=2)


def quiet_dask_logs() -> None:
    """Only errors from Dask's loggers, for a command-line run: the scheduler and nannies
    of a LocalCluster run in this process, and their notes on workers stopped at the end or
    on Ctrl-C ("comm closed", "removing worker") are not the user's business. Importing
    distributed sets its loggers' levels, so this imports it first."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        return
    logging.getLogger("distributed").setLevel(logging.ERROR)


def extract_on_dask(
    items: Iterable[tuple[str, str]],
    *,
    model: str | None = None,
    config: str | Path | None = None,
    scheduler: str | None = None,
    workers: int = 2,
    batch_size: int = 16,
    max_length: int | None = None,
) -> Iterator[Result]:
    """Results for (doc_id, text) items, computed on the cluster at `scheduler`, or on a
    LocalCluster of `workers` single-threaded processes when none is given. Results come
    in the order batches finish. Stopped early, it cancels its batches on a cluster it
    was given and kills the worker processes of a LocalCluster it started."""
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError as exc:
        raise ValueError("the dask engine needs dask.distributed: pip install 'osint-extract[dask]'") from exc

    cluster = None
    worker_pids: dict = {}
    if scheduler is None:
        # scheduler and nanny warnings about workers lost at shutdown are not the user's business
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None, host="127.0.0.1",
            silence_logs=logging.ERROR,
        )
    finished = False
    client = None
    in_flight = None
    try:
        client = Client(scheduler or cluster)
        if cluster is not None:
            worker_pids = client.run(os.getpid)
        config_arg = str(config) if config is not None else None
        batches = _batches(items, batch_size)
        in_flight = as_completed()
        limit = 2 * max(1, len(client.scheduler_info()["workers"]))
        for batch in islice(batches, limit):
            in_flight.add(client.submit(_extract_batch, batch, model, config_arg, max_length, pure=False))
        for future in in_flight:
            nxt = next(batches, None)
            if nxt:
                in_flight.add(client.submit(_extract_batch, nxt, model, config_arg, max_length, pure=False))
            data = future.result()
            future.release()
            for item in data:
                yield result_from_dict(item)
        finished = True
    finally:
        with _sigint_ignored():
            if not finished:
                # a run stopped early: what Dask says about the workers it loses (keys it could
                # not gather, comms closed) is not the user's business, at any level
                logging.getLogger("distributed").setLevel(logging.CRITICAL + 1)
                for pid in worker_pids.values():  # a LocalCluster's workers: this machine's processes
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
                if client is not None and in_flight is not None and cluster is None:
                    client.cancel(list(in_flight.futures))
            if client is not None:
                client.close()
            if cluster is not None:
                cluster.close()
