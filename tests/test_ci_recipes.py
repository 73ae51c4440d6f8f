"""The CI recipes run the commands they document: the GitHub Action's plan step, and every
snippet of the README executed as printed, with only the repository URL and the revision
substituted (by a local bare clone of this repository holding the README's release tag): the
quick start on a Python that refuses global installs, the pre-commit configuration with the real
pre-commit, the Azure DevOps steps in a pipeline-like checkout, and the what-if snippets with a
fake `az` that answers what the real one would (a what-if result from tests/data/whatif). GitHub
Actions cannot run offline; test_readme.py checks the workflow snippets against action.yml."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path
from typing import Any

import pytest
import yaml

import readme
import whatif_results
from clihelp import run_cli
from conftest import EXAMPLES, REPO
from gitrepo import GIT_ENV, git, make_repo

pytestmark = pytest.mark.skipif(shutil.which("bash") is None or shutil.which("git") is None,
                                reason="needs bash and git")


def _pull_request(tmp_path: Path, example: str) -> tuple[Path, str]:
    repo = make_repo(tmp_path / "repo", {"infra/web-vmss.json": EXAMPLES / example / "current.json"})
    base = git(repo, "rev-parse", "HEAD").strip()
    shutil.copyfile(EXAMPLES / example / "proposed.json", repo / "infra" / "web-vmss.json")
    git(repo, "commit", "-q", "-am", "change")
    return repo, base


def _run(script: str, repo: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``script`` under bash: ``FAKE_BIN`` (a fake `gh`) first on PATH, then the PATH ``env``
    gives (a venv), else this Python's directory and the caller's PATH."""
    base = env.get("PATH") or os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    path = os.pathsep.join([*([env["FAKE_BIN"]] if "FAKE_BIN" in env else []), base])
    return subprocess.run(["bash", "-c", script], cwd=repo, capture_output=True, text=True, timeout=300,
                          env={**os.environ, **GIT_ENV, "NO_COLOR": "1", **env, "PATH": path}, check=False)


def _step(name: str) -> dict[str, Any]:
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    step: dict[str, Any] = next(s for s in action["runs"]["steps"] if s.get("id") == name)
    return step


def _plan_step(tmp_path: Path, repo: Path, base: str, *, what_if: str = "", instances: str = ""
               ) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    """Run the action's plan step (with the inputs it gets as VMSSPLAN_* variables); its outputs
    (GITHUB_OUTPUT) and the environment it ran in."""
    env = {"VMSSPLAN_BASE": base, "VMSSPLAN_PATHS": "", "VMSSPLAN_FAIL_ON": "rejected",
           "VMSSPLAN_WHATIF": what_if, "VMSSPLAN_INSTANCES": instances,
           "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"), "GITHUB_OUTPUT": str(tmp_path / "output.txt"),
           "RUNNER_TEMP": str(tmp_path / "runner-temp")}
    run = _run(_step("plan")["run"], repo, env)
    outputs = dict(line.split("=", 1) for line in (tmp_path / "output.txt").read_text(encoding="utf-8").splitlines())
    return run, {**env, **outputs}


@pytest.mark.parametrize("example,code", [("single-placement-group-on", "1"), ("os-image-version", "0")])
def test_github_action_plan_step(tmp_path: Path, example: str, code: str) -> None:
    repo, base = _pull_request(tmp_path, example)
    run, outputs = _plan_step(tmp_path, repo, base)
    assert run.returncode == 0, run.stderr
    assert outputs["exit-code"] == code and outputs["changes"] == "1"
    folder = Path(outputs["dir"])
    full = (folder / "plan.md").read_text(encoding="utf-8")
    assert (tmp_path / "summary.md").read_text(encoding="utf-8") == full
    assert (folder / "comment.md").read_text(encoding="utf-8") == full  # short: not cut
    assert json.loads((folder / "plan.json").read_text(encoding="utf-8"))["summary"]["changes"] == 1
    assert not (repo / "vmssplan-plan.md").exists()  # nothing written into the checkout
    if code == "1":
        assert full.startswith("❌") and "::error file=infra/web-vmss.json" in run.stdout
    else:
        assert "web-vmss" in full and "::notice file=infra/web-vmss.json" in run.stdout


# --- a what-if result: the plan step with the what-if input -----------------------------

#: A what-if result built from the REST examples of the shared corpus by whatif_results.py
#: (provenance and licence: tests/data/whatif/NOTICE.md): a Modify of a scale set's image
#: version, with what-if's own noise (read-only values and service defaults as deleted...).
WHATIF_DATA = REPO / "tests" / "data" / "whatif" / "modify-image-version.json"
SINGLE_PLACEMENT_GROUP = "properties.singlePlacementGroup"
#: The change each case's template makes (what-if's path).
WHATIF_CHANGES = {"image-version": whatif_results.IMAGE_VERSION, "single-placement-group-on": SINGLE_PLACEMENT_GROUP}


