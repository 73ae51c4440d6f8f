"""``--query``: a JMESPath expression on the JSON output, as ``az --query`` does.

The expression is compiled before any work (a bad one is a usage error, exit 2, with
jmespath's message) and applied to the same document ``-o json`` prints (the view's
document): the plan for ``vmssplan plan``, the findings for ``vmssplan validate``. The
result is printed as JSON (``null`` when nothing matches).
"""

from __future__ import annotations

from typing import Any

import jmespath
from jmespath.exceptions import JMESPathError

from ..model import UsageError
from ..view import View
from .json_output import dumps


def compile_query(expression: str) -> Any:
    try:
        return jmespath.compile(expression)
    except JMESPathError as exc:
        raise UsageError(f"--query: invalid JMESPath expression: {_message(exc)}") from None


def _message(exc: JMESPathError) -> str:
    return str(exc).strip()


def render(view: View, compiled: Any) -> str:
    try:
        return dumps(compiled.search(view.document))
    except JMESPathError as exc:
        raise UsageError(f"--query: {_message(exc)}") from None
