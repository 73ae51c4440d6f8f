"""Every rule file is valid, and every case it carries gives the effect it promises."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vmssplan.classify import Context, classify, load_rules
from vmssplan.diff import diff
from vmssplan.expressions import Unknown
from vmssplan.model import Effect, ScaleSetSource
from vmssplan.normalize import normalize
from vmssplan.registry import rule_from_data, rule_problems

RULE_DIR = Path(__file__).resolve().parent.parent / "rules"
RULE_FILES = sorted(RULE_DIR.glob("*.json"))
RULES = load_rules()


def _cases() -> list[tuple[str, int, dict]]:
    out = []
    for path in RULE_FILES:
        data = json.loads(path.read_text(encoding="utf-8"))
        for i, case in enumerate(data.get("cases", [])):
            out.append((data["id"], i, case))
    return out


def with_unknowns(value: object) -> object:
    """Cases write a value known only after deployment as {"$unknown": "<expression>"}."""
    if isinstance(value, dict):
        if set(value) == {"$unknown"}:
            return Unknown(value["$unknown"], "a rule case says so")
        return {k: with_unknowns(v) for k, v in value.items()}
    if isinstance(value, list):
        return [with_unknowns(v) for v in value]
    return value


def plan_case(before: dict, after: dict, api_version: str | None = None):
    a = normalize(ScaleSetSource("case", with_unknowns(before), "before.json")).model
    b = normalize(ScaleSetSource("case", with_unknowns(after), "after.json")).model
    return classify(diff(a, b), RULES, Context(a, b, api_version))


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.name)
def test_rule_file_is_valid(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert [message for _, message in rule_problems(data)] == []
    assert path.name.startswith(data["id"] + "-"), "file name starts with the rule id"


def test_rule_ids_are_unique() -> None:
    ids = [r.id for r in RULES.rules]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("rule_id,index,case", _cases(), ids=lambda v: str(v) if not isinstance(v, dict) else "")
def test_rule_case(rule_id: str, index: int, case: dict) -> None:
    changes = plan_case(case["before"], case["after"], case.get("api_version"))
    expected = Effect.parse(case["effect"])
    strongest = max((c.effect for c in changes), default=Effect.NONE)
    summary = [(c.display_path, c.effect.label, c.rule) for c in changes]
    assert strongest == expected, summary
    if expected is not Effect.NONE:
        assert any(c.rule == rule_id and c.effect == expected for c in changes), summary


# --- matching ----------------------------------------------------------------------------


def _rule(rule_id: str, effect: str, *paths: str) -> dict:
    return {"id": rule_id, "title": rule_id, "effect": effect, "paths": list(paths), "message": rule_id}


def test_a_wildcard_rule_below_a_replaced_item_applies() -> None:
    """A rule on ``/a/*/b`` judges a whole item of ``a`` replaced: its ``b`` changed too."""
    from vmssplan.classify import RuleSet, classify_op
    from vmssplan.model import PatchOp

    rules = RuleSet([rule_from_data(_rule("R1", "upgrade", "")),
                     rule_from_data(_rule("R2", "rejected", "/a/*/b")),
                     rule_from_data(_rule("R3", "reimage", "/a/*/c"))])
    before, after = {"b": 1, "c": 1}, {"b": 2, "c": 1}
    op = PatchOp("replace", ("a", "0"), ("a", "0"), before, after)
    verdict = classify_op(op, rules, Context({"a": [before]}, {"a": [after]}))
    assert (verdict.rule.id, verdict.effect) == ("R2", Effect.REJECTED)
    unchanged = PatchOp("replace", ("a", "0"), ("a", "0"), {"b": 1, "c": 1}, {"b": 1, "c": 2, "d": 0})
    assert classify_op(unchanged, rules, Context({}, {})).rule.id == "R3"


def test_the_most_specific_covering_rule_wins() -> None:
    from vmssplan.classify import RuleSet, classify_op
    from vmssplan.model import PatchOp

    rules = RuleSet([rule_from_data(_rule("R1", "upgrade", "")),
                     rule_from_data(_rule("R2", "rejected", "/a/*/b")),
                     rule_from_data(_rule("R3", "none", "/a/x/b")),
                     rule_from_data(_rule("R4", "reimage", "/a/*"))])

    def verdict(*path: str) -> str:
        return classify_op(PatchOp("replace", path, path, 1, 2), rules, Context({}, {})).rule.id

    assert verdict("a", "x", "b") == "R3"
    assert verdict("a", "y", "b") == "R2"
    assert verdict("a", "y", "c") == "R4"
    assert verdict("z") == "R1"


# --- one verdict per change: plan and validate agree ---------------------------------------

_PROBE = {"healthProbe": {
    "id": "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/lb/probes/p"}}
_HEALTH = {"name": "health", "properties": {"publisher": "Microsoft.ManagedServices", "type": "ApplicationHealthLinux",
                                           "typeHandlerVersion": "1.0"}}
_CSE = {"name": "cse", "properties": {"publisher": "Microsoft.Azure.Extensions", "type": "CustomScript",
                                     "typeHandlerVersion": "2.1"}}
_SF = {"name": "sf", "properties": {"publisher": "Microsoft.Azure.ServiceFabric", "type": "ServiceFabricNode",
                                   "typeHandlerVersion": "1.1"}}
