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


_SUBNET = {"id": "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/a"}
_AOSU = {"mode": "Automatic", "automaticOSUpgradePolicy": {"enableAutomaticOSUpgrade": True}}


def _with_os_disk(orchestrationMode: str | None = None, **os_disk: str) -> dict:
    model = _vmss(**({"orchestrationMode": orchestrationMode} if orchestrationMode else {}))
    model["properties"]["virtualMachineProfile"]["storageProfile"]["osDisk"] = {"createOption": "FromImage", **os_disk}
    return model


def _with_public_ip(**pip: object) -> dict:
    model = _vmss()
    model["properties"]["virtualMachineProfile"]["networkProfile"] = {"networkInterfaceConfigurations": [{
        "name": "nic", "properties": {"primary": True, "ipConfigurations": [{"name": "ip", "properties": {
            "subnet": _SUBNET, "publicIPAddressConfiguration": {"name": "pip", **pip}}}]}}]}
    return model
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
    ("instance mix on Uniform", {**_vmss(), "sku": {"name": "Standard_D2s_v5", "capacity": 2}},
     {**_vmss(skuProfile={"vmSizes": [{"name": "Standard_D2s_v5"}, {"name": "Standard_D2as_v5"}]}),
      "sku": {"name": "Mix", "capacity": 2}}, "LINT401", "rejected"),
    ("instance mix on Flexible",
     {**_vmss(orchestrationMode="Flexible"), "sku": {"name": "Standard_D2s_v5", "capacity": 2}},
     {**_vmss(orchestrationMode="Flexible", skuProfile={"vmSizes": [{"name": "Standard_D2s_v5"},
                                                                     {"name": "Standard_D2as_v5"}]}),
      "sku": {"name": "Mix", "capacity": 2}}, None, "none"),
    ("an OS disk delete option on Uniform", _with_os_disk(), _with_os_disk(deleteOption="Detach"),
     "LINT403", "rejected"),
    ("an OS disk delete option on Flexible", _with_os_disk(orchestrationMode="Flexible"),
     _with_os_disk(orchestrationMode="Flexible", deleteOption="Detach"), None, "none"),
    ("a public IP sku on Uniform", _with_public_ip(), _with_public_ip(sku={"name": "Standard"}), "LINT404", "rejected"),
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


# --- one verdict per change, for every lint rule ------------------------------------------
#
# A lint error says Azure refuses the model; a change that leads into that model must then be
# a change Azure refuses: ``rejected`` (conditional: "probably"), or ``unknown`` that could be
# rejected. Each firing case of an error rule is set into a realistic scale set (its own
# values win) and planned from a clean model: the case's ``from`` when it has one, else the
# case's model without the property the finding points at.

LINT_DIR = RULE_DIR.parent / "lint"

#: What every real scale set has around the property a lint case is about, so that the change
#: from the clean model is that property and not a whole profile appearing.
_SCALE_SET = {
    "sku": {"name": "Standard_D2s_v5", "capacity": 2},
    "properties": {"virtualMachineProfile": {
        "osProfile": {"computerNamePrefix": "web", "adminUsername": "azureuser"},
        "storageProfile": {"imageReference": _IMAGE, "osDisk": {"createOption": "FromImage"}},
        "networkProfile": {"networkInterfaceConfigurations": [{"name": "nic", "properties": {
            "primary": True, "ipConfigurations": [{"name": "ip", "properties": {"subnet": _SUBNET}}]}}]},
    }},
}


def _set_into(base: object, case: object) -> object:
    """``case`` merged into ``base``: objects key by key, anything else (arrays too) from ``case``."""
    if isinstance(base, dict) and isinstance(case, dict):
        return {**base, **{k: _set_into(base[k], v) if k in base else v for k, v in case.items()}}
    return case


def _canonical(model: dict) -> dict:
    return normalize(ScaleSetSource("case", with_unknowns(model), "case.json")).model


def _lint(canonical_model: dict) -> list:
    from vmssplan.lint import lint_model

    return lint_model(canonical_model)


def _without(model: dict, pointer: str) -> dict:
    """``model`` (canonical) without the value at ``pointer``, and without the objects and
    arrays that leaves empty (normalization drops them anyway)."""
    import copy

    from vmssplan.pointer import split

    out = copy.deepcopy(model)
    tokens = split(pointer)
    chain = [out]
    for token in tokens[:-1]:
        node = chain[-1]
        chain.append(node[int(token)] if isinstance(node, list) else node[token])
    for depth in range(len(tokens) - 1, -1, -1):
        parent, token = chain[depth], tokens[depth]
        del parent[int(token) if isinstance(parent, list) else token]
        if parent or depth == 0:
            break
    return out


def _lint_error_cases() -> list[tuple[str, str, dict]]:
    out = []
    for path in sorted(LINT_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if data["severity"] == "error":
            out += [(data["id"], case["name"], case) for case in data["cases"] if data["id"] in case.get("fires", [])]
    return out


_LINT_ERRORS = _lint_error_cases()


@pytest.mark.parametrize("rule_id,name,case", _LINT_ERRORS, ids=[f"{r[0]}: {r[1]}" for r in _LINT_ERRORS])
def test_a_change_into_a_lint_error_is_a_change_azure_refuses(rule_id: str, name: str, case: dict) -> None:
    from vmssplan.model import Severity

    target = _canonical(_set_into(_SCALE_SET, case["model"]))
    findings = [f for f in _lint(target) if f.rule == rule_id]
    assert findings, f"{rule_id} '{name}' no longer fires once set into a whole scale set"
    if "from" in case:
        starts = [_canonical(_set_into(_SCALE_SET, case["from"]))]
    else:
        starts = [_without(target, f.pointer) for f in findings]
    clean = [s for s in starts if not any(f.severity is Severity.ERROR for f in _lint(s))]
    assert clean, (f"{rule_id} '{name}': without the property the finding points at, the model still has a "
                   "lint error; give the case a `from` model")
    changes = plan_case(clean[0], target)
    summary = [(c.display_path, c.effect.label, c.rule, c.conditional, c.could_be_rejected) for c in changes]
    assert changes and max(c.gate_effect for c in changes) is Effect.REJECTED, summary
