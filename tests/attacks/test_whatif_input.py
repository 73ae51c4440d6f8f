"""Attack suite for issue 16: a what-if result is untrusted input.

A pipeline runs `az deployment group what-if` on a pull request's template and hands the
result to vmssplan; the pull request's author controls the template, so every string of the
result (resource ids and names, what-if's ``unsupportedReason`` quoting the template, the
property paths and values of ``delta``, an ``error`` message quoting the template) and its
shape, if the file is produced or edited by anything else on the way.

Criterion for every case, as for any other input: a clear located finding (exit 1) or a usage
error (exit 2), never a traceback (exit 3) or a hang; nothing the runner acts on
(``::error::``, ``##vso[``), no raw control character in any format (the checks of
attacks/test_output.py); no secret value of the file in any output.
"""

from __future__ import annotations

import json
import time
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from test_output import FORMATS, HOSTILE, assert_formats_hold, assert_markdown_structure

import whatif_results as wr
from clihelp import Run, run_cli

IMAGE = wr.DATA / "modify-image-version.json"
QUICK = 20.0
SECRET = "Pw-hostile-never-printed-93"
#: The attacks in a resource name: all of them but "/", which would make it another resource id.
HOSTILE_NAME = HOSTILE.replace("/", "|")


def _sides() -> tuple[dict[str, Any], dict[str, Any]]:
    [item] = json.loads(IMAGE.read_text(encoding="utf-8"))["properties"]["changes"]
    return item["before"], item["after"]


def _write(folder: Path, document: Any, name: str = "whatif.json") -> Path:
    path = folder / name
    path.write_text(document if isinstance(document, str) else json.dumps(document, indent=1), encoding="utf-8")
    return path


def _no_traceback(run: Run) -> None:
    assert run.code != 3, run.err[-2000:]
    assert "Traceback" not in run.out + run.err and "internal error" not in run.out + run.err, run.err[-2000:]


def _finding_at(run: Run, file: str) -> list[str]:
    """The finding lines of the text output that name ``file`` with a line and column."""
    return [line for line in (run.out + run.err).splitlines() if line.startswith(f"{file}:")
            and line.split(":")[1].isdigit() and line.split(":")[2].isdigit()]


# --- shape: every field of the wrong type ------------------------------------------------------

def _shapes() -> list[tuple[str, Any]]:
    before, after = _sides()
    good = wr.change("Modify", before, after)

    def with_change(**fields: Any) -> dict[str, Any]:
        return wr.rest_result([{**good, **fields}])

    return [
        ("changes-not-a-list", {"status": "Succeeded", "properties": {"changes": {"resourceId": "x"}}}),
        ("changes-a-string", {"status": "Succeeded", "properties": {"changes": "Modify"}}),
        ("az-changes-not-a-list", {"status": "Succeeded", "changes": 42, "error": None}),
        ("change-not-an-object", wr.rest_result([1, "Modify", None, [good]])),
        ("before-not-an-object", with_change(before="the resource")),
        ("after-not-an-object", with_change(after=[1, 2, 3])),
        ("after-null-on-modify", with_change(after=None)),
        ("resource-id-not-a-string", with_change(resourceId={"id": "x"})),
        ("resource-id-missing", wr.rest_result([{k: v for k, v in good.items() if k != "resourceId"}])),
        ("resource-id-empty", with_change(resourceId="")),
        ("change-type-unknown", with_change(changeType="Explode")),
        ("change-type-not-a-string", with_change(changeType=["Modify"])),
        ("delta-not-a-list", with_change(delta={"path": "sku.name"})),
        ("delta-node-not-an-object", with_change(delta=[7, None])),
        ("delta-children-not-a-list", with_change(delta=[{"path": "sku", "propertyChangeType": "Array",
                                                          "children": "0"}])),
        ("delta-path-not-a-string", with_change(delta=[{"path": 5, "propertyChangeType": "Modify"}])),
        ("unsupported-reason-not-a-string", with_change(changeType="Unsupported", unsupportedReason={"a": 1})),
        ("after-type-not-a-scale-set", with_change(after={**after, "type": 12})),
        ("status-not-a-string", {"status": 42, "properties": {"changes": [good]}}),
        ("error-not-an-object", {"status": "Failed", "error": "::error::boom", "properties": {"changes": []}}),
        ("error-message-an-object", {"status": "Failed", "error": {"code": 1, "message": {"x": "y"},
                                                                   "details": "no"}}),
        ("properties-not-an-object", {"status": "Succeeded", "properties": ["changes"]}),
        ("several-with-a-non-result", [wr.rest_result([good]), 3, "x"]),
        ("several-empty", []),
        ("example-file-body-not-a-result", {"parameters": {}, "responses": {"200": {"body": [1]}}}),
    ]


