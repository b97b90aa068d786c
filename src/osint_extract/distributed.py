"""The dask engine: the same extraction on a Dask distributed cluster.

Texts are read on the client and sent to the workers in batches, so workers need no
access to the input files; each worker process loads the pipeline once (the pipeline
cache in `extraction`) and sends results back as plain dicts. Only a bounded number of
batches is in flight, so memory does not grow with the corpus.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path

from .extraction import extract_many, get_pipeline
from .results import Result, as_dict, result_from_dict


def _extract_batch(items: list[tuple[str, str]], model: str | None, config: str | None, max_length: int | None) -> list[dict]:
    nlp = get_pipeline(model, config)
    return [as_dict(r) for r in extract_many(items, nlp=nlp, max_length=max_length)]


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
    in the order batches finish."""
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError as exc:
        raise ValueError("the dask engine needs dask.distributed: pip install 'osint-extract[dask]'") from exc

    cluster = None
    if scheduler is None:
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None, host="127.0.0.1"
        )
    client = Client(scheduler or cluster)
    config_arg = str(config) if config is not None else None
    try:
        batches = iter(lambda it=iter(items): list(islice(it, batch_size)), [])
        in_flight = as_completed()
        limit = 2 * max(1, len(client.scheduler_info()["workers"]))
        for batch in islice(batches, limit):
            in_flight.add(client.submit(_extract_batch, batch, model, config_arg, max_length, pure=False))
        for future in in_flight:
            for data in future.result():
                yield result_from_dict(data)
            future.release()
            nxt = next(batches, None)
            if nxt:
                in_flight.add(client.submit(_extract_batch, nxt, model, config_arg, max_length, pure=False))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
