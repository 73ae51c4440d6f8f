"""Golden plans: each example's plan, in every output format, is byte for byte its golden file.

An example folder holds ``current.json`` and ``proposed.json`` (and ``instances.json`` when
the plan is per VM) and one golden file per format, named in ``GOLDEN`` of
``scripts/make_examples.py``: expected.txt, expected.json, expected.md, expected.sarif,
expected.github.txt, expected.junit.xml, expected.patch.json, expected.azure-devops.txt,
expected.table.txt, expected.tsv. The plan is run as a user runs it: the real CLI in a
subprocess, in the example's folder, with relative paths and no colour.

After a deliberate change of an output, regenerate every golden file with one command, from
the repository root, and read the diff as a reviewer would:

    python scripts/make_examples.py --expected

(``python scripts/make_examples.py`` without ``--expected`` rewrites the input pairs.)
"""

from __future__ import annotations

import difflib
import importlib.util
import json
import subprocess
from pathlib import Path
from types import ModuleType

import pytest

from conftest import REPO
from plan_schema import assert_valid_plan


def _make_examples() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_examples", REPO / "scripts" / "make_examples.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MAKE_EXAMPLES = _make_examples()
#: Output format -> golden file name; the script that writes the files owns the table.
GOLDEN: dict[str, str] = MAKE_EXAMPLES.GOLDEN
REGENERATE = "python scripts/make_examples.py --expected"

FOLDERS = MAKE_EXAMPLES.example_folders()
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
    "whatif": "upgrade",
}


def _plan(folder: Path, fmt: str) -> subprocess.CompletedProcess[bytes]:
    """The example's plan in ``fmt``, as bytes (no newline translation: a stray CR fails)."""
    run: subprocess.CompletedProcess[bytes] = MAKE_EXAMPLES.run_plan(MAKE_EXAMPLES.plan_args(folder, fmt), folder)
    return run


def test_every_scenario_has_an_example() -> None:
    assert sorted(EXPECTED_EFFECT) == [p.name for p in FOLDERS]


def test_the_golden_table_covers_every_plan_format() -> None:
    from vmssplan.render import PLAN_FORMATS

    assert sorted(GOLDEN) == sorted(PLAN_FORMATS)


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_each_example_has_exactly_the_golden_files(folder: Path) -> None:
    """None missing, and none left behind that no test reads."""
    present = {p.name for p in folder.iterdir() if p.name.startswith("expected")}
    assert present == set(GOLDEN.values()), f"regenerate them: {REGENERATE}"


@pytest.mark.parametrize("fmt", sorted(GOLDEN))
@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_plan_is_golden(folder: Path, fmt: str) -> None:
    run = _plan(folder, fmt)
    assert run.stderr == b""
    assert run.returncode == (1 if EXPECTED_EFFECT[folder.name] == "rejected" else 0)
    golden = folder / GOLDEN[fmt]
    expected = golden.read_bytes()
    if run.stdout != expected:
        diff = "".join(difflib.unified_diff(
            expected.decode("utf-8", "replace").splitlines(keepends=True),
            run.stdout.decode("utf-8", "replace").splitlines(keepends=True),
            fromfile=str(golden.relative_to(REPO)), tofile=f"vmssplan plan -o {fmt}"))
        pytest.fail(f"the {fmt} plan is not its golden file (if the change is meant, "
                    f"run `{REGENERATE}` and review the diff):\n{diff or repr(run.stdout)}")


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_json_golden_is_a_valid_plan_with_the_expected_effect(folder: Path) -> None:
    plan = json.loads((folder / GOLDEN["json"]).read_text(encoding="utf-8"))
    assert_valid_plan(plan)
    assert plan["summary"]["effect"] == EXPECTED_EFFECT[folder.name]
    if folder.name == "no-op":
        assert plan["scale_sets"][0]["action"] == "no-op" and plan["scale_sets"][0]["changes"] == []
