"""The built wheel, installed in a fresh virtualenv, plans an example: proves that
schemas/ and the rule families (rules/, lint/, findings/) ship inside it and that the
console script works."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from conftest import EXAMPLES, REPO


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("wheel")
    dist = root / "dist"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                            "-w", str(dist), str(REPO)], capture_output=True, text=True, check=False)
    if build.returncode != 0:
        pytest.fail(f"building the wheel failed:\n{build.stdout}\n{build.stderr}")
    wheels = list(dist.glob("vmssplan-*.whl"))
    assert len(wheels) == 1
    env_dir = root / "venv"
    venv.create(env_dir, with_pip=True)
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    install = subprocess.run([str(bindir / "python"), "-m", "pip", "install", "-q", str(wheels[0])],
                             capture_output=True, text=True, check=False)
    if install.returncode != 0:
        pytest.fail(f"installing the wheel failed:\n{install.stdout}\n{install.stderr}")
    return bindir


def test_wheel_contains_rules_and_schemas(installed: Path) -> None:
    code = ("import importlib.resources as r; "
            "print(len([p for p in r.files('vmssplan.rules').iterdir() if p.name.endswith('.json')])); "
            "print(len([p for p in r.files('vmssplan.schemas').joinpath('vmss').iterdir() "
            "if p.name.endswith('.json')]))")
    out = subprocess.run([str(installed / "python"), "-c", code], capture_output=True, text=True, check=True,
                         cwd="/").stdout.split()
    repo_rules = len(list((REPO / "rules").glob("*.json")))
    assert int(out[0]) == repo_rules
    assert int(out[1]) >= 4
    registry = subprocess.run([str(installed / "python"), "-c", "from vmssplan.registry import load; "
                               "print(len(load().lint), len(load().findings))"],
                              capture_output=True, text=True, check=True, cwd="/")
    assert list(map(int, registry.stdout.split())) == [len(list((REPO / family).glob("*.json")))
                                                       for family in ("lint", "findings")]


def test_installed_console_script_plans_an_example(installed: Path) -> None:
    folder = EXAMPLES / "fault-domain-count"
    proc = subprocess.run([str(installed / "vmssplan"), "plan", "current.json", "proposed.json", "-o", "json"],
                          cwd=folder, capture_output=True, text=True, check=False,
                          env={**os.environ, "PYTHONPATH": ""})
    assert proc.returncode == 1, proc.stderr
    plan = json.loads(proc.stdout)
    assert plan == json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    proc = subprocess.run([str(installed / "vmssplan"), "validate", str(folder / "proposed.json")],
                          capture_output=True, text=True, check=False, cwd="/")
    assert proc.returncode == 0, proc.stdout + proc.stderr
