"""Secrets never reach any output: sentinel values in, none out."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from clihelp import run_cli
from conftest import EXAMPLES

SENTINELS = ["S3ntinel-Password-1", "S3ntinel-Password-2", "c2VudGluZWwtY3VzdG9tLWRhdGE=", "sentinel-custom-2",
             "S3ntinel-Protected-1", "S3ntinel-Protected-2"]


def _with_secrets(model: dict, password: str, custom: str, protected: str) -> dict:
    model = copy.deepcopy(model)
    os_profile = model["properties"]["virtualMachineProfile"]["osProfile"]
    os_profile["adminPassword"] = password
    os_profile["customData"] = custom
    for ext in model["properties"]["virtualMachineProfile"]["extensionProfile"]["extensions"]:
        ext["properties"]["protectedSettings"] = {"commandToExecute": protected, "storageAccountKey": protected}
    return model


def test_no_sentinel_in_any_output(tmp_path: Path) -> None:
    base = json.loads((EXAMPLES / "os-image-version" / "proposed.json").read_text(encoding="utf-8"))
    current = _with_secrets(base, SENTINELS[0], SENTINELS[2], SENTINELS[4])
    proposed = _with_secrets(base, SENTINELS[1], SENTINELS[3], SENTINELS[5])
    proposed["properties"]["virtualMachineProfile"]["osProfile"]["adminPassword"] = 12345  # schema error path
    (tmp_path / "current.json").write_text(json.dumps(current), encoding="utf-8")
    (tmp_path / "proposed.json").write_text(json.dumps(proposed), encoding="utf-8")
    broken = json.dumps(proposed)[:-40]
    (tmp_path / "broken.json").write_text(broken, encoding="utf-8")
    runs = []
    for fmt in ("text", "json"):
        runs.append(run_cli("plan", "current.json", "proposed.json", "-o", fmt, cwd=tmp_path))
        runs.append(run_cli("plan", "proposed.json", "current.json", "-o", fmt, cwd=tmp_path))
        runs.append(run_cli("validate", "current.json", "proposed.json", "broken.json", "-o", fmt, cwd=tmp_path))
        runs.append(run_cli("plan", "current.json", "broken.json", "-o", fmt, cwd=tmp_path))
    plan = json.loads(runs[4].out)  # the first JSON plan
    changes = plan["scale_sets"][0]["changes"]
    secret_changes = [c for c in changes if c["sensitive"]]
    assert secret_changes, "the secrets did change, and the plan says so"
    assert all(c["before"] in ("(sensitive value)", None) or "(sensitive value)" in json.dumps(c["before"])
               for c in secret_changes)
    for run in runs:
        for sentinel in SENTINELS:
            assert sentinel not in run.out and sentinel not in run.err
