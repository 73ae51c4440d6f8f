"""Attack suite, issue 14 finding 3: the pull request's own configuration must not downgrade
the gate. The base decides the rules; every waiver that remains is printed in the plan.

Each test builds a repository whose base commit holds a scale set, then plays the pull
request: the change Azure rejects (singlePlacementGroup false -> true, VMSS201) plus a
configuration, rule file or template metadata that would turn it green.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from clihelp import run_cli
from conftest import EXAMPLES
from gitrepo import git, make_repo
from plan_schema import assert_valid_plan

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

SPG = EXAMPLES / "single-placement-group-on"
SPG_RULE = {
    "id": "EVIL001", "title": "singlePlacementGroup is harmless", "effect": "none",
    "paths": ["/properties/singlePlacementGroup"], "message": "Nothing to see.", "confidence": "high",
    "evidence": [{"source": "the attacker", "url": "https://example.invalid", "quote": "trust me"}],
    "cases": [{"before": {"properties": {"singlePlacementGroup": False}},
               "after": {"properties": {"singlePlacementGroup": True}}, "effect": "none"}],
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """Base: web-vmss.json as deployed. Working tree: the rejected change."""
    root = make_repo(tmp_path / "repo", {"web-vmss.json": SPG / "current.json"})
    shutil.copyfile(SPG / "proposed.json", root / "web-vmss.json")
    return root


def _commit_pr(repo: Path) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "pull request")


def _plan(repo: Path, *args: str) -> tuple[int, dict[str, object], str]:
    run = run_cli("plan", "--base-ref", "HEAD~1", *args, "-o", "json", cwd=repo)
    assert "Traceback" not in run.err and run.code != 3, run.err
    return run.code, json.loads(run.out) if run.out.strip() else {}, run.err


def _effects(document: dict[str, object]) -> list[tuple[str, str]]:
    return [(c["rule"], c["effect"]) for s in document["scale_sets"] for c in s["changes"]]  # type: ignore[index, union-attr, attr-defined]


@pytest.mark.parametrize("config", [
    "rules-dirs: [rules]\n",
    "ignore: [VMSS201]\n",
    "select: [VAL]\n",
    "effects: {VMSS201: none}\n",
    "suppressions:\n  - {rule: VMSS2, reason: approved by me}\n",
    "accept-unknown: true\nfail-on: rejected\nignore: [VMSS]\n",
])
def test_a_configuration_added_by_the_pull_request_does_not_apply_in_base_ref_mode(repo: Path, config: str) -> None:
    """Attack: the PR adds .vmssplan.yaml (ignore, select, effects, suppressions, rules-dirs with
    a rule on VMSS201's path) next to the rejected change. Criterion: with --base-ref the
    configuration and rule directories are read from the base revision (which has none), so the
    change stays rejected [VMSS201] and the exit code is 1."""
    (repo / ".vmssplan.yaml").write_text(config, encoding="utf-8")
    (repo / "rules").mkdir()
    (repo / "rules" / "EVIL001.json").write_text(json.dumps(SPG_RULE), encoding="utf-8")
    _commit_pr(repo)
    code, document, _ = _plan(repo)
    assert code == 1
    assert ("VMSS201", "rejected") in _effects(document)
    assert not document.get("waivers")


def test_a_pyproject_section_added_by_the_pull_request_does_not_apply(repo: Path) -> None:
    """Attack: the PR adds [tool.vmssplan] ignore = ["VMSS"] to pyproject.toml. Criterion: as
    for .vmssplan.yaml, the base revision's configuration decides (exit 1, VMSS201 rejected)."""
    (repo / "pyproject.toml").write_text('[tool.vmssplan]\nignore = ["VMSS"]\n', encoding="utf-8")
    _commit_pr(repo)
    code, document, _ = _plan(repo)
    assert code == 1 and ("VMSS201", "rejected") in _effects(document)


def test_the_pull_request_cannot_edit_the_base_configuration_either(tmp_path: Path) -> None:
    """Attack: the base has a configuration (fail-on: reimage); the PR rewrites it to ignore
    VMSS201 and to fail on nothing less than rejected. Criterion: the base's file applies."""
    root = make_repo(tmp_path / "repo", {"web-vmss.json": SPG / "current.json"})
    (root / ".vmssplan.yaml").write_text("fail-on: rejected\n", encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "config")
    shutil.copyfile(SPG / "proposed.json", root / "web-vmss.json")
    (root / ".vmssplan.yaml").write_text("ignore: [VMSS201]\n", encoding="utf-8")
    _commit_pr(root)
    code, document, _ = _plan(root)
    assert code == 1 and ("VMSS201", "rejected") in _effects(document)
    assert not document.get("waivers")


def test_the_base_configuration_applies_and_its_waivers_are_printed_in_every_format(tmp_path: Path) -> None:
    """Waivers of the base configuration still work, but never silently. Criterion: an ignore
    that turns the rejected change green is listed in the JSON plan (``waivers``), in the
    text output and in the Markdown comment, with the rule and who waived it."""
    root = make_repo(tmp_path / "repo", {"web-vmss.json": SPG / "current.json"})
    (root / ".vmssplan.yaml").write_text("ignore: [VMSS201]\n", encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "config")
    shutil.copyfile(SPG / "proposed.json", root / "web-vmss.json")
    _commit_pr(root)
    code, document, _ = _plan(root)
    assert code == 0
    waivers = document["waivers"]
    assert isinstance(waivers, list) and len(waivers) == 1
    assert waivers[0]["rule"] == "VMSS201" and waivers[0]["kind"] == "ignore"
    assert waivers[0]["from"] == "rejected" and ".vmssplan.yaml" in waivers[0]["by"]
    for fmt in ("text", "markdown"):
        run = run_cli("plan", "--base-ref", "HEAD~1", "-o", fmt, cwd=root)
        assert run.code == 0
        assert "Waived" in run.out and "VMSS201" in run.out and ".vmssplan.yaml" in run.out, run.out


@pytest.mark.parametrize("config,kind", [
    ("ignore: [VMSS201]\n", "ignore"),
    ("select: [VAL, LINT]\n", "ignore"),
    ("effects: {VMSS2: none}\n", "effect"),
    ("suppressions:\n  - {rule: VMSS201, reason: CHG-1 recreate in the window}\n", "suppression"),
])
def test_every_kind_of_configuration_waiver_is_listed(tmp_path: Path, config: str, kind: str) -> None:
    """Criterion: each configuration waiver (ignore, select, effect override, suppression) that
    turns a failing verdict into a passing one is in the plan's ``waivers`` (two-file mode,
    the configuration given explicitly)."""
    (tmp_path / "c.yaml").write_text(config, encoding="utf-8")
    run = run_cli("plan", str(SPG / "current.json"), str(SPG / "proposed.json"), "--config", str(tmp_path / "c.yaml"),
                  "-o", "json", cwd=tmp_path)
    assert run.code == 0, run.err
    document = json.loads(run.out)
    assert_valid_plan(document)  # the optional waivers field is in the published schema
    assert [(w["kind"], w["rule"], w["from"]) for w in document["waivers"]] == [(kind, "VMSS201", "rejected")]


def test_template_metadata_ignore_from_the_pull_request_does_not_apply_and_is_listed(tmp_path: Path) -> None:
    """Attack: the PR adds ``metadata.vmssplan.ignore: [VMSS201]`` to the scale-set resource
    together with the rejected change. Criterion: in --base-ref mode only the base revision's
    metadata waives (exit 1); in two-file mode the waiver applies but is listed in the plan."""
    template = json.loads((EXAMPLES / "template-parameters" / "current.json").read_text(encoding="utf-8"))
    resource = next(r for r in template["resources"] if r["type"].endswith("virtualMachineScaleSets"))
    resource["properties"]["singlePlacementGroup"] = False
    root = tmp_path / "repo"
    root.mkdir()
    (root / "old-vmss.json").write_text(json.dumps(template, indent=2), encoding="utf-8")
    shutil.copyfile(root / "old-vmss.json", root / "web-vmss.json")
    for name in ("old-vmss", "web-vmss"):
        shutil.copyfile(EXAMPLES / "template-parameters" / "current.parameters.json",
                        root / f"{name}.parameters.json")
    make_repo(root, {})
    resource["properties"]["singlePlacementGroup"] = True
    resource["metadata"] = {"vmssplan": {"ignore": ["VMSS201"]}}
    (root / "web-vmss.json").write_text(json.dumps(template, indent=2), encoding="utf-8")
    run = run_cli("plan", "--base-ref", "HEAD", "-o", "json", cwd=root)
    assert run.code == 1, run.out + run.err
    assert ("VMSS201", "rejected") in _effects(json.loads(run.out))
    run = run_cli("plan", "old-vmss.json", "web-vmss.json", "-o", "json", cwd=root)
    assert run.code == 0, run.out + run.err
    waivers = json.loads(run.out)["waivers"]
    assert [(w["kind"], w["rule"]) for w in waivers] == [("metadata", "VMSS201")]


def test_accept_unknown_is_listed_as_a_waiver(tmp_path: Path) -> None:
    """Criterion: ``--accept-unknown`` (or the configuration's accept-unknown), which turns an
    unknown change that could be rejected from failing into passing, is listed in ``waivers``."""
    current = json.loads((SPG / "current.json").read_text(encoding="utf-8"))
    template = {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                "contentVersion": "1.0.0.0",
                "resources": [{"type": "Microsoft.Compute/virtualMachineScaleSets", "apiVersion": "2024-07-01",
                               "name": current["name"], "location": current["location"], "sku": current["sku"],
                               "zones": current["zones"],
                               "properties": {**{k: v for k, v in current["properties"].items()
                                                 if k not in ("provisioningState", "uniqueId", "timeCreated")},
                                              "singlePlacementGroup": "[reference('x').spg]"}}]}
    (tmp_path / "t.json").write_text(json.dumps(template), encoding="utf-8")
    base = run_cli("plan", str(SPG / "current.json"), "t.json", "-o", "json", cwd=tmp_path)
    changes = [c for s in json.loads(base.out)["scale_sets"] for c in s["changes"] if c["could_be_rejected"]]
    assert base.code == 1 and changes, base.out + base.err
    run = run_cli("plan", str(SPG / "current.json"), "t.json", "--accept-unknown", "-o", "json", cwd=tmp_path)
    assert run.code == 0, run.out
    waivers = json.loads(run.out)["waivers"]
    assert ("accept-unknown", "--accept-unknown") in [(w["kind"], w["by"]) for w in waivers]


def test_a_rule_file_may_not_replace_a_built_in_rule_silently(tmp_path: Path) -> None:
    """Attack: a rule directory holds a rule on the path of built-in VMSS201 with effect none
    (it used to win: "No VM is touched", exit 0). Criterion: without ``"replaces": "VMSS201"``
    the rule file is a usage error (exit 2) naming VMSS201; with it, the rule applies and the
    plan lists the override."""
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "EVIL001.json").write_text(json.dumps(SPG_RULE), encoding="utf-8")
    run = run_cli("plan", str(SPG / "current.json"), str(SPG / "proposed.json"), "--rules-dir", str(rules),
                  cwd=tmp_path)
    assert run.code == 2 and "VMSS201" in run.err and "replaces" in run.err, run.out + run.err
    (rules / "EVIL001.json").write_text(json.dumps({**SPG_RULE, "replaces": ["VMSS201"]}), encoding="utf-8")
    run = run_cli("plan", str(SPG / "current.json"), str(SPG / "proposed.json"), "--rules-dir", str(rules),
                  "-o", "json", cwd=tmp_path)
    assert run.code == 0, run.err
    waivers = json.loads(run.out)["waivers"]
    assert [(w["kind"], w["rule"], w["by"]) for w in waivers][:1] == [("replaces", "VMSS201", "EVIL001")]
    text = run_cli("plan", str(SPG / "current.json"), str(SPG / "proposed.json"), "--rules-dir", str(rules),
                   cwd=tmp_path)
    assert "EVIL001" in text.out and "replaces VMSS201" in text.out, text.out


