"""JUnit XML (``-o junit``): the plan as a test report, for CI systems that show one.

``<testsuites name="vmssplan">`` holds, when there are findings, a ``documents`` suite
(one test case per finding; a finding of severity error is a ``<failure>``, the others
pass with the finding in ``<system-out>``), then one suite per scale set with one test case
per change. A renderer does not know ``--fail-on``: a change Azure would reject is a
``<failure>``; every other change passes, with its effect and message in ``<system-out>``.
A scale set without changes is a suite with no test case. Values come from the JSON plan
(secrets already masked); characters XML 1.0 cannot hold are dropped.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any

from ..view import View, change_level, change_message, effect_label, finding_level, location_of

_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def _set(element: ET.Element, **attributes: Any) -> None:
    for key, value in attributes.items():
        if value is not None and value != "":
            element.set(key, _clean(str(value)))


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attributes: Any) -> ET.Element:
    element = ET.SubElement(parent, tag)
    _set(element, **attributes)
    if text is not None:
        element.text = _clean(text)
    return element


def _where(item: dict[str, Any]) -> str:
    file, line, column = location_of(item)
    if not file:
        return ""
    return file + (f":{line}" if line else "") + (f":{column}" if line and column else "")


def _documents_suite(root: ET.Element, findings: list[dict[str, Any]]) -> tuple[int, int]:
    suite = _sub(root, "testsuite", name="documents", tests=len(findings), failures=0, errors=0, skipped=0)
    failures = 0
    for finding in findings:
        where = _where(finding)
        file, line, _ = location_of(finding)
        case = _sub(suite, "testcase", name=f"{finding['rule']} {where}".strip(), classname="vmssplan.documents",
                    file=file, line=line)
        text = f"{where}: {finding['severity']} [{finding['rule']}] {finding['message']}".lstrip(": ")
        if finding_level(finding) == "error":
            failures += 1
            _sub(case, "failure", text, message=finding["message"], type=finding["rule"])
        else:
            _sub(case, "system-out", text)
    suite.set("failures", str(failures))
    return len(findings), failures


def _value(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _change_text(change: dict[str, Any]) -> str:
    lines = [change_message(change)]
    if change["op"] == "replace":
        lines.append(f"{_value(change['before'])} -> {_value(change['after'])}")
    elif change["op"] == "add":
        lines.append(f"added: {_value(change['after'])}")
    elif change["op"] == "remove":
        lines.append(f"removed: {_value(change['before'])}")
    where = _where(change)
    lines.append(f"rule: {change['rule']}" + (f" ({change['title']})" if change.get("title") else "")
                 + (f"; at {where}" if where else ""))
    return "\n".join(lines) + "\n"


def _scale_set_suite(root: ET.Element, scale_set: dict[str, Any]) -> tuple[int, int]:
    tests = len(scale_set["changes"])
    suite = _sub(root, "testsuite", name=scale_set["name"], tests=tests, failures=0, errors=0, skipped=0)
    failures = 0
    for change in scale_set["changes"]:
        file, line, _ = location_of(change)
        case = _sub(suite, "testcase", name=change["display_path"], classname=f"vmssplan.{scale_set['name']}",
                    file=file, line=line)
        text = _change_text(change)
        if change_level(change) == "error":
            failures += 1
            _sub(case, "failure", text, message=change_message(change), type=effect_label(change))
        else:
            _sub(case, "system-out", text)
    impact = scale_set.get("vm_impact")
    if impact and scale_set["action"] != "no-op":
        _sub(suite, "system-out", "\n".join([impact["summary"], *impact["warnings"], *impact["commands"]]) + "\n")
    suite.set("failures", str(failures))
    return tests, failures


def _document(view: View) -> str:
    root = ET.Element("testsuites", {"name": "vmssplan", "tests": "0", "failures": "0", "errors": "0"})
    tests = failures = 0
    if view.findings or not view.is_plan:
        t, f = _documents_suite(root, view.findings)
        tests, failures = tests + t, failures + f
    for scale_set in view.scale_sets:
        t, f = _scale_set_suite(root, scale_set)
        tests, failures = tests + t, failures + f
    root.set("tests", str(tests))
    root.set("failures", str(failures))
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def render_plan(view: View, *, color: bool = False) -> str:
    return _document(view)


render_findings = render_plan
