"""Issue 16 over the whole corpus: every GET/PUT pair of the Compute REST examples as the
what-if result of redeploying the PUT body over the scale set the GET returns.

Without an edit that is what-if's everyday noise (a Modify whose every property change is a
read-only field, a service default or a shape difference): vmssplan plans no change and
counts each of what-if's property changes as noise, with the reason. With a real edit the
plan is exactly the two-file plan of the same models. The builder is
tests/whatif_results.py; the CLI runs in this process (clihelp.run_main).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

import whatif_results as wr
from clihelp import run_main
from conftest import CORPUS, corpus_cases
from plan_schema import assert_valid_plan

PAIRS = {f"{p.file}@{p.code}": p for p in wr.corpus_pairs()} if (CORPUS / "rest-examples").is_dir() else {}
GETS = dict(wr.get_bodies()) if (CORPUS / "rest-examples").is_dir() else {}


def _plan(tmp_path: Path, document: Any, *args: str) -> tuple[int, dict[str, Any]]:
    path = tmp_path / "whatif.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    run = run_main("plan", str(path), "-o", "json", *args)
    assert run.code in (0, 1, 4), run.err
    plan = json.loads(run.out)
    assert_valid_plan(plan)
    return run.code, plan


def _reference_code(tmp_path: Path, before: dict[str, Any], after: dict[str, Any]) -> int:
    """The exit code of the two-file plan of the same models (the automatic-repairs examples
    fail it: no health extension for the repairs, LINT005)."""
    (tmp_path / "before.json").write_text(json.dumps(before), encoding="utf-8")
    (tmp_path / "after.json").write_text(json.dumps(after), encoding="utf-8")
    return run_main("plan", str(tmp_path / "before.json"), str(tmp_path / "after.json")).code


def _dotted(path: str) -> str:
    return re.sub(r"\[(\d+)\]", r".\1", path)


def test_the_corpus_has_the_pairs() -> None:
    if not PAIRS:
        pytest.skip("../shared/corpus is not present")
    assert len(PAIRS) >= 50 and len(GETS) >= 5


@pytest.mark.parametrize("name", corpus_cases(sorted(PAIRS)))
def test_a_put_over_its_get_is_noise_only(tmp_path: Path, name: str) -> None:
    pair = PAIRS[name]
    item = wr.change("Modify", pair.before, pair.after)
    leaves = list(wr.leaves(item["delta"]))
    assert leaves, "what-if reports property changes for every pair"
    code, plan = _plan(tmp_path, wr.rest_result([item]))
    [scale_set] = plan["scale_sets"]
    assert (scale_set["action"], scale_set["changes"]) == ("no-op", []), [c["path"] for c in scale_set["changes"]]
    assert code == _reference_code(tmp_path, pair.before, pair.after)
    what_if = scale_set["what_if"]
    assert what_if["property_changes"] == len(leaves)
    assert sorted(_dotted(n["path"]) for n in what_if["noise"]) == sorted(p for p, _ in leaves)
    assert all(n["reason"] for n in what_if["noise"])
    assert (plan["what_if"]["property_changes"], plan["what_if"]["noise"]) == (len(leaves), len(leaves))


@pytest.mark.parametrize("name", corpus_cases(sorted(PAIRS)))
def test_the_same_pair_as_no_change_deploy_and_az_shape(tmp_path: Path, name: str) -> None:
    """Deploy compares the sides as Modify does, and NoChange is a no-op whose proposed side is
    checked as any pair's is: both give the exit code of the two-file plan (which fails the
    automatic-repairs examples on the model's cross-field rules, LINT005)."""
    pair = PAIRS[name]
    reference = _reference_code(tmp_path, pair.before, pair.after)
    expected = {"Deploy": reference, "NoChange": reference}
    for item in (wr.change("NoChange", pair.before, pair.after), wr.change("Deploy", pair.before, pair.after)):
        for document in (wr.rest_result([item]), wr.az_result(wr.rest_result([item]))):
            code, plan = _plan(tmp_path, document)
            [scale_set] = plan["scale_sets"]
            assert (code, scale_set["action"], scale_set["changes"]) == (expected[item["changeType"]], "no-op", []), \
                item["changeType"]


