"""benchmarks/bench.py works: a quick run (one run each, small inputs) installs vmssplan
into a new venv, measures every row and writes its figures. Nothing here is timed: the
figures of a quick run mean nothing, and which targets it meets is not checked."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLES, REPO

SCRIPT = REPO / "benchmarks" / "bench.py"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the benchmark measures on Linux")
def test_quick_benchmark_runs_and_writes_its_figures(tmp_path: Path) -> None:
    # A corpus of its own (one template, as INDEX.json lists it), so that the test does not
    # depend on ../shared/corpus.
    corpus = tmp_path / "corpus"
    (corpus / "templates" / "example").mkdir(parents=True)
    shutil.copyfile(EXAMPLES / "template-parameters" / "current.json", corpus / "templates" / "example" / "t.json")
    (corpus / "INDEX.json").write_text(json.dumps([{"file": "templates/example/t.json", "kind": "arm-template"}]),
                                       encoding="utf-8")
    figures = tmp_path / "bench.json"
    proc = subprocess.run([sys.executable, str(SCRIPT), "--runs", "1", "--quick", "--corpus", str(corpus),
                           "--json", str(figures)], capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "python -c pass" in proc.stdout and "x pass" in proc.stdout
    data = json.loads(figures.read_text(encoding="utf-8"))
    assert data["quick"] and data["runs"] == 1
    assert data["vmssplan"]["install"] == "regular (wheel)"
    assert "site-packages" in data["vmssplan"]["imported_from"]
    assert not data["vmssplan"]["imported_from"].startswith(str(REPO))
    names = [s["name"] for s in data["samples"]]
    for expected in ("python -c pass", "vmssplan --version", "plan, typical pair", "--base-ref HEAD",
                     "scale sets, 1% changed", "scale sets, 10% changed"):
        assert any(expected in name for name in names), (expected, names)
    assert all(len(s["times"]) == 1 and s["median"] > 0 for s in data["samples"])
    targets = [t["target"] for t in data["targets"]]
    assert any("typical plan within 8x" in t for t in targets)
    assert any("--base-ref" in t for t in targets)
    assert all(isinstance(t["met"], bool) for t in data["targets"])
    assert [row["file"] for row in data["corpus"]] == ["templates/example/t.json"]
    assert data["corpus"][0]["imports_jsonschema"] is False and data["corpus"][0]["schema_findings"] == {}
