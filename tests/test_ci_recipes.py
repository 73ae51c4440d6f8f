"""The CI recipes run the commands they document: the GitHub Action's plan step and the
Azure DevOps snippet of the README, on a temporary repository with a pull request's change."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

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
    path = os.pathsep.join([*([env["FAKE_BIN"]] if "FAKE_BIN" in env else []), str(Path(sys.executable).parent),
                            os.environ.get("PATH", "")])
    return subprocess.run(["bash", "-c", script], cwd=repo, capture_output=True, text=True, timeout=300,
                          env={**os.environ, **GIT_ENV, "NO_COLOR": "1", **env, "PATH": path}, check=False)


def _step(name: str) -> dict[str, Any]:
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    step: dict[str, Any] = next(s for s in action["runs"]["steps"] if s.get("id") == name)
    return step


def _plan_step(tmp_path: Path, repo: Path, base: str) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    """Run the action's plan step; its outputs (GITHUB_OUTPUT) and the environment it ran in."""
    env = {"VMSSPLAN_BASE": base, "VMSSPLAN_PATHS": "", "VMSSPLAN_FAIL_ON": "rejected",
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


def test_azure_devops_snippet_in_the_readme(tmp_path: Path) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    snippet = yaml.safe_load(re.search(r"```yaml\n(# Azure DevOps.*?)```", readme, re.DOTALL).group(1))
    script = next(step["script"] for step in snippet["steps"] if "vmssplan plan" in step.get("script", ""))
    repo, base = _pull_request(tmp_path, "single-placement-group-on")
    out = tmp_path / "a"
    out.mkdir()
    script = script.replace("$(System.PullRequest.TargetBranch)", base).replace(
        "$(Build.ArtifactStagingDirectory)", str(out))
    run = _run(script, repo, {})
    assert run.returncode == 1, run.stdout + run.stderr
    assert (out / "vmssplan.sarif").is_file()
    summary = out / "vmssplan.md"
    assert summary.read_text(encoding="utf-8").startswith("❌ **Azure would reject this change**")
    assert f"##vso[task.uploadsummary]{summary}\n" in run.stdout
    issue = re.search(r"^##vso\[task\.logissue type=error;sourcepath=infra/web-vmss\.json;linenumber=(\d+);"
                      r"columnnumber=\d+;code=VMSS201\]web-vmss: ", run.stdout, re.MULTILINE)
    assert issue is not None, run.stdout
    line = (repo / "infra" / "web-vmss.json").read_text(encoding="utf-8").splitlines()[int(issue[1]) - 1]
    assert "singlePlacementGroup" in line
