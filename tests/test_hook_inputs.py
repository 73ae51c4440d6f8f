"""What the plan hook plans, fast and without pre-commit (test_precommit.py runs the real
one): which parameters files belong to a template, the configuration's `parameters`
mapping, and the range `--base-ref HEAD` means in each repository state."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from clihelp import run_cli
from conftest import EXAMPLES
from gitrepo import git, make_repo

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

PARAMS = EXAMPLES / "template-parameters"
SPG = EXAMPLES / "single-placement-group-on"


@pytest.mark.parametrize("name,template", [
    ("vmss.parameters.json", "vmss.json"),
    ("infra/vmss.parameters.json", "infra/vmss.json"),
    ("infra/vmss.parameters.prod.json", "infra/vmss.json"),
    ("infra/VMSS.Parameters.Dev.json", "infra/VMSS.json"),
    ("export/parameters.json", "export/template.json"),
    ("parameters.json", "template.json"),
    ("vmss.prod.parameters.json", "vmss.prod.json"),  # the mapping says otherwise when it must
    ("vmss.json", None),
    (".parameters.json", None),
    ("vmss.parameters.a.b.json", None),
    ("vmss.parameters.json.bak", None),
])
def test_which_template_a_parameters_file_belongs_to_by_name(name: str, template: str | None) -> None:
    from vmssplan.inputs.parameters import template_of

    assert template_of(name) == template


def test_the_portal_export_template_takes_its_parameters_json(tmp_path: Path) -> None:
    shutil.copyfile(PARAMS / "current.json", tmp_path / "template.json")
    shutil.copyfile(PARAMS / "current.parameters.json", tmp_path / "parameters.json")
    run = run_cli("plan", "template.json", "template.json", "-o", "json", cwd=tmp_path)
    assert run.code == 0 and '"name": "web-vmss"' in run.out, run.out + run.err  # the name is a parameter
    (tmp_path / "parameters.json").unlink()
    run = run_cli("plan", "template.json", "template.json", cwd=tmp_path)
    assert "web-vmss" not in run.out, run.out


def _mapped_repo(tmp_path: Path, config: str) -> Path:
    repo = make_repo(tmp_path / "repo", {"infra/vmss.json": PARAMS / "current.json",
                                         "infra/prod.json": PARAMS / "current.parameters.json"})
    (repo / "infra" / ".vmssplan.yaml").write_text(config, encoding="utf-8")
    return repo


def test_the_mapping_is_relative_to_the_configuration_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its paths are the configuration file's; the plan names files from the working directory."""
    from vmssplan.config import load_config

    repo = _mapped_repo(tmp_path, 'parameters:\n  vmss.json: ["prod.json"]\n')
    monkeypatch.chdir(repo / "infra")
    config = load_config(None, repo / "infra")
    assert config.parameters_of("vmss.json") == ("prod.json",)
    assert config.parameters_of("./vmss.json") == ("prod.json",)
    assert config.template_of("prod.json") == "vmss.json"
    monkeypatch.chdir(repo)
    config = load_config("infra/.vmssplan.yaml", repo)
    assert config.parameters_of("infra/vmss.json") == ("infra/prod.json",)
    assert config.parameters_of("vmss.json") is None


@pytest.mark.parametrize("mapping,message", [
    ('parameters:\n  vmss.json: ["../../outside.parameters.json"]\n', "is not a file of the repository"),
    ('parameters:\n  vmss.json: "prod.json"\n', "is not of type 'array'"),
    ('parameters:\n  vmss.json: []\n', "parameters.vmss.json"),
    ('parameters:\n  /etc/vmss.json: ["prod.json"]\n', "invalid configuration at parameters"),
])
def test_a_bad_mapping_is_a_usage_error(tmp_path: Path, mapping: str, message: str) -> None:
    repo = _mapped_repo(tmp_path, mapping)
    (tmp_path / "outside.parameters.json").write_text('{"parameters": {}}', encoding="utf-8")
    run = run_cli("plan", "--base-ref", "HEAD", "--config", "infra/.vmssplan.yaml", cwd=repo)
    assert run.code == 2 and message in run.err and "Traceback" not in run.err, run.err


def test_base_ref_head_before_the_first_commit_plans_every_file_as_new(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "infra").mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    shutil.copyfile(SPG / "proposed.json", repo / "infra" / "web-vmss.json")
    git(repo, "add", "-A")
    run = run_cli("plan", "--base-ref", "HEAD", cwd=repo)
    assert run.code == 0 and "+ web-vmss will be created" in run.out, run.out + run.err
    run = run_cli("plan", "--base-ref", "main", cwd=repo)  # only HEAD means "nothing yet"
    assert run.code == 2 and "no such revision" in run.err, run.err