SHAPES = _shapes()


#: Cases a reader may take as they are, because Azure writes them so: a change of an
#: extensible resource has no ``resourceId`` (``symbolicName``/``identifiers`` instead), and
#: the scale set's own ``id`` names it.
PLANNED_ANYWAY = {"resource-id-missing", "resource-id-empty"}


@pytest.mark.parametrize(("name", "document"), SHAPES, ids=[s[0] for s in SHAPES])
def test_a_malformed_result_is_a_located_finding(tmp_path: Path, name: str, document: Any) -> None:
    """Criterion: never exit 3; exit 2, or a finding located in whatif.json (line and
    column): an error that fails the run, or a warning where the plan does not depend on the
    part that is wrong (what-if's own delta only counts its noise)."""
    _write(tmp_path, document)
    run = run_cli("plan", "whatif.json", "-o", "json", cwd=tmp_path)
    _no_traceback(run)
    assert run.code in (0, 1, 2), (name, run.code, run.err[-1500:])
    if run.code == 2:
        assert run.err.startswith("vmssplan: error: "), run.err
        return
    plan = json.loads(run.out)
    located = [f for f in plan["findings"] if f["file"] == "whatif.json" and f["line"] and f["column"]]
    if name in PLANNED_ANYWAY:
        assert run.code == 0 and [s["action"] for s in plan["scale_sets"]] == ["update"], (name, plan["findings"])
        return
    unknown = [c for s in plan["scale_sets"] for c in s["changes"] if c["could_be_rejected"]]
    assert located or unknown, (name, run.code, plan["findings"])
    if run.code == 0:
        assert located and all(f["severity"] in ("warning", "info") for f in located), (name, located)
    text = run_cli("plan", "whatif.json", cwd=tmp_path)
    _no_traceback(text)
    assert text.code == run.code
    if located:
        assert _finding_at(text, "whatif.json"), (name, text.out)


@pytest.mark.parametrize("change_type", ["Modify", "Deploy", "Create", "Delete"])
def test_a_change_without_the_side_it_needs_fails_closed(tmp_path: Path, change_type: str) -> None:
    """Attack: a Modify whose ``after`` is null would read as the scale set deleted, a
    Delete without ``before`` as nothing at all. Criterion: VAL046 (unseen, could be
    rejected), exit 1; never planned as another change type."""
    before, after = _sides()
    needs = {"Modify": "after", "Deploy": "before", "Create": "after", "Delete": "before"}[change_type]
    item = wr.change(change_type, before if needs != "before" else None, after if needs != "after" else None)
    if change_type in ("Create", "Delete"):
        item = {"resourceId": before["id"], "changeType": change_type}
    _write(tmp_path, wr.rest_result([item]))
    run = run_cli("plan", "whatif.json", "-o", "json", cwd=tmp_path)
    _no_traceback(run)
    plan = json.loads(run.out)
    assert run.code == 1 and plan["scale_sets"] == [], plan["scale_sets"]
    assert [f["rule"] for f in plan["findings"] if f["severity"] == "error"] == ["VAL046"]


def test_a_resource_id_and_type_that_disagree_fail_closed(tmp_path: Path) -> None:
    """Attack: a scale set whose id has a name holding ``/`` (or whose id was edited to
    another type) would be listed as another resource, its changes never checked.
    Criterion: a located error; the run fails."""
    before, after = _sides()
    edited = wr.edited(after, wr.COMPUTER_NAME_PREFIX, "renamed")  # rejected, if it were seen
    for resource_id in (before["id"] + "/evil/x", before["id"].replace("virtualMachineScaleSets", "disks")):
        _write(tmp_path, wr.rest_result([{**wr.change("Modify", before, edited), "resourceId": resource_id}]))
        run = run_cli("plan", "whatif.json", "-o", "json", cwd=tmp_path)
        _no_traceback(run)
        plan = json.loads(run.out)
        assert run.code == 1, plan
        assert [f for f in plan["findings"] if f["severity"] == "error" and f["line"]], plan["findings"]