def _whatif_result(change: str) -> dict[str, Any]:
    """What `az deployment group what-if --no-pretty-print -o json` prints: the data file's
    Modify of the image version, or the same scale set with singlePlacementGroup false in Azure
    and true in the template (the image version left as it is), its delta as what-if computes it."""
    rest = json.loads(WHATIF_DATA.read_text(encoding="utf-8"))
    if change == "single-placement-group-on":
        [modify] = rest["properties"]["changes"]
        before, after = modify["before"], modify["after"]
        version = before["properties"]["virtualMachineProfile"]["storageProfile"]["imageReference"]["version"]
        after = whatif_results.edited(after, whatif_results.IMAGE_VERSION, version)
        rest = whatif_results.rest_result([whatif_results.change(
            "Modify", whatif_results.edited(before, SINGLE_PLACEMENT_GROUP, False),
            whatif_results.edited(after, SINGLE_PLACEMENT_GROUP, True))])
    return whatif_results.az_result(rest)


def _whatif_name() -> str:
    name: str = json.loads(WHATIF_DATA.read_text(encoding="utf-8"))["properties"]["changes"][0]["before"]["name"]
    return name


def _write_whatif(folder: Path, change: str) -> tuple[Path, Path, dict[str, Any]]:
    """The what-if result and the VM list (`az vmss list-instances --expand instanceView`) as
    files an earlier step of the job wrote; the result."""
    folder.mkdir(parents=True, exist_ok=True)
    whatif, instances = folder / "whatif.json", folder / "instances.json"
    result = _whatif_result(change)
    whatif.write_text(json.dumps(result, indent=2), encoding="utf-8")
    shutil.copyfile(REPO / "tests" / "data" / "instances" / "az-list-instances.json", instances)
    return whatif, instances, result


@pytest.mark.parametrize("change,code,effect", [("single-placement-group-on", "1", "rejected"),
                                                ("image-version", "0", "upgrade")])
def test_github_action_plan_step_with_a_whatif_result(tmp_path: Path, change: str, code: str, effect: str) -> None:
    """With the what-if input the step plans that file (and the VMs), not the pull request's
    files: a base revision that does not exist is never asked for."""
    whatif, instances, result = _write_whatif(tmp_path / "runner-temp", change)
    [modify] = result["changes"]
    name = modify["before"]["name"]
    work = tmp_path / "workspace"
    work.mkdir()
    run, outputs = _plan_step(tmp_path, work, "no-such-revision", what_if=str(whatif), instances=str(instances))
    assert run.returncode == 0, run.stderr
    assert outputs["exit-code"] == code and outputs["changes"] == "1", run.stdout + run.stderr
    folder = Path(outputs["dir"])
    full = (folder / "plan.md").read_text(encoding="utf-8")
    assert (tmp_path / "summary.md").read_text(encoding="utf-8") == full
    assert (folder / "comment.md").read_text(encoding="utf-8") == full
    assert name in full and "no-such-revision" not in full + run.stdout + run.stderr
    plan = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    [scale_set] = plan["scale_sets"]
    path = WHATIF_CHANGES[change]
    assert [(c["effect"], c["path"]) for c in scale_set["changes"]] == [(effect, "/" + path.replace(".", "/"))]
    # what-if's own property changes: the one change, and the rest noise.
    reported = [leaf for leaf, _ in whatif_results.leaves(modify["delta"])]
    assert path in reported and len(reported) > 3
    assert scale_set["what_if"]["change_type"] == "Modify"
    assert scale_set["what_if"]["property_changes"] == plan["what_if"]["property_changes"] == len(reported)
    assert sorted(n["path"] for n in scale_set["what_if"]["noise"]) == sorted(set(reported) - {path})
    assert plan["what_if"]["noise"] == len(reported) - 1
    group = modify["resourceId"].split("/")[4]
    noise = (f"what-if: Modify in resource group {group}, {len(reported)} property changes, "
             f"{len(reported) - 1} of them noise")
    assert noise in full  # in the comment and the job summary too
    # The VMs of --instances, each with what it needs.
    assert sorted(vm["instance_id"] for vm in scale_set["instances"]) == ["0", "1", "10", "2", "3"]
    if code == "1":  # annotated at the value in what-if's `after`
        assert full.startswith("❌") and f"::error file={whatif},line=" in run.stdout
        line = re.search(r",line=(\d+),", run.stdout)
        assert line is not None
        value = whatif.read_text(encoding="utf-8").splitlines()[int(line[1]) - 1]
        assert value.strip().rstrip(",") == '"singlePlacementGroup": true'
    else:
        assert {vm["action"] for vm in scale_set["instances"]} == {"upgrade", "skipped"}
        assert "::error" not in run.stdout and name in run.stdout
    # The comment step posts it like any plan.
    commented, calls = _comment_step(tmp_path, work, outputs, comments=[[]])
    assert [_method(c) for c in calls] == ["GET", "POST"], commented.stderr
    assert calls[1]["input"]["body"].startswith(f"{MARKER}\n{full}")
    # Without the instances input the same plan speaks of the scale set's capacity.
    run, outputs = _plan_step(tmp_path, work, "no-such-revision", what_if=str(whatif))
    plan = json.loads((Path(outputs["dir"]) / "plan.json").read_text(encoding="utf-8"))
    assert outputs["exit-code"] == code and plan["scale_sets"][0]["instances"] == [], run.stderr


