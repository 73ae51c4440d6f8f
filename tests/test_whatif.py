"""Issue 16: `vmssplan plan WHATIF.json` plans the scale sets of an ARM what-if result.

The results are built by tests/whatif_results.py from real scale sets (the Compute REST
examples; tests/data/whatif/ holds three built ones, so these tests need no corpus): what-if's
``before`` is the GET answer, ``after`` the PUT body, ``delta`` what-if's own property
changes, noise included. Everything runs through the real CLI (in this process,
``clihelp.run_main``; the last tests in a subprocess, standard input included).
test_whatif_corpus.py does the same over every GET/PUT pair of the corpus;
attacks/test_whatif_input.py treats the result as hostile input.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

import whatif_results as wr
from clihelp import Run, run_cli, run_main
from conftest import CORPUS
from plan_schema import assert_valid_plan

DATA = wr.DATA
IMAGE = DATA / "modify-image-version.json"
SUBSCRIPTION = DATA / "az-subscription.json"
UNSUPPORTED = DATA / "example-unsupported.json"
IMAGE_POINTER = "/properties/virtualMachineProfile/storageProfile/imageReference/version"
PREFIX_POINTER = "/properties/virtualMachineProfile/osProfile/computerNamePrefix"
FORMATS = ("text", "json", "sarif", "markdown", "github", "azure-devops", "junit", "patch", "table", "tsv")


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _sides() -> tuple[dict[str, Any], dict[str, Any]]:
    """before (GET + apiVersion) and after (the PUT body, image version unchanged) of the
    committed Modify: a real scale set, no corpus needed."""
    [item] = _load(IMAGE)["properties"]["changes"]
    before = item["before"]
    after = wr.edited(item["after"], wr.IMAGE_VERSION, before["properties"]["virtualMachineProfile"]
                      ["storageProfile"]["imageReference"]["version"])
    return before, after


def _write(tmp_path: Path, document: Any, name: str = "whatif.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return path


def _plan(path: Path, *args: str) -> tuple[Run, dict[str, Any]]:
    run = run_main("plan", str(path), "-o", "json", *args)
    assert run.code != 3 and "Traceback" not in run.err, run.err
    assert run.out, run.err
    data = json.loads(run.out)
    assert_valid_plan(data)
    return run, data


def _changes(scale_set: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(c["op"], c["path"], c["effect"]) for c in scale_set["changes"]]


def _comparable(changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A plan's changes without where they were found (file names, lines differ by input)."""
    return [{k: v for k, v in c.items() if k not in ("location",)} for c in changes]


def _two_file_plan(tmp_path: Path, before: dict[str, Any], after: dict[str, Any], *args: str) -> dict[str, Any]:
    current, proposed = _write(tmp_path, before, "before.json"), _write(tmp_path, after, "after.json")
    run = run_main("plan", str(current), str(proposed), "-o", "json", *args)
    assert run.code in (0, 1, 4), run.err
    return json.loads(run.out)


def _noise_paths(scale_set: dict[str, Any]) -> list[str]:
    return sorted(n["path"] for n in scale_set["what_if"]["noise"])


def _dotted(path: str) -> str:
    """What-if's dotted path with an array index as its own segment ("a.0.b"), whichever way
    the plan writes an index ("a[0].b" or "a.0.b")."""
    return re.sub(r"\[(\d+)\]", r".\1", path)


# --- the committed results -----------------------------------------------------------------


def test_committed_results_are_what_the_corpus_builds() -> None:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not present")
    built = wr.build_committed()
    assert sorted(built) == sorted(p.name for p in DATA.glob("*.json"))
    for name, document in built.items():
        assert (DATA / name).read_text(encoding="utf-8") == wr.render(document), \
            f"{name} is stale: run python tests/whatif_results.py"


