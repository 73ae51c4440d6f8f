"""``--query``: a JMESPath expression on the JSON output, as ``az --query`` does.

The expression is compiled before any work (a bad one is a usage error, exit 2, with
jmespath's message) and applied to the same document ``-o json`` prints (the view's
document): the plan for ``vmssplan plan``, the findings for ``vmssplan validate``. The
result is printed as JSON (``null`` when nothing matches), escaped as the JSON output is.

An expression nested too deeply for the parser (thousands of brackets) or whose result is
not JSON data (a bare expression reference, ``&@``) is a usage error too, never a crash.
"""

from __future__ import annotations

from typing import Any

import jmespath
from jmespath.exceptions import JMESPathError

from ..model import UsageError
from ..view import View
from .escape import text
from .json_output import dumps

_TOO_DEEP = "--query: the expression is nested too deeply"


def compile_query(expression: str) -> Any:
    try:
        return jmespath.compile(expression)
    except JMESPathError as exc:
        raise UsageError(f"--query: invalid JMESPath expression: {_message(exc)}") from None
    except RecursionError:
        raise UsageError(_TOO_DEEP) from None


#: Longer expressions are not quoted back in an error (jmespath quotes all of it, with a caret).
_QUOTED = 120


def _message(exc: JMESPathError) -> str:
    message = str(exc).strip()
    if len(message) > 2 * _QUOTED + 40:  # the first line (what and where) without the long expression
        message = message.splitlines()[0].removesuffix(", for expression:")[:_QUOTED * 2]
    return text(message) if "\n" not in message else "\n".join(map(text, message.splitlines()))


def render(view: View, compiled: Any) -> str:
    try:
        result = compiled.search(view.document)
    except JMESPathError as exc:
        raise UsageError(f"--query: {_message(exc)}") from None
    except RecursionError:
        raise UsageError(_TOO_DEEP) from None
    try:
        return dumps(result)
    except (TypeError, ValueError):  # an expression reference (&...) is not JSON data
        raise UsageError("--query: the result is not JSON data (an expression reference, &..., is "
                         "meant as a function's argument)") from None
