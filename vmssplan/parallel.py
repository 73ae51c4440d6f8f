"""Map a function over a list in forked worker processes; results in order.

A plan of a large file spends most of its time on pairs of scale sets that do not depend
on each other (normalize, lint, diff, classify, locate). Forked workers share the parsed
documents with the parent without copying or pickling them; only their results come
back, pickled through a pipe. The parent works on the first chunk itself meanwhile.

Forking is used on Linux only (on macOS, system libraries are not safe across a fork) and
only while this process has one thread. Whatever goes wrong in a worker (an exception, a
killed process, a result that does not unpickle) makes the parent do that chunk itself,
so the result is always the serial one: an error is raised, and said, by the parent as
it would be without workers. Workers write nothing but their results.
"""

from __future__ import annotations

import gc
import math
import os
import sys
import threading
from pathlib import Path
from typing import Callable, Sequence, TypeVar

Item = TypeVar("Item")
Output = TypeVar("Output")


#: Most processes a map uses, whatever is asked: the work is CPU-bound, and each process
#: holds its share of the results.
MAX_PROCESSES = 32


def available_cpus() -> int:
    """CPUs this process may run on: those it is pinned to, fewer under a container's CPU
    quota (``docker --cpus 1`` still shows every CPU of the host)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    quota = cpu_quota()
    return max(1, min(cpus, math.ceil(quota))) if quota is not None else cpus


def cpu_quota(cgroup: Path = Path("/sys/fs/cgroup")) -> float | None:
    """CPUs' worth of time a cgroup quota allows this process (as a container sees its own
    cgroup, at the root of the mount), or None when there is none."""
    try:  # cgroup v2: "max 100000", or "150000 100000" for 1.5 CPUs
        quota, period = (cgroup / "cpu.max").read_text(encoding="ascii").split()[:2]
        return None if quota == "max" else int(quota) / int(period)
    except (OSError, ValueError):
        pass
    try:  # cgroup v1: a quota of -1 is none
        quota_us = int((cgroup / "cpu" / "cpu.cfs_quota_us").read_text(encoding="ascii"))
        period_us = int((cgroup / "cpu" / "cpu.cfs_period_us").read_text(encoding="ascii"))
        return quota_us / period_us if quota_us > 0 and period_us > 0 else None
    except (OSError, ValueError):
        return None


def can_fork() -> bool:
    return sys.platform == "linux" and hasattr(os, "fork") and threading.active_count() == 1


def map_in_processes(function: Callable[[Item], Output], items: Sequence[Item], processes: int) -> list[Output]:
    """``[function(item) for item in items]``, in up to ``processes`` processes (this one
    included, at most MAX_PROCESSES), each on a contiguous chunk of ``items``."""
    processes = min(processes, len(items), MAX_PROCESSES)
    if processes <= 1 or not can_fork():
        return [function(item) for item in items]
    bounds = [len(items) * k // processes for k in range(processes + 1)]
    chunks = [items[start:end] for start, end in zip(bounds, bounds[1:])]
    # The objects made so far (the documents) go to the collector's permanent generation:
    # collections in the workers then leave them alone instead of writing to each (which
    # would copy their memory pages), and the parent's own collections are shorter too.
    gc.freeze()
    workers: list[tuple[int, int] | None] = []
    try:
        for chunk in chunks[1:]:
            workers.append(_start(function, chunk))
        results = [function(item) for item in chunks[0]]
        for chunk in chunks[1:]:
            worker = workers.pop(0)
            results += _finish(worker, function, chunk) if worker else [function(item) for item in chunk]
        return results
    finally:
        for worker in workers:  # the parent failed or was interrupted: stop the rest
            if worker:
                os.close(worker[1])
                _stop(worker[0])
        gc.unfreeze()


def _start(function: Callable[[Item], Output], chunk: Sequence[Item]) -> tuple[int, int] | None:
    """Fork a worker for ``chunk``; (its pid, the read end of its results pipe), or None
    when no process can be made now (the parent then does the chunk)."""
    try:
        read_end, write_end = os.pipe()
    except OSError:  # EMFILE: no file descriptor left
        return None
    try:
        pid = os.fork()
    except OSError:  # EAGAIN (a process limit), ENOMEM
        os.close(read_end)
        os.close(write_end)
        return None
    if pid == 0:  # the worker: results, pickled, to the pipe; nothing else, anywhere
        status = 1
        try:
            os.close(read_end)
            import pickle

            data = pickle.dumps([function(item) for item in chunk], protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(data)
            status = 0
        except BaseException:  # noqa: BLE001 - the parent redoes the chunk and reports any error
            pass
        finally:
            os._exit(status)  # no atexit handlers, no flush of the parent's buffered output
    os.close(write_end)
    return pid, read_end


def _finish(worker: tuple[int, int], function: Callable[[Item], Output], chunk: Sequence[Item]) -> list[Output]:
    """The worker's results, or the chunk done here if the worker did not deliver them."""
    pid, pipe = worker
    try:
        with os.fdopen(pipe, "rb") as stream:
            data = stream.read()
        _, status = os.waitpid(pid, 0)
    except BaseException:  # interrupted while waiting: stop the worker too
        _stop(pid)
        raise
    if status == 0 and data:
        import pickle

        try:
            results = pickle.loads(data)
            if isinstance(results, list) and len(results) == len(chunk):
                return results
        except Exception:  # noqa: BLE001 - a truncated or damaged result: do the chunk here
            pass
    return [function(item) for item in chunk]


def _stop(pid: int) -> None:
    import signal

    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except OSError:
        pass
