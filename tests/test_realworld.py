"""The real-world corpus the tests own (tests/realworld, issue 13 point 6): public ARM templates
with scale sets, copied byte for byte with their provenance and licence.

For every template: `validate` reports no error but the true ones listed, with Azure's reason,
in its ``EXPECTED.json``; and the template planned against itself (same parameters on
both sides) is a no-op with exit code 0. Each template's SOURCE.json says where each file came
from; the files must still be the bytes that were copied."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import TESTS
from vmssplan.engine import RunConfig, exit_code, plan_files, validate_files
from vmssplan.model import Finding, Severity

REALWORLD = TESTS / "realworld"
#: One SOURCE.json per template folder (``<publisher>/<name>/``): where each file came from.
TEMPLATES: list[dict[str, Any]] = [json.loads(path.read_text(encoding="utf-8"))
                                   for path in sorted(REALWORLD.glob("*/*/SOURCE.json"))]
IDS = [entry["template"] for entry in TEMPLATES]
#: The error findings that are true errors (Azure gives them too), from each EXPECTED.json.
EXPECTED: dict[str, list[dict[str, str]]] = {
    entry["template"]: json.loads(path.read_text(encoding="utf-8"))
    for entry in TEMPLATES if (path := REALWORLD / Path(entry["template"]).parent / "EXPECTED.json").is_file()}

#: Licences that allow redistribution (SPDX ids); each has its text under LICENSES/.
REDISTRIBUTABLE = {"MIT", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "MPL-2.0", "CC-BY-4.0"}
#: What issue 13 point 6 asks of the corpus.
MIN_TEMPLATES, MIN_PUBLISHERS = 40, 8


def _options(entry: dict[str, Any]) -> RunConfig:
    """The parameters files a template is deployed with: the repository's own (copied beside
    it) and, where those leave a required parameter without a value, the one the tests wrote."""
    files = entry["parameters"] + ([entry["test_parameters"]] if entry.get("test_parameters") else [])
    return RunConfig(parameters=tuple(str(REALWORLD / name) for name in files), sibling_parameters=False)


def _errors(findings: list[Finding]) -> set[tuple[str, str]]:
    return {(f.rule, Path(f.file).resolve().relative_to(REALWORLD).as_posix()) for f in findings
            if f.severity is Severity.ERROR}


def _expected(entry: dict[str, Any], command: str) -> set[tuple[str, str]]:
    """The errors expected of ``command`` (an entry's ``in`` says which commands; default both)."""
    return {(item["rule"], item["file"]) for item in EXPECTED.get(entry["template"], [])
            if command in item.get("in", ["validate", "plan"])}


@pytest.mark.parametrize("entry", TEMPLATES, ids=IDS)
def test_validate_reports_only_the_errors_azure_gives(entry: dict[str, Any]) -> None:
    result = validate_files([str(REALWORLD / entry["template"])], _options(entry))
    assert _errors(result.findings) == _expected(entry, "validate"), [f.message for f in result.findings
                                                         if f.severity is Severity.ERROR]


@pytest.mark.parametrize("entry", TEMPLATES, ids=IDS)
def test_planned_against_itself_is_a_no_op(entry: dict[str, Any]) -> None:
    template = str(REALWORLD / entry["template"])
    result = plan_files(template, template, _options(entry))
    expected = _expected(entry, "plan")
    assert _errors(result.findings) == expected, [f.message for f in result.findings]
    assert exit_code(result) == (1 if expected else 0)
    if result.plan is None:  # only where an expected error stops the plan (a known vmssplan bug)
        assert expected
        return
    assert len(result.plan.scale_sets) == entry["scale_sets"]
    assert [(s.name, s.action, s.changes) for s in result.plan.scale_sets] == [
        (s.name, "no-op", []) for s in result.plan.scale_sets]


def test_the_expected_errors_name_real_templates_and_give_reasons() -> None:
    assert set(EXPECTED) <= set(IDS)
    for template, items in EXPECTED.items():
        for item in items:
            assert {"rule", "file", "reason"} <= set(item) <= {"rule", "file", "reason", "in"}, template
            assert len(item["reason"]) > 40 and set(item.get("in", ["plan"])) <= {"validate", "plan"}, template


def test_every_file_is_the_copy_its_provenance_names() -> None:
    listed = set()
    for entry in TEMPLATES:
        assert entry["licence"] in REDISTRIBUTABLE, entry["template"]
        assert (REALWORLD / entry["licence_file"]).is_file(), entry["licence_file"]
        for item in entry["files"]:
            data = (REALWORLD / item["file"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == item["sha256"], item["file"]
            assert len(data.decode("utf-8")) == item["chars"], item["file"]
            assert item["commit"] and item["repository"] and item["path"], item["file"]
            listed.add(item["file"])
        for name in entry["parameters"] + [entry["template"]]:
            assert name in listed, name
        if entry.get("test_parameters"):
            listed.add(entry["test_parameters"])
    on_disk = {p.relative_to(REALWORLD).as_posix() for p in REALWORLD.rglob("*.json")
               if p.name not in ("SOURCE.json", "EXPECTED.json")}
    assert on_disk == listed
    folders = {p.parent for p in REALWORLD.glob("*/*/SOURCE.json")}
    assert {p.parent for p in REALWORLD.glob("*/*/EXPECTED.json")} <= folders


def test_provenance_is_generated_from_the_source_files() -> None:
    """PROVENANCE.md's tables are what scripts/realworld_provenance.py makes of SOURCE.json."""
    script = TESTS.parent / "scripts" / "realworld_provenance.py"
    run = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr


def test_provenance_lists_every_copied_file() -> None:
    provenance = (REALWORLD / "PROVENANCE.md").read_text(encoding="utf-8")
    for entry in TEMPLATES:
        for item in entry["files"]:
            assert f"`{item['file']}`" in provenance and item["commit"] in provenance, item["file"]


def test_the_corpus_is_as_large_and_varied_as_issue_13_asks() -> None:
    publishers = {entry["publisher"] for entry in TEMPLATES}
    assert len(TEMPLATES) >= MIN_TEMPLATES and len(publishers) >= MIN_PUBLISHERS, (len(TEMPLATES), publishers)
