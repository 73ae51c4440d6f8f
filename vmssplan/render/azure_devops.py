"""Azure Pipelines logging commands (``-o azure-devops``): issues on the build and the pull request.

One line per finding, then one per change whose effect is not ``none``, in plan order::

    ##vso[task.logissue type=error;sourcepath=infra/vmss.json;linenumber=24;columnnumber=5;code=VMSS107]web-vmss: ...

Errors and warnings are ``task.logissue`` commands (the view's levels,
:data:`vmssplan.view.CHANGE_LEVEL`); Azure Pipelines has no "notice" issue, so a note is a
plain log line (``file:line:col: message``). The verdict is the exit code, as for every
format: the commands only report.

The escaping is the agent's (as the task library writes it): in a property value ``%``
``\\r`` ``\\n`` ``]`` ``;`` become ``%AZP25`` ``%0D`` ``%0A`` ``%5D`` ``%3B``; in the message
``%`` ``\\r`` ``\\n``. Before that, every string from a document is escaped as all text is
(:func:`vmssplan.render.escape.text`): no line break, no control character, and ``##vso[``
or ``##[`` shown as ``\\x23#vso[``, so a document cannot add a command of its own.

The plan for the pipeline's Extensions tab is ``-o markdown``, uploaded with
``##vso[task.uploadsummary]FILE`` (see the README).
"""

from __future__ import annotations

from typing import Any

from ..view import View, change_level, change_message, finding_level, is_reported, location_of
from .escape import guard_lines, text


def escape_data(value: str) -> str:
    return value.replace("%", "%AZP25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace("]", "%5D").replace(";", "%3B")


def command(level: str, message: str, *, file: str = "", line: int | None = None, column: int | None = None,
            code: str = "") -> str:
    """One issue: ``level`` is the view's (error, warning, note); a note is a plain line."""
    if level == "note":
        where = file + (f":{line}" if file and line else "") + (f":{column}" if file and line and column else "")
        return f"{where}: {message}" if where else message
    properties = [f"type={level}"]
    if file:
        properties.append(f"sourcepath={escape_property(file)}")
        if line:
            properties.append(f"linenumber={line}")
            if column:
                properties.append(f"columnnumber={column}")
    if code:
        properties.append(f"code={escape_property(code)}")
    return f"##vso[task.logissue {';'.join(properties)}]{escape_data(message)}"


def _finding_line(finding: dict[str, Any]) -> str:
    file, line, column = location_of(finding)
    message = text(f"{finding['severity']}: {finding['message']}")
    return command(finding_level(finding), message, file=text(file), line=line, column=column,
                   code=text(finding["rule"]))


def _lines(view: View) -> list[str]:
    lines = [_finding_line(f) for f in view.findings]
    for scale_set, change in view.changes():
        if not is_reported(change):
            continue
        file, line, column = location_of(change)
        message = text(f"{scale_set['name']}: {change_message(change)}")
        lines.append(command(change_level(change), message, file=text(file), line=line, column=column,
                             code=text(change["rule"])))
    return lines


def render_plan(view: View, *, color: bool = False) -> str:
    return guard_lines("".join(line + "\n" for line in _lines(view)))


render_findings = render_plan