def test_the_range_of_pre_commit_is_honoured_for_head_only(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"infra/web-vmss.json": SPG / "current.json"})
    git(repo, "checkout", "-q", "-b", "feature")
    shutil.copyfile(SPG / "proposed.json", repo / "infra" / "web-vmss.json")
    git(repo, "commit", "-q", "-am", "rejected")
    git(repo, "checkout", "-q", "main")
    env = {"PRE_COMMIT_FROM_REF": "main", "PRE_COMMIT_TO_REF": "feature"}
    run = run_cli("plan", "--base-ref", "HEAD", cwd=repo, env=env)
    assert run.code == 1 and "[VMSS201]" in run.out and "git:main -> git:feature" in run.out, run.out + run.err
    run = run_cli("plan", "--base-ref", "main", cwd=repo, env=env)  # an explicit base is what it says
    assert run.code == 0 and "0 scale sets" in run.out, run.out + run.err
    run = run_cli("plan", "--base-ref", "HEAD", cwd=repo, env={**env, "PRE_COMMIT_TO_REF": "nope"})
    assert run.code == 2 and "PRE_COMMIT_TO_REF=nope: no such revision" in run.err, run.err
    run = run_cli("plan", "--base-ref", "HEAD", cwd=repo, env={**env, "PRE_COMMIT_FROM_REF": "--output=x"})
    assert run.code == 2 and "cannot start with '-'" in run.err, run.err


def test_the_range_is_planned_from_where_it_forked(tmp_path: Path) -> None:
    """main moved on after the branch was made: its newer change is not the branch's."""
    repo = make_repo(tmp_path / "repo", {"infra/web-vmss.json": SPG / "current.json"})
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "notes.txt").write_text("unrelated\n", encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "unrelated")
    git(repo, "checkout", "-q", "main")
    shutil.copyfile(SPG / "proposed.json", repo / "infra" / "web-vmss.json")
    git(repo, "commit", "-q", "-am", "main's own change")
    env = {"PRE_COMMIT_FROM_REF": "main", "PRE_COMMIT_TO_REF": "feature"}
    run = run_cli("plan", "--base-ref", "HEAD", cwd=repo, env=env)
    assert run.code == 0 and "0 scale sets" in run.out, run.out + run.err


def test_a_deleted_parameters_file_deletes_that_deployment_only(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"vmss.json": PARAMS / "current.json",
                                         "vmss.parameters.prod.json": PARAMS / "current.parameters.json",
                                         "vmss.parameters.dev.json": PARAMS / "current.parameters.json"})
    git(repo, "rm", "-q", "vmss.parameters.dev.json")
    run = run_cli("plan", "--base-ref", "HEAD", cwd=repo)
    assert run.code == 0 and "1 to delete" in run.out and "with parameters vmss.parameters.dev.json" in run.out, \
        run.out + run.err
    assert "vmss.parameters.prod.json" not in run.out, run.out


def test_unknowns_that_could_be_rejected_point_at_accept_unknown() -> None:
    from vmssplan.engine import accept_line
    from vmssplan.model import Change, Effect, Plan, Result, ScaleSetPlan

    unknown = Change(op="replace", path="/sku/capacity", display_path="sku.capacity", before=1, after=None,
                     effect=Effect.UNKNOWN, rule="VMSS000", could_be_rejected=True)
    result = Result(Plan("a", "b", [ScaleSetPlan("web", "update", "Manual", "Uniform", "t.json", [unknown])]))
    line = accept_line(result, Effect.REJECTED, None, at_base=True)
    assert line is not None and "--accept-unknown" in line and "suppressions" not in line
    unknown.could_be_rejected = False
    unknown.effect = Effect.REJECTED
    line = accept_line(result, Effect.REJECTED, "pyproject.toml")
    assert line == ('to accept an intended change, add to [tool.vmssplan] in pyproject.toml: suppressions = '
                    '[{rule = "VMSS000", scale-set = "web", reason = "<why>"}]')
    result.secrets.add("web")  # a name made of a secret is not shown
    assert '"<name>"' in (accept_line(result) or "") and '"web"' not in (accept_line(result) or "")
    unknown.suppressed = "suppressed by .vmssplan.yaml"
    assert accept_line(result) is None  # nothing blocks


def test_an_untracked_parameters_file_is_not_part_of_the_change(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"vmss.json": PARAMS / "current.json",
                                         "vmss.parameters.prod.json": PARAMS / "current.parameters.json"})
    shutil.copyfile(PARAMS / "current.parameters.json", repo / "vmss.parameters.scratch.json")  # never added
    text = (PARAMS / "current.json").read_text(encoding="utf-8").replace('"defaultValue": 3', '"defaultValue": 4')
    (repo / "vmss.json").write_text(text, encoding="utf-8")
    run = run_cli("plan", "--base-ref", "HEAD", cwd=repo)
    assert run.code == 0 and "with parameters vmss.parameters.prod.json" in run.out, run.out + run.err
    assert "scratch" not in run.out, run.out
    git(repo, "add", "vmss.parameters.scratch.json")  # staged: part of the commit, a new deployment
    run = run_cli("plan", "--base-ref", "HEAD", cwd=repo)
    assert "with parameters vmss.parameters.scratch.json" in run.out and "1 to create" in run.out, run.out
