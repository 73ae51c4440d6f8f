"""Reuse between the two sides of a plan.

The proposed template takes the current one's evaluations where it is written the same
(:class:`vmssplan.resolve.Evaluations`), and each proposed scale set is normalized like the
current one of its name (``normalize(..., like=)``). Both are optimizations only: these
tests hold that they never change a result, over the corpus templates with random edits
and over generated model pairs, and that they do share what is unchanged.
"""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from conftest import CORPUS, EXAMPLES
from test_properties import _containers, keyed_pairs, model_pairs
from vmssplan import resolve
from vmssplan.diff import diff, same_value
from vmssplan.load import load_document
from vmssplan.model import DeploymentScope, DocumentError, DocumentKind, ScaleSetSource
from vmssplan.normalize import normalize
from vmssplan.resolve import ParameterValues, ResolvedTemplate, parameters_from_file, resolve_template

SETTINGS = settings(max_examples=300, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SCOPE = DeploymentScope(subscription_id="0000", resource_group="rg", location="westeurope")
VMSS_TYPE = "microsoft.compute/virtualmachinescalesets"


# --- templates --------------------------------------------------------------------------


def _parameters(template: Path) -> list[ParameterValues]:
    sibling = template.with_name(template.stem + ".parameters.json")
    return [parameters_from_file(load_document(str(sibling)).data, str(sibling))] if sibling.is_file() else []


@lru_cache(maxsize=1)
def clean_templates() -> list[Path]:
    """Corpus templates that evaluate without a finding and have a top-level scale set:
    the ones whose evaluations are offered for reuse."""
    found = []
    for path in sorted(CORPUS.glob("templates/*/*.json")):
        if path.name.endswith(".parameters.json"):
            continue
        try:
            resolved = resolve_template(load_document(str(path)).data, str(path), _parameters(path), SCOPE)
        except DocumentError:
            continue
        if resolved.evaluations is not None and any(s.pointer.count("/") == 2 for s in resolved.scale_sets):
            found.append(path)  # a top-level scale set: evaluations are reused for those
    return found


#: Replacement values: literals, escaped literals, expressions that evaluate, that fail
#: (a finding on the proposed side only) and that depend on a copy index.
VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-2, 2), st.sampled_from(["", "a", "Standard_D4s_v5"]),
    st.sampled_from(["[concat('a', 'b')]", "[[escaped]", "[copyIndex()]", "[variables('missing')]",
                     "[resourceGroup().location]", "[uniqueString('x')]", "[parameters('location')]", "[]"]),
    st.dictionaries(st.sampled_from(["a", "b", "copy", "[concat('k', 'x')]"]), st.integers(0, 2), max_size=2),
)
KEYS = st.sampled_from(["new", "name", "copy", "[concat('k', 'y')]", "[[k]", "mode"])


@st.composite
def edited(draw: st.DrawFn, template: dict[str, Any]) -> dict[str, Any]:
    """``template`` with 1-4 edits, mostly inside its scale-set resources, now and then
    in its parameters or variables (which changes every resource's context)."""
    template = copy.deepcopy(template)
    resources = template.get("resources")
    scale_sets = [r for r in (resources if isinstance(resources, list) else [])
                  if isinstance(r, dict) and str(r.get("type", "")).lower() == VMSS_TYPE]
    for _ in range(draw(st.integers(1, 4))):
        roots: list[Any] = list(scale_sets)
        if draw(st.integers(0, 5)) == 0:
            roots += [template[k] for k in ("parameters", "variables") if isinstance(template.get(k), dict)]
        root = draw(st.sampled_from(roots))
        path = draw(st.sampled_from(_containers(root)))
        node = root
        for key in path:
            node = node[key]
        if isinstance(node, dict):
            key = draw(st.one_of(st.sampled_from(sorted(node)), KEYS) if node else KEYS)
            if key in node and draw(st.booleans()):
                del node[key]
            else:
                node[key] = draw(VALUES)
        else:
            at = draw(st.integers(0, len(node)))
            node.insert(at, copy.deepcopy(node[0]) if node and draw(st.booleans()) else draw(VALUES))
    return template


def _resolve(template: dict[str, Any], parameters: list[ParameterValues],
             reuse: resolve.Evaluations | None = None) -> ResolvedTemplate | str:
    try:
        return resolve_template(template, "proposed.json", parameters, SCOPE, reuse=reuse)
    except DocumentError as error:
        return repr(error.findings)


@pytest.mark.usefixtures("corpus")
@SETTINGS
@given(st.data())
def test_reusing_the_current_evaluations_never_changes_the_proposed_ones(data: st.DataObject) -> None:
    path = data.draw(st.sampled_from(clean_templates()))
    template = load_document(str(path)).data
    parameters = _parameters(path)
    current = resolve_template(template, "current.json", parameters, SCOPE)
    assert current.evaluations is not None
    proposed = data.draw(edited(template))
    context_kept = all(same_value(template.get(k), proposed.get(k)) for k in ("parameters", "variables"))
    event(f"context kept: {context_kept}")

    reused, fresh = _resolve(proposed, parameters, reuse=current.evaluations), _resolve(proposed, parameters)
    if isinstance(fresh, str) or isinstance(reused, str):
        assert reused == fresh
        return
    event(f"proposed has findings: {bool(fresh.findings)}")
    assert reused.findings == fresh.findings
    assert reused.secrets == fresh.secrets and reused.unexpanded == fresh.unexpanded
    assert [(s.name, s.pointer, s.api_version) for s in reused.scale_sets] == \
        [(s.name, s.pointer, s.api_version) for s in fresh.scale_sets]
    for a, b in zip(reused.scale_sets, fresh.scale_sets):
        assert same_value(a.resource, b.resource)


