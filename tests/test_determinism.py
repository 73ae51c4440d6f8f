"""Same input, same bytes: under any hash seed and any input key order."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from clihelp import run_cli
from conftest import EXAMPLES

PAIRS = ["load-balancer-to-app-gateway", "ssh-key-rotation", "fault-domain-count"]


def _shuffled(value: object, rng: random.Random) -> object:
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return {k: _shuffled(v, rng) for k, v in items}
    if isinstance(value, list):
        return [_shuffled(v, rng) for v in value]
    return value


@pytest.mark.parametrize("name", PAIRS)
@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "markdown", "github", "junit", "patch", "azure-devops"])
def test_output_is_identical_across_hash_seeds(name: str, fmt: str) -> None:
    folder = EXAMPLES / name
    outputs = {run_cli("plan", "current.json", "proposed.json", "-o", fmt, cwd=folder,
                       env={"PYTHONHASHSEED": seed}).out for seed in ("0", "1", "4242", "random")}
    assert len(outputs) == 1


def test_output_is_identical_across_input_key_order(tmp_path: Path) -> None:
    folder = EXAMPLES / "load-balancer-to-app-gateway"
    rng = random.Random(7)
    for side in ("current", "proposed"):
        data = json.loads((folder / f"{side}.json").read_text(encoding="utf-8"))
        (tmp_path / f"{side}.json").write_text(json.dumps(_shuffled(data, rng)), encoding="utf-8")
    for fmt in ("text", "json"):
        original = run_cli("plan", "current.json", "proposed.json", "-o", fmt, cwd=folder).out
        shuffled = run_cli("plan", "current.json", "proposed.json", "-o", fmt, cwd=tmp_path).out
        if fmt == "json":  # line and column of a change follow the file's text, as they must
            original, shuffled = (_without_locations(json.loads(t)) for t in (original, shuffled))
        assert shuffled == original


def _without_locations(plan: dict) -> dict:
    for scale_set in plan["scale_sets"]:
        for change in scale_set["changes"]:
            change.pop("location")
    return plan