EDITS = [(wr.IMAGE_VERSION, "9.9.20991231", "upgrade"), (wr.COMPUTER_NAME_PREFIX, "renamed", "rejected"),
         (wr.VM_SIZE, "Standard_E64s_v5", "deallocate")]


@pytest.mark.parametrize("name", corpus_cases(sorted(PAIRS)))
def test_a_real_edit_is_planned_as_the_two_file_plan(tmp_path: Path, name: str) -> None:
    pair = PAIRS[name]
    for dotted, value, effect in EDITS:
        after = wr.edited(pair.after, dotted, value)
        code, plan = _plan(tmp_path, wr.rest_result([wr.change("Modify", pair.before, after)]))
        [scale_set] = plan["scale_sets"]
        (tmp_path / "before.json").write_text(json.dumps(pair.before), encoding="utf-8")
        (tmp_path / "after.json").write_text(json.dumps(after), encoding="utf-8")
        reference = run_main("plan", str(tmp_path / "before.json"), str(tmp_path / "after.json"), "-o", "json")
        [expected] = json.loads(reference.out)["scale_sets"]
        strip = ("location",)
        assert [{k: v for k, v in c.items() if k not in strip} for c in scale_set["changes"]] == \
            [{k: v for k, v in c.items() if k not in strip} for c in expected["changes"]], dotted
        assert (code, scale_set["action"]) == (reference.code, expected["action"]), dotted
        assert [c["effect"] for c in expected["changes"]] == [effect], dotted
        # what-if counted the edit as a property change, not as noise
        assert scale_set["what_if"]["property_changes"] == len(scale_set["what_if"]["noise"]) + 1, dotted


@pytest.mark.parametrize("name", corpus_cases(sorted(GETS)))
def test_a_get_example_redeployed_without_its_read_only_fields(tmp_path: Path, name: str) -> None:
    """The GET examples alone: a template that writes exactly what the GET holds but the
    read-only fields: what-if's Deletes of those are noise, read-only the reason."""
    before = GETS[name]
    after = wr.without(before, *wr.READ_ONLY)
    item = wr.change("Modify", before, after)
    read_only = [p for p, _ in wr.leaves(item["delta"])]
    assert read_only
    code, plan = _plan(tmp_path, wr.rest_result([item]))
    [scale_set] = plan["scale_sets"]
    assert (code, scale_set["changes"]) == (0, [])
    assert sorted(_dotted(n["path"]) for n in scale_set["what_if"]["noise"]) == sorted(read_only)
    assert all("read-only" in n["reason"] for n in scale_set["what_if"]["noise"]), scale_set["what_if"]["noise"]


def test_instances_from_the_corpus(corpus: Path, tmp_path: Path) -> None:
    """A REST VM list of the corpus beside the what-if result: the per-VM plan, its batches
    and commands are those of the two-file plan of the same models."""
    pair = PAIRS["rest-examples/2024-03-01/VirtualMachineScaleSet_Create_WithScaleInPolicy.json@200"]
    after = wr.edited(pair.after, wr.IMAGE_VERSION, "17763.6414.241004")
    instances = str(corpus / "rest-examples/2024-03-01/VirtualMachineScaleSetVM_List_MaximumSet_Gen.json")
    _, plan = _plan(tmp_path, wr.rest_result([wr.change("Modify", pair.before, after)]), "--instances", instances)
    (tmp_path / "before.json").write_text(json.dumps(pair.before), encoding="utf-8")
    (tmp_path / "after.json").write_text(json.dumps(after), encoding="utf-8")
    reference = json.loads(run_main("plan", str(tmp_path / "before.json"), str(tmp_path / "after.json"),
                                    "--instances", instances, "-o", "json").out)
    [scale_set], [expected] = plan["scale_sets"], reference["scale_sets"]
    assert scale_set["instances"] and scale_set["instances"] == expected["instances"]
    assert (scale_set["rollout"], scale_set["vm_impact"]) == (expected["rollout"], expected["vm_impact"])
    assert plan["findings"] == reference["findings"] or {f["rule"] for f in plan["findings"]} == {
        f["rule"] for f in reference["findings"]}