def test_modify_plans_the_real_change_and_counts_the_noise() -> None:
    """REST shape, one Modify: the image version (an upgrade, VMSS501) and eight property
    changes of what-if's own that are noise: read-only fields, service defaults."""
    [item] = _load(IMAGE)["properties"]["changes"]
    leaves = list(wr.leaves(item["delta"]))
    assert len(leaves) == 9 and sum(t == "Delete" for _, t in leaves) == 8  # the builder's noise is real
    run, plan = _plan(IMAGE)
    assert run.code == 0
    [scale_set] = plan["scale_sets"]
    assert scale_set["action"] == "update"
    assert _changes(scale_set) == [("replace", IMAGE_POINTER, "upgrade")]
    assert scale_set["changes"][0]["rule"] == "VMSS501"
    what_if = scale_set["what_if"]
    assert (what_if["change_type"], what_if["resource_id"]) == ("Modify", item["resourceId"])
    assert what_if["property_changes"] == 9
    noise = what_if["noise"]
    assert sorted(_dotted(n["path"]) for n in noise) == sorted(p for p, t in leaves if t == "Delete")
    assert all(n["change_type"] == "Delete" and n["reason"] for n in noise), noise
    reasons = {_dotted(n["path"]): n["reason"] for n in noise}
    assert "read-only" in reasons["properties.provisioningState"]
    assert "default" in reasons["properties.singlePlacementGroup"]
    assert plan["what_if"]["property_changes"] == 9 and plan["what_if"]["noise"] == 8
    assert plan["what_if"]["other_resources"] == []


def test_the_text_plan_says_what_if_counts() -> None:
    run = run_main("plan", str(IMAGE))
    assert run.code == 0, run.err
    assert "what-if: Modify in resource group myResourceGroup, 9 property changes, 8 of them noise" in run.out
    md = run_main("plan", str(IMAGE), "-o", "markdown")
    assert "what-if: Modify in resource group myResourceGroup, 9 property changes, 8 of them noise" in md.out


@pytest.mark.parametrize(("args", "code"), [
    ((), 0), (("--detailed-exitcode",), 4), (("--fail-on", "upgrade"), 1), (("--fail-on", "reimage"), 0),
    (("--fail-on", "reimage", "--detailed-exitcode"), 4), (("--fail-on", "none"), 1)])
def test_exit_codes_of_a_modify(args: tuple[str, ...], code: int) -> None:
    assert run_main("plan", str(IMAGE), *args).code == code


def test_subscription_scope_az_shape() -> None:
    """az flattened, subscription scope: a resource group created (listed, not planned), the
    same scale set in two resource groups: a computerNamePrefix edit in one (rejected, exit
    1), nothing in the other. Two scale sets of the same name stay two."""
    document = _load(SUBSCRIPTION)
    assert "properties" not in document and document["error"] is None  # the az shape
    run, plan = _plan(SUBSCRIPTION)
    assert run.code == 1
    by_id = {s["what_if"]["resource_id"]: s for s in plan["scale_sets"]}
    ids = [c["resourceId"] for c in document["changes"]]
    assert sorted(by_id) == sorted(ids[1:])
    edited, same = by_id[ids[1]], by_id[ids[2]]
    assert "/resourceGroups/rg-web-eu/" in ids[1] and "/resourceGroups/rg-web-us/" in ids[2]
    assert _changes(edited) == [("replace", PREFIX_POINTER, "rejected")] and edited["action"] == "rejected"
    assert same["action"] == "no-op" and same["changes"] == [] and same["what_if"]["change_type"] == "NoChange"
    assert plan["what_if"]["other_resources"] == [{"resource_id": ids[0], "type": "Microsoft.Resources/resourceGroups",
                                                   "change_type": "Create"}]
    text = run_main("plan", str(SUBSCRIPTION)).out
    assert ids[0] in text or "rg-web-eu" in text  # the other resource is in the summary


