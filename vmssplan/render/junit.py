"""JUnit XML (``-o junit``): the plan as a test report, for CI systems that show one.

``<testsuites name="vmssplan">`` holds, when there are findings, a ``documents`` suite
(one test case per finding; a finding of severity error is a ``<failure>``, the others
pass with the finding in ``<system-out>``), then one suite per scale set with one test case
per change. A renderer does not know ``--fail-on``: a change Azure would reject is a
``<failure>``; every other change passes, with its effect and message in ``<system-out>``.
A scale set without changes is a suite with no test case. The document is valid against
the strict JUnit schema of Jenkins' xUnit plugin (``junit-10.xsd``), which gives a
``testcase`` no ``file`` or ``line`` attribute: where a finding or a change sits
(``file:line:column``) is in the text of its ``<failure>`` or ``<system-out>``. Values come from the JSON plan
(secrets already masked). Every string is escaped as text is
(:func:`vmssplan.render.escape.text`: a control character, which XML 1.0 cannot hold, or a
bidi control is shown as an escape, and a name with a newline stays on its line), then the
document as XML (:func:`vmssplan.render.escape.xml_text`: no line of it reads as a workflow
command to a CI runner that prints it).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

from ..view import View, change_level, change_message, effect_label, finding_level, location_of
from .escape import json_text, text, xml_text


def _set(element: ET.Element, **attributes: Any) -> None:
    for key, value in attributes.items():
        if value is not None and value != "":
            element.set(key, text(str(value)))


def _sub(parent: ET.Element, tag: str, body: str | list[str] | None = None, **attributes: Any) -> ET.Element:
    """A child element; ``body`` is one line of text or a list of lines, each escaped."""
    element = ET.SubElement(parent, tag)
    _set(element, **attributes)
    if isinstance(body, str):
        element.text = text(body)
    elif body is not None:
        element.text = "".join(text(line) + "\n" for line in body)
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
        case = _sub(suite, "testcase", name=f"{finding['rule']} {where}".strip(), classname="vmssplan.documents")
        body = f"{where}: {finding['severity']} [{finding['rule']}] {finding['message']}".lstrip(": ")
        if finding_level(finding) == "error":
            failures += 1
            _sub(case, "failure", body, message=finding["message"], type=finding["rule"])
        else:
            _sub(case, "system-out", body)
    suite.set("failures", str(failures))
    return len(findings), failures


def _value(value: Any) -> str:
    return json_text(json.dumps(value, ensure_ascii=False, sort_keys=True))


def _change_text(change: dict[str, Any]) -> list[str]:
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
    return lines


def _scale_set_suite(root: ET.Element, scale_set: dict[str, Any]) -> tuple[int, int]:
    tests = len(scale_set["changes"])
    suite = _sub(root, "testsuite", name=scale_set["name"], tests=tests, failures=0, errors=0, skipped=0)
    failures = 0
    for change in scale_set["changes"]:
        case = _sub(suite, "testcase", name=change["display_path"], classname=f"vmssplan.{scale_set['name']}")
        body = _change_text(change)
        if change_level(change) == "error":
            failures += 1
            _sub(case, "failure", body, message=change_message(change), type=effect_label(change))
        else:
            _sub(case, "system-out", body)
    impact = scale_set.get("vm_impact")
    if impact and scale_set["action"] != "no-op":
        _sub(suite, "system-out", [impact["summary"], *impact["warnings"], *impact["commands"]])
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
    return xml_text('<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n")


def render_plan(view: View, *, color: bool = False) -> str:
    return _document(view)


render_findings = render_plan
