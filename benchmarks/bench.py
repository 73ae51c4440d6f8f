"""Benchmark vmssplan against the targets of issue 6, side by side, in one run.

    python benchmarks/bench.py [--runs N] [--strict]

Measures (median wall time of N runs, peak RSS via /usr/bin/time when available):
``python -c pass``; ``vmssplan --version``; ``vmssplan plan`` on a typical example pair;
``vmssplan validate`` and ``plan`` on generated inputs of 100, 1,000 and 10,000 scale sets
with 1% and 10% of the leaves changed; ``json.loads`` of the same bytes. Prints ratios and
checks the targets (PASS/FAIL); ``--strict`` exits 1 on a FAIL.

Why model lists (``az vmss list`` output) for the large inputs: ARM refuses templates of
more than 800 resources, and vmssplan stops evaluating a template at that limit (a bound
against hostile input), so a 10,000-resource *template* measures the bound, not the work.
A list of 10,000 scale-set models has no such limit and exercises every stage that scales
with size (parse, validate, normalize, diff, classify, render).

The validation cache is off (``VMSSPLAN_NO_CACHE=1``) for every run except the one marked
"warm", which shows what a document seen before costs.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "os-image-version"
TIME = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else None)


def run(cmd: list[str], runs: int, env: dict[str, str] | None = None) -> tuple[float, int | None]:
    """(median seconds, peak RSS in KiB or None)."""
    times, peak = [], None
    full_env = {**os.environ, "NO_COLOR": "1", "VMSSPLAN_NO_CACHE": "1", **(env or {})}
    if env and env.get("VMSSPLAN_NO_CACHE") == "":
        full_env.pop("VMSSPLAN_NO_CACHE")
    for _ in range(runs):
        wrapped = [TIME, "-f", "%M", *cmd] if TIME else cmd
        start = time.perf_counter()
        proc = subprocess.run(wrapped, capture_output=True, text=True, env=full_env, check=False)
        times.append(time.perf_counter() - start)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr[-500:]}")
        if TIME:
            try:
                peak = max(peak or 0, int(proc.stderr.strip().splitlines()[-1]))
            except (ValueError, IndexError):
                pass
    return statistics.median(times), peak


def json_loads_time(paths: list[Path], runs: int) -> float:
    texts = [p.read_text(encoding="utf-8") for p in paths]
    samples = []
    for _ in range(max(runs, 3)):
        start = time.perf_counter()
        for text in texts:
            json.loads(text)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def leaves(node: object, path: tuple = ()) -> list[tuple]:
    if isinstance(node, dict):
        return [leaf for k, v in node.items() for leaf in leaves(v, path + (k,))]
    if isinstance(node, list):
        return [leaf for i, v in enumerate(node) for leaf in leaves(v, path + (i,))]
    return [path]


def editable_leaves(model: dict) -> list[tuple]:
    """Leaves of ``model`` whose edit (see :func:`edit`) still gives a schema-valid model.

    A benchmark of planning should measure planning: an edit that breaks the schema (an enum
    value with "-x" appended) sends every scale set down the slow path that explains errors,
    which is what an invalid input costs, not what a change costs.
    """
    import jsonschema_rs

    from vmssplan import validate

    schema = validate._model_shape(validate._load_schema("vmss", "2024-03-01.json"))
    is_valid = jsonschema_rs.Draft4Validator(schema).is_valid
    found = []
    for path in leaves(model):
        if path[0] not in ("tags", "sku", "properties"):
            continue
        edited = copy.deepcopy(model)
        edit(edited, path)
        if is_valid(edited):
            found.append(path)
    return found


def edit(model: dict, path: tuple) -> None:
    node = model
    for part in path[:-1]:
        node = node[part]
    value = node[path[-1]]
    if isinstance(value, bool):
        node[path[-1]] = not value
    elif isinstance(value, int):
        node[path[-1]] = value + 1
    else:
        node[path[-1]] = f"{value}-x"


def generate(count: int, changed: float, folder: Path) -> tuple[Path, Path]:
    """``count`` scale sets (a REST list) and a copy with ``changed`` of their leaves edited."""
    base = json.loads((EXAMPLE / "current.json").read_text(encoding="utf-8"))
    editable = editable_leaves(base)
    total = len(leaves(base))
    rng = random.Random(count * 1000 + int(changed * 100))
    current, proposed = [], []
    for i in range(count):
        model = copy.deepcopy(base)
        model["name"] = f"vmss-{i:05d}"
        model["id"] = model["id"].rsplit("/", 1)[0] + f"/vmss-{i:05d}"
        current.append(model)
        edited = copy.deepcopy(model)
        for path in rng.sample(editable, min(len(editable), max(1, round(total * changed)))):
            edit(edited, path)
        proposed.append(edited)
    a, b = folder / f"current-{count}-{changed}.json", folder / f"proposed-{count}-{changed}.json"
    a.write_text(json.dumps(current, indent=2), encoding="utf-8")
    b.write_text(json.dumps(proposed, indent=2), encoding="utf-8")
    return a, b


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (median)")
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args()
    py = sys.executable
    vmssplan = [py, "-m", "vmssplan"]
    rows: list[tuple[str, float, int | None, str]] = []
    results: list[tuple[str, bool, str]] = []

    base, _ = run([py, "-c", "pass"], args.runs)
    rows.append(("python -c pass", base, None, "1.0x"))
    version, _ = run(vmssplan + ["--version"], args.runs)
    rows.append(("vmssplan --version", version, None, f"{version / base:.1f}x pass"))
    pair = [str(EXAMPLE / "current.json"), str(EXAMPLE / "proposed.json")]
    typical, peak = run(vmssplan + ["plan", *pair], args.runs)
    rows.append(("plan, typical pair", typical, peak, f"{typical / base:.1f}x pass"))
    warm, _ = run(vmssplan + ["plan", *pair], args.runs, env={"VMSSPLAN_NO_CACHE": ""})
    rows.append(("plan, typical pair (warm cache)", warm, None, f"{warm / base:.1f}x pass"))
    results.append(("plan on a typical pair within 15x python -c pass", typical <= 15 * base,
                    f"{typical / base:.1f}x"))

    sizes = [int(s) for s in args.sizes.split(",")]
    plan_times: dict[tuple[int, float], float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for count in sizes:
            for changed in (0.01, 0.10):
                a, b = generate(count, changed, folder)
                runs = args.runs if count <= 1000 else max(1, args.runs // 2)
                loads = json_loads_time([a, b], runs)
                size = a.stat().st_size + b.stat().st_size
                validate, vpeak = run(vmssplan + ["validate", str(b)], runs)
                plan, ppeak = run(vmssplan + ["plan", str(a), str(b), "-o", "json"], runs)
                plan_times[(count, changed)] = plan
                label = f"{count:>6} sets, {changed:.0%} changed"
                rows.append((f"json.loads both files, {label}", loads, None, f"{size / 2**20:.1f} MiB"))
                rows.append((f"validate proposed, {label}", validate, vpeak, f"{(validate - version) / loads:.1f}x loads"))
                rows.append((f"plan, {label}", plan, ppeak, f"{(plan - version) / loads:.1f}x loads"))
                if count == max(sizes):
                    results.append((f"plan of {count} sets ({changed:.0%}) <= start-up + 5x json.loads",
                                    plan <= version + 5 * loads, f"{(plan - version) / loads:.1f}x"))
                    if ppeak:
                        results.append((f"peak memory of that plan < 10x the input ({size / 2**20:.0f} MiB)",
                                        ppeak * 1024 < 10 * size, f"{ppeak * 1024 / size:.1f}x"))
    for changed in (0.01, 0.10):
        for small, large in zip(sizes, sizes[1:]):
            grow = (plan_times[(large, changed)] - version) / max(plan_times[(small, changed)] - version, 1e-9)
            factor = large / small
            results.append((f"plan time {small} -> {large} sets ({changed:.0%}) grows at most ~{factor:.0f}x",
                            grow <= factor * 1.2, f"{grow:.1f}x"))

    width = max(len(r[0]) for r in rows)
    print(f"{'measurement':<{width}}  {'median':>9}  {'peak RSS':>9}  ratio")
    for name, seconds, peak, ratio in rows:
        rss = f"{peak / 1024:.0f} MiB" if peak else "-"
        print(f"{name:<{width}}  {seconds * 1000:>7.1f}ms  {rss:>9}  {ratio}")
    print()
    failed = False
    for name, ok, figure in results:
        failed |= not ok
        print(f"{'PASS' if ok else 'FAIL'}  {name}: {figure}")
    return 1 if failed and args.strict else 0


if __name__ == "__main__":
    raise SystemExit(main())