def test_the_action_passes_inputs_to_scripts_through_the_environment_only() -> None:
    """No `${{ }}` inside a `run:` (a value expanded into a script could inject commands: a
    what-if path is text like any other); the what-if and instances inputs reach the plan step
    as variables."""
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    scripts = [s for s in action["runs"]["steps"] if "run" in s]
    assert len(scripts) >= 4 and not [s.get("name") for s in scripts if "${{" in s["run"]]
    plan_env = _step("plan")["env"]
    assert plan_env["VMSSPLAN_WHATIF"] == "${{ inputs.what-if }}"
    assert plan_env["VMSSPLAN_INSTANCES"] == "${{ inputs.instances }}"


def test_github_action_plan_step_with_a_broken_whatif_result(tmp_path: Path) -> None:
    """A what-if that failed (status Failed, an error) fails the check with the error, as
    findings do, never as a crash; a missing file is a usage error."""
    whatif = tmp_path / "runner-temp" / "whatif.json"
    whatif.parent.mkdir(parents=True)
    whatif.write_text(json.dumps({"status": "Failed", "error": {"code": "InvalidTemplate",
                                                                 "message": "Deployment template validation failed"},
                                  "changes": None}), encoding="utf-8")
    run, outputs = _plan_step(tmp_path, tmp_path, "no-such-revision", what_if=str(whatif))
    assert run.returncode == 0 and outputs["exit-code"] == "1", run.stdout + run.stderr
    assert "Traceback" not in run.stderr and "InvalidTemplate" in (Path(outputs["dir"]) / "plan.md").read_text(
        encoding="utf-8")
    run, outputs = _plan_step(tmp_path, tmp_path, "no-such-revision", what_if=str(tmp_path / "missing.json"))
    assert outputs["exit-code"] == "2" and "Traceback" not in run.stderr


def test_a_whatif_name_is_a_file_never_an_option(tmp_path: Path) -> None:
    """The step passes the what-if path after `--`: a result named like an option that would
    pass the check (`--fail-on=none`) is planned as the file it is, and its rejected change fails."""
    work = tmp_path / "workspace"
    whatif, _, _ = _write_whatif(work, "single-placement-group-on")
    whatif.rename(work / "--fail-on=none")
    run, outputs = _plan_step(tmp_path, work, "no-such-revision", what_if="--fail-on=none")
    assert outputs["exit-code"] == "1" and "::error " in run.stdout, run.stdout + run.stderr


def test_instances_without_whatif_is_a_warning_and_the_plan_is_unchanged(tmp_path: Path) -> None:
    repo, base = _pull_request(tmp_path, "os-image-version")
    run, outputs = _plan_step(tmp_path, repo, base, instances="instances.json")
    assert "::warning title=vmssplan::the instances input is used only with what-if" in run.stdout
    assert outputs["exit-code"] == "0" and outputs["changes"] == "1", run.stderr
    assert "::notice file=infra/web-vmss.json" in run.stdout


# --- the comment step, with a fake `gh` that records its calls --------------------------

FAKE_GH = """#!{python}
import json, os, sys
args = sys.argv[1:]
record = {{"args": args}}
if "--input" in args:
    with open(args[args.index("--input") + 1], encoding="utf-8") as handle:
        record["input"] = json.load(handle)
with open(os.environ["FAKE_GH_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps(record) + "\\n")
method = args[args.index("--method") + 1] if "--method" in args else "GET"
if method in os.environ.get("FAKE_GH_FAIL", "").split(","):
    sys.stderr.write("HTTP 403: Resource not accessible by integration\\n")
    sys.exit(1)
if method == "GET":
    pages = json.loads(os.environ.get("FAKE_GH_COMMENTS", "[[]]"))
    sys.stdout.write("".join(json.dumps(page) for page in pages))
else:
    sys.stdout.write(json.dumps({{"id": 99}}))
"""

MARKER = "<!-- vmssplan -->"


def _comment_step(tmp_path: Path, repo: Path, outputs: dict[str, str], *, comments: list[list[dict[str, Any]]],
                  fail: str = "", head_repo: str = "acme/infra", without_changes: str = "false",
                  comment_id: str = "") -> tuple[subprocess.CompletedProcess[str], list[dict[str, Any]]]:
    """Run the action's comment step as the runner would (its env, with the plan step's
    outputs); the gh calls it made."""
    bin_dir = tmp_path / "fake-bin"
    bin_dir.mkdir(exist_ok=True)
    gh = bin_dir / "gh"
    gh.write_text(FAKE_GH.format(python=sys.executable), encoding="utf-8")
    gh.chmod(0o755)
    log = tmp_path / "gh.log"
    log.write_text("", encoding="utf-8")
    env = {"FAKE_BIN": str(bin_dir), "FAKE_GH_LOG": str(log), "FAKE_GH_COMMENTS": json.dumps(comments),
           "FAKE_GH_FAIL": fail, "GITHUB_REPOSITORY": "acme/infra", "GITHUB_EVENT_NAME": "pull_request",
           "GITHUB_SERVER_URL": "https://github.com", "GITHUB_RUN_ID": "7", "PR": "12", "HEAD_REPO": head_repo,
           "GITHUB_STEP_SUMMARY": outputs["GITHUB_STEP_SUMMARY"], "VMSSPLAN_DIR": outputs["dir"],
           "VMSSPLAN_CHANGES": outputs["changes"], "VMSSPLAN_COMMENT_ID": comment_id,
           "VMSSPLAN_COMMENT_WITHOUT_CHANGES": without_changes, "GH_TOKEN": "not-a-token"}
    step = _step("comment")
    assert step.get("continue-on-error") is True  # belt and braces: the comment never fails the job
    run = _run(step["run"], repo, env)
    calls = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    return run, calls