def test_unsupported_with_and_without_before() -> None:
    """What-if could not predict the scale set (a reference()): planned with the proposed side
    unknown, fails closed, the reason quoted; a nested deployment it could not evaluate at
    all (no before): VAL046, an error unless unknowns are accepted."""
    body = _load(UNSUPPORTED)["responses"]["200"]["body"]
    predicted, nested = body["properties"]["changes"]
    run, plan = _plan(UNSUPPORTED)
    assert run.code == 1
    [scale_set] = plan["scale_sets"]
    assert scale_set["what_if"]["change_type"] == "Unsupported"
    assert scale_set["changes"] and all(c["effect"] == "unknown" and c["could_be_rejected"]
                                        for c in scale_set["changes"])
    assert predicted["unsupportedReason"] in json.dumps(scale_set)
    [finding] = [f for f in plan["findings"] if f["rule"] == "VAL046"]
    assert finding["severity"] == "error" and nested["resourceId"].rsplit("/", 1)[-1] in finding["message"]
    accepted, plan = _plan(UNSUPPORTED, "--accept-unknown")
    assert accepted.code == 0, plan["findings"]
    assert [f["severity"] for f in plan["findings"] if f["rule"] == "VAL046"] == ["warning"]
    assert run_main("plan", str(UNSUPPORTED), "--accept-unknown", "--detailed-exitcode").code == 4


# --- every changeType ------------------------------------------------------------------------


def _one(tmp_path: Path, item: dict[str, Any], *args: str) -> tuple[Run, dict[str, Any]]:
    return _plan(_write(tmp_path, wr.rest_result([item])), *args)


@pytest.mark.parametrize(("change_type", "sides", "action"), [
    ("Create", "after", "create"), ("Delete", "before", "delete"), ("NoChange", "both", "no-op"),
    ("Ignore", "before", "no-op"), ("Modify", "both", "no-op"), ("Deploy", "both", "no-op")])
def test_each_change_type_without_an_edit(tmp_path: Path, change_type: str, sides: str, action: str) -> None:
    before, after = _sides()
    item = wr.change(change_type, before if sides != "after" else None, after if sides != "before" else None)
    run, plan = _one(tmp_path, item)
    [scale_set] = plan["scale_sets"]
    assert (scale_set["action"], scale_set["what_if"]["change_type"]) == (action, change_type)
    if action == "no-op":
        assert scale_set["changes"] == [] and run.code == 0
        assert run_main("plan", str(tmp_path / "whatif.json"), "--detailed-exitcode").code == 0
    if change_type == "Modify":  # the same eight noise deltas and nothing else
        assert scale_set["what_if"]["property_changes"] == len(scale_set["what_if"]["noise"]) == 8
    detailed = run_main("plan", str(tmp_path / "whatif.json"), "--detailed-exitcode").code
    assert detailed == (4 if action in ("create", "delete") else 0)


@pytest.mark.parametrize("change_type", ["Modify", "Deploy"])
@pytest.mark.parametrize(("dotted", "value", "pointer", "effect", "code"), [
    (wr.IMAGE_VERSION, "17763.6414.241004", IMAGE_POINTER, "upgrade", 0),
    (wr.COMPUTER_NAME_PREFIX, "other", PREFIX_POINTER, "rejected", 1),
    (wr.VM_SIZE, "Standard_D4s_v5", "/sku/name", "deallocate", 0)])
def test_an_edit_is_planned_as_the_two_file_plan_of_the_same_models(
        tmp_path: Path, change_type: str, dotted: str, value: str, pointer: str, effect: str, code: int) -> None:
    """Modify with what-if's delta, Deploy without one: both compare before with after, the
    changes are exactly those of `vmssplan plan before.json after.json`."""
    before, after = _sides()
    after = wr.edited(after, dotted, value)
    run, plan = _one(tmp_path, wr.change(change_type, before, after))
    assert run.code == code
    [scale_set] = plan["scale_sets"]
    assert _changes(scale_set) == [("replace", pointer, effect)]
    [reference] = _two_file_plan(tmp_path, before, after)["scale_sets"]
    assert _comparable(scale_set["changes"]) == _comparable(reference["changes"])
    assert (scale_set["action"], scale_set["effect"]) == (reference["action"], reference["effect"])


