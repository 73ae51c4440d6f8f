"""The validation cache changes nothing but the time: same output, hit or miss or broken."""

from __future__ import annotations

import json
from pathlib import Path

from clihelp import run_cli
from conftest import EXAMPLES


def test_cached_findings_are_the_same_findings(tmp_path: Path) -> None:
    model = json.loads((EXAMPLES / "os-image-version" / "proposed.json").read_text(encoding="utf-8"))
    model["properties"]["upgradePolicy"]["mode"] = "Sometimes"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(model, indent=2), encoding="utf-8")
    cache = tmp_path / "cache"
    env = {"VMSSPLAN_CACHE_DIR": str(cache)}
    cold = run_cli("validate", str(path), "-o", "json", env=env)
    entries = list(cache.rglob("*.json"))
    assert len(entries) == 1
    warm = run_cli("validate", str(path), "-o", "json", env=env)
    off = run_cli("validate", str(path), "-o", "json", env={"VMSSPLAN_NO_CACHE": "1"})
    assert cold.out == warm.out == off.out and cold.code == warm.code == off.code == 1
    entries[0].write_text("{not json", encoding="utf-8")  # a broken entry is recomputed
    assert run_cli("validate", str(path), "-o", "json", env=env).out == cold.out
    path.write_text(json.dumps({**model, "properties": {**model["properties"], "upgradePolicy": {"mode": "Manual"}}}),
                    encoding="utf-8")  # new content, new key: never a stale answer
    assert run_cli("validate", str(path), env=env).code == 0