def test_duplicate_keys_are_located(tmp_path: Path) -> None:
    """Attack: a result with ``changeType`` twice (a reader keeping the first sees NoChange,
    one keeping the last a Modify). Criterion: the duplicate is a located finding."""
    before, after = _sides()
    item = json.dumps(wr.change("Modify", before, after))
    text = ('{"status": "Succeeded", "properties": {"changes": [\n'
            + item[:-1] + ',\n "changeType": "NoChange"}]}}')
    _write(tmp_path, text)
    run = run_cli("plan", "whatif.json", cwd=tmp_path)
    _no_traceback(run)
    assert run.code == 1
    assert any('duplicate key "changeType"' in line for line in _finding_at(run, "whatif.json")), run.out


# --- size and depth -------------------------------------------------------------------------------


def _timed(folder: Path, *args: str) -> tuple[Run, float]:
    start = time.monotonic()
    run = run_cli("plan", "whatif.json", *args, cwd=folder)
    return run, time.monotonic() - start


def test_a_huge_delta_tree_is_bounded(tmp_path: Path) -> None:
    """Attack: a delta of 300,000 nodes (what-if's noise, forged to slow the check down).
    Criterion: the plan finishes quickly, counts them, and the changes come from before and
    after, not from the delta."""
    before, after = _sides()
    nodes = [{"path": f"tags.t{i}", "propertyChangeType": "Delete", "before": "x"} for i in range(100_000)]
    arrays = [{"path": f"properties.a{i}", "propertyChangeType": "Array", "children": [
        {"path": "0", "propertyChangeType": "Create", "after": 1}]} for i in range(100_000)]
    item = {**wr.change("Modify", before, wr.edited(after, wr.VM_SIZE, "Standard_D4s_v5")), "delta": nodes + arrays}
    _write(tmp_path, wr.rest_result([item]))
    run, elapsed = _timed(tmp_path, "-o", "json")
    _no_traceback(run)
    assert elapsed < QUICK, elapsed
    if run.code in (0, 1) and run.out.startswith("{"):
        plan = json.loads(run.out)
        if plan["scale_sets"]:
            [scale_set] = plan["scale_sets"]
            assert [c["path"] for c in scale_set["changes"]] == [  # the committed edit, and this one
                "/properties/virtualMachineProfile/storageProfile/imageReference/version", "/sku/name"]


def test_a_delta_nested_beyond_the_limit_is_located(tmp_path: Path) -> None:
    before, after = _sides()
    node: dict[str, Any] = {"path": "0", "propertyChangeType": "Create", "after": 1}
    for _ in range(400):
        node = {"path": "0", "propertyChangeType": "Array", "children": [node]}
    _write(tmp_path, wr.rest_result([{**wr.change("Modify", before, after), "delta": [node]}]))
    run, elapsed = _timed(tmp_path)
    _no_traceback(run)
    assert run.code == 1 and elapsed < QUICK
    assert any("nested too deeply" in line for line in _finding_at(run, "whatif.json")), run.out[-2000:]


def test_a_100_kb_resource_id(tmp_path: Path) -> None:
    """Attack: a resourceId of 100 KB (an id is at most a few hundred characters). Criterion:
    no hang, no 100 KB line echoed into every format; a finding or a plan, never a crash."""
    before, after = _sides()
    long_id = before["id"] + "/" + "a" * 100_000
    item = {**wr.change("Modify", before, after), "resourceId": long_id}
    other = wr.change("Create", after={"id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/"
                                              "virtualNetworks/" + "v" * 100_000,
                                       "type": "Microsoft.Network/virtualNetworks", "name": "v"})
    _write(tmp_path, wr.rest_result([item, other]))
    for fmt in FORMATS:
        run, elapsed = _timed(tmp_path, "-o", fmt)
        _no_traceback(run)
        assert elapsed < QUICK and run.code in (0, 1), (fmt, run.err[-500:])
        assert_formats_hold(fmt, run.out)


