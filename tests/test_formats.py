"""The other output formats (SARIF, Markdown, GitHub annotations, JUnit, JSON Patch),
--output-file and --query, through the real CLI on the bundled examples."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonpatch
import jsonschema
import pytest

from clihelp import run_cli
from conftest import EXAMPLES, REPO

PLAN_FORMATS = ("text", "json", "sarif", "markdown", "github", "junit", "patch", "azure-devops", "table", "tsv")
FINDINGS_FORMATS = ("text", "json", "sarif", "markdown", "github", "junit", "azure-devops", "table", "tsv")
REJECTED = EXAMPLES / "fault-domain-count"
REIMAGE = EXAMPLES / "ssh-key-rotation"
TEMPLATE = EXAMPLES / "template-parameters"
ROLLING = EXAMPLES / "instances-rolling-zones"


def _plan(folder: Path, fmt: str, *extra: str, env: dict[str, str] | None = None):
    args = ["plan", "current.json", "proposed.json", "-o", fmt, *extra]
    if (folder / "instances.json").is_file():
        args += ["--instances", "instances.json"]
    return run_cli(*args, cwd=folder, env=env)


def _json_plan(folder: Path) -> dict[str, Any]:
    return json.loads(_plan(folder, "json").out)


# --- the format tables and the CLI agree -----------------------------------------------


def test_cli_formats_are_the_renderer_tables() -> None:
    from vmssplan.cli import FindingsFormat, PlanFormat
    from vmssplan.render import FINDINGS_FORMATS as FINDINGS_TABLE
    from vmssplan.render import PLAN_FORMATS as PLAN_TABLE

    assert [f.value for f in PlanFormat] == list(PLAN_TABLE) == list(PLAN_FORMATS)
    assert [f.value for f in FindingsFormat] == list(FINDINGS_TABLE) == list(FINDINGS_FORMATS)


# --- SARIF -------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _sarif_validator() -> jsonschema.Draft4Validator:
    schema = json.loads((REPO / "tests" / "data" / "sarif" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def assert_valid_sarif(log: Any) -> None:
    errors = sorted(_sarif_validator().iter_errors(log), key=lambda e: list(map(str, e.absolute_path)))
    assert not errors, [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5]]
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted({r["ruleId"] for r in run["results"]})
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def _line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


@pytest.mark.parametrize("folder", [REJECTED, REIMAGE, TEMPLATE, ROLLING], ids=lambda p: p.name)
def test_sarif_is_valid_and_points_at_the_proposed_file(folder: Path) -> None:
    run = _plan(folder, "sarif")
    log = json.loads(run.out)
    assert_valid_sarif(log)
    assert run.code == _plan(folder, "text").code
    plan = _json_plan(folder)
    changes = [c for s in plan["scale_sets"] for c in s["changes"] if c["effect"] != "none"]
    results = log["runs"][0]["results"]
    assert len(results) == len(changes) + len(plan["findings"])
    for result, change in zip(results, changes, strict=False):  # the findings follow the changes
        assert result["ruleId"] == change["rule"]
        assert result["message"]["text"] == f"{change['display_path']}: {change['effect']}: {change['message']}"
        physical = result["locations"][0]["physicalLocation"]
        # The template example changes only its parameters file: the line that changed is there.
        file = "proposed.parameters.json" if folder == TEMPLATE else "proposed.json"
        assert physical["artifactLocation"]["uri"] == change["location"]["file"] == file
        assert physical["region"] == {"startLine": change["location"]["line"],
                                      "startColumn": change["location"]["column"]}
        # the line holds the changed property (or the parameter value it came from)
        lines = (folder / file).read_text(encoding="utf-8").splitlines()
        text_line = lines[physical["region"]["startLine"] - 1]
        segments = [s for s in change["path"].split("/") if s]
        if folder == TEMPLATE:
            assert text_line.strip() == '"value": "22.04.202510010"', text_line
        elif segments[-1].isdigit():  # an array item: the line where it starts
            assert text_line.strip().startswith(("{", "[", '"')), (change["path"], text_line)
        else:
            assert f'"{segments[-1]}"' in text_line, (change["path"], text_line)
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "vmssplan" and driver["version"]


def test_sarif_levels_and_rule_metadata() -> None:
    log = json.loads(_plan(REJECTED, "sarif").out)
    result = log["runs"][0]["results"][0]
    assert result["level"] == "error" and result["ruleId"] == "VMSS107"
    region = result["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == _line_of(REJECTED / "proposed.json", '"platformFaultDomainCount"')
    rule = log["runs"][0]["tool"]["driver"]["rules"][0]
    assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
    assert rule["helpUri"].startswith("https://")
    assert rule["properties"]["effect"] == "rejected" and rule["properties"]["confidence"] in ("high", "medium", "low")
    reimage = json.loads(_plan(REIMAGE, "sarif").out)["runs"][0]["results"]
    assert [r["level"] for r in reimage] == ["warning"]
    upgrade = json.loads(_plan(TEMPLATE, "sarif").out)["runs"][0]["results"]
    assert [r["level"] for r in upgrade] == ["note"]
    noop = json.loads(_plan(EXAMPLES / "no-op", "sarif").out)
    assert_valid_sarif(noop)
    assert noop["runs"][0]["results"] == []


def _broken_documents(tmp_path: Path) -> list[str]:
    model = json.loads((EXAMPLES / "os-image-version" / "proposed.json").read_text(encoding="utf-8"))
    model["properties"]["upgradePolicy"]["mode"] = "Sometimes"
    (tmp_path / "bad.json").write_text(json.dumps(model, indent=2), encoding="utf-8")
    (tmp_path / "broken.json").write_text('{\n  "name": "x",\n  "sku": {"name": "a",}\n}\n', encoding="utf-8")
    return ["bad.json", "broken.json"]


def test_validate_sarif_locates_findings(tmp_path: Path) -> None:
    files = _broken_documents(tmp_path)
    run = run_cli("validate", *files, "-o", "sarif", cwd=tmp_path)
    assert run.code == 1
    log = json.loads(run.out)
    assert_valid_sarif(log)
    findings = json.loads(run_cli("validate", *files, "-o", "json", cwd=tmp_path).out)["findings"]
    results = log["runs"][0]["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [
        (f["rule"], {"error": "error", "warning": "warning", "info": "note"}[f["severity"]]) for f in findings]
    broken = next(r for r in results if r["ruleId"] == "VAL001")
    assert broken["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "broken.json"}, "region": {"startLine": 3, "startColumn": 23}}
    assert all(rule["shortDescription"]["text"] for rule in log["runs"][0]["tool"]["driver"]["rules"])


def test_sarif_uris_are_uri_references() -> None:
    from vmssplan.render.sarif import artifact_uri

    assert artifact_uri("proposed.json") == "proposed.json"
    assert artifact_uri("infra/my vmss/proposed.json") == "infra/my%20vmss/proposed.json"
    assert artifact_uri("infra\\proposed.json") == "infra/proposed.json"
    assert artifact_uri("/srv/infra/p.json") == "file:///srv/infra/p.json"
    assert artifact_uri("C:\\infra\\p.json") == "file:///C:/infra/p.json"


# --- Markdown ----------------------------------------------------------------------------


def test_markdown_verdicts() -> None:
    rejected = _plan(REJECTED, "markdown").out
    assert rejected.splitlines()[0].startswith("❌ **Azure would reject this change**")
    reimage = _plan(REIMAGE, "markdown").out
    assert reimage.splitlines()[0] == "⚠️ **VMs need attention**: 4 VMs need a reimage"
    rolling = _plan(ROLLING, "markdown").out
    assert rolling.splitlines()[0].startswith("⚠️ **VMs need attention**: 10 VMs need an upgrade")
    assert _plan(EXAMPLES / "no-op", "markdown").out.splitlines()[0] == "✅ **No changes**"
    scale_set_only = _plan(EXAMPLES / "single-placement-group-off", "markdown").out
    assert scale_set_only.splitlines()[0] == "✅ **No VM is touched**"


def test_markdown_table_vms_and_details() -> None:
    out = _plan(ROLLING, "markdown").out
    lines = out.splitlines()
    header = lines.index("| Scale set | Action | Changes | VM impact |")
    assert lines[header + 1] == "| --- | --- | --- | --- |"
    assert lines[header + 2] == "| `web-vmss` | update | 1 (1 upgrade) | 10 upgrade (by Azure) |"
    assert "### VMs" in lines
    vm_rows = [line for line in lines if re.match(r"^\| `\d+` \| upgrade \|", line)]
    assert len(vm_rows) == 10
    assert "Rolling batches:" in lines and "1. `7`, `1`" in lines
    assert out.count("<details>") == out.count("</details>") == 1
    assert "```sh\n# Azure upgrades 10 VMs itself" in out
    assert "`\"22.04.202409160\"` → `\"22.04.202510010\"`" in out
    assert lines[-1] == "**Plan:** 1 scale set: 1 to update. 1 change (1 upgrade)."


def test_markdown_escapes_table_cells_and_code() -> None:
    from vmssplan.render.markdown import _code, _text

    assert _code("a|b", cell=True) == "`a\\|b`"
    assert _code("x `y` z") == "``x `y` z``"
    assert _code("`") == "`` ` ``"
    assert _text("a|b *c* <d> [e]") == "a\\|b \\*c\\* \\<d\\> \\[e\\]"


def test_markdown_pipe_in_a_scale_set_name(tmp_path: Path) -> None:
    for side in ("current", "proposed"):
        model = json.loads((EXAMPLES / "os-image-version" / f"{side}.json").read_text(encoding="utf-8"))
        model["name"] = "web|vmss"
        (tmp_path / f"{side}.json").write_text(json.dumps(model, indent=2), encoding="utf-8")
    out = run_cli("plan", "current.json", "proposed.json", "-o", "markdown", cwd=tmp_path).out
    row = next(line for line in out.splitlines() if line.startswith("| `web"))
    assert row.startswith("| `web\\|vmss` | update |")
    assert len(re.split(r"(?<!\\)\|", row)) == 6  # four cells


def test_validate_markdown(tmp_path: Path) -> None:
    files = _broken_documents(tmp_path)
    run = run_cli("validate", *files, "-o", "markdown", cwd=tmp_path)
    assert run.code == 1
    lines = run.out.splitlines()
    assert lines[0] == "❌ **2 errors in the documents** (1 other finding)"
    assert "| `broken.json:3:23` | error | VAL001 | invalid JSON: Expecting property name enclosed in double " \
           "quotes |" in lines


# --- GitHub workflow commands --------------------------------------------------------------

_COMMAND = re.compile(r"^::(error|warning|notice)(?: ([^:]*))?::(.*)$")


def _unescape(text: str) -> str:
    return re.sub(r"%([0-9A-F]{2})", lambda m: chr(int(m.group(1), 16)), text)


def _parse_command(line: str) -> tuple[str, dict[str, str], str]:
    match = _COMMAND.match(line)
    assert match, line
    properties = {}
    for item in (match.group(2) or "").split(","):
        if item:
            key, _, value = item.partition("=")
            assert "," not in value and ":" not in value
            properties[key] = _unescape(value)
    return match.group(1), properties, _unescape(match.group(3))


def test_github_annotations() -> None:
    lines = _plan(REJECTED, "github").out.splitlines()
    assert len(lines) == 1
    level, properties, message = _parse_command(lines[0])
    assert level == "error"
    assert properties == {"file": "proposed.json", "line": str(_line_of(REJECTED / "proposed.json",
                                                                         '"platformFaultDomainCount"')),
                          "col": "5", "title": "web-vmss: rejected [VMSS107]"}
    assert message.startswith("properties.platformFaultDomainCount: rejected: The fault domain count")
    assert [_parse_command(line)[0] for line in _plan(REIMAGE, "github").out.splitlines()] == ["warning"]
    assert [_parse_command(line)[0] for line in _plan(TEMPLATE, "github").out.splitlines()] == ["notice"]
    assert _plan(EXAMPLES / "no-op", "github").out == ""


def test_github_escaping() -> None:
    from vmssplan.render.github import command, escape_data, escape_property

    assert escape_data("50% done\r\nnext: a, b") == "50%25 done%0D%0Anext: a, b"
    assert escape_property("C:\\a,b%\n") == "C%3A\\a%2Cb%25%0A"
    line = command("warning", "two\nlines: 100%", file="dir,1/x:y.json", line=3, column=4, title="t: a, b")
    assert line == "::warning file=dir%2C1/x%3Ay.json,line=3,col=4,title=t%3A a%2C b::two%0Alines: 100%25"
    assert _parse_command(line) == ("warning", {"file": "dir,1/x:y.json", "line": "3", "col": "4",
                                                "title": "t: a, b"}, "two\nlines: 100%")
    assert command("notice", "no file") == "::notice::no file"


def test_validate_github(tmp_path: Path) -> None:
    files = _broken_documents(tmp_path)
    lines = run_cli("validate", *files, "-o", "github", cwd=tmp_path).out.splitlines()
    parsed = [_parse_command(line) for line in lines]
    assert [p[0] for p in parsed] == ["notice", "error", "error"]
    assert parsed[2][1] == {"file": "broken.json", "line": "3", "col": "23", "title": "error [VAL001]"}


# --- JUnit -------------------------------------------------------------------------------


def test_junit_counts_rejected_changes_as_failures() -> None:
    root = ET.fromstring(_plan(REJECTED, "junit").out.encode("utf-8"))
    assert root.tag == "testsuites" and root.get("failures") == "1" and root.get("tests") == "1"
    suite = root.find("testsuite")
    assert suite is not None and suite.get("name") == "web-vmss" and suite.get("failures") == "1"
    case = suite.find("testcase")
    assert case is not None and case.get("name") == "properties.platformFaultDomainCount"
    failure = case.find("failure")
    assert failure is not None and failure.get("type") == "rejected" and "1 -> 5" in (failure.text or "")
    for folder in (REIMAGE, ROLLING):
        root = ET.fromstring(_plan(folder, "junit").out.encode("utf-8"))
        assert root.get("failures") == "0" and root.get("tests") == "1"
        assert root.find("testsuite/testcase/system-out") is not None


def test_validate_junit_fails_on_error_findings(tmp_path: Path) -> None:
    files = _broken_documents(tmp_path)
    root = ET.fromstring(run_cli("validate", *files, "-o", "junit", cwd=tmp_path).out.encode("utf-8"))
    suite = root.find("testsuite")
    assert suite is not None and suite.get("name") == "documents"
    assert (suite.get("tests"), suite.get("failures")) == ("3", "2")
    assert len(suite.findall("testcase/failure")) == 2
    clean = ET.fromstring(run_cli("validate", str(REJECTED / "proposed.json"), "-o", "junit").out.encode("utf-8"))
    assert clean.get("failures") == "0"


# --- JSON Patch --------------------------------------------------------------------------


def _canonical(path: Path) -> dict[str, Any]:
    from vmssplan.inputs.documents import load_document, scale_sets_of
    from vmssplan.normalize import normalize

    doc = load_document(str(path))
    (source,) = scale_sets_of(doc)
    return normalize(source, doc.kind).model


@pytest.mark.parametrize("name", ["os-image-version", "load-balancer-to-app-gateway", "vm-size", "custom-image",
                                  "extension-force-update", "instances-rolling-zones"])
def test_patch_applies_to_the_canonical_current_model(name: str) -> None:
    from vmssplan.diff import diff

    folder = EXAMPLES / name
    scale_set = _json_plan(folder)["scale_sets"][0]
    patch = json.loads(_plan(folder, "patch").out)
    assert isinstance(patch, dict) and list(patch) == [scale_set["name"]]
    ops = patch[scale_set["name"]]
    assert ops
    changes = scale_set["changes"]
    assert [(op["op"], op["path"], op.get("value")) for op in ops] == [
        (c["op"], c["path"], None if c["op"] == "remove" else c["after"]) for c in changes]
    assert all("value" not in op for op in ops if op["op"] == "remove")
    patched = jsonpatch.apply_patch(_canonical(folder / "current.json"), ops)
    assert diff(patched, _canonical(folder / "proposed.json")) == []


def test_patch_is_one_object_keyed_by_scale_set_whatever_their_number(tmp_path: Path) -> None:
    def template(capacity: int, *names: str) -> str:
        return json.dumps({
            "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "contentVersion": "1.0.0.0",
            "resources": [{"type": "Microsoft.Compute/virtualMachineScaleSets", "apiVersion": "2024-03-01",
                           "name": n, "location": "westeurope",
                           "sku": {"name": "Standard_D2s_v5", "capacity": capacity},
                           "properties": {"upgradePolicy": {"mode": "Manual"}}} for n in names]})
    (tmp_path / "a.json").write_text(template(3, "keep", "old"), encoding="utf-8")
    (tmp_path / "b.json").write_text(template(5, "new", "keep"), encoding="utf-8")
    patch = json.loads(run_cli("plan", "a.json", "b.json", "-o", "patch", cwd=tmp_path).out)
    assert patch == {"keep": [{"op": "replace", "path": "/sku/capacity", "value": 5}], "new": [], "old": []}
    (tmp_path / "c.json").write_text(template(5, "keep", "old"), encoding="utf-8")
    one = json.loads(run_cli("plan", "a.json", "c.json", "-o", "patch", cwd=tmp_path).out)
    assert one == {"keep": [{"op": "replace", "path": "/sku/capacity", "value": 5}],
                   "old": [{"op": "replace", "path": "/sku/capacity", "value": 5}]}
    (tmp_path / "d.json").write_text(template(5, "keep"), encoding="utf-8")
    (tmp_path / "e.json").write_text(template(3, "keep"), encoding="utf-8")
    single = json.loads(run_cli("plan", "e.json", "d.json", "-o", "patch", cwd=tmp_path).out)
    assert single == {"keep": [{"op": "replace", "path": "/sku/capacity", "value": 5}]}


def test_patch_keeps_secrets_masked(tmp_path: Path) -> None:
    (ops,) = json.loads(_plan(REIMAGE, "patch").out).values()
    assert ops[0]["op"] == "add" and ops[0]["value"]["path"] == "/home/azureuser/.ssh/authorized_keys"
    model = json.loads((EXAMPLES / "os-image-version" / "current.json").read_text(encoding="utf-8"))
    model["properties"]["virtualMachineProfile"]["osProfile"]["customData"] = "c2VjcmV0LWN1c3RvbS1kYXRh"
    (tmp_path / "current.json").write_text(json.dumps(model), encoding="utf-8")
    model["properties"]["virtualMachineProfile"]["osProfile"]["customData"] = "bmV3LXNlY3JldC1jdXN0b20="
    (tmp_path / "proposed.json").write_text(json.dumps(model), encoding="utf-8")
    run = run_cli("plan", "current.json", "proposed.json", "-o", "patch", cwd=tmp_path)
    assert list(json.loads(run.out).values()) == [[{
        "op": "replace", "path": "/properties/virtualMachineProfile/osProfile/customData",
        "value": "(sensitive value)"}]]
    assert "bmV3" not in run.out and "c2Vj" not in run.out


# --- --output-file and --query -----------------------------------------------------------


@pytest.mark.parametrize("fmt", PLAN_FORMATS)
def test_output_file_gets_what_stdout_would(tmp_path: Path, fmt: str) -> None:
    expected = _plan(REJECTED, fmt)
    target = tmp_path / "out" / f"plan.{fmt}"
    target.parent.mkdir()
    target.write_text("old content that is replaced\n" * 100, encoding="utf-8")
    run = _plan(REJECTED, fmt, "--output-file", str(target))
    assert run.out == "" and run.err == ""
    assert run.code == expected.code == 1
    assert target.read_text(encoding="utf-8") == expected.out


def test_output_file_for_validate_and_unwritable_paths(tmp_path: Path) -> None:
    files = _broken_documents(tmp_path)
    expected = run_cli("validate", *files, "-o", "sarif", cwd=tmp_path)
    run = run_cli("validate", *files, "-o", "sarif", "--output-file", "findings.sarif", cwd=tmp_path)
    assert (run.code, run.out) == (1, "")
    assert (tmp_path / "findings.sarif").read_text(encoding="utf-8") == expected.out
    bad = _plan(REJECTED, "sarif", "--output-file", str(tmp_path / "missing" / "x.sarif"))
    assert bad.code == 2 and "--output-file" in bad.err and "Traceback" not in bad.err


def test_output_file_is_never_coloured(tmp_path: Path) -> None:
    run = _plan(REJECTED, "text", "--output-file", str(tmp_path / "plan.txt"), env={"NO_COLOR": ""})
    assert run.code == 1 and "\033[" not in (tmp_path / "plan.txt").read_text(encoding="utf-8")


def test_query_applies_jmespath_to_the_json_plan() -> None:
    run = run_cli("plan", "current.json", "proposed.json", "--query", "summary.effect", cwd=REJECTED)
    assert run.code == 1 and json.loads(run.out) == "rejected"
    run = run_cli("plan", "current.json", "proposed.json", "-o", "json", "--query",
                  "scale_sets[].changes[].{path: display_path, rule: rule}", cwd=REJECTED)
    assert json.loads(run.out) == [{"path": "properties.platformFaultDomainCount", "rule": "VMSS107"}]
    run = _plan(ROLLING, "json", "--query", "scale_sets[0].instances[?batch==`1`].instance_id")
    assert run.code == 0 and json.loads(run.out) == ["1", "7"]
    assert json.loads(run_cli("plan", "current.json", "proposed.json", "--query", "nothing.here",
                              cwd=REJECTED).out) is None


def test_query_on_validate_findings(tmp_path: Path) -> None:
    files = _broken_documents(tmp_path)
    run = run_cli("validate", *files, "--query", "findings[?severity=='error'].rule", cwd=tmp_path)
    assert run.code == 1 and json.loads(run.out) == ["VAL020", "VAL001"]


@pytest.mark.parametrize("args", [("--query", "scale_sets[."), ("--query", "summary", "-o", "sarif"),
                                  ("--query", "summary", "-o", "text"), ("--query", "length(`1`)")])
def test_bad_query_is_a_usage_error(args: tuple[str, ...]) -> None:
    run = run_cli("plan", "current.json", "proposed.json", *args, cwd=REJECTED)
    assert run.code == 2 and run.out == ""
    assert run.err.startswith("vmssplan: error: --query") and "Traceback" not in run.err
    run = run_cli("validate", "proposed.json", *args, cwd=REJECTED)
    assert run.code == 2 and run.err.startswith("vmssplan: error: --query")


def test_query_error_says_where() -> None:
    run = run_cli("plan", "current.json", "proposed.json", "--query", "scale_sets[.", cwd=REJECTED)
    assert "invalid JMESPath expression" in run.err and "column 11" in run.err


# --- determinism and secrets -------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["sarif", "markdown", "github", "junit", "patch"])
@pytest.mark.parametrize("folder", [REIMAGE, ROLLING, REJECTED], ids=lambda p: p.name)
def test_formats_are_identical_across_hash_seeds(folder: Path, fmt: str) -> None:
    outputs = {_plan(folder, fmt, env={"PYTHONHASHSEED": seed}).out for seed in ("0", "1")}
    assert len(outputs) == 1 and next(iter(outputs))


def test_validate_formats_are_identical_across_hash_seeds(tmp_path: Path) -> None:
    files = _broken_documents(tmp_path)
    for fmt in FINDINGS_FORMATS:
        outputs = {run_cli("validate", *files, "-o", fmt, cwd=tmp_path, env={"PYTHONHASHSEED": seed}).out
                   for seed in ("0", "1")}
        assert len(outputs) == 1, fmt


def test_a_secret_that_leaks_into_a_plain_value_is_scrubbed_before_escaping(tmp_path: Path) -> None:
    """The CLI's last scrub works on the finished text; Markdown, workflow commands, XML
    and JSON escape characters, so the new formats scrub the data before escaping it."""
    secret = "Sntl_Pa|ss:w,rd%<&>\"1"
    model = json.loads((EXAMPLES / "os-image-version" / "current.json").read_text(encoding="utf-8"))
    model["properties"]["virtualMachineProfile"]["osProfile"]["adminPassword"] = secret
    (tmp_path / "current.json").write_text(json.dumps(model), encoding="utf-8")
    model["tags"] = {**model.get("tags", {}), "copied": secret}  # a careless copy into a plain property
    model["properties"]["upgradePolicy"]["mode"] = "Rolling"
    (tmp_path / "proposed.json").write_text(json.dumps(model), encoding="utf-8")
    outputs = [run_cli("plan", "current.json", "proposed.json", "-o", fmt, cwd=tmp_path) for fmt in PLAN_FORMATS]
    outputs.append(run_cli("plan", "current.json", "proposed.json", "--query", "scale_sets[0].changes",
                           cwd=tmp_path))
    outputs += [run_cli("validate", "current.json", "proposed.json", "-o", fmt, cwd=tmp_path)
                for fmt in FINDINGS_FORMATS]
    plan = json.loads(outputs[1].out)
    assert any(c["path"] == "/tags/copied" for c in plan["scale_sets"][0]["changes"])
    for run in outputs:
        assert "Sntl" not in run.out and "Sntl" not in run.err


def test_json_output_falls_back_to_json_for_what_orjson_refuses() -> None:
    """Integers beyond 64 bits and lone surrogates still serialize (through ``json``);
    everything else is written as ``json.dumps(indent=2)`` writes it."""
    from vmssplan.render.json_output import dumps

    plain = {"a": [1, "é", True, None, {}, []], "b": {"c": 0.5}}
    assert dumps(plain) == json.dumps(plain, indent=2, ensure_ascii=False) + "\n"
    assert json.loads(dumps({"n": 2**70})) == {"n": 2**70}
    assert dumps({"s": "\ud800"}) == json.dumps({"s": "\ud800"}, indent=2, ensure_ascii=False) + "\n"


# --- change locations are found only for the formats that show them ------------------------


@pytest.mark.parametrize("folder", sorted(p for p in EXAMPLES.iterdir() if (p / "proposed.json").is_file()),
                         ids=lambda p: p.name)
def test_formats_that_show_no_change_location_render_the_same_without_them(folder: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from vmssplan.engine import RunConfig, plan_files
    from vmssplan.render import LOCATING_FORMATS, get_renderer
    from vmssplan.render import PLAN_FORMATS as PLAN_TABLE
    from vmssplan.view import build_view

    monkeypatch.chdir(folder)
    instances = ("instances.json",) if (folder / "instances.json").is_file() else ()
    located = plan_files("current.json", "proposed.json", RunConfig(instances=instances))
    unlocated = plan_files("current.json", "proposed.json", RunConfig(instances=instances, locate_changes=False))
    changes = [c for s in located.plan.scale_sets for c in s.changes]
    assert all(c.line is None for s in unlocated.plan.scale_sets for c in s.changes)
    assert all(c.line is not None for c in changes)  # every example file is a real file
    for fmt in PLAN_TABLE:
        render = get_renderer(PLAN_TABLE, fmt)
        same = (render(build_view(located, plan=True), color=False)
                == render(build_view(unlocated, plan=True), color=False))
        if fmt not in LOCATING_FORMATS:
            assert same, fmt
        elif fmt == "json":  # every change has its location
            assert same is not bool(changes)


# --- Markdown cut to a comment's size (--max-length) -------------------------------------

_MIXED = ["--set", "tags.owner=alice",
          "--set", "properties.virtualMachineProfile.storageProfile.imageReference.version=1.2.3",
          "--set", "properties.platformFaultDomainCount=2"]


def test_markdown_max_length_cuts_to_the_verdict_summary_and_strongest_changes() -> None:
    whole = run_cli("plan", "current.json", *_MIXED, "-o", "markdown", cwd=REJECTED)
    assert whole.code == 1 and len(whole.out) > 1650
    # A limit the plan fits: the same bytes.
    fits = run_cli("plan", "current.json", *_MIXED, "-o", "markdown", "--max-length", "65536", cwd=REJECTED)
    assert fits.out == whole.out
    cut = run_cli("plan", "current.json", *_MIXED, "-o", "markdown", "--max-length", "1650", cwd=REJECTED)
    assert cut.code == 1 and len(cut.out.encode("utf-16-le")) // 2 <= 1650
    lines = cut.out.splitlines()
    assert lines[0] == whole.out.splitlines()[0]  # the verdict
    assert "✂️" in lines[2] and "| `web-vmss` | rejected |" in cut.out
    rows = [line for line in lines if line.startswith("- ")]
    assert rows[0].startswith("- ❌ **rejected** `web-vmss` `properties.platformFaultDomainCount`")
    assert rows[1].startswith("- 🔄 **upgrade**")  # strongest first, whatever the plan order
    assert "… and 1 more change (see the full plan)." in lines
    assert lines[-1] == whole.out.splitlines()[-1]  # the plan's summary line


def test_markdown_max_length_holds_for_any_limit() -> None:
    for limit in (500, 700, 1000, 1400):
        out = run_cli("plan", "current.json", *_MIXED, "-o", "markdown", "--max-length", str(limit), cwd=REJECTED).out
        assert 0 < len(out.encode("utf-16-le")) // 2 <= limit, (limit, out)
        assert out.startswith("❌ **Azure would reject this change**")


@pytest.mark.parametrize("args", [["-o", "json", "--max-length", "5000"], ["--max-length", "5000"],
                                  ["-o", "markdown", "--max-length", "100"]])
def test_max_length_is_for_markdown_and_at_least_500(args: list[str]) -> None:
    run = run_cli("plan", "current.json", "proposed.json", *args, cwd=REJECTED)
    assert run.code == 2 and "--max-length" in run.err


# --- Azure DevOps logging commands -------------------------------------------------------


def test_azure_devops_issues_carry_file_line_column_and_code() -> None:
    run = _plan(REJECTED, "azure-devops")
    plan = _json_plan(REJECTED)
    change = plan["scale_sets"][0]["changes"][0]
    loc = change["location"]
    assert run.code == 1
    assert run.out == (f"##vso[task.logissue type=error;sourcepath={loc['file']};linenumber={loc['line']};"
                       f"columnnumber={loc['column']};code={change['rule']}]web-vmss: "
                       "properties.platformFaultDomainCount: rejected: " + change["message"] + "\n")


def test_azure_devops_escaping_is_the_agents() -> None:
    from vmssplan.render.azure_devops import command

    line = command("warning", "100% done", file="a;b]c%d.json", line=3, column=4, code="X;1")
    assert line == ("##vso[task.logissue type=warning;sourcepath=a%3Bb%5Dc%AZP25d.json;linenumber=3;columnnumber=4;"
                    "code=X%3B1]100%AZP25 done")
    assert command("note", "fine", file="a.json", line=3, column=1) == "a.json:3:1: fine"


def test_azure_devops_cannot_be_forged_by_a_name(tmp_path: Path) -> None:
    current = json.loads((REJECTED / "current.json").read_text(encoding="utf-8"))
    proposed = json.loads((REJECTED / "proposed.json").read_text(encoding="utf-8"))
    for doc in (current, proposed):
        doc["name"] = "x]\n##vso[task.setvariable variable=PWNED]1;##vso[task.complete result=Succeeded]"
    (tmp_path / "current.json").write_text(json.dumps(current), encoding="utf-8")
    (tmp_path / "proposed.json").write_text(json.dumps(proposed), encoding="utf-8")
    out = run_cli("plan", "current.json", "proposed.json", "-o", "azure-devops", cwd=tmp_path).out
    lines = out.splitlines()
    assert lines and all(line.count("##vso[") <= 1 for line in lines)
    assert all(line.startswith("##vso[task.logissue ") or "##vso[" not in line for line in lines)
    assert "task.setvariable" in out and "##vso[task.setvariable" not in out.replace("\\x23#vso[", "")
