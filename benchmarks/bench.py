"""Benchmark vmssplan against the targets of issue 6, side by side, in one run.

    python benchmarks/bench.py [--runs N] [--sizes 100,1000,10000] [--strict]

Measures (median wall time of N runs; peak memory: RSS via /usr/bin/time when available,
and at the largest size the larger of that and the summed PSS of all the plan's processes):
``python -c pass``; ``vmssplan --version``; ``vmssplan plan`` on a typical example pair;
``vmssplan validate`` and ``plan`` on generated inputs of 100, 1,000 and 10,000 scale sets
with 1% and 10% of their leaves changed; ``json.loads`` of the same bytes. Prints ratios and
checks the targets (PASS/FAIL); ``--strict`` exits 1 on a FAIL.

Two kinds of generated input, both with every resource a scale set (the worst case: other
resource types are passed over unevaluated):

* templates: one ARM template (parameters, variables, expressions in every resource) with
  a parameters file, N scale-set resources. ARM refuses more than 800 resources in one
  template, and vmssplan says so (VAL041, an error); it still evaluates and plans them all,
  which is what is measured;
* model lists (``az vmss list`` output): no expressions, N REST models.

"Changed" is a share of all leaves of the file, drawn at random (so at 1% about half the
scale sets are unchanged), and only edits that keep the scale set schema-valid are made:
an invalid value measures explaining errors, not planning.

Python writes no bytecode when PYTHONDONTWRITEBYTECODE is set (as in some CI images),
which adds 10-30 ms to every start-up; the benchmark unsets it, as an installed package
has its bytecode.
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
MODEL_EXAMPLE = REPO / "examples" / "os-image-version"
TEMPLATE_EXAMPLE = REPO / "examples" / "template-parameters"
TIME = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else None)


def run(cmd: list[str], runs: int) -> tuple[float, int | None]:
    """(median seconds, peak RSS in KiB or None)."""
    times, peak = [], None
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["NO_COLOR"] = "1"
    for _ in range(runs):
        wrapped = [TIME, "-f", "%M", *cmd] if TIME else cmd
        start = time.perf_counter()
        proc = subprocess.run(wrapped, capture_output=True, text=True, env=env, check=False)
        times.append(time.perf_counter() - start)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr[-500:]}")
        if TIME:
            try:
                peak = max(peak or 0, int(proc.stderr.strip().splitlines()[-1]))
            except (ValueError, IndexError):
                pass
    return statistics.median(times), peak


def tree_memory(cmd: list[str]) -> int | None:
    """Peak of the summed proportional set size (PSS, KiB) of ``cmd`` and its worker
    processes, sampled every 5 ms from /proc (Linux); None elsewhere. A forked worker shares
    the parent's pages until it writes them: PSS counts a shared page once in all, where
    each process's RSS counts it whole."""
    if not Path("/proc/self/smaps_rollup").exists():
        return None

    def pss(pid: int) -> int:
        try:
            with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
                return next((int(line.split()[1]) for line in rollup if line.startswith("Pss:")), 0)
        except OSError:
            return 0

    def workers(pid: int) -> list[int]:
        try:
            with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as children:
                return [int(child) for child in children.read().split()]
        except OSError:
            return []

    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, sum(pss(pid) for pid in [proc.pid, *workers(proc.pid)]))
        time.sleep(0.005)
    return peak


_LOADS = """
import json, statistics, sys, time
texts = [open(p, encoding="utf-8").read() for p in sys.argv[2:]]
samples = []
for _ in range(int(sys.argv[1])):
    start = time.perf_counter()
    for text in texts:
        json.loads(text)
    samples.append(time.perf_counter() - start)
print(statistics.median(samples))
"""


def json_loads_time(paths: list[Path], runs: int) -> float:
    """Median time of json.loads of ``paths`` in a fresh interpreter (this one holds the
    generated documents: its garbage collector would slow the parse down)."""
    out = subprocess.run([sys.executable, "-c", _LOADS, str(max(runs, 3)), *map(str, paths)],
                         capture_output=True, text=True, check=True).stdout
    return float(out)


def leaves(node: object, path: tuple = ()) -> list[tuple]:
    if isinstance(node, dict):
        return [leaf for k, v in node.items() for leaf in leaves(v, path + (k,))]
    if isinstance(node, list):
        return [leaf for i, v in enumerate(node) for leaf in leaves(v, path + (i,))]
    return [path]


def quick_check(shape: str):
    """jsonschema-rs's validity check of a scale set of that shape ("model" or "template")."""
    import jsonschema_rs

    from vmssplan import validate

    schema = validate._load_schema("vmss", "2024-03-01.json")
    return jsonschema_rs.Draft4Validator(validate._model_shape(schema) if shape == "model" else schema).is_valid


def editable_leaves(resource: dict, shape: str) -> list[tuple]:
    """Leaves whose edit (see :func:`edit`) keeps ``resource`` schema-valid; expressions are
    left alone (their edit would measure the evaluator's error path)."""
    is_valid = quick_check(shape)
    found = []
    for path in leaves(resource):
        if path[0] not in ("tags", "sku", "properties"):
            continue
        value = get(resource, path)
        if isinstance(value, str) and value.startswith("["):
            continue
        edited = copy.deepcopy(resource)
        edit(edited, path)
        if is_valid(edited):
            found.append(path)
    return found


def get(node: object, path: tuple) -> object:
    for part in path:
        node = node[part]  # type: ignore[index]
    return node


def edit(resource: dict, path: tuple) -> None:
    parent = get(resource, path[:-1])
    value = parent[path[-1]]  # type: ignore[index]
    if isinstance(value, bool):
        parent[path[-1]] = not value  # type: ignore[index]
    elif isinstance(value, int):
        parent[path[-1]] = value + 1  # type: ignore[index]
    else:
        parent[path[-1]] = f"{value}-x"  # type: ignore[index]


