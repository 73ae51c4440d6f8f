"""The parameter sweep (issue 13, point 1): a parameter change that reaches a scale set always
surfaces in the offline plan, as a change or an explicit unknown, never as "no changes".

For every parameter of every real-world template the tests own (tests/realworld) whose value
is given (by a parameters file, or a literal default), the proposed side gets another value.
Whether the change reaches a scale set is decided independently, by planning the same pair
with every deployment value given (subscription, resource group, location), so that resource
ids and locations are known: that plan shows a change exactly when the evaluated scale set
differs. The offline plan, without those values, must then show a change too (or a VAL046
finding for scale sets it cannot see); one Azure rejects must be rejected or "could be
rejected" offline. Before partial values (issue 13), 76 of the 199 parameter changes that
reached a scale set vanished offline, 22 of them rejected ones.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import TESTS
from vmssplan.engine import RunConfig, plan_files
from vmssplan.model import DeploymentScope, Result

REALWORLD = TESTS / "realworld"
TEMPLATES: list[dict[str, Any]] = [json.loads(path.read_text(encoding="utf-8"))
                                   for path in sorted(REALWORLD.glob("*/*/SOURCE.json"))]
DEPLOYED = DeploymentScope(subscription_id="00000000-0000-0000-0000-000000000001", resource_group="rg-sweep",
                           location="westeurope", deployment_name="sweep", tenant_id="tenant-sweep")


def _json(path: Path) -> Any:
    from vmssplan.inputs.documents import load_document

    return load_document(str(path)).data  # JSON with comments, as ARM reads it


def _given_values(entry: dict[str, Any]) -> dict[str, Any]:
    """The template's parameter values as its parameters files and literal defaults give them."""
    template = _json(REALWORLD / entry["template"])
    values: dict[str, Any] = {}
    for name, declaration in (template.get("parameters") or {}).items():
        default = declaration.get("defaultValue") if isinstance(declaration, dict) else None
        if default is not None and not (isinstance(default, str) and default.startswith("[")):
            values[name] = default
    files = entry["parameters"] + ([entry["test_parameters"]] if entry.get("test_parameters") else [])
    for name in files:
        for key, item in (_json(REALWORLD / name).get("parameters") or {}).items():
            if isinstance(item, dict) and "value" in item:
                values[key] = item["value"]
    return values


def _other_value(declaration: dict[str, Any], value: Any) -> Any:
    """Another valid value: the next allowed one, or the text with its last character changed
    (same length, so length limits still hold); None for what is not swept."""
    allowed = declaration.get("allowedValues")
    if isinstance(allowed, list) and len(allowed) > 1 and value in allowed:
        return allowed[(allowed.index(value) + 1) % len(allowed)]
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        bounds = (declaration.get("minValue"), declaration.get("maxValue"))
        return value - 1 if bounds[1] is not None and value + 1 > bounds[1] else value + 1
    if isinstance(value, str) and value:
        return value[:-1] + ("b" if value[-1] == "a" else "a")
    return None


def _cases() -> list[tuple[str, str]]:
    cases = []
    for entry in TEMPLATES:
        template = _json(REALWORLD / entry["template"])
        declared = template.get("parameters") or {}
        for name, value in sorted(_given_values(entry).items()):
            if isinstance(declared.get(name), dict) and _other_value(declared[name], value) is not None:
                cases.append((entry["template"], name))
    return cases


CASES = _cases()


def _plan(entry: dict[str, Any], name: str, scope: DeploymentScope) -> Result:
    template = REALWORLD / entry["template"]
    declared = _json(template)["parameters"][name]
    other = _other_value(declared, _given_values(entry)[name])
    files = entry["parameters"] + ([entry["test_parameters"]] if entry.get("test_parameters") else [])
    text = other if isinstance(other, str) else json.dumps(other)
    options = RunConfig(parameters=tuple(str(REALWORLD / f) for f in files), sibling_parameters=False, scope=scope,
                        proposed_parameters=(f"{name}={text}",))
    return plan_files(str(template), str(template), options)


def _changes(result: Result) -> list[Any]:
    return [c for s in (result.plan.scale_sets if result.plan else []) for c in s.changes]


@pytest.mark.integration
@pytest.mark.parametrize(("template", "name"), CASES, ids=[f"{t}:{n}" for t, n in CASES])
def test_a_parameter_change_that_reaches_a_scale_set_surfaces(template: str, name: str) -> None:
    entry = next(e for e in TEMPLATES if e["template"] == template)
    deployed = _plan(entry, name, DEPLOYED)
    if not _changes(deployed):
        return  # the parameter does not reach a scale set (or only one it cannot see either)
    offline = _plan(entry, name, DeploymentScope())
    changes = _changes(offline)
    hidden = [f for f in offline.findings if f.rule == "VAL046" and f.severity.label != "info"]
    assert changes or hidden, f"{name} changes the scale set, yet the offline plan shows no change"
    if any(c.effect.label == "rejected" for c in _changes(deployed)):
        assert any(c.effect.label == "rejected" or c.could_be_rejected for c in changes) or hidden, (
            f"{name}: Azure rejects the change, the offline plan neither rejects it nor says it could be rejected")


def test_the_sweep_covers_every_template_with_parameters() -> None:
    swept = {template for template, _ in CASES}
    with_values = {e["template"] for e in TEMPLATES if _given_values(e)}
    assert swept == with_values and len(CASES) >= 100, (len(CASES), with_values - swept)
