"""Running batch tasks on Dask: a local cluster or a running scheduler, with progress."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TextIO

from protv2g.batch.tasks import BatchTask, error_row, run_task

__all__ = ["dask_client", "n_workers", "run_tasks"]


@contextmanager
def dask_client(scheduler: Any = None, workers: int | None = None) -> Iterator[Any]:
    """A :class:`distributed.Client`: to ``scheduler`` (address or Client), or a LocalCluster.

    Parameters
    ----------
    scheduler : str or distributed.Client, optional
        Address of a running scheduler (``tcp://host:8786``) or a client to reuse (not closed).
        None starts a :class:`distributed.LocalCluster` (processes, one thread each).
    workers : int, optional
        Worker processes of the local cluster (default: the number of CPUs). Ignored with a
        scheduler.
    """
    from distributed import Client, LocalCluster

    if isinstance(scheduler, Client):
        yield scheduler
        return
    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    n = workers or os.cpu_count() or 1
    # the cluster is the command's own: a study's failure reaches the client as its future's
    # exception (the batch table's error column), so the workers' own log is noise — at a
    # stop (SIGTERM, Ctrl-C) a worker outliving its scheduler by a heartbeat logged "Failed to
    # communicate with scheduler" with a traceback at ERROR under the command's one line
    with LocalCluster(n_workers=n, processes=True, threads_per_worker=1,
                      dashboard_address=None, silence_logs=logging.CRITICAL) as cluster, \
            Client(cluster) as client:
        yield client


def n_workers(client: Any) -> int:
    try:
        return len(client.scheduler_info(n_workers=-1)["workers"])
    except TypeError:  # older distributed without n_workers
        return len(client.scheduler_info()["workers"])
    except Exception:  # noqa: BLE001 - only used for the report
        return 0


class _Progress:
    """A completion counter on a stream: ``[3/20] name: PASS (1.2 s)``."""

    def __init__(self, total: int, stream: TextIO | None) -> None:
        self.total, self.done, self.stream = total, 0, stream
        self.start = time.perf_counter()

    def update(self, row: dict[str, Any]) -> None:
        self.done += 1
        if self.stream is None:
            return
        label = row["study"] + (f" ({row['variant']})" if row["variant"] else "")
        state = row["verdict"] if row["status"] == "ok" else "ERROR"
        elapsed = time.perf_counter() - self.start
        print(f"[{self.done}/{self.total} {elapsed:6.1f} s] {label}: {state}",
              file=self.stream, flush=True)


def run_tasks(tasks: Sequence[BatchTask], client: Any,
              progress: TextIO | None = None) -> list[dict[str, Any]]:
    """Submit every task to ``client`` and gather the rows in task order.

    A task whose worker dies (or any error outside :func:`run_task`) becomes an error row.
    """
    from distributed import as_completed

    futures = {client.submit(run_task, task, key=f"protv2g-study-{task.index}-{time.time_ns()}",
                             pure=False, retries=0): task for task in tasks}
    rows: dict[int, dict[str, Any]] = {}
    bar = _Progress(len(tasks), progress)
    for future in as_completed(list(futures)):
        task = futures[future]
        try:
            row = future.result()
        except Exception as exc:  # noqa: BLE001 - a lost worker must not stop the batch
            row = error_row(task, f"{type(exc).__name__} on the worker: {exc}")
        rows[task.index] = row
        bar.update(row)
        future.release()
    return [rows[t.index] for t in tasks]