def _method(call: dict[str, Any]) -> str:
    args: list[str] = call["args"]
    return args[args.index("--method") + 1] if "--method" in args else "GET"


@pytest.fixture(scope="module")
def rejected_plan(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, str]]:
    tmp_path = tmp_path_factory.mktemp("rejected")
    repo, base = _pull_request(tmp_path, "single-placement-group-on")
    run, outputs = _plan_step(tmp_path, repo, base)
    assert run.returncode == 0 and outputs["exit-code"] == "1", run.stderr
    return tmp_path, repo, outputs


def test_the_comment_is_found_by_its_marker_and_updated_in_place(rejected_plan: tuple[Path, Path, dict[str, str]]
                                                                  ) -> None:
    tmp_path, repo, outputs = rejected_plan
    others = [{"id": 1, "body": "LGTM", "user": {"type": "User"}},
              {"id": 2, "body": "<!-- other-tool -->\nits plan", "user": {"type": "Bot"}}]
    ours = {"id": 3, "body": f"{MARKER}\nold plan", "user": {"type": "Bot"}}
    run, calls = _comment_step(tmp_path, repo, outputs, comments=[others, [ours]])  # on the second page
    assert run.returncode == 0, run.stderr
    assert [_method(c) for c in calls] == ["GET", "PATCH"]
    assert "repos/acme/infra/issues/comments/3" in calls[1]["args"]
    body = calls[1]["input"]["body"]
    assert body.startswith(MARKER + "\n❌") and "actions/runs/7" in body
    assert "--edit-last" not in yaml.safe_dump(yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8")))


def test_without_a_comment_of_its_own_it_posts_one(rejected_plan: tuple[Path, Path, dict[str, str]]) -> None:
    tmp_path, repo, outputs = rejected_plan
    other_use = {"id": 5, "body": "<!-- vmssplan:staging -->\nthe staging plan", "user": {"type": "Bot"}}
    run, calls = _comment_step(tmp_path, repo, outputs, comments=[[other_use]])
    assert [_method(c) for c in calls] == ["GET", "POST"], run.stderr
    assert "repos/acme/infra/issues/12/comments" in calls[1]["args"]
    # With a comment-id, the other use's marker is this one's, and its comment is updated.
    run, calls = _comment_step(tmp_path, repo, outputs, comments=[[other_use]], comment_id="staging")
    assert [_method(c) for c in calls] == ["GET", "PATCH"]
    assert calls[1]["input"]["body"].startswith("<!-- vmssplan:staging -->\n")


def test_a_marker_comment_it_cannot_edit_is_passed_over(rejected_plan: tuple[Path, Path, dict[str, str]]) -> None:
    tmp_path, repo, outputs = rejected_plan
    planted = {"id": 8, "body": f"{MARKER}\nplanted by someone", "user": {"type": "User"}}
    run, calls = _comment_step(tmp_path, repo, outputs, comments=[[planted]], fail="PATCH")
    assert run.returncode == 0
    assert [_method(c) for c in calls] == ["GET", "PATCH", "POST"]


def test_no_comment_when_nothing_changed_unless_asked(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"infra/web-vmss.json": EXAMPLES / "no-op" / "current.json"})
    base = git(repo, "rev-parse", "HEAD").strip()
    (repo / "README.md").write_text("docs\n", encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "docs only")
    run, outputs = _plan_step(tmp_path, repo, base)
    assert outputs["exit-code"] == "0" and outputs["changes"] == "0", run.stderr
    run, calls = _comment_step(tmp_path, repo, outputs, comments=[[]])
    assert run.returncode == 0 and [_method(c) for c in calls] == ["GET"]
    assert "no changes, no comment" in run.stdout
    run, calls = _comment_step(tmp_path, repo, outputs, comments=[[]], without_changes="true")
    assert [_method(c) for c in calls] == ["GET", "POST"]
    # A comment posted for an earlier push is brought up to date, not left saying "rejected".
    earlier = {"id": 4, "body": f"{MARKER}\n❌ **Azure would reject this change**", "user": {"type": "Bot"}}
    run, calls = _comment_step(tmp_path, repo, outputs, comments=[[earlier]])
    assert [_method(c) for c in calls] == ["GET", "PATCH"]
    assert "reject" not in calls[1]["input"]["body"]


def test_a_fork_pull_request_gets_the_job_summary_and_fails_only_on_the_verdict(
        rejected_plan: tuple[Path, Path, dict[str, str]]) -> None:
    tmp_path, repo, outputs = rejected_plan
    before = Path(outputs["GITHUB_STEP_SUMMARY"]).read_text(encoding="utf-8")
    run, calls = _comment_step(tmp_path, repo, outputs, comments=[[]], head_repo="someone/infra-fork")
    assert run.returncode == 0 and calls == []
    assert "::warning" in run.stdout
    summary = Path(outputs["GITHUB_STEP_SUMMARY"]).read_text(encoding="utf-8")
    assert summary.startswith(before) and "fork" in summary[len(before):]
    verdict = _run(next(s for s in yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))["runs"]["steps"]
                        if s.get("name") == "Verdict")["run"], repo, {"VMSSPLAN_EXIT": outputs["exit-code"]})
    assert verdict.returncode == 1  # the rejected plan still fails the check, by the verdict step


