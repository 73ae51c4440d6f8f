"""``--query``: a JMESPath expression on the JSON output, as ``az --query`` does.

The expression is compiled before any work (a bad one is a usage error, exit 2, with
jmespath's message) and applied to the same document ``-o json`` prints: the plan
(``plan_to_dict``) for ``vmssplan plan``, the findings (``findings_to_dict``) for
``vmssplan validate``. The result is printed as JSON (``null`` when nothing matches).
"""

from __future__ import annotations

from typing import Any

import jmespath  # type: ignore[import-untyped]
from jmespath.exceptions import JMESPathError  # type: ignore[import-untyped]

from ..engine import Result
from ..model import UsageError
from ._common import findings_view, plan_view
from .json_output import dumps


def compile_query(expression: str) -> Any:
    try:
        return jmespath.compile(expression)
    except JMESPathError as exc:
        raise UsageError(f"--query: invalid JMESPath expression: {_message(exc)}") from None


def _message(exc: JMESPathError) -> str:
    return str(exc).strip()


def _search(compiled: Any, data: Any) -> str:
    try:
        return dumps(compiled.search(data))
    except JMESPathError as exc:
        raise UsageError(f"--query: {_message(exc)}") from None


def render_plan(result: Result, compiled: Any) -> str:
    return _search(compiled, plan_view(result))


def render_findings(result: Result, compiled: Any) -> str:
    return _search(compiled, findings_view(result))