def test_a_user_override_rule_cannot_judge_every_change_unannounced(tmp_path: Path) -> None:
    """Attack: a user rule with an ``override`` condition that always holds replaces every
    verdict (the path rules' included). Criterion: refused (exit 2) unless it says what it
    replaces."""
    rules = tmp_path / "rules"
    rules.mkdir()
    rule = {**SPG_RULE, "paths": [], "override": {"not": {"exists": "/nothing"}}}
    (rules / "EVIL001.json").write_text(json.dumps(rule), encoding="utf-8")
    run = run_cli("plan", str(SPG / "current.json"), str(SPG / "proposed.json"), "--rules-dir", str(rules),
                  cwd=tmp_path)
    assert run.code == 2 and "override" in run.err, run.out + run.err


def test_a_rule_for_a_property_no_built_in_rule_knows_needs_no_replaces(tmp_path: Path) -> None:
    """What rule directories are for still works: a rule on a path only the catch-all VMSS001
    covers is no replacement, and needs no ``replaces``."""
    rules = tmp_path / "rules"
    rules.mkdir()
    rule = {**SPG_RULE, "id": "ACME001", "paths": ["/properties/acmeNewSetting"], "effect": "upgrade"}
    (rules / "ACME001.json").write_text(json.dumps(rule), encoding="utf-8")
    run = run_cli("plan", str(SPG / "current.json"), str(SPG / "proposed.json"), "--rules-dir", str(rules),
                  "-o", "json", cwd=tmp_path)
    assert run.code == 1 and not json.loads(run.out).get("waivers"), run.err


