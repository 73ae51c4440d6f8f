"""Attack suite, issue 14 finding 4: every changed file is planned under --base-ref, whatever
its name, and a file name never becomes a git revision path or an option.

Each test builds a repository whose base commit holds a scale set and plays the pull request:
the change Azure rejects (singlePlacementGroup false -> true, VMSS201), hidden by the name or
the history of the file. A secure build plans it (exit 1, VMSS201 rejected).
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from clihelp import run_cli
from conftest import EXAMPLES, REPO
from gitrepo import git, make_repo
from vmssplan.engine import plan_against_revision

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

SPG = EXAMPLES / "single-placement-group-on"


def _planned(repo: Path, *args: str) -> tuple[int, list[tuple[str, str, str]]]:
    """(exit code, (file, scale set action, rule of each rejected change)) of --base-ref HEAD."""
    run = run_cli("plan", "--base-ref", "HEAD", "-o", "json", *args, cwd=repo)
    assert run.code in (0, 1), run.err
    document = json.loads(run.out)
    return run.code, [(s["file"], s["action"], c["rule"]) for s in document["scale_sets"] for c in s["changes"]
                      if c["effect"] == "rejected"]


@pytest.mark.parametrize("name", ["wéb-vmss.json", "web\tvmss.json", 'web"vmss.json', "web\nvmss.json",
                                  "web-vmss ünï\\cödé.json", " lead-vmss.json"])
def test_a_changed_file_with_any_name_is_planned(tmp_path: Path, name: str) -> None:
    """Attack: git quotes names with non-ASCII, tab, quote, backslash or newline in its default
    output, and such a file with a rejected change was skipped (exit 0). Criterion: git is read
    with -z; the file is planned and the change rejected (exit 1)."""
    repo = make_repo(tmp_path / "repo", {name: SPG / "current.json"})
    shutil.copyfile(SPG / "proposed.json", repo / name)
    code, rejected = _planned(repo)
    assert code == 1 and rejected == [(name, "rejected", "VMSS201")]


def test_a_renamed_file_is_planned_against_its_old_path(tmp_path: Path) -> None:
    """Attack: rename the file in the same pull request as the rejected change; it was planned as
    a create (exit 0). Criterion: the old path at the base is planned against the new path."""
    repo = make_repo(tmp_path / "repo", {"old-vmss.json": SPG / "current.json"})
    git(repo, "mv", "old-vmss.json", "new-vmss.json")
    shutil.copyfile(SPG / "proposed.json", repo / "new-vmss.json")
    git(repo, "add", "-A")
    code, rejected = _planned(repo)
    assert code == 1 and rejected == [("new-vmss.json", "rejected", "VMSS201")]


def test_a_renamed_file_with_an_awkward_name_is_followed(tmp_path: Path) -> None:
    """Criterion: a rename is followed whatever the names (NUL-separated pairs)."""
    repo = make_repo(tmp_path / "repo", {"a\tb-vmss.json": SPG / "current.json"})
    git(repo, "mv", "a\tb-vmss.json", "c\nd-vmss.json")
    shutil.copyfile(SPG / "proposed.json", repo / "c\nd-vmss.json")
    git(repo, "add", "-A")
    assert _planned(repo) == (1, [("c\nd-vmss.json", "rejected", "VMSS201")])


def test_a_symbolic_link_turned_into_a_file_is_planned(tmp_path: Path) -> None:
    """Attack: at the base web-vmss.json is a symbolic link to shared/web.json; the pull request
    replaces the link by a file holding the rejected change (a type change, skipped before).
    Criterion: planned against what the link pointed at in the base (exit 1)."""
    repo = make_repo(tmp_path / "repo", {"shared/web.json": SPG / "current.json"})
    (repo / "web-vmss.json").symlink_to("shared/web.json")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "link")
    (repo / "web-vmss.json").unlink()
    shutil.copyfile(SPG / "proposed.json", repo / "web-vmss.json")
    code, rejected = _planned(repo)
    assert code == 1 and ("web-vmss.json", "rejected", "VMSS201") in rejected


def test_a_file_named_like_a_git_revision_path_is_read_from_disk(tmp_path: Path) -> None:
    """Attack: a committed file named ``git:HEAD:web-vmss.json`` holds the rejected change while
    HEAD's web-vmss.json is harmless; it was read from git instead of disk. Criterion: a file
    name found on disk is a file (planned from disk: exit 1, VMSS201)."""
    repo = make_repo(tmp_path / "repo", {"web-vmss.json": SPG / "current.json",
                                         "git:HEAD:web-vmss.json": SPG / "current.json"})
    shutil.copyfile(SPG / "proposed.json", repo / "git:HEAD:web-vmss.json")
    code, rejected = _planned(repo)
    assert code == 1 and rejected == [("./git:HEAD:web-vmss.json", "rejected", "VMSS201")]
    # also when named on the command line after --base-ref (the hook passes staged names)
    code, rejected = _planned(repo, "--", "git:HEAD:web-vmss.json")
    assert code == 1 and rejected == [("./git:HEAD:web-vmss.json", "rejected", "VMSS201")]


@pytest.mark.parametrize("name", ["git:--output=out:x-vmss.json", "git:--output=out:x-vmss.parameters.json"])
def test_a_file_name_cannot_inject_git_options(tmp_path: Path, name: str) -> None:
    """Attack: a file named ``git:--output=out:x-vmss.json`` made ``git show`` write a file
    (argument injection). Criterion: no file is written, the file is planned from disk."""
    repo = make_repo(tmp_path / "repo", {name: SPG / "current.json"})
    shutil.copyfile(SPG / "proposed.json", repo / name)
    before = sorted(p.name for p in repo.iterdir())
    run = run_cli("plan", "--base-ref", "HEAD", "-o", "json", cwd=repo)
    assert run.code in (0, 1) and "Traceback" not in run.err
    assert sorted(p.name for p in repo.iterdir()) == before
    assert not any(p.name.startswith("out") for p in repo.rglob("*"))


@pytest.mark.parametrize("spec", ["git:--output=out:x.json", "git:-p:x.json", "git:--exec=touch pwned:x.json"])
def test_a_revision_given_on_the_command_line_cannot_be_an_option(tmp_path: Path, spec: str) -> None:
    """Attack: an option in the revision of an explicit ``git:REV:PATH``. Criterion: a usage error
    (exit 2); git is never handed an option from a revision."""
    repo = make_repo(tmp_path / "repo", {"x.json": SPG / "current.json"})
    run = run_cli("plan", spec, "x.json", cwd=repo)
    assert run.code == 2 and "Traceback" not in run.err
    assert sorted(p.name for p in repo.iterdir()) == [".git", "x.json"]


@pytest.mark.parametrize("base_ref", ["--output=out", "-p", "--help"])
def test_a_base_ref_cannot_be_an_option(tmp_path: Path, base_ref: str) -> None:
    """Criterion: ``--base-ref=-x`` is a usage error (exit 2), never a git option."""
    repo = make_repo(tmp_path / "repo", {"x.json": SPG / "current.json"})
    run = run_cli("plan", f"--base-ref={base_ref}", cwd=repo)
    assert run.code == 2 and "Traceback" not in run.err
    assert sorted(p.name for p in repo.iterdir()) == [".git", "x.json"]


@pytest.mark.parametrize("hook", ["vmssplan-plan", "vmssplan-validate"])
def test_both_hook_entries_end_options(tmp_path: Path, hook: str) -> None:
    """Attack: a staged file named ``--config=evil-vmss.json`` became an option of the hook.
    Criterion: both entries of .pre-commit-hooks.yaml end with ``--``, and the hook's command
    line (entry + staged names, as pre-commit builds it) plans the file named like an option."""
    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    entry = shlex.split(hooks[hook]["entry"])
    assert entry[-1] == "--"
    name = "--config=evil-vmss.json"
    repo = make_repo(tmp_path / "repo", {name: SPG / "current.json"})
    (repo / "evil.yaml").write_text("ignore: [VMSS, VAL]\n", encoding="utf-8")
    if hook == "vmssplan-validate":
        (repo / name).write_text('{\n  "resources": [\n', encoding="utf-8")  # broken: the check must fail
    else:
        shutil.copyfile(SPG / "proposed.json", repo / name)  # rejected: the check must fail
    git(repo, "add", "-A")
    assert entry[0] == "vmssplan"
    run = run_cli(*entry[1:], name, cwd=repo)
    assert run.code == 1 and "Traceback" not in run.err, run.out + run.err
    assert name in run.out


def test_a_parameters_file_named_like_a_git_revision_path_is_read_from_disk(tmp_path: Path) -> None:
    """Attack: the template ``git:HEAD:x-vmss.json`` and its parameters file
    ``git:HEAD:x-vmss.parameters.json`` are files of the pull request; the parameters file was
    read from git (HEAD's x-vmss.parameters.json). Criterion: the sibling on disk is used."""
    template = EXAMPLES / "template-parameters"
    repo = make_repo(tmp_path / "repo", {"git:HEAD:x-vmss.json": template / "current.json",
                                         "git:HEAD:x-vmss.parameters.json": template / "current.parameters.json"})
    shutil.copyfile(template / "proposed.parameters.json", repo / "git:HEAD:x-vmss.parameters.json")
    run = run_cli("plan", "--base-ref", "HEAD", "-o", "json", cwd=repo)
    assert run.code in (0, 1) and "Traceback" not in run.err, run.err
    changes = [c["path"] for s in json.loads(run.out)["scale_sets"] for c in s["changes"]]
    assert changes == ["/properties/virtualMachineProfile/storageProfile/imageReference/version"], run.out


def test_a_linked_template_named_like_a_git_revision_path_is_read_from_disk(tmp_path: Path) -> None:
    """Attack: a template links ``relativePath: git:HEAD:linked.json``, a file of the pull request
    holding the rejected change, while HEAD's linked.json is harmless; the link was read from
    git. Criterion: a linked file on disk is that file (the rejected change is planned)."""
    current = json.loads((SPG / "current.json").read_text(encoding="utf-8"))
    proposed = json.loads((SPG / "proposed.json").read_text(encoding="utf-8"))

    def linked(model: dict[str, object]) -> dict[str, object]:
        resource = {k: v for k, v in model.items() if k in ("name", "location", "sku", "zones", "tags")}
        properties = {k: v for k, v in model["properties"].items()  # type: ignore[attr-defined]
                      if k not in ("provisioningState", "uniqueId", "timeCreated")}
        return {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                "contentVersion": "1.0.0.0", "resources": [{
                    "type": "Microsoft.Compute/virtualMachineScaleSets", "apiVersion": "2024-07-01", **resource,
                    "properties": properties}]}

    main = {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "contentVersion": "1.0.0.0", "resources": [{
                "type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "l",
                "properties": {"mode": "Incremental", "templateLink": {"relativePath": "git:HEAD:linked.json"}}}]}
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "base-vmss.json").write_text(json.dumps(linked(current)), encoding="utf-8")
    (repo / "main-vmss.json").write_text(json.dumps(main), encoding="utf-8")
    (repo / "linked.json").write_text(json.dumps(linked(current)), encoding="utf-8")
    (repo / "git:HEAD:linked.json").write_text(json.dumps(linked(proposed)), encoding="utf-8")
    make_repo(repo, {})
    run = run_cli("plan", "base-vmss.json", "main-vmss.json", "-o", "json", cwd=repo)
    assert "Traceback" not in run.err
    rejected = [c["rule"] for s in json.loads(run.out)["scale_sets"] for c in s["changes"] if c["effect"] == "rejected"]
    assert run.code == 1 and rejected == ["VMSS201"], run.out + run.err


