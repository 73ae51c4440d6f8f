"""Plans in forked worker processes are the plans of one process: same bytes, same errors."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from clihelp import run_cli
from conftest import EXAMPLES
from vmssplan import engine, parallel
from vmssplan.engine import PlanOptions, plan_files, validate_files
from vmssplan.render import PLAN_FORMATS, get_renderer
from vmssplan.view import build_view

pytestmark = pytest.mark.skipif(not parallel.can_fork(), reason="workers are forked on Linux only")

PARENT = os.getpid()


def _square(n: int) -> int:
    return n * n


def _in_worker() -> bool:
    return os.getpid() != PARENT


def test_results_are_those_of_one_process_in_order() -> None:
    items = list(range(23))
    for processes in (1, 2, 3, 4, 23, 40):
        assert parallel.map_in_processes(_square, items, processes) == [n * n for n in items]
    assert parallel.map_in_processes(_square, [], 3) == []


def _fails_in_workers(n: int) -> tuple[int, int]:
    if _in_worker():
        raise RuntimeError("in a worker")
    return n, os.getpid()


def _dies_in_workers(n: int) -> tuple[int, int]:
    if _in_worker():
        os._exit(3)
    return n, os.getpid()


def _unpicklable_in_workers(n: int) -> Any:
    return (lambda: n) if _in_worker() else n


@pytest.mark.parametrize("function", [_fails_in_workers, _dies_in_workers])
def test_a_worker_that_fails_or_dies_has_its_chunk_done_by_the_parent(function: Any,
                                                                      capfd: pytest.CaptureFixture[str]) -> None:
    assert parallel.map_in_processes(function, list(range(9)), 3) == [(n, PARENT) for n in range(9)]
    out, err = capfd.readouterr()
    assert out == err == ""  # a worker says nothing: errors are the parent's to report


def test_a_result_that_cannot_come_back_is_made_by_the_parent() -> None:
    assert parallel.map_in_processes(_unpicklable_in_workers, list(range(6)), 2) == list(range(6))


def _fails_on_seven(n: int) -> int:
    if n == 7:
        raise ValueError("seven")
    return n


def test_an_error_is_raised_as_without_workers_and_no_worker_is_left(capfd: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ValueError, match="seven"):
        parallel.map_in_processes(_fails_on_seven, list(range(10)), 2)  # 7 is in the worker's chunk
    with pytest.raises(ValueError, match="seven"):
        parallel.map_in_processes(_fails_on_seven, list(range(10)), 1)
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # every worker was waited for
    assert capfd.readouterr() == ("", "")


# --- plans --------------------------------------------------------------------------------

MODEL_EXAMPLES = ["custom-image", "extension-force-update", "fault-domain-count", "load-balancer-to-app-gateway",
                  "no-op", "os-image-version", "single-placement-group-off", "single-placement-group-on",
                  "ssh-key-rotation", "vm-size"]
SENTINEL = "S3ntinel-Parallel-Password"


def _model_lists(folder: Path) -> tuple[Path, Path]:
    """Lists of scale sets from the examples: updates, one deleted, one created, one
    with a lint finding, secrets changed; each example twice under other names."""
    current, proposed = [], []
    for copy in range(2):
        for name in MODEL_EXAMPLES:
            for side, out in (("current", current), ("proposed", proposed)):
                model = json.loads((EXAMPLES / name / f"{side}.json").read_text(encoding="utf-8"))
                model["name"] = f"{name}-{copy}"
                model["id"] = model.get("id", "").rsplit("/", 1)[0] + f"/{name}-{copy}"
                os_profile = model["properties"]["virtualMachineProfile"].get("osProfile")
                if os_profile is not None and name != "no-op":
                    os_profile["adminPassword"] = f"{SENTINEL}-{side}"
                out.append(model)
    current.append(dict(current[0], name="deleted"))
    created = json.loads(json.dumps(proposed[MODEL_EXAMPLES.index("vm-size")]))
    created["name"] = "created"
    profile = created["properties"]["virtualMachineProfile"]
    profile.pop("extensionProfile", None)
    profile["networkProfile"].pop("healthProbe", None)
    created["properties"]["upgradePolicy"] = {"mode": "Rolling"}  # with no health source: LINT001
    proposed.append(created)
    paths = folder / "current.json", folder / "proposed.json"
    for path, models in zip(paths, (current, proposed)):
        path.write_text(json.dumps(models, indent=2), encoding="utf-8")
    return paths


def test_a_plan_in_workers_is_the_plan_of_one_process_in_every_format(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    current, proposed = map(str, _model_lists(tmp_path))
    started = []
    start = parallel._start
    monkeypatch.setattr(parallel, "_start", lambda *args: started.append(1) or start(*args))
    serial = plan_files(current, proposed, PlanOptions(jobs=1))
    assert not started
    in_workers = plan_files(current, proposed, PlanOptions(jobs=3))
    assert len(started) == 2
    assert len(serial.plan.scale_sets) == 2 * len(MODEL_EXAMPLES) + 2
    assert {s.action for s in serial.plan.scale_sets} >= {"create", "delete", "update", "rejected", "no-op"}
    assert serial.findings and all(f.line for f in serial.findings)
    assert serial.findings == in_workers.findings
    for fmt in sorted(PLAN_FORMATS):
        render = get_renderer(PLAN_FORMATS, fmt)
        assert render(build_view(in_workers, plan=True), color=False) == render(build_view(serial, plan=True),
                                                                                color=False), fmt
    started.clear()
    linted = validate_files([proposed], jobs=1)
    assert not started and any(f.rule == "LINT001" for f in linted.findings)
    assert validate_files([proposed], jobs=2).findings == linted.findings and len(started) == 1


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_the_cli_plans_in_workers_with_the_same_bytes_under_any_hash_seed_and_no_secret(tmp_path: Path, fmt: str) -> None:
    _model_lists(tmp_path)
    runs = [run_cli("plan", "current.json", "proposed.json", "-o", fmt, "--jobs", jobs, cwd=tmp_path,
                    env={"PYTHONHASHSEED": seed}) for jobs, seed in (("1", "0"), ("2", "1"), ("0", "random"))]
    assert len({(r.code, r.out, r.err) for r in runs}) == 1
    assert runs[0].code == 1 and runs[0].out  # the plan has rejected changes
    for run in runs:
        assert SENTINEL not in run.out and SENTINEL not in run.err


def test_workers_are_used_by_default_only_for_large_inputs_of_many_scale_sets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "available_cpus", lambda: 8)
    assert engine._processes(0, 5, engine.PARALLEL_OVER) == engine.DEFAULT_MAX_PROCESSES
    assert engine._processes(0, 5, engine.PARALLEL_OVER - 1) == 1
    assert engine._processes(0, 1, engine.PARALLEL_OVER) == 1
    assert engine._processes(3, 1, 10) == 3  # asked for
    monkeypatch.setattr(engine, "available_cpus", lambda: 2)
    assert engine._processes(0, 5, engine.PARALLEL_OVER) == 2


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_validate_lints_in_workers_with_the_same_bytes(tmp_path: Path, fmt: str) -> None:
    _model_lists(tmp_path)
    runs = [run_cli("validate", "proposed.json", "current.json", "-o", fmt, "--jobs", jobs, cwd=tmp_path)
            for jobs in ("1", "3")]
    assert runs[0] == runs[1]
    assert "LINT001" in runs[0].out and SENTINEL not in runs[0].out + runs[0].err


def test_the_number_of_processes_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from vmssplan import cli

    assert cli.MAX_JOBS == parallel.MAX_PROCESSES
    started = []
    start = parallel._start
    monkeypatch.setattr(parallel, "_start", lambda *args: started.append(1) or start(*args))
    monkeypatch.setattr(parallel, "MAX_PROCESSES", 3)
    assert parallel.map_in_processes(_square, list(range(50)), 10_000) == [n * n for n in range(50)]
    assert len(started) == 2
    folder = EXAMPLES / "vm-size"
    for jobs in ("33", "-1", "many"):
        run = run_cli("plan", "current.json", "proposed.json", "--jobs", jobs, cwd=folder)
        assert run.code == 2 and "--jobs" in run.err and "Traceback" not in run.err, jobs


def _slow_in_workers_fails_in_parent(n: int) -> int:
    if _in_worker():
        import time

        time.sleep(0.5)
        return n
    raise KeyboardInterrupt  # as Ctrl-C in the parent's own chunk


def test_an_interrupted_parent_stops_its_workers_at_once() -> None:
    import time

    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        parallel.map_in_processes(_slow_in_workers_fails_in_parent, list(range(20)), 2)
    assert time.monotonic() - start < 2  # the worker (10 items of 0.5 s) was not waited for
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def _slow_in_workers(n: int) -> int:
    if _in_worker():
        import time

        time.sleep(5)
    return n


def test_a_parent_interrupted_while_waiting_for_a_worker_stops_it() -> None:
    import signal
    import time

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    start = time.monotonic()
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.3)  # fires while the parent waits for the worker
        with pytest.raises(KeyboardInterrupt):
            parallel.map_in_processes(_slow_in_workers, list(range(4)), 2)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert time.monotonic() - start < 3
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


@pytest.mark.parametrize("files, quota", [
    ({"cpu.max": "max 100000\n"}, None),
    ({"cpu.max": "150000 100000\n"}, 1.5),
    ({"cpu.max": "50000 100000\n"}, 0.5),
    ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, None),
    ({"cpu/cpu.cfs_quota_us": "200000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 2.0),
    ({"cpu.max": "garbage"}, None),
    ({}, None),
])
def test_a_container_cpu_quota_is_read_from_its_cgroup(tmp_path: Path, files: dict[str, str],
                                                       quota: float | None) -> None:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="ascii")
    assert parallel.cpu_quota(tmp_path) == quota


def test_a_cpu_quota_caps_the_processes_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(16)))
    monkeypatch.setattr(parallel, "cpu_quota", lambda: 1.5)
    assert parallel.available_cpus() == 2
    monkeypatch.setattr(parallel, "cpu_quota", lambda: 0.25)
    assert parallel.available_cpus() == 1
    monkeypatch.setattr(parallel, "cpu_quota", lambda: None)
    assert parallel.available_cpus() == 16


def test_when_no_process_can_be_forked_the_parent_does_it_all(monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    def refuse() -> int:
        raise OSError(errno.EAGAIN, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", refuse)
    assert parallel.map_in_processes(_square, list(range(12)), 3) == [n * n for n in range(12)]
    monkeypatch.setattr(os, "pipe", refuse)
    assert parallel.map_in_processes(_square, list(range(12)), 3) == [n * n for n in range(12)]