def test_a_template_edited_in_one_value_shares_every_other_value_with_the_current_side() -> None:
    path = EXAMPLES / "template-parameters" / "current.json"
    template = json.loads(path.read_text(encoding="utf-8"))
    parameters = _parameters(path)
    current = resolve_template(template, "current.json", parameters)
    assert current.evaluations is not None
    proposed = copy.deepcopy(template)
    proposed["resources"][0]["sku"]["capacity"] = 7
    reused = resolve_template(proposed, "proposed.json", parameters, reuse=current.evaluations)
    before, after = current.scale_sets[0].resource, reused.scale_sets[0].resource
    assert after["sku"]["capacity"] == 7 and after["sku"] is not before["sku"]
    assert after["properties"] is before["properties"]  # evaluated once, for both sides
    # The evaluations are offered only by a template that evaluated without a finding.
    proposed["variables"]["broken"] = "[variables('broken')]"
    proposed["resources"][0]["tags"] = {"t": "[variables('broken')]"}
    assert resolve_template(proposed, "proposed.json", parameters).evaluations is None


def test_a_changed_parameter_value_is_not_taken_from_the_current_side() -> None:
    template = {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                "contentVersion": "1.0.0.0", "parameters": {"size": {"type": "string"}},
                "resources": [{"type": "Microsoft.Compute/virtualMachineScaleSets", "apiVersion": "2024-03-01",
                               "name": "web", "location": "westeurope", "sku": {"name": "[parameters('size')]"}}]}
    small = ParameterValues("p.json", {"size": "Standard_D2s_v5"})
    large = ParameterValues("p.json", {"size": "Standard_D4s_v5"})
    current = resolve_template(template, "t.json", [small])
    proposed = resolve_template(template, "t.json", [large], reuse=current.evaluations)
    assert proposed.scale_sets[0].resource["sku"] == {"name": "Standard_D4s_v5"}


def test_evaluation_is_bounded_by_the_values_it_makes(monkeypatch: pytest.MonkeyPatch) -> None:
    # A variable of 100 values read by 50 copies: the bound counts each read whole.
    monkeypatch.setattr(resolve, "MAX_EVALUATED_VALUES", 1_000)
    template = {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                "contentVersion": "1.0.0.0", "variables": {"big": {f"k{i}": i for i in range(100)}},
                "resources": [{"type": "Microsoft.Compute/virtualMachineScaleSets", "apiVersion": "2024-03-01",
                               "name": "[concat('web', copyIndex())]", "location": "westeurope",
                               "copy": {"name": "sets", "count": 50}, "tags": "[variables('big')]"}]}
    resolved = resolve_template(template, "t.json", [])
    assert 5 <= len(resolved.scale_sets) < 50
    stopped = [f for f in resolved.findings if f.rule == "VAL041"]
    assert len(stopped) == 1 and "evaluation stopped after 1,000 values" in stopped[0].message
    assert len(resolved.unexpanded) == 50 - len(resolved.scale_sets)


# --- models -----------------------------------------------------------------------------


def _scale_set(model: dict[str, Any], flattened: bool, file: str):
    kind = DocumentKind.AZ_MODEL if flattened else DocumentKind.REST_MODEL
    return ScaleSetSource("x", model, file, flattened=flattened), kind


@settings(SETTINGS, max_examples=1000)
@given(st.one_of(model_pairs(), keyed_pairs()))
def test_normalizing_like_the_current_model_builds_the_same_model(
        pair: tuple[dict[str, Any], bool, dict[str, Any], bool]) -> None:
    before, before_az, after, after_az = pair
    current = normalize(*_scale_set(before, before_az, "current.json"))
    fresh = normalize(*_scale_set(after, after_az, "proposed.json"))
    liked = normalize(*_scale_set(after, after_az, "proposed.json"), like=current)
    event(f"same shape: {before_az == after_az}, current clashes: {bool(current.findings)}")
    assert same_value(liked.model, fresh.model)
    assert liked.findings == fresh.findings
    assert diff(current.model, liked.model) == diff(current.model, fresh.model)


def test_normalizing_like_the_current_model_shares_what_is_unchanged() -> None:
    model = json.loads((EXAMPLES / "os-image-version" / "current.json").read_text(encoding="utf-8"))
    current = normalize(ScaleSetSource("x", model, "current.json"), DocumentKind.REST_MODEL)
    changed = copy.deepcopy(model)
    changed["sku"]["capacity"] += 1
    liked = normalize(ScaleSetSource("x", changed, "proposed.json"), DocumentKind.REST_MODEL, like=current)
    assert liked.model["sku"]["capacity"] == current.model["sku"]["capacity"] + 1
    assert liked.model["properties"] is current.model["properties"]