_IMAGE = {"publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts-gen2",
          "version": "latest"}


def _vmss(*extensions: dict, probe: bool = False, version: str = "latest", **properties: object) -> dict:
    profile: dict = {"storageProfile": {"imageReference": {**_IMAGE, "version": version}}}
    if probe:
        profile["networkProfile"] = _PROBE
    if extensions:
        profile["extensionProfile"] = {"extensions": list(extensions)}
    return {"properties": {**properties, "virtualMachineProfile": profile}}


_AOSU = {"mode": "Automatic", "automaticOSUpgradePolicy": {"enableAutomaticOSUpgrade": True}}
#: (what, current, proposed, the lint error the proposed model has or None, the change's verdict)
_AGREEMENT = [
    ("Rolling with only a custom script", _vmss(_CSE), _vmss(_CSE, upgradePolicy={"mode": "Rolling"}),
     "LINT001", "rejected"),
    ("Rolling with the health extension", _vmss(_HEALTH), _vmss(_HEALTH, upgradePolicy={"mode": "Rolling"}),
     None, "none"),
    ("Flexible Rolling with only a custom script", _vmss(_CSE, orchestrationMode="Flexible"),
     _vmss(_CSE, orchestrationMode="Flexible", upgradePolicy={"mode": "Rolling"}), "LINT001", "rejected"),
    ("Flexible Rolling with the health extension", _vmss(_HEALTH, orchestrationMode="Flexible"),
     _vmss(_HEALTH, orchestrationMode="Flexible", upgradePolicy={"mode": "Rolling"}), None, "none"),
    ("automatic OS upgrade with only a custom script", _vmss(_CSE), _vmss(_CSE, upgradePolicy=_AOSU),
     "LINT002", "rejected"),
    ("automatic OS upgrade with probe and extension", _vmss(_HEALTH, probe=True),
     _vmss(_HEALTH, probe=True, upgradePolicy=_AOSU), "LINT003", "rejected"),
    ("automatic OS upgrade on a Service Fabric node type", _vmss(_SF), _vmss(_SF, upgradePolicy=_AOSU), None, "none"),
    ("repairs with only a custom script", _vmss(_CSE), _vmss(_CSE, automaticRepairsPolicy={"enabled": True}),
     "LINT005", "rejected"),
    ("repairs with probe and extension", _vmss(_HEALTH, probe=True),
     _vmss(_HEALTH, probe=True, automaticRepairsPolicy={"enabled": True}), "LINT012", "rejected"),
    ("repairs on a Service Fabric node type", _vmss(_SF, probe=True),
     _vmss(_SF, probe=True, automaticRepairsPolicy={"enabled": True}), "LINT011", "rejected"),
    ("a pinned image under automatic OS upgrade", _vmss(probe=True, upgradePolicy=_AOSU),
     _vmss(probe=True, version="22.04.202401010", upgradePolicy=_AOSU), "LINT006", "rejected"),
    ("overprovision on Flexible", _vmss(orchestrationMode="Flexible", overprovision=False),
     _vmss(orchestrationMode="Flexible", overprovision=True), "LINT411", "rejected"),
    ("priorityMixPolicy on Uniform", _vmss(), _vmss(priorityMixPolicy={"baseRegularPriorityCount": 1}),
     "LINT402", "rejected"),
    ("rollback on Flexible", _vmss(_HEALTH, orchestrationMode="Flexible", upgradePolicy={"mode": "Rolling"}),
     _vmss(_HEALTH, orchestrationMode="Flexible", upgradePolicy={
         "mode": "Rolling", "rollingUpgradePolicy": {"rollbackFailedInstancesOnPolicyBreach": True}}),
     "LINT418", "rejected"),
    ("a system-assigned identity on Flexible", _vmss(orchestrationMode="Flexible"),
     {**_vmss(orchestrationMode="Flexible"), "identity": {"type": "SystemAssigned"}}, "LINT414", "rejected"),
    ("a probe on Flexible", _vmss(_HEALTH, orchestrationMode="Flexible"),
     _vmss(_HEALTH, probe=True, orchestrationMode="Flexible"), "LINT412", "rejected"),
]


@pytest.mark.parametrize("what,current,proposed,lint_error,effect", _AGREEMENT, ids=[row[0] for row in _AGREEMENT])
def test_a_change_into_what_the_lint_calls_an_azure_error_is_rejected(
        what: str, current: dict, proposed: dict, lint_error: str | None, effect: str) -> None:
    """Lint never contradicts a change rule: the proposed model has the lint error exactly
    when the change that makes it is rejected, and the current model has none of them."""
    from vmssplan.lint import lint_model
    from vmssplan.model import Severity

    def errors(model: dict) -> set[str]:
        canonical_model = normalize(ScaleSetSource("case", model, "case.json")).model
        return {f.rule for f in lint_model(canonical_model) if f.severity is Severity.ERROR}

    assert errors(current) == set(), what
    assert errors(proposed) == ({lint_error} if lint_error else set()), what
    strongest = max((c.effect for c in plan_case(current, proposed)), default=Effect.NONE)
    assert strongest.label == effect, what
