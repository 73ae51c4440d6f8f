"""The README's quick start works as written and its sample output is the real one."""

from __future__ import annotations

import re
import shlex

from clihelp import run_cli
from conftest import REPO


def _readme() -> str:
    return (REPO / "README.md").read_text(encoding="utf-8")


def test_quick_start_is_two_commands_and_the_plan_command_runs() -> None:
    blocks = re.findall(r"```sh\n(.*?)```", _readme(), re.DOTALL)
    install_run, install_test = blocks[0].strip(), blocks[1].strip()
    assert install_test == "python -m pip install \".[test]\" && python -m pytest"
    assert (REPO / ".ci" / "run").read_text(encoding="utf-8").strip().endswith(install_test)
    plan_command = shlex.split(install_run.split("&&", 1)[1])
    assert plan_command[:2] == ["vmssplan", "plan"]
    run = run_cli(*plan_command[1:], cwd=REPO)
    assert run.code == 0 and "Plan: 1 scale set" in run.out


def test_sample_output_is_the_examples_expected_plan() -> None:
    sample = _readme().split("The plan reads:\n\n```\n", 1)[1].split("```", 1)[0]
    assert sample == (REPO / "examples" / "os-image-version" / "expected.txt").read_text(encoding="utf-8")