def test_no_effect_and_potential_changes(tmp_path: Path) -> None:
    """What-if marks some property changes NoEffect (the service ignores them): noise, with
    that reason. A change under ``potentialChanges`` is planned, with a note that it may
    happen."""
    before, after = _sides()
    read_only = frozenset({"properties.provisioningState", "properties.uniqueId"})
    item = wr.change("Modify", before, wr.edited(after, wr.VM_SIZE, "Standard_D4s_v5"), no_effect=read_only)
    assert sum(t == "NoEffect" for _, t in wr.leaves(item["delta"])) == 2
    other_before, other_after = wr.moved(before, "rg2"), wr.moved(after, "rg2")
    potential = wr.change("Modify", other_before, wr.edited(other_after, wr.IMAGE_VERSION, "9.9.9"))
    _, plan = _plan(_write(tmp_path, wr.rest_result([item], potential=[potential])))
    by_id = {s["what_if"]["resource_id"]: s for s in plan["scale_sets"]}
    planned = by_id[before["id"]]
    assert _changes(planned) == [("replace", "/sku/name", "deallocate")]
    no_effect = [n for n in planned["what_if"]["noise"] if n["change_type"] == "NoEffect"]
    assert sorted(n["path"] for n in no_effect) == sorted(read_only)
    assert all(n["reason"].startswith("no effect") for n in no_effect)
    maybe = by_id[potential["resourceId"]]
    assert _changes(maybe) == [("replace", IMAGE_POINTER, "upgrade")]
    assert any("potential" in note for note in maybe["notes"]), maybe["notes"]


def test_a_status_other_than_succeeded_is_a_located_error(tmp_path: Path) -> None:
    before, after = _sides()
    error = {"code": "InvalidTemplate", "message": "Deployment template validation failed: 'The resource "
             "'Microsoft.Compute/virtualMachineScaleSets/web' is not defined in the template.'", "details": []}
    for document in (wr.rest_result([], status="Failed", error=error),
                     wr.az_result(wr.rest_result([], status="Failed", error=error)),
                     wr.rest_result([wr.change("Modify", before, after)], status="Failed")):
        run = run_main("plan", str(_write(tmp_path, document)), "-o", "json")
        assert run.code == 1, run.err
        findings = json.loads(run.out)["findings"]
        assert [f["severity"] for f in findings if f["rule"] == "VAL001"] == ["error"], findings
        [finding] = [f for f in findings if f["rule"] == "VAL001"]
        assert finding["file"].endswith("whatif.json") and finding["line"]
        if document.get("error"):
            assert "InvalidTemplate" in finding["message"]


def test_an_unevaluated_expression_in_after_is_unknown(tmp_path: Path) -> None:
    """What-if leaves runtime values as the expression text: known only after deployment.
    Unknown where any value is an upgrade (the image version) passes; unknown where a value
    could be rejected (computerNamePrefix) fails closed unless unknowns are accepted."""
    expression = "[reference(resourceId('Microsoft.Compute/galleries/images/versions', 'g', 'i', 'v')).name]"
    before, after = _sides()
    for dotted, pointer, rejectable in ((wr.IMAGE_VERSION, IMAGE_POINTER, False),
                                        (wr.COMPUTER_NAME_PREFIX, PREFIX_POINTER, True)):
        run, plan = _one(tmp_path, wr.change("Modify", before, wr.edited(after, dotted, expression)))
        [scale_set] = plan["scale_sets"]
        [change] = scale_set["changes"]
        assert (change["path"], change["effect"], change["unknown_value"]) == (pointer, "unknown", True)
        assert change["could_be_rejected"] is rejectable and expression not in json.dumps(change)
        assert run.code == (1 if rejectable else 0)
        assert run_main("plan", str(tmp_path / "whatif.json"), "--accept-unknown").code == 0


def test_template_options_are_refused(tmp_path: Path) -> None:
    for option in (("--parameters", "a=b"), ("--current-parameters", "a=b"), ("--proposed-parameters", "a=b")):
        run = run_main("plan", str(IMAGE), *option)
        assert run.code == 2 and "what-if" in run.err, (option, run.err)


# --- shapes --------------------------------------------------------------------------------


def _without_places(output: str) -> str:
    """An output without the lines and columns of what it located (the three shapes lay the
    same result out on other lines of their files)."""
    output = re.sub(r'"line": \d+,\s*"column": \d+', '"line": L, "column": C', output)
    return re.sub(r"WHATIF:\d+:\d+", "WHATIF:L:C", output)