@pytest.mark.parametrize("content", ['"ghp_0123456789abcdefSECRET"', '["ghp_0123456789abcdefSECRET"]',
                                     "12345678901234567890"])
def test_a_rule_file_that_is_not_an_object_is_not_echoed(tmp_path: Path, content: str) -> None:
    """Attack: a rule directory holds JSON that is not an object (say a token file). Criterion:
    usage error (exit 2) naming the file, without its content."""
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "token.json").write_text(content, encoding="utf-8")
    run = run_cli("plan", str(SPG / "current.json"), str(SPG / "proposed.json"), "--rules-dir", str(rules),
                  cwd=tmp_path)
    assert run.code == 2 and "token.json" in run.err, run.err
    assert "SECRET" not in run.err + run.out and "1234567890" not in run.err + run.out


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
@pytest.mark.parametrize("kind", ["fifo", "symlink-to-device", "oversize", "directory"])
def test_a_rule_file_must_be_a_small_regular_file(tmp_path: Path, kind: str) -> None:
    """Attack: a rule "file" that is a FIFO (hangs), a symbolic link to /dev/zero (endless), a
    huge file, or a directory named *.json. Criterion: exit 2 naming the file, within seconds."""
    rules = tmp_path / "rules"
    rules.mkdir()
    target = rules / "EVIL.json"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "symlink-to-device":
        target.symlink_to("/dev/zero")
    elif kind == "oversize":
        target.write_text(json.dumps({**SPG_RULE, "description": "x" * (3 * 2**20)}), encoding="utf-8")
    else:
        target.mkdir()
    run = run_cli("plan", str(SPG / "current.json"), str(SPG / "proposed.json"), "--rules-dir", str(rules),
                  cwd=tmp_path)
    assert run.code == 2 and "EVIL.json" in run.err, run.err