def changed_copies(resources: list[dict], shape: str, changed: float, seed: int) -> list[dict]:
    """Copies of ``resources`` with ``changed`` of all their leaves edited, drawn at random."""
    editable = editable_leaves(resources[0], shape)  # every resource has the same shape
    total = sum(len(leaves(r)) for r in resources)
    pool = [(i, path) for i in range(len(resources)) for path in editable]
    proposed = copy.deepcopy(resources)
    for i, path in random.Random(seed).sample(pool, min(len(pool), max(1, round(total * changed)))):
        edit(proposed[i], path)
    return proposed


def generate_models(count: int, changed: float, folder: Path) -> tuple[Path, Path]:
    """``count`` scale sets (a REST list) and a copy with ``changed`` of their leaves edited."""
    base = json.loads((MODEL_EXAMPLE / "current.json").read_text(encoding="utf-8"))
    current = []
    for i in range(count):
        model = copy.deepcopy(base)
        model["name"] = f"vmss-{i:05d}"
        model["id"] = model["id"].rsplit("/", 1)[0] + f"/vmss-{i:05d}"
        current.append(model)
    proposed = changed_copies(current, "model", changed, count * 1000 + int(changed * 100))
    a, b = folder / f"models-{count}-{changed}-current.json", folder / f"models-{count}-{changed}-proposed.json"
    a.write_text(json.dumps(current, indent=2), encoding="utf-8")
    b.write_text(json.dumps(proposed, indent=2), encoding="utf-8")
    return a, b


def generate_templates(count: int, changed: float, folder: Path) -> tuple[Path, Path]:
    """An ARM template of ``count`` scale sets with its parameters file, and a copy of both
    with ``changed`` of the resources' leaves edited."""
    template = json.loads((TEMPLATE_EXAMPLE / "current.json").read_text(encoding="utf-8"))
    parameters = (TEMPLATE_EXAMPLE / "current.parameters.json").read_text(encoding="utf-8")
    base = template["resources"][0]
    resources = []
    for i in range(count):
        resource = copy.deepcopy(base)
        resource["name"] = f"[concat(parameters('vmssName'), '-{i:05d}')]"
        resources.append(resource)
    proposed = changed_copies(resources, "template", changed, count * 1000 + int(changed * 100) + 1)
    paths = []
    for side, side_resources in (("current", resources), ("proposed", proposed)):
        path = folder / f"template-{count}-{changed}-{side}.json"
        path.write_text(json.dumps({**template, "resources": side_resources}, indent=2), encoding="utf-8")
        path.with_name(path.name[:-len(".json")] + ".parameters.json").write_text(parameters, encoding="utf-8")
        paths.append(path)
    return paths[0], paths[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (median)")
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--kinds", default="templates,models", help="generated inputs to measure")
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
    pair = [str(MODEL_EXAMPLE / "current.json"), str(MODEL_EXAMPLE / "proposed.json")]
    typical, peak = run(vmssplan + ["plan", *pair], args.runs)
    rows.append(("plan, typical pair", typical, peak, f"{typical / base:.1f}x pass"))
    results.append(("plan on a typical pair within 15x python -c pass", typical <= 15 * base,
                    f"{typical / base:.1f}x"))

    sizes = [int(size) for size in args.sizes.split(",")]
    generators = {"templates": generate_templates, "models": generate_models}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for kind in args.kinds.split(","):
            plan_times: dict[tuple[int, float], float] = {}
            for count in sizes:
                for changed in (0.01, 0.10):
                    a, b = generators[kind](count, changed, folder)
                    runs = args.runs if count <= 1000 else max(1, args.runs // 2)
                    loads = json_loads_time([a, b], runs)
                    size = a.stat().st_size + b.stat().st_size
                    validate, vpeak = run(vmssplan + ["validate", str(b)], runs)
                    plan, ppeak = run(vmssplan + ["plan", str(a), str(b), "-o", "json"], runs)
                    plan_times[(count, changed)] = plan
                    label = f"{kind}, {count:>5} sets, {changed:>3.0%} changed"
                    rows.append((f"json.loads both files, {label}", loads, None, f"{size / 2**20:.1f} MiB"))
                    rows.append((f"validate proposed, {label}", validate, vpeak,
                                 f"{(validate - version) / (loads / 2):.1f}x loads"))
                    rows.append((f"plan, {label}", plan, ppeak, f"{(plan - version) / loads:.1f}x loads"))
                    if count == max(sizes):
                        results.append((f"{kind}: plan of {count} sets ({changed:.0%}) <= start-up + 5x json.loads",
                                        plan <= version + 5 * loads, f"{(plan - version) / loads:.1f}x"))
                        # The plan may run in worker processes: count the memory of them all.
                        together = tree_memory(vmssplan + ["plan", str(a), str(b), "-o", "json"])
                        if together:
                            ppeak = max(ppeak or 0, together)
                            rows[-1] = rows[-1][:2] + (ppeak,) + rows[-1][3:]
                        if ppeak:
                            results.append((f"{kind}: peak memory of that plan < 10x the input "
                                            f"({size / 2**20:.0f} MiB)", ppeak * 1024 < 10 * size,
                                            f"{ppeak * 1024 / size:.1f}x"))
            for changed in (0.01, 0.10):
                for small, large in zip(sizes, sizes[1:]):
                    grow = (plan_times[(large, changed)] - version) / max(plan_times[(small, changed)] - version, 1e-9)
                    factor = large / small
                    results.append((f"{kind}: plan time {small} -> {large} sets ({changed:.0%}) grows at most "
                                    f"~{factor:.0f}x", grow <= factor * 1.2, f"{grow:.1f}x"))

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
