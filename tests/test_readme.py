"""The README's quick start works as written and its sample output is the real one; its CI
snippets name vmssplan the way a team outside this repository must (the tests that run them
are in test_ci_recipes.py)."""

from __future__ import annotations

import re
import shlex
import tomllib

import pytest
import yaml

import readme
from clihelp import run_cli
from conftest import REPO

#: The first lines of the README's workflow and pipeline snippets: the offline one, then the what-if one.
WORKFLOWS = ["# .github/workflows/vmssplan.yml", "# .github/workflows/vmssplan-whatif.yml"]
PIPELINES = ["# Azure DevOps: azure-pipelines.yml", "# Azure DevOps with what-if: azure-pipelines.yml"]


def test_quick_start_is_one_venv_line_and_two_commands_and_the_plan_command_runs() -> None:
    venv_line, install_run, install_test = (block.strip() for block in readme.blocks("sh")[:3])
    assert venv_line == "python -m venv .venv && . .venv/bin/activate"
    assert readme.text().count("python -m venv") == 1  # stated once
    assert install_test == "python -m pip install \".[test]\" && python -m pytest"
    assert install_test in (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    plan_command = shlex.split(install_run.split("&&", 1)[1])
    assert plan_command[:2] == ["vmssplan", "plan"]
    run = run_cli(*plan_command[1:], cwd=REPO)
    assert run.code == 0 and "Plan: 1 scale set" in run.out


def test_sample_output_is_the_examples_expected_plan() -> None:
    sample = readme.text().split("The plan reads:\n\n```\n", 1)[1].split("```", 1)[0]
    assert sample == (REPO / "examples" / "os-image-version" / "expected.txt").read_text(encoding="utf-8")


def test_every_snippet_installs_the_same_release_of_this_repository() -> None:
    url, tag = readme.release()
    version = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    assert tag == f"v{version}"
    owner_repo = re.fullmatch(r"https://github\.com/([\w.-]+/[\w.-]+)", url)
    assert owner_repo, url
    assert "example.invalid" not in readme.text()
    for first_line in WORKFLOWS:
        workflow = readme.load(first_line)
        uses = [s["uses"] for s in workflow["jobs"]["plan"]["steps"] if "uses" in s]
        assert f"{owner_repo.group(1)}@{tag}" in uses
    for first_line in PIPELINES:
        assert f'pip install "git+{url}@{tag}"' in readme.yaml_block(first_line)


@pytest.mark.parametrize("first_line", WORKFLOWS, ids=["offline", "what-if"])
def test_the_workflow_snippet_gives_the_action_what_it_needs(first_line: str) -> None:
    """GitHub Actions cannot run offline: the workflows are checked against action.yml instead
    (the action's plan step itself runs in test_ci_recipes.py)."""
    workflow = readme.load(first_line)
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    assert workflow[True] == "pull_request"  # YAML 1.1 reads the key `on` as true
    job = workflow["jobs"]["plan"]
    checkout = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout@"))
    [ours] = [s for s in job["steps"] if "/vmssplan@" in s.get("uses", "")]
    if "what-if" in ours.get("with", {}):
        # The user's login (OpenID Connect: id-token) comes before the step that runs what-if.
        login = next(i for i, s in enumerate(job["steps"]) if s.get("uses", "").startswith("azure/login@"))
        whatif = next(i for i, s in enumerate(job["steps"]) if "az deployment group what-if" in s.get("run", ""))
        assert login < whatif < job["steps"].index(ours) and job["permissions"]["id-token"] == "write"
        assert "--no-pretty-print" in job["steps"][whatif]["run"]
        assert "azure/login" in action["inputs"]["what-if"]["description"]  # the credentials stay the user's
    else:
        assert checkout["with"]["fetch-depth"] == 0  # the base commit must be in the clone
    assert re.fullmatch(r"[\w.-]+/vmssplan@v\d+\.\d+\.\d+", ours["uses"])
    given = set(ours.get("with", {}))
    assert given <= set(action["inputs"]), given - set(action["inputs"])
    required = {name for name, spec in action["inputs"].items() if spec.get("required") and "default" not in spec}
    assert required <= given
    assert job["permissions"]["pull-requests"] == "write" and job["permissions"]["contents"] == "read"