def test_a_base_link_out_of_the_repository_is_not_followed(tmp_path: Path) -> None:
    """Attack: at the base web-vmss.json is a symbolic link to a file outside the repository (a
    runner's secret); the pull request turns it into a file. Criterion: exit 2 saying the link
    leads outside, and nothing of the outside file is read or printed."""
    secret = tmp_path / "secret.json"
    secret.write_text('{"token": "ghp_SECRET0123456789"}', encoding="utf-8")
    repo = make_repo(tmp_path / "repo", {"README.md": SPG / "README.md"})
    (repo / "web-vmss.json").symlink_to(secret)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "link out")
    (repo / "web-vmss.json").unlink()
    shutil.copyfile(SPG / "proposed.json", repo / "web-vmss.json")
    run = run_cli("plan", "--base-ref", "HEAD", cwd=repo)
    assert run.code == 2 and "outside the repository" in run.err, run.out + run.err
    assert "SECRET" not in run.out + run.err


def test_a_changed_file_that_links_out_of_the_repository_is_not_read(tmp_path: Path) -> None:
    """Attack: the pull request turns web-vmss.json into a symbolic link to a runner's file
    (type change). Criterion: exit 2 naming the file, its target's content never printed."""
    secret = tmp_path / "secret-vmss.json"
    secret.write_text('{"name": "ghp_SECRET0123456789", "properties": {}}', encoding="utf-8")
    repo = make_repo(tmp_path / "repo", {"web-vmss.json": SPG / "current.json"})
    (repo / "web-vmss.json").unlink()
    (repo / "web-vmss.json").symlink_to(secret)
    run = run_cli("plan", "--base-ref", "HEAD", cwd=repo)
    assert run.code == 2 and "web-vmss.json" in run.err and "outside the repository" in run.err, run.out + run.err
    assert "SECRET" not in run.out + run.err


