"""Issue 15, must-hold 5: the habits of az and Terraform, through the real CLI.

Legend, --detailed-exitcode, -o table/tsv with and without --query, grouped --help with
every option, one typo suggestion, wrapping to the terminal width, --set without a value,
one shape of -o patch, Azure words in messages, JUnit valid for Jenkins' strict schema.
"""

from __future__ import annotations

import json
import os
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from clihelp import run_cli
from conftest import EXAMPLES, REPO

IMAGE = EXAMPLES / "os-image-version"
REJECTED = EXAMPLES / "fault-domain-count"
NOOP = EXAMPLES / "no-op"


def _plan(folder: Path, *args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    """The example's plan: its what-if result, or its pair."""
    sides = [folder / "whatif.json"] if (folder / "whatif.json").is_file() else [folder / "current.json",
                                                                                folder / "proposed.json"]
    return run_cli("plan", *map(str, sides), *args, env=env)


# --- (a) the legend ----------------------------------------------------------------------


def test_text_plan_has_a_legend_for_the_symbols_it_uses() -> None:
    update = _plan(IMAGE).out.splitlines()
    assert update[1] == "Symbols: ~ update in place / change"
    rejected = _plan(REJECTED).out.splitlines()
    assert rejected[1] == "Symbols: ~ update in place / change, -/+ Azure rejects the update: recreate"
    assert any(line.startswith("-/+ web-vmss") for line in rejected)
    assert _plan(NOOP).out.splitlines()[1] == "Symbols: = no changes"


# --- (b) --detailed-exitcode -------------------------------------------------------------


def test_detailed_exitcode_tells_changes_from_failures(tmp_path: Path) -> None:
    assert _plan(IMAGE).code == 0  # without the flag: unchanged meaning
    assert _plan(IMAGE, "--detailed-exitcode").code == 4  # changes present, none failing
    assert _plan(NOOP, "--detailed-exitcode").code == 0  # no changes at all
    assert _plan(REJECTED, "--detailed-exitcode").code == 1  # a rejection still fails
    assert _plan(IMAGE, "--detailed-exitcode", "--fail-on", "upgrade").code == 1
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    invalid = run_cli("plan", str(IMAGE / "current.json"), str(bad), "--detailed-exitcode")
    assert invalid.code == 1
    assert run_cli("plan", str(IMAGE / "current.json"), "--detailed-exitcode").code == 2
    help_text = run_cli("plan", "--help").out
    assert "--detailed-exitcode" in help_text and "4 with --detailed-exitcode" in " ".join(help_text.split())


def test_readme_documents_exit_code_4() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Exit codes"):readme.index("### Effects")]
    assert "| 4 |" in section and "--detailed-exitcode" in section and "--fail-on none" in section


# --- (c) -o table, -o tsv, --query --------------------------------------------------------


def test_table_is_az_shaped() -> None:
    run = _plan(REJECTED, "-o", "table")
    assert run.code == 1
    header, dashes, row = run.out.splitlines()
    assert header.split() == ["ScaleSet", "Action", "Change", "Path", "Effect", "Rule"]
    # the dashes sit under each header, as wide as its column
    starts = [m.start() for m in re.finditer(r"\S+", header)]
    assert [m.start() for m in re.finditer(r"-+", dashes)] == starts
    assert row.split() == ["web-vmss", "rejected", "replace", "properties.platformFaultDomainCount", "rejected",
                           "VMSS107"]
    assert [row[s:].split()[0] for s in starts] == row.split()


def test_tsv_is_az_shaped() -> None:
    run = _plan(IMAGE, "-o", "tsv")
    assert run.out == ("web-vmss\tupdate\treplace\tproperties.virtualMachineProfile.storageProfile.imageReference."
                       "version\tupgrade\tVMSS501\n")
    assert _plan(NOOP, "-o", "tsv").out == "web-vmss\tno-op\t\t\t\t\n"


def test_query_is_applied_then_laid_out_as_table_or_tsv() -> None:
    query = "scale_sets[].{name: name, action: action, changes: changes, id: name, n: length(changes), ok: `true`}"
    table = _plan(IMAGE, "--query", query, "-o", "table")
    assert table.code == 0
    # az leaves out lists, objects, nulls and id/type/etag, and capitalizes the first letter
    assert table.out.splitlines() == ["Name      Action  N  Ok",
                                      "--------  ------  -  ----",
                                      "web-vmss  update  1  True"]
    tsv = _plan(IMAGE, "--query", query, "-o", "tsv")
    # az's tsv: every value in order, a list as its length, no header
    assert tsv.out == "web-vmss\tupdate\t1\tweb-vmss\t1\tTrue\n"
    assert _plan(IMAGE, "--query", "scale_sets[].name", "-o", "tsv").out == "web-vmss\n"
    assert _plan(IMAGE, "--query", "scale_sets[].name", "-o", "table").out.splitlines() == [
        "Result", "--------", "web-vmss"]
    assert json.loads(_plan(IMAGE, "--query", "scale_sets[].name").out) == ["web-vmss"]
    refused = _plan(IMAGE, "--query", "scale_sets", "-o", "markdown")
    assert refused.code == 2 and "-o json, table or tsv" in refused.err


def test_table_and_tsv_cannot_be_forged_by_names(tmp_path: Path) -> None:
    model = json.loads((IMAGE / "proposed.json").read_text(encoding="utf-8"))
    current = json.loads((IMAGE / "current.json").read_text(encoding="utf-8"))
    for doc in (model, current):
        doc["name"] = "evil\tname\nsecond"
    (tmp_path / "c.json").write_text(json.dumps(current), encoding="utf-8")
    (tmp_path / "p.json").write_text(json.dumps(model), encoding="utf-8")
    out = run_cli("plan", "c.json", "p.json", "-o", "tsv", cwd=tmp_path).out
    assert out.count("\n") == 1 and out.count("\t") == 5 and "evil\\tname\\nsecond" in out


def test_table_sends_a_plans_findings_to_stderr(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    run = run_cli("plan", str(IMAGE / "current.json"), str(bad), "-o", "table")
    assert run.code == 1 and run.out == "" and "[VAL001]" in run.err
    run = run_cli("validate", str(bad), "-o", "table")
    lines = run.out.splitlines()
    assert lines[0].split() == ["File", "Line", "Column", "Severity", "Rule", "Message"]
    assert "VAL001" in lines[2]


# --- (d) --help: every option, grouped ----------------------------------------------------


def test_plan_help_lists_every_option_in_groups() -> None:
    out = run_cli("plan", "--help").out
    groups = [line[:-1] for line in out.splitlines() if re.fullmatch(r"[A-Z][\w ,]+:", line)]
    assert groups[:5] == ["Arguments", "Inputs", "Template parameters and deployment scope", "Checks and exit code",
                          "Output"]
    import inspect

    import typer

    from vmssplan.cli import plan

    for parameter in inspect.signature(plan).parameters.values():
        default = parameter.default
        if isinstance(default, typer.models.OptionInfo):
            assert default.rich_help_panel, parameter.name  # every option is in a group
            assert default.param_decls[0] in out, parameter.name
    inputs = out[out.index("Inputs:"):out.index("Template parameters")]
    for option in ("--set PATH=VALUE", "--add PATH VALUE", "--remove PATH [INDEX]", "--force-string"):
        assert option in inputs
    assert "[tool.vmssplan]" in out  # help text is not taken as markup, with or without rich


# --- (e) one suggestion -------------------------------------------------------------------


def test_a_mistyped_command_is_suggested_once() -> None:
    run = run_cli("pln")
    assert run.code == 2
    assert run.err.count("Did you mean") == 1 and "'plan'" in run.err


# --- (f) wrapping -------------------------------------------------------------------------


def _longest(text: str) -> int:
    # the property path and the az command are one token each: look at wrapped prose only
    return max(len(line) for line in text.splitlines() if line.startswith("          ") and "$" not in line)


def test_text_wraps_to_columns_and_to_100_when_not_a_terminal() -> None:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    default = run_cli("plan", "current.json", "proposed.json", cwd=IMAGE, env=env)
    assert default.out == (IMAGE / "expected.txt").read_text(encoding="utf-8")
    assert 90 < _longest(default.out) <= 100
    narrow = _plan(IMAGE, env={"COLUMNS": "60"})
    assert _longest(narrow.out) <= 60 and len(narrow.out.splitlines()) > len(default.out.splitlines())


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_text_wraps_to_the_real_terminal_width() -> None:
    import fcntl
    import pty
    import struct
    import subprocess
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 70, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "VMSSPLAN_DEBUG")}
    env["NO_COLOR"] = "1"
    proc = subprocess.Popen([sys.executable, "-m", "vmssplan", "plan", str(IMAGE / "current.json"),
                             str(IMAGE / "proposed.json")], stdout=slave, stderr=subprocess.DEVNULL, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait(timeout=60)
    os.close(master)
    out = b"".join(chunks).decode("utf-8").replace("\r\n", "\n")
    assert proc.returncode == 0 and "Plan: 1 scale set" in out
    assert 60 < _longest(out) <= 70


# --- (g) --set without a value ------------------------------------------------------------


def test_set_without_a_value_is_a_usage_error() -> None:
    run = run_cli("plan", str(IMAGE / "current.json"), "--set",
                  "virtualMachineProfile.storageProfile.imageReference.version")
    assert run.code == 2 and run.out == ""
    assert "missing =VALUE" in run.err and "Traceback" not in run.err
    empty = run_cli("plan", str(IMAGE / "current.json"), "--set",
                    "virtualMachineProfile.storageProfile.imageReference.version=", "-o", "json")
    (change,) = json.loads(empty.out)["scale_sets"][0]["changes"]
    assert change["after"] == ""


# --- (i) Azure words ----------------------------------------------------------------------


def test_messages_speak_of_azure_not_of_research() -> None:
    words = re.compile(r"\bresearch\b|\bfacts? (file|row)", re.IGNORECASE)
    for folder in ("rules", "lint", "findings"):
        for path in sorted((REPO / folder).glob("*.json")):
            rule = json.loads(path.read_text(encoding="utf-8"))
            texts = [rule.get("message", ""), rule.get("title", "")]
            texts += [e.get("source", "") for e in rule.get("evidence", [])]
            for verdict in rule.get("verdicts", []):
                texts.append(str(verdict.get("message", "")))
            assert not any(words.search(t) for t in texts), path.name
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#]+)", readme):
        if not target.startswith("http"):
            assert (REPO / target).exists(), target
    assert "facts/vmss-properties.md" not in readme


# --- (j) JUnit for Jenkins' strict schema -------------------------------------------------

#: What the strict JUnit schema of Jenkins' xUnit plugin allows (junit-10.xsd,
#: https://github.com/jenkinsci/xunit-plugin, src/main/resources/org/jenkinsci/plugins/xunit/
#: types/model/xsd/junit-10.xsd, MIT licence), restated: element -> (allowed attributes,
#: required attributes, allowed children). Not a copy of the schema; the test checks our
#: documents against these constraints.
_JENKINS_JUNIT = {
    "testsuites": ({"name", "time", "tests", "failures", "errors"}, set(), {"testsuite"}),
    "testsuite": ({"name", "tests", "failures", "errors", "group", "time", "skipped", "timestamp", "hostname",
                   "id", "package", "file", "log", "url"}, {"name", "tests", "failures", "errors"},
                  {"testsuite", "properties", "testcase", "system-out", "system-err"}),
    "testcase": ({"name", "time", "classname", "group"}, {"name"},
                 {"skipped", "error", "failure", "rerunFailure", "rerunError", "flakyFailure", "flakyError",
                  "system-out", "system-err"}),
    "failure": ({"type", "message"}, set(), set()),
    "error": ({"type", "message"}, set(), set()),
    "skipped": ({"type", "message"}, set(), set()),
    "properties": (set(), set(), {"property"}),
    "property": ({"name", "value"}, {"name", "value"}, set()),
    "system-out": (set(), set(), set()),
    "system-err": (set(), set(), set()),
}


def _assert_jenkins_valid(element: ET.Element) -> None:
    allowed, required, children = _JENKINS_JUNIT[element.tag]
    assert set(element.attrib) <= allowed, (element.tag, set(element.attrib) - allowed)
    assert required <= set(element.attrib), (element.tag, required - set(element.attrib))
    for child in element:
        assert child.tag in children, (element.tag, child.tag)
        _assert_jenkins_valid(child)


@pytest.mark.parametrize("folder", sorted(p.name for p in EXAMPLES.iterdir() if (p / "expected.junit.xml").exists()))
def test_junit_is_valid_for_jenkins_strict_schema(folder: str) -> None:
    root = ET.fromstring(_plan(EXAMPLES / folder, "-o", "junit").out.encode("utf-8"))
    assert root.tag == "testsuites"
    _assert_jenkins_valid(root)


def test_junit_keeps_the_location_in_its_text(tmp_path: Path) -> None:
    root = ET.fromstring(_plan(REJECTED, "-o", "junit").out.encode("utf-8"))
    failure = root.find("testsuite/testcase/failure")
    assert failure is not None and f"at {REJECTED / 'proposed.json'}:24:5" in (failure.text or "")
    bad = tmp_path / "bad.json"
    bad.write_text('{\n  "a": 1,,\n}\n', encoding="utf-8")
    findings = ET.fromstring(run_cli("validate", str(bad), "-o", "junit").out.encode("utf-8"))
    _assert_jenkins_valid(findings)
    case = findings.find("testsuite/testcase")
    assert case is not None and f"{bad}:2:" in (case.findtext("failure") or "")
