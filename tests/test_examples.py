"""Golden plans: each example's plan is exactly its expected.txt / expected.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clihelp import run_cli
from conftest import EXAMPLES
from plan_schema import assert_valid_plan

FOLDERS = sorted(p for p in EXAMPLES.iterdir() if (p / "current.json").is_file())
EXPECTED_EFFECT = {
    "os-image-version": "upgrade",
    "custom-image": "upgrade",
    "load-balancer-to-app-gateway": "upgrade",
    "vm-size": "deallocate",
    "single-placement-group-off": "none",
    "single-placement-group-on": "rejected",
    "fault-domain-count": "rejected",
    "ssh-key-rotation": "reimage",
    "extension-force-update": "upgrade",
    "no-op": "none",
    "template-parameters": "upgrade",
    "instances-manual-protected-stale": "upgrade",
    "instances-rolling-zones": "upgrade",
    "instances-automatic": "upgrade",
    "instances-max-surge": "upgrade",
}


def _args(folder: Path) -> list[str]:
    return ["--instances", "instances.json"] if (folder / "instances.json").is_file() else []


def test_every_scenario_has_an_example() -> None:
    assert sorted(EXPECTED_EFFECT) == [p.name for p in FOLDERS]


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_text_plan_is_golden(folder: Path) -> None:
    run = run_cli("plan", "current.json", "proposed.json", *_args(folder), cwd=folder)
    assert run.err == ""
    assert run.out == (folder / "expected.txt").read_text(encoding="utf-8")
    assert run.code == (1 if EXPECTED_EFFECT[folder.name] == "rejected" else 0)


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_json_plan_is_golden_and_valid(folder: Path) -> None:
    run = run_cli("plan", "current.json", "proposed.json", "-o", "json", *_args(folder), cwd=folder)
    plan = json.loads(run.out)
    assert_valid_plan(plan)
    assert plan == json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    assert plan["summary"]["effect"] == EXPECTED_EFFECT[folder.name]
    if folder.name == "no-op":
        assert plan["scale_sets"][0]["action"] == "no-op" and plan["scale_sets"][0]["changes"] == []
