"""Configuration: discovery, validation with located errors, select/ignore, suppressions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from vmssplan.config import Config, Suppression, find_config, load_config
from vmssplan.decide import decide_changes, decide_findings, ignored_by_metadata
from vmssplan.model import Change, Effect, Finding, Severity, UsageError

TODAY = dt.date(2026, 11, 25)


def test_found_upward_and_stops_at_the_repository_root(tmp_path: Path) -> None:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "a" / "b").mkdir(parents=True)
    (tmp_path / ".vmssplan.yaml").write_text("fail-on: upgrade\n")
    assert find_config(tmp_path / "repo" / "a" / "b") is None  # outside the repository
    (tmp_path / "repo" / ".vmssplan.yaml").write_text("fail-on: reimage\n")
    found = find_config(tmp_path / "repo" / "a" / "b")
    assert found == tmp_path / "repo" / ".vmssplan.yaml"
    assert load_config(None, tmp_path / "repo" / "a").fail_on is Effect.REIMAGE


def test_pyproject_section(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text('[tool.vmssplan]\nfail-on = "deallocate"\nignore = ["VMSS6"]\n')
    config = load_config(None, tmp_path)
    assert config.fail_on is Effect.DEALLOCATE and config.ignore == ("VMSS6",)


@pytest.mark.parametrize("text,needle", [
    ("fail-on: sometimes\n", ":1: invalid configuration at fail-on"),
    ("ignore:\n  - VMSS1\n  - not a prefix\n", ":3: invalid configuration at ignore.1"),
    ("suppressions:\n  - rule: VMSS107\n", ":2: invalid configuration at suppressions.0: 'reason' is a required"),
    ("fail-on: [unclosed\n", ":2:1: invalid YAML"),
    ("suppressions:\n  - rule: VMSS1\n    reason: ok\n    expires: 2026-13-45\n", "expires"),
])
def test_broken_configuration_is_a_usage_error_with_file_and_line(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / ".vmssplan.yaml"
    path.write_text(text)
    with pytest.raises(UsageError) as info:
        load_config(str(path), tmp_path)
    assert str(info.value).startswith(str(path)) and needle in str(info.value)


def test_findings_select_ignore_severity_and_expired_suppressions() -> None:
    findings = [Finding("VAL022", "x", Severity.WARNING, "a.json"), Finding("LINT004", "y", Severity.ERROR, "a.json"),
                Finding("VAL020", "z", Severity.ERROR, "a.json")]
    config = Config(source=".vmssplan.yaml", ignore=("LINT",), severity={"VAL022": Severity.ERROR},
                    suppressions=(Suppression("VAL020", "known", dt.date(2026, 1, 1)),))
    out = decide_findings(findings, config, TODAY)
    assert [(f.rule, f.severity.label) for f in out] == [("VAL022", "error"), ("VAL020", "error"),
                                                         ("CFG001", "warning")]
    assert "expired on 2026-01-01" in out[-1].message


def test_changes_stay_visible_but_marked_and_effects_can_be_overridden() -> None:
    changes = [Change("replace", "/properties/platformFaultDomainCount", "p", 1, 5, Effect.REJECTED, "VMSS107"),
               Change("replace", "/sku/name", "s", "a", "b", Effect.DEALLOCATE, "VMSS301"),
               Change("replace", "/tags/x", "t", "a", "b", Effect.NONE, "VMSS601")]
    config = Config(source="cfg", effects={"VMSS3": Effect.UPGRADE}, suppressions=(
        Suppression("VMSS107", "recreated in the window", dt.date(2027, 1, 31), scale_set="WEB"),))
    decide_changes(changes, config, "web", "b.json", ("VMSS6",), TODAY)
    rejected, size, tag = changes
    assert rejected.suppressed == "suppressed: recreated in the window, until 2027-01-31"
    assert size.effect is Effect.UPGRADE and size.suppressed == "" and "by cfg" in size.message
    assert "metadata.vmssplan" in tag.suppressed


def test_metadata_ignore_list() -> None:
    assert ignored_by_metadata({"metadata": {"vmssplan": {"ignore": ["VMSS301", 3]}}}) == ("VMSS301",)
    assert ignored_by_metadata({"metadata": "x"}) == ()


def _plan_with_config(tmp_path: Path, example: str, config_text: str, fmt: str) -> tuple[int, str]:
    from typer.testing import CliRunner

    from conftest import EXAMPLES
    from vmssplan.cli import app

    (tmp_path / ".vmssplan.yaml").write_text(config_text)
    run = CliRunner().invoke(app, ["plan", str(EXAMPLES / example / "current.json"),
                                   str(EXAMPLES / example / "proposed.json"), "-o", fmt,
                                   "--config", str(tmp_path / ".vmssplan.yaml")])
    return run.exit_code, run.stdout


def test_an_effect_override_is_decided_before_the_plan_so_every_format_agrees(tmp_path: Path) -> None:
    """Overriding VMSS201 (singlePlacementGroup false -> true, rejected) to upgrade: the
    action, the VM impact, the text, the Markdown and the exit code all follow the new
    effect (they used to say "rejected" / "must be recreated" next to effect upgrade)."""
    import json

    config = "effects:\n  VMSS201: upgrade\n"
    code, out = _plan_with_config(tmp_path, "single-placement-group-on", config, "json")
    scale_set = json.loads(out)["scale_sets"][0]
    assert code == 0
    assert [c["effect"] for c in scale_set["changes"]] == ["upgrade"]
    assert scale_set["action"] == "update" and scale_set["vm_impact"]["action"] == "upgrade"
    _, text = _plan_with_config(tmp_path, "single-placement-group-on", config, "text")
    assert "will be updated in place" in text and "recreated" not in text
    _, markdown = _plan_with_config(tmp_path, "single-placement-group-on", config, "markdown")
    assert "reject" not in markdown.splitlines()[0] and "upgrade" in markdown
