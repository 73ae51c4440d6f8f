"""The function registry, the call-site handle given to implementations, argument checks."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import ExpressionError
from ..values import (
    LambdaValue,
    Unknown,
    is_array,
    is_int,
    is_number,
    is_object,
    residual_call,
    type_name,
)

if TYPE_CHECKING:
    from ..context import EvaluationContext
    from ..evaluator import Evaluator
    from ..syntax import FunctionCall


class Unknowns(enum.Enum):
    """How the dispatcher treats unknown arguments before calling an implementation."""

    #: Any argument that is or holds an Unknown makes the result Unknown.
    STRICT = "strict"
    #: Only an argument that *is* Unknown does; unknown items inside arrays/objects are fine.
    SHALLOW = "shallow"
    #: The implementation decides (it may see Unknown arguments).
    CUSTOM = "custom"


Implementation = Callable[["CallSite", list[Any]], Any]


class FunctionSpec:
    """A built-in function: arity, unknown handling and implementation."""

    __slots__ = ("accepts_lambdas", "implementation", "max_args", "min_args", "name", "unknowns")

    def __init__(
        self,
        name: str,
        implementation: Implementation,
        min_args: int,
        max_args: int | None,
        unknowns: Unknowns,
        accepts_lambdas: bool = False,
    ) -> None:
        self.name = name
        self.implementation = implementation
        self.min_args = min_args
        self.max_args = max_args
        self.unknowns = unknowns
        self.accepts_lambdas = accepts_lambdas

    def __repr__(self) -> str:
        return f"FunctionSpec({self.name!r}, {self.min_args}..{self.max_args}, {self.unknowns.value})"


#: Built-in functions by lower-cased name (filled by the modules of this package).
REGISTRY: dict[str, FunctionSpec] = {}


def builtin(
    name: str,
    min_args: int = 0,
    max_args: int | None = None,
    *,
    unknowns: Unknowns = Unknowns.STRICT,
    accepts_lambdas: bool = False,
) -> Callable[[Implementation], Implementation]:
    """Register an implementation under ``name`` (case-insensitive)."""

    def register(implementation: Implementation) -> Implementation:
        key = name.lower()
        if key in REGISTRY:
            raise RuntimeError(f"function {name} registered twice")
        REGISTRY[key] = FunctionSpec(name, implementation, min_args, max_args, unknowns, accepts_lambdas)
        return implementation

    return register


class CallSite:
    """What an implementation knows about the call it is serving."""

    __slots__ = ("args", "ctx", "evaluator", "node", "scope", "secret")

    def __init__(
        self, evaluator: Evaluator, node: FunctionCall, ctx: EvaluationContext, scope: Mapping[str, Any],
        args: list[Any] | None = None,
    ) -> None:
        self.evaluator = evaluator
        self.node = node
        self.ctx = ctx
        self.scope = scope
        #: The evaluated arguments (None when the call's arguments are not all evaluated).
        self.args = args
        #: Whether a secret was read while the arguments were evaluated (set by the evaluator):
        #: the values a lambda argument is called with are then secret too.
        self.secret = False

    @property
    def name(self) -> str:
        """The function name as written in the template."""
        return self.node.name

    @property
    def text(self) -> str:
        """The source text of this call, as written (for messages)."""
        return self.evaluator.source(self.node)

    @property
    def residual(self) -> str:
        """The residual expression of an Unknown result: the call with its evaluated
        arguments written as values (see :func:`residual`)."""
        if self.args is None:
            return self.text
        return residual_call(self.name, self.args)

    def error(self, message: str) -> ExpressionError:
        return ExpressionError(f"{self.name}(): {message}")

    def unknown(self, reason: str, *, source: str | None = None, secret: bool = False) -> Unknown:
        """An Unknown produced by this call."""
        if source is None:
            spec = REGISTRY.get(self.node.key)
            source = spec.name if spec is not None else self.node.name
        return Unknown(self.residual, reason, (source,), secret)

    def combine_unknowns(self, parts: list[Unknown]) -> Unknown:
        return Unknown.combine(self.residual, parts)

    def charge(self, steps: int) -> None:
        self.ctx.shared.charge(steps)

    def invoke(self, function: LambdaValue, values: list[Any]) -> Any:
        """Call a lambda argument with ``values`` bound to its parameters."""
        return self.evaluator.invoke_lambda(self, function, values)

    def string_result(self, text: str) -> str:
        """Check a built string against the size limit and charge for it."""
        if len(text) > self.ctx.max_string_length:
            raise self.error(
                f"the result would be {len(text):,} characters long (limit {self.ctx.max_string_length:,})"
            )
        self.charge(len(text) // 256)
        return text

    def array_result(self, items: list[Any]) -> list[Any]:
        """Charge for a built array."""
        self.charge(len(items))
        return items


# --------------------------------------------------------------------------- argument checks


def _ordinal(index: int) -> str:
    return f"argument {index + 1}"


def expect_string(call: CallSite, args: list[Any], index: int) -> str:
    value = args[index]
    if not isinstance(value, str):
        raise call.error(f"{_ordinal(index)} must be a String, not {type_name(value)}")
    return value


def expect_int(call: CallSite, args: list[Any], index: int) -> int:
    value = args[index]
    if not is_int(value):
        raise call.error(f"{_ordinal(index)} must be an Integer, not {type_name(value)}")
    return int(value)


def expect_number(call: CallSite, args: list[Any], index: int) -> int | float:
    value = args[index]
    if not is_number(value):
        raise call.error(f"{_ordinal(index)} must be a number, not {type_name(value)}")
    return value  # type: ignore[no-any-return]


def expect_bool(call: CallSite, args: list[Any], index: int) -> bool:
    value = args[index]
    if not isinstance(value, bool):
        raise call.error(f"{_ordinal(index)} must be a Boolean, not {type_name(value)}")
    return value


def expect_array(call: CallSite, args: list[Any], index: int) -> list[Any] | tuple[Any, ...]:
    value = args[index]
    if not is_array(value):
        raise call.error(f"{_ordinal(index)} must be an Array, not {type_name(value)}")
    return value  # type: ignore[no-any-return]


def expect_object(call: CallSite, args: list[Any], index: int) -> Mapping[str, Any]:
    value = args[index]
    if not is_object(value):
        raise call.error(f"{_ordinal(index)} must be an Object, not {type_name(value)}")
    return value  # type: ignore[no-any-return]


def expect_lambda(
    call: CallSite, args: list[Any], index: int, parameter_counts: tuple[int, ...]
) -> LambdaValue:
    value = args[index]
    if not isinstance(value, LambdaValue):
        raise call.error(f"{_ordinal(index)} must be a lambda, not {type_name(value)}")
    if len(value.parameters) not in parameter_counts:
        counts = " or ".join(str(count) for count in parameter_counts)
        raise call.error(
            f"the lambda of {_ordinal(index)} must take {counts} parameter(s), not {len(value.parameters)}"
        )
    return value


def fold(text: str) -> str:
    """Lower-case for case-insensitive comparison, one character for one (keeps indexes)."""
    if text.isascii():
        return text.lower()
    return "".join(low if len(low := char.lower()) == 1 else char for char in text)


def lookup_property(mapping: Mapping[str, Any], name: str) -> tuple[bool, Any]:
    """ARM property lookup: exact key first, then a case-insensitive match (facts 1.3)."""
    if name in mapping:
        return True, mapping[name]
    folded = fold(name)
    for key, value in mapping.items():
        if isinstance(key, str) and fold(key) == folded:
            return True, value
    return False, None
