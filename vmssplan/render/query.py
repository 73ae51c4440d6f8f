"""``--query``: a JMESPath expression on the JSON output, as ``az --query`` does.

The expression is compiled before any work (a bad one is a usage error, exit 2, with
jmespath's message) and applied to the same document ``-o json`` prints (the view's
document): the plan for ``vmssplan plan``, the findings for ``vmssplan validate``. The
result is printed as JSON (``null`` when nothing matches), escaped as the JSON output is,
or with ``-o table``/``-o tsv`` laid out as az lays out a queried result
(:mod:`vmssplan.render.table`).

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


#: At most this much of jmespath's message (the token can be long).
_MAX_MESSAGE = 240


def _message(exc: JMESPathError) -> str:
    """jmespath's message on one line: what and where, without the expression it quotes in
    full below a caret (the user has it; it may be long)."""
    first = str(exc).strip().splitlines()[0].removesuffix(", for expression:").removesuffix(":")
    position = getattr(exc, "lex_position", None)
    if isinstance(position, int) and "column" not in first:
        first += f" at column {position}"
    return text(first[:_MAX_MESSAGE])


def search(view: View, compiled: Any) -> Any:
    """The query's result on the view's document (for ``-o json``, ``table`` and ``tsv``)."""
    try:
        return compiled.search(view.document)
    except JMESPathError as exc:
        raise UsageError(f"--query: {_message(exc)}") from None
    except RecursionError:
        raise UsageError(_TOO_DEEP) from None


def render(view: View, compiled: Any, fmt: str = "json") -> str:
    """The result as JSON, or laid out as ``-o table``/``-o tsv`` lay out a result."""
    result = search(view, compiled)
    if fmt in ("table", "tsv"):
        from .table import format_table, format_tsv

        if _holds_expression(result):
            raise UsageError(_NOT_DATA)
        return format_table(result) if fmt == "table" else format_tsv(result)
    try:
        return dumps(result)
    except (TypeError, ValueError):  # an expression reference (&...) is not JSON data
        raise UsageError(_NOT_DATA) from None


_NOT_DATA = ("--query: the result is not JSON data (an expression reference, &..., is meant as a function's "
             "argument)")


def _holds_expression(value: Any) -> bool:
    """True when ``value`` is or holds something JSON cannot (a jmespath expression reference)."""
    if isinstance(value, dict):
        return any(_holds_expression(v) for v in value.values())
    if isinstance(value, list):
        return any(_holds_expression(v) for v in value)
    return not (value is None or isinstance(value, (str, int, float, bool)))