@pytest.mark.parametrize("fail", ["GET", "POST", "GET,PATCH,POST"])
def test_without_permission_to_comment_the_step_succeeds_with_a_note(
        rejected_plan: tuple[Path, Path, dict[str, str]], fail: str) -> None:
    tmp_path, repo, outputs = rejected_plan
    run, calls = _comment_step(tmp_path, repo, outputs, comments=[[]], fail=fail)
    assert run.returncode == 0, run.stderr
    assert calls and "pull-requests: write" in run.stdout  # the ::warning says why
    assert "pull-requests: write" in Path(outputs["GITHUB_STEP_SUMMARY"]).read_text(encoding="utf-8")


def test_a_plan_over_the_comment_limit_is_cut_and_kept_whole_elsewhere(tmp_path: Path) -> None:
    """80 changed scale sets (about 60 made the comment step fail before): the comment fits
    65,536 characters with the marker and footer; the job summary and the artifact's file
    hold the whole plan."""
    template = json.loads((EXAMPLES / "single-placement-group-on" / "current.json").read_text(encoding="utf-8"))
    proposed = json.loads((EXAMPLES / "single-placement-group-on" / "proposed.json").read_text(encoding="utf-8"))
    files = {}
    (tmp_path / "src").mkdir()
    for n in range(80):
        for side, doc in (("current", template), ("proposed", proposed)):
            body = json.loads(json.dumps(doc))
            body["name"] = f"web-vmss-{n:03d}-" + "x" * 60
            (tmp_path / "src" / f"{side}-{n}.json").write_text(json.dumps(body, indent=2), encoding="utf-8")
        files[f"infra/vmss-{n:03d}.json"] = tmp_path / "src" / f"current-{n}.json"
    repo = make_repo(tmp_path / "repo", files)
    base = git(repo, "rev-parse", "HEAD").strip()
    for n in range(80):
        shutil.copyfile(tmp_path / "src" / f"proposed-{n}.json", repo / "infra" / f"vmss-{n:03d}.json")
    git(repo, "commit", "-q", "-am", "change them all")
    run, outputs = _plan_step(tmp_path, repo, base)
    assert outputs["exit-code"] == "1", run.stderr
    full = (Path(outputs["dir"]) / "plan.md").read_text(encoding="utf-8")
    assert len(full) > 65536
    assert (tmp_path / "summary.md").read_text(encoding="utf-8") == full
    run, calls = _comment_step(tmp_path, repo, outputs, comments=[[]])
    body = calls[-1]["input"]["body"]
    assert _method(calls[-1]) == "POST" and len(body.encode("utf-16-le")) // 2 <= 65536
    assert body.startswith(MARKER + "\n❌ **Azure would reject this change**")
    assert "✂️" in body and "### Strongest changes" in body
    assert body.count("- ❌ **rejected** `web-vmss-") == 80  # every change fits, one line each
    # Tighter, the cut keeps the verdict and the summary line and says what it left out.
    small = run_cli("plan", "--base-ref", base, "-o", "markdown", "--max-length", "6000", cwd=repo).out
    assert len(small.encode("utf-16-le")) // 2 <= 6000
    assert small.startswith("❌ **Azure would reject this change**") and "more scale sets (see the full plan)" in small
    assert small.rstrip().splitlines()[-1].startswith("**Plan:** 80 scale sets: 80 rejected.")


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """This repository as a remote (file URL) with the README's release tag on the state of the
    working tree (its uncommitted changes to tracked files included): (URL, tag)."""
    if not (REPO / ".git").exists():
        pytest.skip("the repository is not a git checkout")
    _, tag = readme.release()
    server = tmp_path_factory.mktemp("release") / "vmssplan.git"
    git(server.parent, "init", "-q", "--bare", "-b", "main", str(server))
    snapshot = git(REPO, "stash", "create").strip() or git(REPO, "rev-parse", "HEAD").strip()
    git(REPO, "push", "-q", str(server), f"{snapshot}:refs/heads/main", f"{snapshot}:refs/tags/{tag}")
    return server.as_uri(), tag


def _substituted(snippet: str, release: tuple[str, str]) -> str:
    url, tag = readme.release()
    assert snippet.count(url) == 1 and snippet.count(tag) == 1, snippet
    return snippet.replace(url, release[0]).replace(tag, release[1])


def _venv(root: Path) -> dict[str, str]:
    """A new virtual environment, as the environment a shell has after activating it."""
    venv.create(root, with_pip=True)
    return {"VIRTUAL_ENV": str(root), "PATH": f"{root / 'bin'}{os.pathsep}{os.environ['PATH']}"}


def _pull_request_checkout(tmp_path: Path, example: str) -> Path:
    """What a pull-request build checks out: a fetch of every branch into origin/*, the pull
    request's commit detached, and no local branch (so refs/heads/main does not exist)."""
    author = make_repo(tmp_path / "author", {"infra/web-vmss.json": EXAMPLES / example / "current.json"})
    git(author, "checkout", "-q", "-b", "change")
    shutil.copyfile(EXAMPLES / example / "proposed.json", author / "infra" / "web-vmss.json")
    git(author, "commit", "-q", "-am", "change")
    checkout = tmp_path / "s"
    checkout.mkdir()
    git(checkout, "init", "-q")
    git(checkout, "remote", "add", "origin", str(author))
    git(checkout, "fetch", "-q", "origin", "+refs/heads/*:refs/remotes/origin/*")
    git(checkout, "checkout", "-q", "--detach", "origin/change")
    assert subprocess.run(["git", "rev-parse", "--verify", "-q", "refs/heads/main"], cwd=checkout,
                          capture_output=True, check=False).returncode != 0
    return checkout


