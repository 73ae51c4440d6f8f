"""GitHub Actions workflow commands (``-o github``): annotations on the pull request.

One line per finding, then one per change whose effect is not ``none``, in plan order::

    ::error file=proposed.json,line=24,col=5,title=web-vmss%3A rejected [VMSS107]::properties.platformFaultDomainCount: rejected: ...

Levels: rejected -> ``error``; deallocate, reimage, unknown -> ``warning``; upgrade ->
``notice``; findings by severity (error, warning, info -> notice). The escaping is the
runner's: in the message ``%`` ``\\r`` ``\\n`` become ``%25`` ``%0D`` ``%0A``; in property
values ``:`` and ``,`` also become ``%3A`` and ``%2C``. A change or finding with no file
(standard input, an edited model) gets no ``file``/``line``/``col``. Nothing else is
printed: a plan with nothing to say prints nothing.
"""

from __future__ import annotations

from typing import Any

from ..engine import Result
from ._common import change_message, changes_of, findings_view, is_reported, location_of, plan_view

CHANGE_LEVEL = {"rejected": "error", "deallocate": "warning", "reimage": "warning", "unknown": "warning",
                "upgrade": "notice"}
FINDING_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, *, file: str = "", line: int | None = None, column: int | None = None,
            title: str = "") -> str:
    properties = []
    if file:
        properties.append(f"file={escape_property(file)}")
        if line:
            properties.append(f"line={line}")
            if column:
                properties.append(f"col={column}")
    if title:
        properties.append(f"title={escape_property(title)}")
    head = f"::{level}" + (" " + ",".join(properties) if properties else "")
    return f"{head}::{escape_data(message)}"


def _finding_line(finding: dict[str, Any]) -> str:
    file, line, column = location_of(finding)
    return command(FINDING_LEVEL.get(finding["severity"], "warning"), finding["message"], file=file, line=line,
                   column=column, title=f"{finding['severity']} [{finding['rule']}]")


def _lines(view: dict[str, Any]) -> list[str]:
    lines = [_finding_line(f) for f in view["findings"]]
    for scale_set, change in changes_of(view):
        if not is_reported(change):
            continue
        file, line, column = location_of(change)
        title = f"{scale_set['name']}: {change['effect']} [{change['rule']}]"
        lines.append(command(CHANGE_LEVEL.get(change["effect"], "warning"), change_message(change), file=file,
                             line=line, column=column, title=title))
    return lines


def _join(lines: list[str]) -> str:
    return "".join(line + "\n" for line in lines)


def render_plan(result: Result, *, color: bool = False) -> str:
    return _join(_lines(plan_view(result)))


def render_findings(result: Result, *, color: bool = False) -> str:
    return _join(_lines(findings_view(result)))
