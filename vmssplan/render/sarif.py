"""SARIF 2.1.0 (``-o sarif``): the plan and the findings as static-analysis results, for
GitHub code scanning and any SARIF viewer.

One run, tool ``vmssplan``. Results, in a fixed order: every finding, then every change of
the plan whose effect is not ``none``, scale set by scale set in plan order, each at the
view's level (:data:`vmssplan.view.CHANGE_LEVEL`: rejected is an error; deallocate,
reimage and unknown a warning; upgrade a note).

A change is located where it sits in the proposed file (``location`` in the JSON plan):
``artifactLocation.uri`` is the path as given (relative stays relative; an absolute path
becomes a ``file://`` URI), ``region`` its 1-based line and column (Unicode code points).
Its message is ``<display_path>: <effect>: <message>``. ``tool.driver.rules`` describes
every rule that has a result, sorted by id: change rules as the view describes them
(title, description, evidence link, effect, confidence), finding rules from a short table.
Values in ``properties`` are the JSON plan's, secrets already masked.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import quote

from .. import __version__
from ..view import (
    CHANGE_LEVEL,
    View,
    change_level,
    change_message,
    finding_description,
    finding_level,
    is_reported,
    location_of,
)
from .escape import json_text

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"


def artifact_uri(path: str) -> str:
    """A URI reference for a path as the user gave it."""
    if PureWindowsPath(path).drive or path.startswith("\\\\"):
        return PureWindowsPath(path).as_uri()
    posix = path.replace("\\", "/")
    if PurePosixPath(posix).is_absolute():
        return PurePosixPath(posix).as_uri()
    return quote(posix, safe="/-._~!$&'()*+,;=@")


def _physical_location(file: str, line: int | None, column: int | None) -> dict[str, Any]:
    location: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(file)}}
    if line:
        region: dict[str, Any] = {"startLine": line}
        if column:
            region["startColumn"] = column
        location["region"] = region
    return location


def _finding_result(finding: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding["rule"],
        "level": finding_level(finding),
        "message": {"text": finding["message"]},
    }
    file, line, column = location_of(finding)
    if file:
        result["locations"] = [{"physicalLocation": _physical_location(file, line, column)}]
    properties: dict[str, Any] = {"severity": finding["severity"]}
    if finding.get("pointer"):
        properties["pointer"] = finding["pointer"]
    result["properties"] = properties
    return result


def _change_result(scale_set: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": change["rule"],
        "level": change_level(change),
        "message": {"text": change_message(change)},
    }
    location: dict[str, Any] = {}
    file, line, column = location_of(change)
    if not file and scale_set.get("file"):
        file, line, column = location_of({"file": scale_set["file"]})
    if file:
        location["physicalLocation"] = _physical_location(file, line, column)
    location["logicalLocations"] = [{
        "name": change["display_path"],
        "fullyQualifiedName": f"{scale_set['name']}/{change['display_path']}",
        "kind": "member",
    }]
    result["locations"] = [location]
    if change.get("suppressed"):
        result["suppressions"] = [{"kind": "external", "justification": str(change["suppressed"])}]
    result["properties"] = {
        "scaleSet": scale_set["name"], "effect": change["effect"], "conditional": change["conditional"],
        "op": change["op"], "path": change["path"], "before": change["before"], "after": change["after"],
        "sensitive": change["sensitive"],
    }
    return result


def _descriptor(rule_id: str, view: View, fallback_title: str) -> dict[str, Any]:
    rule = view.rules.get(rule_id)
    if rule is None or rule.effect is None:
        return {"id": rule_id, "shortDescription": {"text": fallback_title or finding_description(rule_id)}}
    descriptor: dict[str, Any] = {
        "id": rule.id,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.description or rule.message},
        "help": {"text": rule.message},
    }
    link = rule.link
    if link.startswith(("https://", "http://")):
        descriptor["helpUri"] = link
    # The level of the rule's own effect (its `when` clauses may give a result another one).
    descriptor["defaultConfiguration"] = {"level": CHANGE_LEVEL[rule.effect.label].replace("none", "note")}
    descriptor["properties"] = {"effect": rule.effect.label, "confidence": rule.confidence,
                                "tags": ["vmssplan", rule.effect.label]}
    return descriptor


def _log(view: View) -> dict[str, Any]:
    results: list[dict[str, Any]] = [_finding_result(f) for f in view.findings]
    titles: dict[str, str] = {f["rule"]: finding_description(f["rule"]) for f in view.findings}
    for scale_set, change in view.changes():
        if is_reported(change):
            results.append(_change_result(scale_set, change))
            titles.setdefault(change["rule"], change.get("title") or "")
    rule_ids = sorted(titles)
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    for item in results:
        item["ruleIndex"] = index[item["ruleId"]]
    # ruleIndex next to ruleId, for readers of the raw file
    results = [{"ruleId": r["ruleId"], "ruleIndex": r["ruleIndex"],
                **{k: v for k, v in r.items() if k not in ("ruleId", "ruleIndex")}} for r in results]
    driver: dict[str, Any] = {
        "name": "vmssplan", "version": __version__, "semanticVersion": __version__,
        "rules": [_descriptor(rule_id, view, titles[rule_id]) for rule_id in rule_ids],
    }
    run: dict[str, Any] = {"tool": {"driver": driver}, "columnKind": "unicodeCodePoints", "results": results}
    document = view.document
    if view.is_plan and document["summary"] is not None:  # a plan (validate has findings only)
        run["properties"] = {"current": document["current"], "proposed": document["proposed"],
                             "summary": document["summary"]}
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def _dumps(log: dict[str, Any]) -> str:
    return json_text(json.dumps(log, indent=2, ensure_ascii=False) + "\n")


def render_plan(view: View, *, color: bool = False) -> str:
    return _dumps(_log(view))


render_findings = render_plan