@pytest.mark.parametrize("example,code", [("single-placement-group-on", 1), ("os-image-version", 0)])
def test_azure_devops_snippet_in_the_readme(tmp_path: Path, release: tuple[str, str], example: str,
                                            code: int) -> None:
    pipeline = readme.load("# Azure DevOps: azure-pipelines.yml")
    scripts = [step["script"] for step in pipeline["steps"] if "script" in step]
    install, plan = scripts
    assert {"checkout": "self", "fetchDepth": 0} in pipeline["steps"]
    env = _venv(tmp_path / "python")  # what UsePythonVersion provides
    run = _run(_substituted(install, release), tmp_path, env)
    assert run.returncode == 0, run.stdout + run.stderr
    checkout = _pull_request_checkout(tmp_path, example)
    staging = tmp_path / "a"
    staging.mkdir()
    variables = {"$(System.PullRequest.TargetBranch)": "refs/heads/main",  # as Azure Repos sets it
                 "$(Build.ArtifactStagingDirectory)": str(staging)}
    for name, value in variables.items():
        assert name in plan
        plan = plan.replace(name, value)
    assert "$(" not in plan
    run = _run(plan, checkout, env)
    assert run.returncode == code, run.stdout + run.stderr
    assert "web-vmss" in run.stdout and "no such revision" not in run.stdout + run.stderr
    assert (staging / "vmssplan.sarif").is_file()
    summary = staging / "vmssplan.md"
    assert f"##vso[task.uploadsummary]{summary}\n" in run.stdout
    issue = re.search(r"^##vso\[task\.logissue type=error;sourcepath=infra/web-vmss\.json;linenumber=(\d+);"
                      r"columnnumber=\d+;code=VMSS201\]web-vmss: ", run.stdout, re.MULTILINE)
    assert (issue is not None) is (code == 1), run.stdout
    if issue is not None:
        assert summary.read_text(encoding="utf-8").startswith("❌ **Azure would reject this change**")
        line = (checkout / "infra" / "web-vmss.json").read_text(encoding="utf-8").splitlines()[int(issue[1]) - 1]
        assert "singlePlacementGroup" in line


def test_precommit_snippet_with_a_release_of_this_repository(tmp_path: Path, release: tuple[str, str]) -> None:
    config = _substituted(readme.yaml_block("# .pre-commit-config.yaml"), release)
    rejected, safe = EXAMPLES / "single-placement-group-on", EXAMPLES / "single-placement-group-off"
    repo = make_repo(tmp_path / "repo", {"infra/web-vmss.json": rejected / "current.json"})
    (repo / ".pre-commit-config.yaml").write_text(config, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "hooks")
    env = {"PRE_COMMIT_HOME": str(tmp_path / "cache"), "PRE_COMMIT_COLOR": "never"}
    installed = _run(f"{sys.executable} -m pre_commit install", repo, env)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    shutil.copyfile(rejected / "proposed.json", repo / "infra" / "web-vmss.json")
    blocked = _run("git commit -qam 'turn singlePlacementGroup on'", repo, env)
    assert blocked.returncode != 0, blocked.stdout + blocked.stderr
    assert "[VMSS201]" in blocked.stdout + blocked.stderr
    assert git(repo, "log", "--format=%s", "-1").strip() == "hooks"
    shutil.copyfile(safe / "current.json", repo / "infra" / "web-vmss.json")
    git(repo, "commit", "-q", "--no-verify", "-am", "base for a safe change")
    shutil.copyfile(safe / "proposed.json", repo / "infra" / "web-vmss.json")
    passed = _run("git commit -qam 'turn singlePlacementGroup off'", repo, env)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert git(repo, "log", "--format=%s", "-1").strip() == "turn singlePlacementGroup off"


def _refusing_python() -> Path | None:
    """A Python 3.11+ that refuses global installs (PEP 668), as Debian's and Ubuntu's do."""
    for candidate in ("/usr/bin/python3", sys.executable):
        probe = subprocess.run([candidate, "-c", "import sys, sysconfig; print(sys.version_info >= (3, 11), "
                                "sysconfig.get_path('stdlib'), sys.prefix == sys.base_prefix)"],
                               capture_output=True, text=True, check=False) if Path(candidate).exists() else None
        if probe and probe.returncode == 0:
            recent, stdlib, system = probe.stdout.split()
            if recent == "True" and system == "True" and (Path(stdlib) / "EXTERNALLY-MANAGED").is_file():
                return Path(candidate)
    return None


