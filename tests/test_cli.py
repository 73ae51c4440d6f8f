"""The real CLI: commands, exit codes, located errors, no tracebacks."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from clihelp import run_cli
from conftest import EXAMPLES, REPO
from plan_schema import assert_valid_plan

IMAGE = EXAMPLES / "os-image-version"


def test_version_and_help_document_exit_codes() -> None:
    assert run_cli("--version").out.startswith("vmssplan ")
    for args in (("--help",), ("plan", "--help"), ("validate", "--help")):
        run = run_cli(*args)
        assert run.code == 0 and "Exit codes" in run.out, args


def test_fail_on_moves_the_threshold() -> None:
    args = ("plan", str(IMAGE / "current.json"), str(IMAGE / "proposed.json"))
    assert run_cli(*args).code == 0
    assert run_cli(*args, "--fail-on", "upgrade").code == 1
    assert run_cli(*args, "--fail-on", "reimage").code == 0
    bad = run_cli(*args, "--fail-on", "sometimes")
    assert bad.code == 2 and "unknown effect 'sometimes'" in bad.err


@pytest.mark.parametrize("args", [("plan",), ("plan", "a.json"), ("frobnicate",), ("plan", "-o", "yaml", "a", "b")])
def test_usage_errors_exit_2(args: tuple[str, ...]) -> None:
    run = run_cli(*args)
    assert run.code == 2
    assert "Traceback" not in run.err


def test_unreadable_path_is_exit_2(tmp_path: Path) -> None:
    run = run_cli("plan", str(tmp_path / "missing.json"), str(IMAGE / "proposed.json"))
    assert run.code == 2 and "no such file" in run.err and "Traceback" not in run.err


def test_malformed_json_is_a_located_finding_exit_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{\n  "name": "x",\n  "sku": {"name": "a",}\n}\n', encoding="utf-8")
    run = run_cli("plan", str(IMAGE / "current.json"), str(bad))
    assert run.code == 1
    assert f"{bad}:3:23: error [VAL001] invalid JSON" in run.out
    assert "Traceback" not in run.out + run.err
    run = run_cli("validate", str(bad), "-o", "json")
    assert run.code == 1
    finding = json.loads(run.out)["findings"][0]
    assert (finding["line"], finding["column"], finding["rule"]) == (3, 23, "VAL001")


def test_undetectable_document_says_what_was_expected(tmp_path: Path) -> None:
    odd = tmp_path / "odd.json"
    odd.write_text('{"hello": "world"}', encoding="utf-8")
    run = run_cli("plan", str(odd), str(IMAGE / "proposed.json"))
    assert run.code == 1 and "expected an ARM template" in run.out


def test_stdin_is_accepted() -> None:
    run = run_cli("plan", str(IMAGE / "current.json"), "-", "-o", "json",
                  stdin=(IMAGE / "proposed.json").read_text(encoding="utf-8"))
    assert run.code == 0
    plan = json.loads(run.out)
    assert_valid_plan(plan)
    assert plan["proposed"] == "<stdin>"


def test_color_only_when_asked_or_on_a_terminal() -> None:
    args = ("plan", str(IMAGE / "current.json"), str(IMAGE / "proposed.json"))
    assert "\033[" not in run_cli(*args).out  # a pipe, and NO_COLOR set
    assert "\033[" not in run_cli(*args, env={"NO_COLOR": ""}).out  # still a pipe
    assert "\033[" in run_cli(*args, "--color", "always").out


def test_template_create_and_delete(tmp_path: Path) -> None:
    def template(*names: str) -> str:
        return json.dumps({
            "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "contentVersion": "1.0.0.0",
            "resources": [{"type": "Microsoft.Compute/virtualMachineScaleSets", "apiVersion": "2024-03-01",
                           "name": n, "location": "westeurope", "sku": {"name": "Standard_D2s_v5", "capacity": 3},
                           "properties": {"upgradePolicy": {"mode": "Manual"}}} for n in names]})
    (tmp_path / "a.json").write_text(template("keep", "old"), encoding="utf-8")
    (tmp_path / "b.json").write_text(template("new", "keep"), encoding="utf-8")
    run = run_cli("plan", str(tmp_path / "a.json"), str(tmp_path / "b.json"), "-o", "json")
    plan = json.loads(run.out)
    assert_valid_plan(plan)
    assert [(s["name"], s["action"]) for s in plan["scale_sets"]] == [
        ("keep", "no-op"), ("new", "create"), ("old", "delete")]
    assert run.code == 0


def test_validate_passes_templates_without_scale_sets(tmp_path: Path) -> None:
    other = tmp_path / "azuredeploy.json"
    other.write_text(json.dumps({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [{"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "name": "s"}]}),
        encoding="utf-8")
    run = run_cli("validate", str(other))
    assert run.code == 0 and "VAL003" in run.out and "info" in run.out


def test_validate_reports_schema_errors_with_location(tmp_path: Path) -> None:
    model = json.loads((IMAGE / "proposed.json").read_text(encoding="utf-8"))
    model["properties"]["upgradePolicy"]["mode"] = "Sometimes"
    bad = tmp_path / "model.json"
    bad.write_text(json.dumps(model, indent=2), encoding="utf-8")
    run = run_cli("validate", str(bad))
    assert run.code == 1
    line = next(out for out in run.out.splitlines() if "VAL020" in out)
    expected_line = bad.read_text(encoding="utf-8").splitlines().index('      "mode": "Sometimes"') + 1
    assert line.startswith(f"{bad}:{expected_line}:7: error [VAL020] properties.upgradePolicy.mode")


def test_az_show_output_against_the_put_body_is_a_no_op(tmp_path: Path) -> None:
    from shapes import az_shape

    current = az_shape(json.loads((IMAGE / "current.json").read_text(encoding="utf-8")))
    (tmp_path / "az.json").write_text(json.dumps(current, indent=2), encoding="utf-8")
    run = run_cli("plan", str(tmp_path / "az.json"), str(EXAMPLES / "no-op" / "proposed.json"), "-o", "json")
    plan = json.loads(run.out)
    assert run.code == 0 and plan["scale_sets"][0]["action"] == "no-op", plan["scale_sets"][0]["changes"]
    run = run_cli("plan", str(tmp_path / "az.json"), str(IMAGE / "proposed.json"), "-o", "json")
    changes = json.loads(run.out)["scale_sets"][0]["changes"]
    assert [c["path"] for c in changes] == ["/properties/virtualMachineProfile/storageProfile/imageReference/version"]


TEMPLATE_EXAMPLE = EXAMPLES / "template-parameters"


def test_template_parameters_from_files_and_overrides() -> None:
    base = ("plan", "current.json", "proposed.json", "-o", "json")
    plan = json.loads(run_cli(*base, "--proposed-parameters", "vmSku=Standard_D4s_v5",
                              "--proposed-parameters", "instanceCount=8", cwd=TEMPLATE_EXAMPLE).out)
    assert_valid_plan(plan)
    changes = {c["path"]: c["effect"] for c in plan["scale_sets"][0]["changes"]}
    assert changes == {"/sku/capacity": "none", "/sku/name": "deallocate",
                       "/properties/virtualMachineProfile/storageProfile/imageReference/version": "upgrade"}
    # An explicit file replaces the sibling one: the same file on both sides is a no-op.
    run = run_cli(*base, "--parameters", "@current.parameters.json", cwd=TEMPLATE_EXAMPLE)
    assert json.loads(run.out)["scale_sets"][0]["action"] == "no-op"


def test_context_options_make_resource_group_functions_known() -> None:
    args = ("plan", "current.json", "proposed.json", "-o", "json")
    unknown = json.loads(run_cli(*args, cwd=TEMPLATE_EXAMPLE).out)
    known = json.loads(run_cli(*args, "-g", "web-rg", "-l", "westeurope", "--subscription-id",
                               "0f4c6a4e-3a1b-4c5d-9e8f-1a2b3c4d5e6f", cwd=TEMPLATE_EXAMPLE).out)
    assert unknown["scale_sets"][0]["changes"] == known["scale_sets"][0]["changes"]


def test_bad_parameter_arguments() -> None:
    run = run_cli("plan", "current.json", "proposed.json", "-p", "novalue", cwd=TEMPLATE_EXAMPLE)
    assert run.code == 2 and "expected @FILE, FILE.json or NAME=VALUE" in run.err
    run = run_cli("plan", "current.json", "proposed.json", "-p", "@missing.json", cwd=TEMPLATE_EXAMPLE)
    assert run.code == 2 and "no such file" in run.err
    run = run_cli("plan", "current.json", "proposed.json", "--proposed-parameters", "instanceCount=500",
                  cwd=TEMPLATE_EXAMPLE)
    assert run.code == 1 and "more than the maxValue 100" in run.out and "VAL032" in run.out


def test_expression_errors_are_located_in_the_template(tmp_path: Path) -> None:
    tpl = json.loads((TEMPLATE_EXAMPLE / "current.json").read_text(encoding="utf-8"))
    tpl["resources"][0]["properties"]["overprovision"] = "[concat('a', ]"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(tpl, indent=2), encoding="utf-8")
    (tmp_path / "bad.parameters.json").write_text(
        (TEMPLATE_EXAMPLE / "current.parameters.json").read_text(encoding="utf-8"), encoding="utf-8")
    run = run_cli("plan", str(TEMPLATE_EXAMPLE / "current.json"), str(path))
    line_no = next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                   if '"overprovision"' in line)
    located = [out for out in run.out.splitlines() if "VAL040" in out]
    assert run.code == 1 and located and located[0].startswith(f"{path}:{line_no}:")
    assert "concat('a', ]" in located[0]


def test_instances_option_plans_each_vm_and_rejects_other_documents(tmp_path: Path) -> None:
    folder = EXAMPLES / "instances-manual-protected-stale"
    run = run_cli("plan", "current.json", "proposed.json", "--instances", "instances.json", "-o", "json",
                  cwd=folder)
    plan = json.loads(run.out)
    assert_valid_plan(plan)
    vms = {vm["instance_id"]: vm["action"] for vm in plan["scale_sets"][0]["instances"]}
    assert vms == {"0": "upgrade", "1": "skipped", "2": "upgrade", "3": "upgrade"}
    assert plan["scale_sets"][0]["vm_impact"]["commands"] == [
        "az vmss update-instances --resource-group web-rg --name web-vmss --instance-ids 0 2 3",
        "# left out, protected from scale-set actions: 1"]
    # A scale-set model given as an instance list is a located finding, and the plan still stands.
    run = run_cli("plan", "current.json", "proposed.json", "--instances", "current.json", cwd=folder)
    assert run.code == 1 and "VAL050" in run.out and "Plan: 1 scale set" in run.out


def test_previewing_az_style_edits_matches_the_edited_file() -> None:
    folder = EXAMPLES / "load-balancer-to-app-gateway"
    proposed = json.loads((folder / "proposed.json").read_text(encoding="utf-8"))
    pool = proposed["properties"]["virtualMachineProfile"]["networkProfile"]["networkInterfaceConfigurations"][0][
        "properties"]["ipConfigurations"][0]["properties"]["applicationGatewayBackendAddressPools"][0]["id"]
    nic = "virtualMachineProfile.networkProfile.networkInterfaceConfigurations[0].ipConfigurations[0]"
    edited = run_cli("plan", "current.json", "--remove", f"{nic}.loadBalancerBackendAddressPools", "0",
                     "--add", f"{nic}.applicationGatewayBackendAddressPools", json.dumps({"id": pool}),
                     "-o", "json", cwd=folder)
    from_file = run_cli("plan", "current.json", "proposed.json", "-o", "json", cwd=folder)
    assert edited.code == 0, edited.err
    edited_changes = json.loads(edited.out)["scale_sets"][0]["changes"]
    file_changes = json.loads(from_file.out)["scale_sets"][0]["changes"]
    assert [(c["op"], c["path"], c["after"]) for c in edited_changes] == [
        (c["op"], c["path"], c["after"]) for c in file_changes]


def test_edit_errors_name_the_path_and_exit_2() -> None:
    run = run_cli("plan", "current.json", "--set", "virtualMachineProfile.nope.x=1", cwd=IMAGE)
    assert run.code == 2 and "'nope' not found under 'virtualMachineProfile'" in run.err
    run = run_cli("plan", "current.json", "proposed.json", "--set", "sku.capacity=3", cwd=IMAGE)
    assert run.code == 2 and "not both" in run.err
    run = run_cli("validate", "current.json", "--set", "sku.capacity=3", cwd=IMAGE)
    assert run.code == 2 and "belong to `vmssplan plan`" in run.err


def test_patch_body_builds_the_proposed_side(tmp_path: Path) -> None:
    (tmp_path / "patch.json").write_text(json.dumps({"sku": {"capacity": 9}, "properties": {
        "virtualMachineProfile": {"storageProfile": {"imageReference": {"version": "22.04.202510010"}}}}}),
        encoding="utf-8")
    run = run_cli("plan", str(IMAGE / "current.json"), "--patch", str(tmp_path / "patch.json"), "-o", "json")
    changes = {c["path"]: c["effect"] for c in json.loads(run.out)["scale_sets"][0]["changes"]}
    assert changes == {"/sku/capacity": "none",
                       "/properties/virtualMachineProfile/storageProfile/imageReference/version": "upgrade"}


def test_cross_field_lint_is_located_with_a_stable_id(tmp_path: Path) -> None:
    model = json.loads((IMAGE / "proposed.json").read_text(encoding="utf-8"))
    model["properties"]["upgradePolicy"] = {"mode": "Rolling"}
    del model["properties"]["virtualMachineProfile"]["extensionProfile"]  # no health extension, no probe
    path = tmp_path / "model.json"
    path.write_text(json.dumps(model, indent=2), encoding="utf-8")
    line_no = next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                   if '"mode": "Rolling"' in line)
    for args in (("validate", str(path)), ("plan", str(IMAGE / "current.json"), str(path))):
        run = run_cli(*args)
        located = [line for line in run.out.splitlines() if "[LINT001]" in line]
        assert run.code == 1 and located and located[0].startswith(f"{path}:{line_no}:"), run.out


def test_rules_catalogue_of_every_family_and_one_rule() -> None:
    listing = run_cli("rules")
    assert listing.code == 0 and "VMSS201" in listing.out and "/properties/singlePlacementGroup" in listing.out
    one = run_cli("rules", "vmss201")
    assert one.code == 0 and one.out.startswith("# VMSS201:") and "## Evidence" in one.out
    assert run_cli("rules", "VMSS999").code == 2
    for heading, rule_id in (("Change rules", "VMSS201"), ("Cross-field rules", "LINT001"),
                             ("Finding ids", "VAL001"), ("Finding ids", "CFG001")):
        assert heading in listing.out and f"\n{rule_id} " in listing.out, rule_id
    for rule_id in ("vmss003", "LINT412", "val044", "CFG001"):
        one = run_cli("rules", rule_id)
        assert one.code == 0 and one.out.startswith(f"# {rule_id.upper()}: "), one.out
    assert "## Override" in run_cli("rules", "VMSS003").out and "## Check" in run_cli("rules", "LINT001").out


def test_plan_refuses_a_lint_rule_from_a_rule_directory_rather_than_ignore_it(tmp_path: Path) -> None:
    lint_rule = json.loads((REPO / "lint" / "LINT009-max-surge-overprovision.json").read_text(encoding="utf-8"))
    rule = tmp_path / "TEAM002-surge.json"
    rule.write_text(json.dumps({**lint_rule, "id": "TEAM002"}), encoding="utf-8")
    folder = EXAMPLES / "vm-size"
    run = run_cli("plan", str(folder / "current.json"), str(folder / "proposed.json"), "--rules-dir", str(tmp_path))
    assert run.code == 2 and f"{rule}: TEAM002 is a cross-field (lint) rule" in run.err, run.err
    assert "Traceback" not in run.err


def test_configuration_sets_fail_on_and_suppresses_with_a_reason(tmp_path: Path) -> None:
    folder = EXAMPLES / "fault-domain-count"
    args = ("plan", str(folder / "current.json"), str(folder / "proposed.json"))
    (tmp_path / ".git").mkdir()
    (tmp_path / ".vmssplan.yaml").write_text(
        "suppressions:\n  - rule: VMSS107\n    reason: recreated in the window\n", encoding="utf-8")
    run = run_cli(*args, "-o", "json", cwd=tmp_path)
    change = json.loads(run.out)["scale_sets"][0]["changes"][0]
    assert run.code == 0 and change["suppressed"] == "suppressed: recreated in the window"
    (tmp_path / ".vmssplan.yaml").write_text("fail-on: upgrade\n", encoding="utf-8")
    assert run_cli("plan", str(IMAGE / "current.json"), str(IMAGE / "proposed.json"), cwd=tmp_path).code == 1
    assert run_cli("plan", str(IMAGE / "current.json"), str(IMAGE / "proposed.json"), "--fail-on", "rejected",
                   cwd=tmp_path).code == 0
    (tmp_path / ".vmssplan.yaml").write_text("fail-on: upgrade\nignore: [nope]\n", encoding="utf-8")
    broken = run_cli(*args, cwd=tmp_path)
    assert broken.code == 2 and ".vmssplan.yaml:2: invalid configuration at ignore.0" in broken.err


def test_base_ref_needs_a_git_repository_and_a_revision(tmp_path: Path) -> None:
    run = run_cli("plan", "--base-ref", "HEAD", cwd=tmp_path)
    assert run.code == 2 and "revision" in run.err and "Traceback" not in run.err


def test_broken_user_rule_files_are_exit_2_with_file_and_line(tmp_path: Path) -> None:
    args = ("plan", str(IMAGE / "current.json"), str(IMAGE / "proposed.json"), "--rules-dir", str(tmp_path))
    rule = tmp_path / "TEAM001-x.json"
    rule.write_text('{\n  "id": "TEAM001",\n  "title": "x"\n  "effect": "none"\n}\n', encoding="utf-8")
    run = run_cli(*args)
    assert run.code == 2 and f"{rule}:4:3: invalid JSON in rule file" in run.err
    good = json.loads((Path(__file__).parent.parent / "rules" / "VMSS301-vm-size.json").read_text(encoding="utf-8"))
    good.update({"id": "TEAM001", "paths": ["/sku/name", "not a pointer"]})
    rule.write_text(json.dumps(good, indent=2), encoding="utf-8")
    run = run_cli(*args)
    line = next(i for i, text in enumerate(rule.read_text(encoding="utf-8").splitlines(), 1) if "not a pointer" in text)
    assert run.code == 2 and f"{rule}:{line}:" in run.err and "does not match" in run.err
    # A valid user rule is used like a built-in one, once it says which built-in rules it replaces.
    good.update({"paths": ["/properties/virtualMachineProfile/storageProfile/imageReference/version"],
                 "effect": "rejected", "title": "Our images are pinned"})
    good.pop("when", None)
    rule.write_text(json.dumps(good), encoding="utf-8")
    run = run_cli(*args)
    assert run.code == 2 and '"replaces": "VMSS501"' in run.err
    rule.write_text(json.dumps({**good, "replaces": "VMSS501"}), encoding="utf-8")
    run = run_cli(*args, "-o", "json")
    change = json.loads(run.out)["scale_sets"][0]["changes"][0]
    assert run.code == 1 and (change["rule"], change["effect"]) == ("TEAM001", "rejected")
    assert "TEAM001" in run_cli("rules", "--rules-dir", str(tmp_path)).out


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "vmssplan", *args]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_output_that_cannot_be_written_is_a_clear_error_not_a_bug() -> None:
    folder = EXAMPLES / "vm-size"
    with open("/dev/full", "w", encoding="utf-8") as full:
        proc = subprocess.run(_command("plan", "current.json", "proposed.json", "-o", "json"), cwd=folder,
                              stdout=full, stderr=subprocess.PIPE, text=True, timeout=60, check=False)
    assert (proc.returncode, proc.stderr) == (2, "vmssplan: error: cannot write the output: No space left on device\n")


def test_a_reader_that_goes_away_ends_the_run_quietly(tmp_path: Path) -> None:
    # Output larger than a pipe's buffer, so the write meets the closed pipe.
    models = [json.loads((EXAMPLES / "vm-size" / side).read_text(encoding="utf-8")) for side in
              ("current.json", "proposed.json")]
    for side, model in zip(("current", "proposed"), models, strict=True):
        (tmp_path / f"{side}.json").write_text(json.dumps([dict(model, name=f"s{i}") for i in range(300)]),
                                               encoding="utf-8")
    proc = subprocess.Popen(_command("plan", "current.json", "proposed.json", "-o", "json"),
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.read(10) == b'{\n  "forma'
    proc.stdout.close()
    _, err = proc.communicate(timeout=60)
    # Quiet: no traceback, no "internal error". The code is the plan's (0), or 1 where the
    # write fails outright and click's handling of a broken pipe takes over.
    assert err == b"" and proc.returncode in (0, 1)


def test_exit_handlers_run_so_a_profile_of_a_run_is_written(tmp_path: Path) -> None:
    folder = EXAMPLES / "vm-size"
    proc = subprocess.run([sys.executable, "-m", "cProfile", "-o", str(tmp_path / "run.prof"), "-m", "vmssplan",
                           "plan", "current.json", "proposed.json"], cwd=folder, capture_output=True, text=True,
                          timeout=60, check=False)
    assert proc.returncode == 0 and "Plan: 1 scale set" in proc.stdout
    assert (tmp_path / "run.prof").stat().st_size > 0


def test_the_whole_output_is_written_before_the_exit(tmp_path: Path) -> None:
    folder = EXAMPLES / "vm-size"
    piped = run_cli("plan", "current.json", "proposed.json", "-o", "json", cwd=folder)
    proc = subprocess.run(_command("plan", "current.json", "proposed.json", "-o", "json"), cwd=folder,
                          stdout=(tmp_path / "plan.json").open("w"), stderr=subprocess.PIPE, text=True, timeout=60,
                          check=False)
    assert proc.returncode == piped.code == 0 and proc.stderr == ""
    assert (tmp_path / "plan.json").read_text(encoding="utf-8") == piped.out
    assert json.loads(piped.out)["scale_sets"]


def test_validate_takes_parameters_as_plan_does(tmp_path: Path) -> None:
    """A template whose parameters file leaves out its secret (given at deployment) fails
    `validate` with VAL031 unless the value is given with -p, as `plan` takes it."""
    template = EXAMPLES / "template-parameters" / "proposed.json"
    shutil.copyfile(template, tmp_path / "vmss.json")
    parameters = json.loads((EXAMPLES / "template-parameters" / "proposed.parameters.json").read_text(encoding="utf-8"))
    del parameters["parameters"]["adminPassword"]
    (tmp_path / "vmss.parameters.json").write_text(json.dumps(parameters), encoding="utf-8")
    missing = run_cli("validate", "vmss.json", cwd=tmp_path)
    assert missing.code == 1 and "VAL031" in missing.out and "adminPassword" in missing.out
    given = run_cli("validate", "vmss.json", "-p", "adminPassword=S3ntinel-Secret-9", "-o", "json", cwd=tmp_path)
    assert given.code == 0, given.out + given.err
    assert "S3ntinel-Secret-9" not in given.out + given.err
    assert "@FILE|NAME=VALUE" in run_cli("validate", "--help").out


def test_validate_checks_a_parameters_file_on_its_own(tmp_path: Path) -> None:
    """pre-commit hands `validate` every parameters file: it is checked against the
    deployment parameters schema, not refused as a document that cannot be planned."""
    parameters = EXAMPLES / "template-parameters" / "proposed.parameters.json"
    ok = run_cli("validate", str(parameters))
    assert ok.code == 0, ok.out + ok.err
    broken = tmp_path / "x.parameters.json"
    broken.write_text(json.dumps({"$schema": "https://schema.management.azure.com/schemas/2019-04-01/"
                                             "deploymentParameters.json#", "contentVersion": "1.0.0.0",
                                  "parameters": {"a": {"value": 1}}, "extra": 1}), encoding="utf-8")
    bad = run_cli("validate", str(broken))
    assert bad.code == 1 and "VAL011" in bad.out
    assert run_cli("plan", str(parameters), str(parameters)).code == 1  # a plan needs the template