def test_az_shape_example_file_and_rest_shape_give_the_same_plan(tmp_path: Path) -> None:
    """One result in the three shapes: the plans differ only by the file name (and the line
    and column of each change in it)."""
    before, after = _sides()
    rest = wr.rest_result([wr.change("Modify", before, wr.edited(after, wr.VM_SIZE, "Standard_D4s_v5")),
                           wr.change("Create", after=wr.moved(after, "rg2", "new-vmss")),
                           wr.change("NoChange", wr.moved(before, "rg3"), wr.moved(after, "rg3"))])
    outputs: dict[str, dict[str, str]] = {}
    shapes = (("rest.json", rest), ("az.json", wr.az_result(rest)), ("example.json", wr.example_file(rest)))
    for name, document in shapes:
        for fmt in ("json", "text", "markdown"):
            run = run_main("plan", str(_write(tmp_path, document, name)), "-o", fmt)
            assert run.code == 0, run.err
            output = run.out.replace(str(tmp_path / name), "WHATIF").replace(name, "WHATIF")
            outputs.setdefault(fmt, {})[name] = _without_places(output)
    for fmt, by_shape in outputs.items():
        assert by_shape["az.json"] == by_shape["rest.json"], fmt
        assert by_shape["example.json"] == by_shape["rest.json"], fmt
    assert len(json.loads(outputs["json"]["rest.json"].replace('"line": L, "column": C', '"line": 1, "column": 1'))
               ["scale_sets"]) == 3


def test_a_file_of_several_results(tmp_path: Path) -> None:
    """A JSON array of results (a pipeline that ran what-if for two deployments): every
    scale set of every result, in both shapes mixed."""
    before, after = _sides()
    first = wr.rest_result([wr.change("Modify", before, wr.edited(after, wr.IMAGE_VERSION, "1.2.3"))])
    second = wr.az_result(wr.rest_result([wr.change("Modify", wr.moved(before, "rg2"),
                                                    wr.edited(wr.moved(after, "rg2"), wr.VM_SIZE, "Standard_D8s_v5"))]))
    run, plan = _plan(_write(tmp_path, wr.several(first, second)))
    assert run.code == 0
    effects = sorted(c["effect"] for s in plan["scale_sets"] for c in s["changes"])
    assert effects == ["deallocate", "upgrade"]
    assert plan["what_if"]["property_changes"] == 18 and plan["what_if"]["noise"] == 16


def test_nested_deployment_scale_sets_are_planned_where_what_if_puts_them(tmp_path: Path) -> None:
    """What-if lists a nested deployment's resources flat, with their own resource ids (here
    in another resource group), and the deployment it cannot evaluate as Unsupported."""
    before, after = _sides()
    nested_before, nested_after = wr.moved(before, "rg-nested", "inner"), wr.moved(after, "rg-nested", "inner")
    deployment_id = (before["id"].split("/providers/")[0] + "/providers/Microsoft.Resources/deployments/inner-deploy")
    rest = wr.rest_result([
        wr.change("NoChange", before, after),
        wr.change("Modify", nested_before, wr.edited(nested_after, wr.VM_SIZE, "Standard_D4s_v5")),
        wr.change("Unsupported", resource_id=deployment_id, reason=wr.NESTED_REASON),
    ])
    run, plan = _plan(_write(tmp_path, rest))
    assert run.code == 1  # the deployment it could not see fails closed
    by_id = {s["what_if"]["resource_id"]: s for s in plan["scale_sets"]}
    assert _changes(by_id[nested_before["id"]]) == [("replace", "/sku/name", "deallocate")]
    assert by_id[before["id"]]["action"] == "no-op"
    [finding] = [f for f in plan["findings"] if f["rule"] == "VAL046"]
    assert "inner-deploy" in finding["message"]


# --- extensions as child resources --------------------------------------------------------------

HEALTH = {"name": "health", "properties": {"publisher": "Microsoft.ManagedServices", "type": "ApplicationHealthWindows",
                                           "typeHandlerVersion": "1.0", "autoUpgradeMinorVersion": True,
                                           "settings": {"protocol": "http", "port": 80, "requestPath": "/health"}}}