def test_quick_start_on_a_python_that_refuses_global_installs(tmp_path: Path) -> None:
    python = _refusing_python()
    if python is None:
        pytest.skip("no Python marked EXTERNALLY-MANAGED (PEP 668) on this machine")
    tree = tmp_path / "vmssplan"
    files = git(REPO, "ls-files", "-z", "--cached", "--others", "--exclude-standard").split("\0")
    for name in filter(None, files):
        if (REPO / name).is_file():
            (tree / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, tree / name)
    shims = tmp_path / "bin"
    shims.mkdir()
    (shims / "python").symlink_to(python)
    env = {"PATH": f"{shims}{os.pathsep}{os.environ['PATH']}"}
    refused = _run("python -m pip install .", tree, env)
    assert refused.returncode != 0 and "externally-managed-environment" in refused.stderr
    venv_line, install_run = (block.strip() for block in readme.blocks("sh")[:2])
    run = _run(f"{venv_line}\n{install_run}", tree, env)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Plan: 1 scale set: 1 to update." in run.stdout
    assert (tree / ".venv" / "bin" / "vmssplan").is_file()


def _expressions(text: str, values: dict[str, str]) -> str:
    """``${{ name }}`` replaced as the runner would, from ``values`` ('' for what is not there)."""
    return re.sub(r"\$\{\{\s*([\w.-]+)\s*\}\}", lambda m: values.get(m.group(1), ""), text)


