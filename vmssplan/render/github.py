"""GitHub Actions workflow commands (``-o github``): annotations on the pull request.

One line per finding, then one per change whose effect is not ``none``, in plan order::

    ::error file=proposed.json,line=24,col=5,title=web-vmss%3A rejected [VMSS107]::properties.platformFaultDo...

Levels are the view's (:data:`vmssplan.view.CHANGE_LEVEL`), a note being a ``notice``. The escaping is the
runner's: in the message ``%`` ``\\r`` ``\\n`` become ``%25`` ``%0D`` ``%0A``; in property
values ``:`` and ``,`` also become ``%3A`` and ``%2C``. Before that, the file, the title and the
message are escaped as all text is (:func:`vmssplan.render.escape.text`): a control character,
a bidi control or a logging command from a document is shown, not acted on, should the runner
print the line (so a file whose name holds one gets an annotation GitHub cannot place). A change or finding with no file
(standard input, an edited model) gets no ``file``/``line``/``col``. Nothing else is
printed: a plan with nothing to say prints nothing.
"""

from __future__ import annotations

from typing import Any

from ..view import View, change_level, change_message, finding_level, is_reported, location_of
from .escape import text

#: The view's levels as workflow commands name them.
COMMAND = {"error": "error", "warning": "warning", "note": "notice"}


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
    return command(COMMAND[finding_level(finding)], text(finding["message"]), file=text(file), line=line,
                   column=column, title=text(f"{finding['severity']} [{finding['rule']}]"))


def _lines(view: View) -> list[str]:
    lines = [_finding_line(f) for f in view.findings]
    for scale_set, change in view.changes():
        if not is_reported(change):
            continue
        file, line, column = location_of(change)
        title = text(f"{scale_set['name']}: {change['effect']} [{change['rule']}]")
        lines.append(command(COMMAND[change_level(change)], text(change_message(change)), file=text(file),
                             line=line, column=column, title=title))
    return lines


def _join(lines: list[str]) -> str:
    return "".join(line + "\n" for line in lines)


def render_plan(view: View, *, color: bool = False) -> str:
    return _join(_lines(view))


render_findings = render_plan