def _with_extension(resource: dict[str, Any], extension: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(resource)
    profile = out["properties"]["virtualMachineProfile"].setdefault("extensionProfile", {})
    profile.setdefault("extensions", []).append(copy.deepcopy(extension))
    return out


@pytest.mark.parametrize("edit", ["settings", "added", "removed"])
def test_extension_child_resources_fold_into_the_scale_set(tmp_path: Path, edit: str) -> None:
    """A template that declares extensions as child resources: what-if reports each on its
    own. vmssplan folds them into the scale set's extensionProfile and plans what a template
    writing them inline would give."""
    before, after = _sides()
    version = before["apiVersion"]
    old, new = copy.deepcopy(HEALTH), copy.deepcopy(HEALTH)
    new["properties"]["settings"]["requestPath"] = "/ready"
    items = [wr.change("NoChange", before, after)]
    if edit == "settings":
        items.append(wr.change("Modify", wr.extension_resource(before, old, version),
                               wr.extension_resource(after, new, version)))
        current, proposed = _with_extension(before, old), _with_extension(after, new)
    elif edit == "added":
        items.append(wr.change("Create", after=wr.extension_resource(after, old, version)))
        current, proposed = before, _with_extension(after, old)
    else:
        items.append(wr.change("Delete", before=wr.extension_resource(before, old, version)))
        current, proposed = _with_extension(before, old), after
    _, plan = _plan(_write(tmp_path, wr.rest_result(items)))
    [scale_set] = plan["scale_sets"]
    [reference] = _two_file_plan(tmp_path, current, proposed)["scale_sets"]
    assert reference["changes"], "the edit is a change"
    assert _comparable(scale_set["changes"]) == _comparable(reference["changes"])
    assert plan["what_if"]["other_resources"] == []  # the extension is no other resource


# --- secrets -------------------------------------------------------------------------------------

SECRET = "Zq9-never-print-me-7Hk"


def test_a_secret_absent_on_one_side_is_no_change(tmp_path: Path) -> None:
    """What-if returns no secure value: adminPassword and protectedSettings are never in
    before; when after has them that is what-if's noise, not a change, and never printed."""
    before, after = _sides()
    after = wr.edited(after, wr.ADMIN_PASSWORD, SECRET)
    protected = copy.deepcopy(HEALTH)
    protected["properties"]["protectedSettings"] = {"storageAccountKey": SECRET}
    items = [wr.change("Modify", before, after),
             wr.change("Modify", wr.extension_resource(before, HEALTH, before["apiVersion"]),
                       wr.extension_resource(after, protected, before["apiVersion"]))]
    path = _write(tmp_path, wr.rest_result(items))
    run, plan = _plan(path)
    [scale_set] = plan["scale_sets"]
    assert scale_set["changes"] == [] and scale_set["action"] == "no-op" and run.code == 0
    secret_noise = {n["path"].rsplit(".", 1)[-1]: n for n in scale_set["what_if"]["noise"]
                    if n["path"].endswith(("adminPassword", "protectedSettings"))}
    assert sorted(secret_noise) == ["adminPassword", "protectedSettings"]
    assert all(n["change_type"] == "Create" and "secret" in n["reason"] for n in secret_noise.values())
    for fmt in FORMATS:
        out = run_main("plan", str(path), "-o", fmt)
        assert SECRET not in out.out + out.err, fmt


def test_custom_data_in_after_is_never_printed(tmp_path: Path) -> None:
    """customData (base64 of a cloud-config holding a password) only in after: whatever the
    plan makes of it, its value reaches no output."""
    import base64

    before, after = _sides()
    custom = base64.b64encode(f"#cloud-config\npassword: {SECRET}".encode()).decode()
    path = _write(tmp_path, wr.rest_result([wr.change("Modify", before, wr.edited(after, wr.CUSTOM_DATA, custom))]))
    _, plan = _plan(path)
    for change in plan["scale_sets"][0]["changes"]:
        assert change["sensitive"] and change["after"] == "(sensitive value)", change
    for fmt in FORMATS:
        out = run_main("plan", str(path), "-o", fmt)
        assert custom not in out.out + out.err and SECRET not in out.out + out.err, fmt


def test_a_secret_that_differs_is_never_printed(tmp_path: Path) -> None:
    """The one case where what-if has a secure value on both sides (a hand-made or future
    result): a change, masked in every format."""
    before, after = _sides()
    before = wr.edited(before, wr.ADMIN_PASSWORD, SECRET + "-old")
    after = wr.edited(after, wr.ADMIN_PASSWORD, SECRET + "-new")
    path = _write(tmp_path, wr.rest_result([wr.change("Modify", before, after)]))
    for fmt in FORMATS:
        run = run_main("plan", str(path), "-o", fmt)
        assert run.code in (0, 1), (fmt, run.err)
        assert SECRET not in run.out + run.err, fmt
    query = run_main("plan", str(path), "--query", "scale_sets[0].changes")
    assert SECRET not in query.out


# --- --instances, formats, --query, standard input ------------------------------------------------


def test_instances_give_the_per_vm_plan_batches_and_commands(tmp_path: Path) -> None:
    before, after = _sides()
    before = wr.edited(before, "properties.upgradePolicy", {"mode": "Rolling", "rollingUpgradePolicy": {
        "maxBatchInstancePercent": 50}})
    after = wr.edited(after, "properties.upgradePolicy", before["properties"]["upgradePolicy"])
    after = wr.edited(after, wr.IMAGE_VERSION, "17763.6414.241004")
    path = _write(tmp_path, wr.rest_result([wr.change("Modify", before, after)]))
    instances = str(wr.REPO / "tests" / "data" / "instances" / "az-list-instances.json")
    _, plan = _plan(path, "--instances", instances)
    [scale_set] = plan["scale_sets"]
    reference = _two_file_plan(tmp_path, before, after, "--instances", instances)["scale_sets"][0]
    assert scale_set["instances"] and scale_set["instances"] == reference["instances"]
    assert scale_set["rollout"] == reference["rollout"] and scale_set["vm_impact"] == reference["vm_impact"]
    assert scale_set["vm_impact"]["commands"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_output_format(fmt: str) -> None:
    run = run_main("plan", str(SUBSCRIPTION), "-o", fmt)
    assert run.code == 1 and run.out and not run.err.startswith("vmssplan: internal"), run.err
    if fmt in ("json", "sarif", "patch"):
        data = json.loads(run.out)
        if fmt == "json":
            assert_valid_plan(data)
    if fmt in ("text", "markdown", "github", "azure-devops", "junit", "table", "tsv", "sarif"):
        assert "computerNamePrefix" in run.out


def test_query_reads_the_what_if_fields() -> None:
    run = run_main("plan", str(IMAGE), "--query", "[what_if.noise, scale_sets[0].what_if.noise[].reason]")
    assert run.code == 0, run.err
    count, reasons = json.loads(run.out)
    assert count == 8 and len(reasons) == 8 and all(reasons)
    others = run_main("plan", str(SUBSCRIPTION), "--query", "what_if.other_resources[].[type, change_type]")
    assert json.loads(others.out) == [["Microsoft.Resources/resourceGroups", "Create"]]
    table = run_main("plan", str(SUBSCRIPTION), "--query", "what_if.other_resources", "-o", "table")
    assert "/resourceGroups/rg-web-eu" in table.out and "Create" in table.out


def test_standard_input_and_the_real_process() -> None:
    """`-` reads the result from standard input; the subprocess gives the in-process bytes."""
    text = IMAGE.read_text(encoding="utf-8")
    piped = run_cli("plan", "-", "-o", "json", stdin=text)
    assert piped.code == 0, piped.err
    direct = run_cli("plan", str(IMAGE), "-o", "json")
    assert direct.out == run_main("plan", str(IMAGE), "-o", "json").out
    strip = {"current", "proposed"}
    piped_plan = {k: v for k, v in json.loads(piped.out).items() if k not in strip}
    direct_plan = {k: v for k, v in json.loads(direct.out).items() if k not in strip}
    for scale_set in piped_plan["scale_sets"] + direct_plan["scale_sets"]:
        scale_set.pop("file", None)
        for c in scale_set["changes"]:
            c.pop("location", None)
    assert piped_plan == direct_plan
    for shape in (SUBSCRIPTION, UNSUPPORTED):
        assert run_cli("plan", str(shape)).code == run_main("plan", str(shape)).code == 1