# --- hostile strings in every field a format prints ------------------------------------------------


@cache
def _hostile_folder() -> Path:
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="vmssplan-attack-whatif-"))
    before, after = _sides()
    base = before["id"].split("/providers/")[0]
    edited = wr.edited(after, wr.VM_SIZE, "Standard_D4s_v5" + HOSTILE)
    edited = wr.edited(edited, "tags", {"k" + HOSTILE: "v" + HOSTILE})
    edited = wr.edited(edited, wr.ADMIN_PASSWORD, SECRET)
    delta = wr.delta(before, edited)
    delta.append({"path": "properties." + HOSTILE, "propertyChangeType": "Delete", "before": HOSTILE})
    changes = [
        {**wr.change("Modify", before, edited), "delta": delta, "resourceId": before["id"] + HOSTILE_NAME},
        wr.change("Unsupported", before=wr.moved(before, "rg2", "vm" + HOSTILE_NAME), reason="reason" + HOSTILE),
        wr.change("Unsupported", resource_id=f"{base}/providers/Microsoft.Resources/deployments/d{HOSTILE_NAME}",
                  reason="nested" + HOSTILE),
        wr.change("Create", after={"id": f"{base}/providers/Microsoft.Storage/storageAccounts/s{HOSTILE_NAME}",
                                   "type": "Microsoft.Storage/storageAccounts", "name": "s" + HOSTILE_NAME}),
    ]
    _write(folder, wr.rest_result(changes))
    failed = {"code": "InvalidTemplate" + HOSTILE, "message": "Deployment failed: " + HOSTILE,
              "details": [{"code": "x" + HOSTILE, "message": "detail " + HOSTILE + SECRET}]}
    _write(folder, wr.az_result(wr.rest_result([], status="Failed" + HOSTILE, error=failed)), "failed.json")
    return folder


@cache
def _hostile_run(name: str, fmt: str) -> Run:
    run = run_cli("plan", name, "-o", fmt, cwd=_hostile_folder())
    _no_traceback(run)
    return run


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", ["whatif.json", "failed.json"])
def test_hostile_strings_are_escaped_in_every_format(name: str, fmt: str) -> None:
    """Attack: workflow commands, ``##vso[``, ANSI/OSC escapes, bidi controls and Markdown
    structure in the resource ids, the unsupportedReason, a delta path and value, a type,
    the error object. Criterion: the checks of attacks/test_output.py hold in every format."""
    run = _hostile_run(name, fmt)
    assert run.code == 1, (run.code, run.err[-1000:])
    assert_formats_hold(fmt, run.out)
    assert_formats_hold("stderr", run.err)
    if fmt == "markdown":
        assert_markdown_structure(run.out, scale_sets=3)


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_secret_of_the_result_leaks(fmt: str) -> None:
    for name in ("whatif.json", "failed.json"):
        run = _hostile_run(name, fmt)
        assert SECRET not in run.out + run.err, (name, fmt)


def test_the_quoted_reason_is_shown_escaped() -> None:
    """The unsupportedReason reaches the reader (it says why), escaped as any document string."""
    text = _hostile_run("whatif.json", "text").out
    assert r"reason::error::lead\n::error::forged-after-" in text  # the text wraps at its width
    def strings(value: Any) -> list[str]:
        if isinstance(value, dict):
            return [s for v in value.values() for s in strings(v)]
        if isinstance(value, list):
            return [s for v in value for s in strings(v)]
        return [value] if isinstance(value, str) else []

    data = json.loads(_hostile_run("whatif.json", "json").out)
    assert any("reason" + HOSTILE in text for text in strings(data))  # exact to a JSON reader


def test_query_on_a_hostile_result_is_exact_and_escaped() -> None:
    run = run_cli("plan", "whatif.json", "--query", "what_if.other_resources[].resource_id", cwd=_hostile_folder())
    _no_traceback(run)
    ids = json.loads(run.out)
    assert any(i.endswith("/storageAccounts/s" + HOSTILE_NAME) for i in ids), ids
    assert_formats_hold("json", run.out)