def test_a_configuration_outside_any_repository_applies_only_in_the_working_directory(tmp_path: Path) -> None:
    """Attack: anyone who can write /tmp drops /tmp/.vmssplan.yaml (ignore everything); a run in
    a directory under /tmp outside a repository picked it up. Criterion: outside a repository
    only the working directory's own configuration applies; a parent's does not."""
    (tmp_path / ".vmssplan.yaml").write_text("ignore: [VMSS]\n", encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    run = run_cli("plan", str(SPG / "current.json"), str(SPG / "proposed.json"), "-o", "json", cwd=work)
    assert run.code == 1 and not json.loads(run.out).get("waivers"), run.err
    (work / ".vmssplan.yaml").write_text("ignore: [VMSS]\n", encoding="utf-8")
    run = run_cli("plan", str(SPG / "current.json"), str(SPG / "proposed.json"), "-o", "json", cwd=work)
    assert run.code == 0 and json.loads(run.out)["waivers"], run.err


def test_configuration_discovery_stops_at_the_repository_root(tmp_path: Path) -> None:
    """Criterion: inside a repository, a configuration above its root never applies."""
    (tmp_path / ".vmssplan.yaml").write_text("ignore: [VMSS]\n", encoding="utf-8")
    root = make_repo(tmp_path / "repo", {"sub/web-vmss.json": SPG / "current.json"})
    run = run_cli("plan", str(SPG / "current.json"), str(SPG / "proposed.json"), "-o", "json", cwd=root / "sub")
    assert run.code == 1, run.err


def test_rules_dirs_of_the_base_configuration_are_read_at_the_base(tmp_path: Path) -> None:
    """Attack: the base's configuration names a rule directory (a team rule that replaces VMSS201
    with ``rejected``, explicitly); the pull request rewrites that rule file to say ``none``.
    Criterion: with --base-ref the rule directory is read at the base revision (git), so the
    base's rule decides (exit 1) and the plan lists its replacement of VMSS201."""
    root = make_repo(tmp_path / "repo", {"web-vmss.json": SPG / "current.json"})
    (root / "ci").mkdir()
    (root / "ci" / "rules").mkdir()
    rule = {**SPG_RULE, "id": "TEAM201", "effect": "rejected", "replaces": "VMSS201"}
    (root / "ci" / "rules" / "TEAM201.json").write_text(json.dumps(rule), encoding="utf-8")
    (root / "pyproject.toml").write_text('[tool.vmssplan]\nrules-dirs = ["ci/rules"]\n', encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "team rules")
    shutil.copyfile(SPG / "proposed.json", root / "web-vmss.json")
    (root / "ci" / "rules" / "TEAM201.json").write_text(json.dumps({**rule, "effect": "none"}), encoding="utf-8")
    _commit_pr(root)
    code, document, _ = _plan(root)
    assert code == 1 and ("TEAM201", "rejected") in _effects(document)
    assert [(w["kind"], w["rule"], w["by"], w["file"]) for w in document["waivers"]] == [  # type: ignore[union-attr]
        ("replaces", "VMSS201", "TEAM201", "git:HEAD~1:ci/rules/TEAM201.json")]


def test_a_base_rules_dir_outside_the_repository_is_refused(tmp_path: Path) -> None:
    """Criterion: a base configuration whose rules-dirs leaves the repository is a usage error
    (exit 2), never a directory of the runner."""
    root = make_repo(tmp_path / "repo", {"web-vmss.json": SPG / "current.json"})
    (root / ".vmssplan.yaml").write_text("rules-dirs: [../../etc]\n", encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "config")
    shutil.copyfile(SPG / "proposed.json", root / "web-vmss.json")
    run = run_cli("plan", "--base-ref", "HEAD", cwd=root)
    assert run.code == 2 and "rules-dirs" in run.err and "Traceback" not in run.err, run.err


@pytest.mark.parametrize("config,kind,now", [("ignore: [VAL001]\n", "ignore", "dropped"),
                                             ("severity: {VAL: warning}\n", "severity", "warning"),
                                             ("suppressions:\n  - {rule: VAL001, reason: known broken}\n",
                                              "suppression", "dropped")])
def test_a_waived_error_finding_is_listed(tmp_path: Path, config: str, kind: str, now: str) -> None:
    """Attack: the configuration drops or lowers the error finding of a broken document, so the
    check passes with no plan at all. Criterion: the waiver is listed (JSON, text, Markdown)."""
    (tmp_path / "c.yaml").write_text(config, encoding="utf-8")
    (tmp_path / "broken-vmss.json").write_text('{\n  "name": \n', encoding="utf-8")
    args = ("plan", str(SPG / "current.json"), "broken-vmss.json", "--config", "c.yaml")
    run = run_cli(*args, "-o", "json", cwd=tmp_path)
    assert run.code == 0, run.out + run.err
    waivers = json.loads(run.out)["waivers"]
    assert [(w["kind"], w["rule"], w["from"], w["to"]) for w in waivers] == [(kind, "VAL001", "error", now)]
    for fmt in ("text", "markdown"):
        shown = run_cli(*args, "-o", fmt, cwd=tmp_path).out
        assert "Waived" in shown and "VAL001" in shown and "c.yaml" in shown, shown
