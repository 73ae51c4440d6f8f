"""The real-world corpus: every file loads, validates without false errors, and planned
against itself is a no-op."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import CORPUS, corpus_cases
from vmssplan.engine import plan_files
from vmssplan.inputs.documents import load_document, scale_sets_of
from vmssplan.model import DocumentError, DocumentKind, Effect, Severity
from vmssplan.validate import document_findings as validate_document


def _index() -> list[dict]:
    if not (CORPUS / "INDEX.json").is_file():
        return []
    return json.loads((CORPUS / "INDEX.json").read_text(encoding="utf-8"))


def _files(kind: str) -> list[str]:
    return [entry["file"] for entry in _index() if entry["kind"] == kind]


TEMPLATES = _files("arm-template")
PARAMETERS = _files("arm-parameters")
REST = _files("rest-example")


#: Genuine problems of corpus files, found by evaluating them (see the closing notes):
#: a subnet resourceId() with one name for two segments, which ARM refuses.
#: It also asks for StandardSSD_LRS disks (a parameter default) on apiVersion
#: 2016-04-30-preview; the Compute RP takes them from 2018-04-01 (VAL020, see
#: test_validate.EVALUATED_ERRORS).
GENUINE_ERRORS = {"templates/vmss-win-iis-app-ssl/azuredeploy.json": {"VAL040", "VAL020"}}


@pytest.mark.parametrize("name", corpus_cases(TEMPLATES))
def test_template_loads_evaluates_and_is_a_no_op_against_itself(corpus: Path, name: str) -> None:
    path = str(corpus / name)
    doc = load_document(path)
    assert doc.kind is DocumentKind.ARM_TEMPLATE
    try:
        scale_sets_of(doc)
    except DocumentError as exc:  # a linked/prerequisite template without a scale set
        assert [f.rule for f in exc.findings] == ["VAL003"], name
        return
    errors = [f for f in validate_document(doc) if f.severity is Severity.ERROR]
    assert errors == [], name
    result = plan_files(path, path)
    assert result.plan is not None
    for scale_set in result.plan.scale_sets:
        # A value made anew at each deployment (utcNow(), newGuid()) is never provably the same,
        # so it is the one change a template can have against itself: unknown, saying why.
        volatile = [c for c in scale_set.changes if c.effect is Effect.UNKNOWN
                    and ("utcNow()" in c.message or "newGuid()" in c.message)]
        assert scale_set.changes == volatile, name
        assert scale_set.action == ("update" if volatile else "no-op"), name
    has_parameters_file = Path(path).with_name("azuredeploy.parameters.json").is_file() and name.endswith(
        "/azuredeploy.json")
    allowed = GENUINE_ERRORS.get(name, set()) | ({"VAL032"} if has_parameters_file else {"VAL031"})
    evaluation_errors = {f.rule for f in result.findings if f.severity is Severity.ERROR}
    assert evaluation_errors <= allowed, [f.message for f in result.findings if f.rule not in allowed]


@pytest.mark.parametrize("name", corpus_cases(PARAMETERS))
def test_parameters_file_loads_and_validates(corpus: Path, name: str) -> None:
    doc = load_document(str(corpus / name))
    assert doc.kind is DocumentKind.ARM_PARAMETERS
    assert [f for f in validate_document(doc) if f.severity is Severity.ERROR] == []


@pytest.mark.parametrize("name", corpus_cases(REST))
def test_rest_example_planned_against_itself(corpus: Path, name: str) -> None:
    path = str(corpus / name)
    doc = load_document(path)
    try:
        sources = scale_sets_of(doc)
    except DocumentError:
        assert doc.kind in (DocumentKind.API_EXAMPLE, DocumentKind.UNKNOWN), name  # VM lists, instance views
        return
    result = plan_files(path, path)
    assert result.plan is not None and len(result.plan.scale_sets) == len(sources)
    assert {s.action for s in result.plan.scale_sets} == {"no-op"}


def test_corpus_is_covered(corpus: Path) -> None:
    assert len(TEMPLATES) >= 54 and len(PARAMETERS) >= 50 and len(REST) >= 50


#: (template, parameter, new value, changed path, effect): a pull request that only edits
#: the parameters file changes the scale set just as much as one that edits the template.
PARAMETER_EDITS = [
    ("vmss-windows-autoscale", "vmSku", "Standard_D4s_v5", "/sku/name", "deallocate"),
    ("vmss-windows-autoscale", "instanceCount", 7, "/sku/capacity", "none"),
    ("vmss-windows-autoscale", "windowsOSVersion", "2019-Datacenter",
     "/properties/virtualMachineProfile/storageProfile/imageReference/sku", "upgrade"),
    ("vmss-ubuntu-autoscale", "instanceCount", 2, "/sku/capacity", "none"),
    ("vmss-linux-jumpbox", "vmSku", "Standard_D2s_v5", "/sku/name", "deallocate"),
    ("vmss-windows-app-gateway", "windowsOSVersion", "2019-datacenter-gensecond",
     "/properties/virtualMachineProfile/storageProfile/imageReference/sku", "upgrade"),
    ("vmss-datascience", "instanceCount", 9, "/sku/capacity", "none"),
    ("vmss-windows-customimage", "vmSize", "Standard_D4_v3", "/sku/name", "deallocate"),
]


@pytest.mark.parametrize("folder,parameter,value,path,effect", PARAMETER_EDITS)
def test_an_edited_parameters_file_plans_exactly_that_change(corpus: Path, tmp_path: Path, folder: str,
                                                             parameter: str, value: object, path: str,
                                                             effect: str) -> None:
    from vmssplan.engine import RunConfig

    source = corpus / "templates" / folder / "azuredeploy.parameters.json"
    data = json.loads(source.read_text(encoding="utf-8-sig"))
    data["parameters"][parameter]["value"] = value
    edited = tmp_path / "edited.parameters.json"
    edited.write_text(json.dumps(data), encoding="utf-8")
    template = str(corpus / "templates" / folder / "azuredeploy.json")
    options = RunConfig(proposed_parameters=("@" + str(edited),))
    result = plan_files(template, template, options)
    assert result.plan is not None
    changes = [(c.path, c.effect.label) for s in result.plan.scale_sets for c in s.changes]
    assert changes == [(path, effect)]