def _released_action(tmp_path: Path, release: tuple[str, str], workflow: dict[str, Any], repo: Path,
                     context: dict[str, str], env: dict[str, str] | None = None
                     ) -> tuple[subprocess.CompletedProcess[str], Path, Path]:
    """What `uses: <owner>/vmssplan@<tag>` does, short of GitHub: the runner puts the repository at
    that tag in GITHUB_ACTION_PATH; the action installs vmssplan from there and plans with the
    inputs the workflow gives (setup-python and the comment need GitHub: a venv stands for the
    first, the second is not run). The plan step's run, the job summary and GITHUB_OUTPUT."""
    [ours] = [s for s in workflow["jobs"]["plan"]["steps"] if "/vmssplan@" in s.get("uses", "")]
    action_path = tmp_path / "_actions" / ours["uses"].split("@")[0]
    git(tmp_path, "clone", "-q", "--branch", release[1], release[0], str(action_path))
    action = yaml.safe_load((action_path / "action.yml").read_text(encoding="utf-8"))
    inputs = {f"inputs.{name}": _expressions(str(ours.get("with", {}).get(name, spec.get("default", ""))), context)
              for name, spec in action["inputs"].items()}
    summary, output = tmp_path / "summary.md", tmp_path / "output.txt"
    env = {**_venv(tmp_path / "python"), **(env or {}), "GITHUB_ACTION_PATH": str(action_path),
           "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(output)}
    steps = [s for s in action["runs"]["steps"] if "run" in s]
    install = next(s for s in steps if "pip install" in s["run"])
    plan = next(s for s in steps if s.get("id") == "plan")
    values = {**context, **inputs}
    for step in (install, plan):
        step_env = {name: _expressions(str(value), values) for name, value in step.get("env", {}).items()}
        run = _run(_expressions(step["run"], values), repo, {**env, **step_env})
        assert run.returncode == 0, run.stdout + run.stderr
    installed = subprocess.run([str(tmp_path / "python" / "bin" / "vmssplan"), "--version"], capture_output=True,
                               text=True, check=False)
    assert installed.returncode == 0 and installed.stdout.strip()
    return run, summary, output


def test_workflow_snippet_installs_the_released_action_and_plans(tmp_path: Path, release: tuple[str, str]) -> None:
    workflow = readme.load("# .github/workflows/vmssplan.yml")
    repo, base = _pull_request(tmp_path, "single-placement-group-on")
    run, summary, output = _released_action(tmp_path, release, workflow, repo,
                                            {"github.event.pull_request.base.sha": base})
    assert "exit-code=1" in output.read_text(encoding="utf-8")  # fail-on: rejected, and the change is rejected
    assert "::error file=infra/web-vmss.json" in run.stdout and summary.read_text(encoding="utf-8").startswith("❌")


# --- the what-if snippets, with a fake `az` that writes what the real one would --------

FAKE_AZ = """#!{python}
import json, os, sys
args = sys.argv[1:]
with open(os.environ["FAKE_AZ_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps(args) + "\\n")
def value(*names):
    found = [args[args.index(name) + 1] for name in names if name in args]
    return found[0] if found else None
if value("-o", "--output") != "json":
    sys.exit("fake az: the snippet must ask for JSON (-o json)")
if args[:3] == ["deployment", "group", "what-if"] and "--no-pretty-print" in args:
    os.stat(value("--template-file", "-f"))  # the template is in the checkout
    answer = os.environ["FAKE_AZ_WHATIF"]
elif args[:2] == ["vmss", "list-instances"] and value("--expand") == "instanceView":
    answer = os.environ["FAKE_AZ_INSTANCES"]
else:
    sys.exit("fake az: not a command of the snippet: " + " ".join(args))
with open(answer, encoding="utf-8") as handle:
    sys.stdout.write(handle.read())
"""


def _fake_az(tmp_path: Path, change: str) -> dict[str, str]:
    """A fake `az` first on PATH (FAKE_BIN) answering what-if with a what-if result and
    list-instances with a VM list; the environment that puts it there."""
    whatif, instances, _ = _write_whatif(tmp_path / "az-answers", change)
    bin_dir = tmp_path / "fake-bin"
    bin_dir.mkdir(exist_ok=True)
    az = bin_dir / "az"
    az.write_text(FAKE_AZ.format(python=sys.executable), encoding="utf-8")
    az.chmod(0o755)
    return {"FAKE_BIN": str(bin_dir), "FAKE_AZ_LOG": str(tmp_path / "az.log"), "FAKE_AZ_WHATIF": str(whatif),
            "FAKE_AZ_INSTANCES": str(instances)}


def _checkout_with_the_template(tmp_path: Path) -> Path:
    """The checkout the what-if step runs in: the template the snippets name, with its parameters."""
    example = EXAMPLES / "template-parameters"
    return make_repo(tmp_path / "checkout", {"infra/azuredeploy.json": example / "current.json",
                                             "infra/azuredeploy.parameters.json": example / "current.parameters.json"})


def _az_calls(fake: dict[str, str]) -> list[list[str]]:
    return [json.loads(line) for line in Path(fake["FAKE_AZ_LOG"]).read_text(encoding="utf-8").splitlines()]


def test_workflow_whatif_snippet_logs_in_runs_whatif_and_the_action_plans_it(
        tmp_path: Path, release: tuple[str, str]) -> None:
    """The second workflow as printed: the user's login step, their what-if step (a fake `az`
    stands for Azure), then the action with `what-if:` and `instances:`."""
    workflow = readme.load("# .github/workflows/vmssplan-whatif.yml")
    steps = workflow["jobs"]["plan"]["steps"]
    uses = [s.get("uses", "").split("@")[0] for s in steps]
    whatif_step = next(i for i, s in enumerate(steps) if "what-if" in s.get("run", ""))
    login = uses.index("azure/login")
    assert login < whatif_step < uses.index("vmssplan/vmssplan")  # log in, then what-if, then plan
    repo = _checkout_with_the_template(tmp_path)
    fake = _fake_az(tmp_path, "image-version")
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    run = _run(steps[whatif_step]["run"], repo, {**fake, "RUNNER_TEMP": str(runner_temp)})
    assert run.returncode == 0, run.stdout + run.stderr
    assert [call[:3] for call in _az_calls(fake)] == [["deployment", "group", "what-if"],
                                                     ["vmss", "list-instances", "--resource-group"]]
    run, summary, output = _released_action(tmp_path, release, workflow, repo, {"runner.temp": str(runner_temp)},
                                            {"RUNNER_TEMP": str(runner_temp)})
    outputs = dict(line.split("=", 1) for line in output.read_text(encoding="utf-8").splitlines())
    assert outputs["exit-code"] == "0" and outputs["changes"] == "1", run.stdout + run.stderr
    plan = json.loads((Path(outputs["dir"]) / "plan.json").read_text(encoding="utf-8"))
    [scale_set] = plan["scale_sets"]
    assert scale_set["name"] == _whatif_name() and scale_set["what_if"]["change_type"] == "Modify"
    assert len(scale_set["instances"]) == 5  # the VM list of the what-if step
    assert _whatif_name() in summary.read_text(encoding="utf-8")


@pytest.mark.parametrize("change,code", [("single-placement-group-on", 1), ("image-version", 0)])
def test_azure_devops_whatif_snippet_in_the_readme(tmp_path: Path, release: tuple[str, str], change: str,
                                                   code: int) -> None:
    pipeline = readme.load("# Azure DevOps with what-if: azure-pipelines.yml")
    [install, plan] = [step["script"] for step in pipeline["steps"] if "script" in step]
    [azure_cli] = [step for step in pipeline["steps"] if step.get("task") == "AzureCLI@2"]
    assert azure_cli["inputs"]["azureSubscription"] and azure_cli["inputs"]["scriptType"] == "bash"
    assert pipeline["steps"].index(azure_cli) < [s.get("script") for s in pipeline["steps"]].index(plan)
    env = _venv(tmp_path / "python")  # what UsePythonVersion provides
    run = _run(_substituted(install, release), tmp_path, env)
    assert run.returncode == 0, run.stdout + run.stderr
    checkout = _checkout_with_the_template(tmp_path)
    agent_temp, staging = tmp_path / "_temp", tmp_path / "a"
    agent_temp.mkdir()
    staging.mkdir()
    variables = {"$(Agent.TempDirectory)": str(agent_temp), "$(Build.ArtifactStagingDirectory)": str(staging)}
    script, plan_script = azure_cli["inputs"]["inlineScript"], plan
    for name, value in variables.items():
        script, plan_script = script.replace(name, value), plan_script.replace(name, value)
    assert "$(" not in script + plan_script
    fake = _fake_az(tmp_path, change)
    run = _run(script, checkout, {**env, **fake})  # the service connection's login is the task's, not shown
    assert run.returncode == 0, run.stdout + run.stderr
    assert len(_az_calls(fake)) == 2
    run = _run(plan_script, checkout, env)
    assert run.returncode == code, run.stdout + run.stderr
    summary = staging / "vmssplan.md"
    assert f"##vso[task.uploadsummary]{summary}\n" in run.stdout
    assert _whatif_name() in summary.read_text(encoding="utf-8")
    rejected = re.search(rf"^##vso\[task\.logissue type=error;sourcepath={re.escape(str(agent_temp))}/whatif\.json;"
                         rf".*code=VMSS201\]{re.escape(_whatif_name())}: ", run.stdout, re.MULTILINE)
    assert (rejected is not None) is (code == 1), run.stdout