_NAME_CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="/\0")


@settings(max_examples=20, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(stem=st.text(_NAME_CHARS, min_size=1, max_size=20), renamed=st.booleans())
def test_any_file_name_is_planned_property(stem: str, renamed: bool) -> None:
    """Fuzzed git name edge cases (any character but ``/`` and NUL; control characters, quotes,
    spaces, leading dashes, ``git:`` prefixes, non-ASCII), optionally renamed in the change.
    Criterion: the rejected change is planned, against the old path when renamed."""
    assume(stem not in (".", "..") and not stem.startswith(".git"))
    name = stem + "-vmss.json"
    with tempfile.TemporaryDirectory() as tmp:
        repo = make_repo(Path(tmp) / "repo", {"old-vmss.json" if renamed else name: SPG / "current.json"})
        if renamed:
            git(repo, "mv", "--", "old-vmss.json", name)
        shutil.copyfile(SPG / "proposed.json", repo / name)
        git(repo, "add", "-A")
        cwd = os.getcwd()
        os.chdir(repo)
        try:
            result = plan_against_revision("HEAD", ())
        finally:
            os.chdir(cwd)
    assert result.plan is not None, result.findings
    assert [(s.action, os.path.normpath(s.file)) for s in result.plan.scale_sets] == [("rejected", name)]


def test_the_validate_hook_reads_a_staged_file_named_like_a_git_revision_path_from_disk(tmp_path: Path) -> None:
    """Attack: a staged file named ``git:HEAD:web-vmss.json`` is broken on disk while HEAD's
    web-vmss.json is valid; the validate hook validated HEAD's file instead. Criterion: names
    after ``--`` (where both hook entries put staged names) are files on disk (exit 1)."""
    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    entry = shlex.split(hooks["vmssplan-validate"]["entry"])
    name = "git:HEAD:web-vmss.json"
    repo = make_repo(tmp_path / "repo", {"web-vmss.json": SPG / "current.json", name: SPG / "current.json"})
    (repo / name).write_text('{\n  "resources": [\n', encoding="utf-8")
    git(repo, "add", "-A")
    run = run_cli(*entry[1:], name, cwd=repo)
    assert run.code == 1 and "VAL001" in run.out, run.out + run.err
    assert run_cli("validate", name, cwd=repo).code == 0  # before --, the user asked for a revision path
