"""The one registry: every family from data files, one schema, one loader, located errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO
from vmssplan.model import ChangeRule, UsageError
from vmssplan.registry import KINDS, builtin_dirs, kind_of, rule_problems
from vmssplan.registry import load as load_registry

REGISTRY = load_registry()
VM_SIZE_RULE = json.loads((REPO / "rules" / "VMSS301-vm-size.json").read_text(encoding="utf-8"))
LINT_RULE = json.loads((REPO / "lint" / "LINT009-max-surge-overprovision.json").read_text(encoding="utf-8"))


def test_every_builtin_file_is_loaded_once_with_the_kind_of_its_directory() -> None:
    files = {kind: sorted(directory.glob("*.json")) for kind, directory in builtin_dirs().items()}
    assert set(files) == set(KINDS)
    assert len(REGISTRY.rules) == sum(len(paths) for paths in files.values())
    for kind, paths in files.items():
        for path in paths:
            data = json.loads(path.read_text(encoding="utf-8"))
            assert kind_of(data) == kind, path.name
            # Built-in files are read without a check at start-up: this is their check.
            assert rule_problems(data) == [], path.name
            rule = REGISTRY.by_id(data["id"])
            assert rule is not None and rule.kind == kind and Path(rule.file).name == path.name


def test_ids_are_unique_across_families() -> None:
    ids = [rule.id for rule in REGISTRY.rules]
    assert len(ids) == len(set(ids))


def _write(directory: Path, name: str, data: Any) -> Path:
    path = directory / name
    path.write_text(data if isinstance(data, str) else json.dumps(data, indent=2), encoding="utf-8")
    return path


def test_a_user_directory_holds_change_and_lint_rules(tmp_path: Path) -> None:
    _write(tmp_path, "TEAM001-size.json", {**VM_SIZE_RULE, "id": "TEAM001", "replaces": "VMSS301"})
    _write(tmp_path, "TEAM002-surge.json", {**LINT_RULE, "id": "TEAM002"})
    registry = load_registry((str(tmp_path),), validate=True)
    assert [(r.id, r.kind, r.builtin) for r in registry.rules[-2:]] == [("TEAM001", "change", False),
                                                                        ("TEAM002", "lint", False)]


@pytest.mark.parametrize("paths,replaces,needed", [
    (["/sku/name"], None, "VMSS301"),  # the same path
    (["/sku"], None, "VMSS203, VMSS301"),  # an ancestor of two built-in paths: a change at /sku is its alone
    (["/properties/virtualMachineProfile/storageProfile/osDisk/diskSizeGB"], None, "VMSS408"),
    (["/properties/virtualMachineProfile/extensionProfile/extensions/*/properties/settings/x"], None,
     "VMSS503, VMSS504"),  # wildcards meet
    (["/properties/acmeSetting"], None, ""),  # only the catch-all VMSS001 covers it
    (["/properties/virtualMachineProfile/acmeSetting"], None, ""),  # only the fallback VMSS002 covers it
    (["/sku/name"], ["VMSS301"], ""),
    (["/sku/name"], ["VMSS999"], "VMSS999, which is not a built-in change rule"),
])
def test_a_user_rule_replaces_a_built_in_one_only_when_it_says_so(tmp_path: Path, paths: list[str],
                                                                   replaces: list[str] | None, needed: str) -> None:
    rule = {**VM_SIZE_RULE, "id": "TEAM001", "paths": paths}
    rule.pop("when", None)
    _write(tmp_path, "TEAM001.json", {**rule, **({"replaces": replaces} if replaces else {})})
    if not needed:
        loaded = load_registry((str(tmp_path),)).by_id("TEAM001")
        assert isinstance(loaded, ChangeRule) and loaded.replaces == tuple(replaces or ())
        return
    with pytest.raises(UsageError, match="replaces") as error:
        load_registry((str(tmp_path),))
    assert needed in str(error.value)


@pytest.mark.parametrize("broken,pointer,expected", [
    # A lint rule may not read a change: the schema has one condition language, the
    # loader says which family may use which leaf.
    ({**LINT_RULE, "check": {"all": [{"exists": "/sku"}, {"op": ["add"]}]}}, "/check/all/1/op",
     "'op' reads a change (change rules only)"),
    ({**VM_SIZE_RULE, "when": [{"if": {"matches": {"pointer": "/sku/name", "pattern": "("}}, "effect": "none"}]},
     "/when/0/if/matches/pattern", "invalid regular expression"),
    ({**LINT_RULE, "severity": "fatal"}, "/severity", "'fatal' is not one of"),
    ({**VM_SIZE_RULE, "kind": "lint"}, "", "'check' is a required property"),
])
def test_bad_rules_are_located_usage_errors(tmp_path: Path, broken: dict, pointer: str, expected: str) -> None:
    problems = rule_problems(broken)
    assert any(p == pointer and expected in message for p, message in problems), problems
    path = _write(tmp_path, "TEAM001-x.json", {**broken, "id": "TEAM001"})
    with pytest.raises(UsageError) as raised:
        load_registry((str(tmp_path),), validate=True)
    where, _, message = str(raised.value).partition(": invalid rule file: ")
    assert message == problems[0][1] and where.startswith(f"{path}:")
    line, column = map(int, where.removeprefix(f"{path}:").split(":"))
    assert (line, column) > (1, 1) or problems[0][0] == ""


def test_the_schema_and_the_evaluator_know_the_same_conditions_and_predicates() -> None:
    from vmssplan.conditions import CHANGE_LEAVES, LOGIC, MODEL_LEAVES, OVERRIDE_LEAVES, PREDICATES
    from vmssplan.data import schema_text

    condition = json.loads(schema_text("rule.schema.json"))["$defs"]["condition"]["properties"]
    assert set(condition) == LOGIC | MODEL_LEAVES | CHANGE_LEAVES | OVERRIDE_LEAVES
    assert condition["predicate"]["properties"]["name"]["enum"] == list(PREDICATES)
    assert all(function.__doc__ for function in PREDICATES.values())


def test_an_override_condition_alone_may_read_the_verdict() -> None:
    when = [{"if": {"verdict": {"undecided": True}}, "effect": "unknown"}]
    assert ("/when/0/if/verdict", "'verdict' reads the verdict of the path rules (override conditions only)") in (
        rule_problems({**VM_SIZE_RULE, "when": when}))
    assert rule_problems({**VM_SIZE_RULE, "override": {"verdict": {"undecided": True}}}) == []


def test_every_finding_id_the_code_reports_is_data_and_every_one_is_reported() -> None:
    import re

    in_code = {match for path in (REPO / "vmssplan").rglob("*.py")
               for match in re.findall(r"\"((?:VAL|CFG)[0-9]{3})\"", path.read_text(encoding="utf-8"))}
    assert in_code == {rule.id for rule in REGISTRY.findings}


def test_finding_ids_come_only_with_vmssplan(tmp_path: Path) -> None:
    own = json.loads(next((REPO / "findings").glob("CFG001-*.json")).read_text(encoding="utf-8"))
    _write(tmp_path, "TEAM001-x.json", {**own, "id": "TEAM001"})
    with pytest.raises(UsageError, match="invalid rule file: finding ids are vmssplan's own"):
        load_registry((str(tmp_path),), validate=True)
