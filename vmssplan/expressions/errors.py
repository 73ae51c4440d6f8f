"""The one error type of the expression evaluator, and the limits it enforces."""

from __future__ import annotations

#: Longest expression ARM accepts (docs: "Characters per template expression").
MAX_EXPRESSION_LENGTH = 24_576
#: Deepest nesting of calls and index brackets the parser accepts (our own guard).
MAX_NESTING_DEPTH = 256
#: Default number of evaluation steps one budget may spend (:class:`EvaluationBudget`: one
#: for a template and every deployment nested in it or linked from it).
DEFAULT_STEP_BUDGET = 1_000_000
#: Default number of characters the functions of one budget may build in all (a bound on
#: memory: each string is also bounded by MAX_STRING_LENGTH, but copies are not).
DEFAULT_TEXT_BUDGET = 128 * 1024 * 1024
#: Longest string a function may build (ARM's template size limit is 4 MB).
MAX_STRING_LENGTH = 4 * 1024 * 1024
#: Deepest JSON value evaluate_value() walks.
MAX_VALUE_DEPTH = 512
#: Deepest chain of user-defined function calls.
MAX_USER_FUNCTION_DEPTH = 32

_SNIPPET_LENGTH = 120


class ExpressionError(Exception):
    """An ARM expression could not be parsed or evaluated.

    ``expression`` is the whole JSON string value (including the outer brackets) and
    ``offset`` the 0-based character offset into it where the problem is, so a caller
    that knows where the string starts can compute file:line:column. ``pointer`` is an
    RFC 6901 pointer to the failing string: into the value given to
    :func:`evaluate_value`, or, when ``trail`` is not empty, into the definition named
    by ``trail[0]`` (the innermost variable or user function the error came from).
    ``internal`` is true when the error wraps an unexpected Python exception (a bug).
    """

    def __init__(
        self,
        message: str,
        expression: str | None = None,
        offset: int | None = None,
        *,
        pointer: str = "",
        internal: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.expression = expression
        self.offset = offset
        self.pointer = pointer
        self.internal = internal
        #: Outer definitions the error surfaced through, innermost first ("variable 'x'").
        self.trail: list[str] = []
        #: Set when the message was replaced because the error concerned a value computed
        #: from a secret (``evaluator.conceal``): nothing of that value is in it.
        self.concealed = False

    def within(self, where: str) -> ExpressionError:
        """Note that the error happened while evaluating ``where`` (a variable, a function)."""
        self.trail.append(where)
        return self

    def located(self, expression: str, offset: int | None) -> ExpressionError:
        """Fill in where the error happened, unless an inner evaluation already did."""
        if self.expression is None:
            self.expression = expression
            self.offset = offset
        return self

    def __str__(self) -> str:
        text = self.message
        if self.expression is not None:
            text += f" (in expression {snippet(self.expression, self.offset)}"
            if self.offset is not None:
                text += f" at offset {self.offset}"
            text += ")"
        if self.pointer:
            text += f" at {self.pointer}"
        if self.trail:
            text += " while evaluating " + " <- ".join(self.trail)
        return text


class EvaluationLimitError(ExpressionError):
    """A safety limit was hit (step budget, nesting, recursion): never treated as a
    short-circuited branch error, always reported."""


def snippet(expression: str, offset: int | None = None, width: int = _SNIPPET_LENGTH) -> str:
    """Quote ``expression``, cut to about ``width`` characters around ``offset``."""
    if len(expression) <= width:
        return repr(expression)
    center = offset if offset is not None else 0
    start = max(0, min(center - width // 2, len(expression) - width))
    end = start + width
    text = expression[start:end]
    return ("..." if start > 0 else "") + repr(text) + ("..." if end < len(expression) else "")
