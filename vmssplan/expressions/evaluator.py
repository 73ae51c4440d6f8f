"""Evaluation of parsed expressions and of whole JSON values.

One :class:`Evaluator` walks one parsed expression. Ordinary nested calls use a single
Python frame per level (arguments are evaluated in a loop, not via helpers), and the
parser caps nesting at 256 levels, so evaluation stays far from Python's recursion
limit; if a pathological chain of variables or user functions still reaches it, the
RecursionError is turned into an :class:`EvaluationLimitError` at the boundary.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..pointer import child
from .context import MISSING, EvaluationContext, UserFunction
from .errors import (
    MAX_USER_FUNCTION_DEPTH,
    MAX_VALUE_DEPTH,
    EvaluationLimitError,
    ExpressionError,
)
from .functions import REGISTRY, CallSite, Unknowns, list_function_result
from .functions.base import lookup_property
from .syntax import (
    Access,
    FunctionCall,
    IntegerLiteral,
    Node,
    PropertyAccessor,
    StringLiteral,
    is_expression,
    parse,
    unescape_literal,
)
from .values import (
    LambdaValue,
    PartialObject,
    Unknown,
    contains_unknown,
    deep_equals,
    find_unknowns,
    is_array,
    is_int,
    is_object,
    partial_object_unknown,
    residual,
    residual_call,
    type_name,
)

_EMPTY_SCOPE: Mapping[str, Any] = {}

#: Python errors that mean a bug or a pathological input; converted at the boundary.
_PYTHON_ERRORS = (TypeError, KeyError, IndexError, ValueError, AttributeError, ArithmeticError, UnicodeError)

_LAMBDA_FUNCTIONS = ", ".join(sorted(spec.name for spec in REGISTRY.values() if spec.accepts_lambdas))

#: Declared user-function parameter/output types -> a check on known values.
_TYPE_CHECKS: dict[str, Callable[[Any], bool]] = {
    "string": lambda value: isinstance(value, str),
    "securestring": lambda value: isinstance(value, str),
    "int": is_int,
    "bool": lambda value: isinstance(value, bool),
    "object": is_object,
    "secureobject": is_object,
    "array": is_array,
}


#: The key, in a lambda's scope, that says its parameters hold values computed from a secret
#: (no lambda parameter name can be it: it is refused by lambdaVariables()).
_SECRET_SCOPE = "\x00secret"

#: What a message about a value computed from a secret says instead of quoting it.
SECURE_VALUE = "(a secure value)"


def conceal(error: ExpressionError, what: str) -> ExpressionError:
    """Make ``error``, raised while a value computed from a secret was in hand, say nothing
    of that value: its message (which may quote the value, or a value derived from it) is
    replaced, and what it pointed at (a definition the secret may have named) dropped. The
    outer expression locates it again. Safety limits keep their message (it quotes no value)."""
    if isinstance(error, EvaluationLimitError) or error.concealed:
        return error
    error.message = f"{what} failed on a value computed from a secret {SECURE_VALUE}; the message is not shown"
    error.args = (error.message,)
    error.expression = None
    error.offset = None
    error.pointer = ""
    error.trail = []
    error.concealed = True
    return error


def _misplaced_lambda() -> ExpressionError:
    return ExpressionError(f"lambda() can only be used as an argument of {_LAMBDA_FUNCTIONS}")


def _no_variables_in_user_functions(name: str) -> Any:
    raise ExpressionError(f"user-defined functions can't use variables() (variable {name!r})")


class Evaluator:
    """Evaluates the nodes of one expression string in one context."""

    __slots__ = ("ctx", "state", "text")

    def __init__(self, text: str, ctx: EvaluationContext) -> None:
        self.text = text
        self.ctx = ctx
        self.state = ctx.shared

    def source(self, node: Node) -> str:
        """The source text of a node (the residual expression of an Unknown)."""
        return self.text[node.start : node.end]

    def run(self, node: Node) -> Any:
        result = self.eval(node, _EMPTY_SCOPE)
        if isinstance(result, LambdaValue):
            raise _misplaced_lambda().located(self.text, node.start)
        return result

    # ----------------------------------------------------------------------- nodes

    def eval(self, node: Node, scope: Mapping[str, Any]) -> Any:
        """Evaluate one node. Kept to one Python frame per nesting level for plain calls."""
        state = self.state
        state.charge(1)
        kind = type(node)
        if kind is StringLiteral or kind is IntegerLiteral:
            return node.value  # type: ignore[union-attr]
        if kind is Access:
            return self._access(node, scope)  # type: ignore[arg-type]
        call: FunctionCall = node  # type: ignore[assignment]
        key = call.key
        special = _SPECIAL_FORMS.get(key)
        reads = state.secret_reads
        try:
            if special is not None:
                return special(self, call, scope)
            spec = REGISTRY.get(key)
            if spec is None:
                if "." in key:
                    return self._call_user_function(call, scope)
                if key.startswith("list"):
                    values = [self.eval(argument, scope) for argument in call.args]
                    return list_function_result(CallSite(self, call, self.ctx, scope, values))
                raise ExpressionError(f"the template function '{call.name}' is not valid (unknown function)")
            count = len(call.args)
            if count < spec.min_args or (spec.max_args is not None and count > spec.max_args):
                raise ExpressionError(f"{call.name}() {_arity(spec.min_args, spec.max_args)}, not {count}")
            args = []
            for argument in call.args:
                args.append(self.eval(argument, scope))
            if not spec.accepts_lambdas:
                for value in args:
                    if isinstance(value, LambdaValue):
                        raise _misplaced_lambda()
            if spec.unknowns is Unknowns.STRICT:
                for value in args:
                    if contains_unknown(value):
                        return Unknown.combine(residual_call(call.name, args),
                                               [u for a in args for u in find_unknowns(a)])
            elif spec.unknowns is Unknowns.SHALLOW:
                direct = [
                    value if isinstance(value, Unknown) else partial_object_unknown(value)
                    for value in args
                    if isinstance(value, (Unknown, PartialObject))
                ]
                if direct:
                    return Unknown.combine(residual_call(call.name, args), direct)
            site = CallSite(self, call, self.ctx, scope, args)
            site.secret = state.secret_reads != reads
            result = spec.implementation(site, args)
            if type(result) is str:
                state.budget.charge_text(len(result))
            elif site.secret and type(result) in (int, float, bool):
                # A number or a truth computed from a secret (its length, whether it holds a
                # character) could size later work or pick a branch, and so be measured from
                # the plan: it is not known offline.
                return Unknown.secure(residual_call(call.name, args), f"{call.name}()")
            return result
        except ExpressionError as error:
            if state.secret_reads != reads:
                conceal(error, f"{call.name}()")
            error.located(self.text, call.start)
            raise

    def _access(self, node: Access, scope: Mapping[str, Any]) -> Any:
        reads = self.state.secret_reads
        try:
            return self._access_path(node, scope)
        except ExpressionError as error:
            if self.state.secret_reads != reads:  # a secure object, or an index computed from a secret
                conceal(error, "the property or index").located(self.text, node.start)
            raise

    def _access_path(self, node: Access, scope: Mapping[str, Any]) -> Any:
        value = self.eval(node.target, scope)
        for position, accessor in enumerate(node.accessors):
            if isinstance(value, Unknown):
                return value.derived(value.expression + self._accessors_residual(node, position, scope))
            if isinstance(value, LambdaValue):
                raise _misplaced_lambda().located(self.text, accessor.start)
            path = self.text[node.start : accessor.end]
            if isinstance(accessor, PropertyAccessor):
                value = self._property(value, accessor.name, path, accessor.start)
                continue
            index = self.eval(accessor.index, scope)
            if isinstance(index, Unknown):
                return Unknown.combine(residual(value) + self._accessors_residual(node, position, scope), [index])
            if is_int(index):
                if isinstance(value, PartialObject) or not is_array(value):
                    raise ExpressionError(
                        f"the language expression array index '{index}' can't be used on a value of type "
                        f"{type_name(value)}",
                        self.text,
                        accessor.start,
                    )
                if not 0 <= index < len(value):
                    raise ExpressionError(
                        f"the language expression array index '{index}' is out of bounds (length {len(value)})",
                        self.text,
                        accessor.start,
                    )
                value = value[index]
            elif isinstance(index, str):
                value = self._property(value, index, path, accessor.start)
            else:
                raise ExpressionError(
                    f"an index must be an Integer or a String, not {type_name(index)}",
                    self.text,
                    accessor.start,
                )
        return value

    def _accessors_residual(self, node: Access, first: int, scope: Mapping[str, Any]) -> str:
        """The accessors of ``node`` from the ``first`` on, with each index written as its
        value (an index that fails to evaluate is written as in the source)."""
        text = ""
        for accessor in node.accessors[first:]:
            if isinstance(accessor, PropertyAccessor):
                text += "." + accessor.name
                continue
            try:
                text += "[" + residual(self.eval(accessor.index, scope)) + "]"
            except EvaluationLimitError:
                raise
            except ExpressionError:
                text += self.text[accessor.start : accessor.end]
        return text

    def _property(self, value: Any, name: str, path: str, offset: int) -> Any:
        if is_object(value):
            found, item = lookup_property(value, name)
            if found:
                return item
            if isinstance(value, PartialObject):
                return Unknown(
                    path, f"{path} was not supplied to the offline evaluation", (value.origin.rstrip("()"),)
                )
            available = ", ".join(str(key) for key in list(value)[:20]) + (", ..." if len(value) > 20 else "")
            raise ExpressionError(
                f"the language expression property '{name}' doesn't exist, available properties are '{available}'",
                self.text,
                offset,
            )
        raise ExpressionError(
            f"the language expression property '{name}' can't be read from a value of type {type_name(value)}",
            self.text,
            offset,
        )

    # ----------------------------------------------------------------------- lambdas

    def invoke_lambda(self, call: CallSite, function: LambdaValue, values: list[Any]) -> Any:
        if len(values) != len(function.parameters):
            raise call.error(f"the lambda takes {len(function.parameters)} argument(s), not {len(values)}")
        scope = dict(function.scope)
        for name, value in zip(function.parameters, values, strict=True):
            scope[name.lower()] = value
        if call.secret:  # the values come from an argument computed from a secret
            scope[_SECRET_SCOPE] = True
        evaluator = self if function.expression is self.text else Evaluator(function.expression, call.ctx)
        result = evaluator.eval(function.body, scope)
        if isinstance(result, LambdaValue):
            raise call.error("a lambda can't return a lambda")
        return result

    # ----------------------------------------------------------------------- names

    def resolve_parameter(self, call: CallSite, name: str) -> Any:
        ctx = self.ctx
        source = ctx.parameters
        if isinstance(source, Mapping):
            found, value = lookup_property(source, name)
            if not found:
                value = MISSING
        else:
            key = ("parameter", id(source), name.lower())
            self._enter(key, name, "parameter")
            try:
                value = source(name)
            except EvaluationLimitError:
                raise
            except ExpressionError as error:
                error.within(f"parameter '{name}'")
                raise
            finally:
                self.state.resolving.pop()
        if value is MISSING:
            raise call.error(f"the template parameter '{name}' is not found")
        if ctx.is_secret_parameter(name):
            self.state.secret_reads += 1
        return value

    def resolve_variable(self, call: CallSite, name: str) -> Any:
        ctx = self.ctx
        source = ctx.variables
        if source is None:
            raise call.error(f"the template variable '{name}' is not found (no variables are defined here)")
        state = self.state
        key = ("variable", id(source), name.lower())
        cached = state.variable_cache.get(key)
        if cached is not None:
            value, secret = cached
            if secret:
                state.secret_reads += 1
            return value
        self._enter(key, name, "variable")
        before = state.secret_reads
        try:
            if isinstance(source, Mapping):
                found, raw = lookup_property(source, name)
                if not found:
                    raise call.error(f"the template variable '{name}' is not found")
                global_ctx = ctx.derive(copy_indexes={}, current_copy=None)
                try:
                    # Strings (the common case) skip the JSON walker: fewer Python frames per hop.
                    value = (
                        evaluate(raw, global_ctx) if isinstance(raw, str) else evaluate_value(raw, global_ctx)
                    )
                except EvaluationLimitError:
                    raise
                except ExpressionError as error:
                    error.within(f"variable '{name}'")
                    raise
            else:
                try:
                    value = source(name)
                except EvaluationLimitError:
                    raise
                except ExpressionError as error:
                    error.within(f"variable '{name}'")
                    raise
                if value is MISSING:
                    raise call.error(f"the template variable '{name}' is not found")
        finally:
            state.resolving.pop()
        state.cached_sources[id(source)] = source
        state.variable_cache[key] = (value, state.secret_reads != before)
        return value

    def _enter(self, key: tuple[str, int, str], name: str, kind: str) -> None:
        resolving = self.state.resolving
        for position, (active, _) in enumerate(resolving):
            if active == key:
                if position == len(resolving) - 1:
                    raise ExpressionError(f"{kind} '{name}' refers to itself")
                chain = [written for _, written in resolving[position:]] + [name]
                raise ExpressionError(f"{kind}s refer to each other in a cycle: {' -> '.join(chain)}")
        resolving.append((key, name))

    # ----------------------------------------------------------------------- user functions

    def _call_user_function(self, call: FunctionCall, scope: Mapping[str, Any]) -> Any:
        ctx = self.ctx
        found, function = lookup_property(ctx.functions, call.name)
        if not found or not isinstance(function, UserFunction):
            raise ExpressionError(
                f"the template function '{call.name}' is not valid (no user-defined function of that name)"
            )
        if len(call.args) != len(function.parameters):
            raise ExpressionError(
                f"{call.name}() takes {len(function.parameters)} argument(s), not {len(call.args)}"
            )
        values: list[Any] = []
        secret_arguments: list[bool] = []
        for argument in call.args:
            reads = self.state.secret_reads
            value = self.eval(argument, scope)
            if isinstance(value, LambdaValue):
                raise _misplaced_lambda()
            values.append(value)
            secret_arguments.append(self.state.secret_reads != reads)
        bound: dict[str, Any] = {}
        secret_names = [parameter.name for parameter, secret in zip(function.parameters, secret_arguments,
                                                                    strict=True) if secret]
        for parameter, value in zip(function.parameters, values, strict=True):
            declared = (parameter.type or "").lower()
            check = _TYPE_CHECKS.get(declared)
            if check is not None and not isinstance(value, (Unknown, PartialObject)) and not check(value):
                raise ExpressionError(
                    f"{call.name}(): parameter '{parameter.name}' must be of type {parameter.type}, "
                    f"not {type_name(value)}"
                )
            if declared in ("securestring", "secureobject"):
                secret_names.append(parameter.name)
            bound[parameter.name] = value
        state = self.state
        if state.user_function_depth >= MAX_USER_FUNCTION_DEPTH:
            raise EvaluationLimitError(
                f"user-defined functions call each other more than {MAX_USER_FUNCTION_DEPTH} levels deep"
            )
        inner = ctx.derive(
            parameters=bound,
            variables=_no_variables_in_user_functions,
            copy_indexes={},
            current_copy=None,
            secret_parameters=frozenset(secret_names),
        )
        state.user_function_depth += 1
        try:
            result = evaluate_value(function.output, inner)
        except EvaluationLimitError:
            raise
        except ExpressionError as error:
            error.within(f"function '{function.name}'")
            raise
        finally:
            state.user_function_depth -= 1
        declared_output = (function.output_type or "").lower()
        check = _TYPE_CHECKS.get(declared_output)
        if check is not None and not contains_unknown(result) and not check(result):
            raise ExpressionError(
                f"{call.name}() must return {function.output_type}, but returned {type_name(result)}"
            )
        return result


def _arity(minimum: int, maximum: int | None) -> str:
    if maximum is None:
        return f"takes at least {minimum} argument(s)"
    if minimum == maximum:
        return f"takes {minimum} argument(s)"
    return f"takes {minimum} to {maximum} arguments"


# --------------------------------------------------------------------------- special forms


def _evaluate_after_unknown(evaluator: Evaluator, node: Node, scope: Mapping[str, Any]) -> Any:
    """Evaluate an argument that a real short-circuit might have skipped: its errors
    (other than safety limits) mean "can't tell" rather than a template error."""
    try:
        return evaluator.eval(node, scope)
    except EvaluationLimitError:
        raise
    except ExpressionError:
        return None


def _secure_decision(evaluator: Evaluator, call: FunctionCall, scope: Mapping[str, Any], decided: list[Any],
                     rest: int) -> Unknown:
    """The result of ``if``/``and``/``or``/``coalesce`` once an argument that decides which
    way it goes was computed from a secret: the arguments after it are evaluated as after
    an unknown one (their errors do not surface, or whether they were reached would tell the
    secret), and the result is an unknown that keeps only a digest of what was computed."""
    later = [_evaluate_after_unknown(evaluator, argument, scope) for argument in call.args[rest:]]
    return Unknown.secure(residual_call(call.name, [*decided, *later]), f"{call.name}()")


def _special_if(evaluator: Evaluator, call: FunctionCall, scope: Mapping[str, Any]) -> Any:
    if len(call.args) != 3:
        raise ExpressionError(
            f"{call.name}() takes 3 arguments (condition, true value, false value), not {len(call.args)}"
        )
    reads = evaluator.state.secret_reads
    condition = evaluator.eval(call.args[0], scope)
    if evaluator.state.secret_reads != reads and not isinstance(condition, Unknown):
        # The test is computed from a secret: not evaluated (both branches are, quietly).
        return _secure_decision(evaluator, call, scope, [condition], 1)
    if isinstance(condition, Unknown):
        # Either branch may be taken: its value is known when both give the same one.
        branches = [_evaluate_after_unknown(evaluator, branch, scope) for branch in call.args[1:]]
        if (branches[0] is not None and not any(contains_unknown(branch) for branch in branches)
                and deep_equals(*branches)):
            return branches[0]  # (None may stand for a failed branch: not collapsed)
        return Unknown.combine(residual_call(call.name, [condition, *branches]),
                               [condition, *(u for branch in branches for u in find_unknowns(branch))])
    if not isinstance(condition, bool):
        raise ExpressionError(f"{call.name}(): the condition must be a Boolean, not {type_name(condition)}")
    return evaluator.eval(call.args[1] if condition else call.args[2], scope)


def _logical(decisive: bool) -> Callable[[Evaluator, FunctionCall, Mapping[str, Any]], Any]:
    """``and`` (decisive False) / ``or`` (decisive True), evaluated left to right lazily."""

    def special(evaluator: Evaluator, call: FunctionCall, scope: Mapping[str, Any]) -> Any:
        if not call.args:
            raise ExpressionError(f"{call.name}() takes at least 1 argument")
        unknowns: list[Unknown] = []
        evaluated: list[Any] = []
        for position, argument in enumerate(call.args):
            reads = evaluator.state.secret_reads
            value = (
                _evaluate_after_unknown(evaluator, argument, scope)
                if unknowns
                else evaluator.eval(argument, scope)
            )
            evaluated.append(value)
            if not unknowns and evaluator.state.secret_reads != reads:
                return _secure_decision(evaluator, call, scope, evaluated, position + 1)
            if isinstance(value, Unknown):
                unknowns.append(value)
                continue
            if not isinstance(value, bool):
                if unknowns:  # maybe never reached in reality
                    continue
                raise ExpressionError(f"{call.name}(): arguments must be Booleans, not {type_name(value)}")
            if value is decisive:
                return decisive
        if unknowns:
            return Unknown.combine(residual_call(call.name, evaluated), unknowns)
        return not decisive

    return special


def _special_coalesce(evaluator: Evaluator, call: FunctionCall, scope: Mapping[str, Any]) -> Any:
    if not call.args:
        raise ExpressionError(f"{call.name}() takes at least 1 argument")
    quiet = False  # after an argument computed from a secret: whether a later one is reached tells it
    for position, argument in enumerate(call.args):
        reads = evaluator.state.secret_reads
        value = _evaluate_after_unknown(evaluator, argument, scope) if quiet else evaluator.eval(argument, scope)
        quiet = quiet or evaluator.state.secret_reads != reads
        if isinstance(value, Unknown):
            rest = [_evaluate_after_unknown(evaluator, later, scope) for later in call.args[position + 1 :]]
            return Unknown.combine(residual_call(call.name, [value, *rest]),
                                   [value, *(u for later in rest for u in find_unknowns(later))])
        if isinstance(value, LambdaValue):
            raise _misplaced_lambda()
        if value is not None:
            return value
    return None


def _special_lambda(evaluator: Evaluator, call: FunctionCall, scope: Mapping[str, Any]) -> Any:
    if len(call.args) < 2:
        raise ExpressionError(f"{call.name}() takes parameter names and a body")
    names: list[str] = []
    for argument in call.args[:-1]:
        name = evaluator.eval(argument, scope)
        if not isinstance(name, str):
            raise ExpressionError(f"{call.name}(): parameter names must be strings, not {type_name(name)}")
        if name.lower() in (existing.lower() for existing in names):
            raise ExpressionError(f"{call.name}(): the parameter name {name!r} is used twice")
        names.append(name)
    return LambdaValue(tuple(names), call.args[-1], evaluator.text, scope)


def _special_lambda_variables(evaluator: Evaluator, call: FunctionCall, scope: Mapping[str, Any]) -> Any:
    if len(call.args) != 1:
        raise ExpressionError(f"{call.name}() takes 1 argument, not {len(call.args)}")
    name = evaluator.eval(call.args[0], scope)
    if isinstance(name, Unknown):
        return Unknown.combine(residual_call(call.name, [name]), [name])
    if not isinstance(name, str):
        raise ExpressionError(f"{call.name}(): argument 1 must be a String, not {type_name(name)}")
    key = name.lower()
    if key not in scope or key == _SECRET_SCOPE:
        raise ExpressionError(f"{call.name}(): there is no lambda parameter named {name!r} here")
    if _SECRET_SCOPE in scope:
        evaluator.state.secret_reads += 1
    return scope[key]


_SPECIAL_FORMS: dict[str, Callable[[Evaluator, FunctionCall, Mapping[str, Any]], Any]] = {
    "if": _special_if,
    "and": _logical(False),
    "or": _logical(True),
    "coalesce": _special_coalesce,
    "lambda": _special_lambda,
    "lambdavariables": _special_lambda_variables,
}

#: Lower-cased names of every built-in function, special forms included.
BUILTIN_FUNCTIONS = frozenset(REGISTRY) | frozenset(_SPECIAL_FORMS)


# --------------------------------------------------------------------------- public entry points


def _boundary_error(error: BaseException, expression: str | None, secret: bool = False) -> ExpressionError:
    """The error an unexpected Python exception becomes; ``secret``: a secret was read
    meanwhile, so the exception's text (which may quote a value) is not shown."""
    if isinstance(error, RecursionError):
        return EvaluationLimitError(
            "evaluation is nested too deeply (variables, parameters or functions refer to each other too deeply)",
            expression,
            None,
        )
    detail = f"{type(error).__name__} on a value computed from a secret {SECURE_VALUE}" if secret else (
        f"{type(error).__name__}: {error}")
    return ExpressionError(f"internal error while evaluating: {detail}", expression, None, internal=True)


def evaluate(expression: str, ctx: EvaluationContext) -> Any:
    """Evaluate one JSON string value: an expression, an escaped literal or a plain literal.

    Returns a JSON value, possibly holding :class:`Unknown` values. Raises only
    :class:`ExpressionError` (or an exception of the caller's own resolvers).
    """
    if not isinstance(expression, str):
        raise ExpressionError(f"evaluate() takes a string, not {type_name(expression)}")
    if not is_expression(expression):
        return unescape_literal(expression)
    reads = ctx.shared.secret_reads
    try:
        node = parse(expression)
        return Evaluator(expression, ctx).run(node)
    except ExpressionError:
        raise
    except RecursionError as error:
        raise _boundary_error(error, expression) from None
    except _PYTHON_ERRORS as error:
        raise _boundary_error(error, expression, ctx.shared.secret_reads != reads) from error


class _Frame:
    """One object or array being rebuilt by :func:`evaluate_value`."""

    __slots__ = ("is_object", "items", "out", "parent", "parent_key", "pointer", "replacement")

    def __init__(self, source: Any, pointer: str, parent: _Frame | None, parent_key: Any) -> None:
        self.is_object = is_object(source)
        self.items = iter(source.items()) if self.is_object else iter(enumerate(source))
        self.out: Any = {} if self.is_object else []
        self.pointer = pointer
        self.parent = parent
        self.parent_key = parent_key
        self.replacement: Unknown | None = None


def evaluate_value(value: Any, ctx: EvaluationContext) -> Any:
    """Evaluate every string of a JSON value (object keys included), iteratively.

    An expression key must give a string; an unknown key makes its whole object
    Unknown. Errors carry an RFC 6901 ``pointer`` to the failing string. Copy loops
    (``copy`` properties) are not expanded here: that is the template layer's job.
    """
    reads = ctx.shared.secret_reads
    try:
        return _evaluate_tree(value, ctx)
    except ExpressionError:
        raise
    except RecursionError as error:
        raise _boundary_error(error, None) from None
    except _PYTHON_ERRORS as error:
        raise _boundary_error(error, None, ctx.shared.secret_reads != reads) from error


def _evaluate_leaf(value: Any, ctx: EvaluationContext, pointer: str) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return evaluate(value, ctx)
    except ExpressionError as error:
        if not error.pointer and not error.trail:
            error.pointer = pointer
        raise


def _evaluate_tree(root: Any, ctx: EvaluationContext) -> Any:
    if not (is_object(root) or is_array(root)):
        return _evaluate_leaf(root, ctx, "")
    state = ctx.shared
    top = _Frame(root, "", None, None)
    stack = [top]
    while stack:
        frame = stack[-1]
        entry = next(frame.items, None)
        if entry is None or frame.replacement is not None:
            stack.pop()
            result = frame.replacement if frame.replacement is not None else frame.out
            if frame.parent is not None:
                if frame.parent.is_object:
                    frame.parent.out[frame.parent_key] = result
                else:
                    frame.parent.out.append(result)
            continue
        state.charge(1)
        key, item = entry
        pointer = child(frame.pointer, key)
        if frame.is_object:
            if isinstance(key, str) and is_expression(key):
                reads = state.secret_reads
                key = _evaluate_leaf(key, ctx, pointer)
                if state.secret_reads != reads and not isinstance(key, Unknown):
                    # A property name computed from a secret: the object's shape would tell it.
                    frame.replacement = Unknown.secure(residual(key), "a property name")
                    continue
                if isinstance(key, Unknown):
                    frame.replacement = Unknown(
                        key.expression, f"a property name is unknown: {key.reason}", key.sources, key.secret
                    )
                    continue
                if not isinstance(key, str) or isinstance(key, PartialObject):
                    raise ExpressionError(
                        f"a property name must evaluate to a String, not {type_name(key)}", pointer=pointer
                    )
                if key in frame.out:
                    raise ExpressionError(f"the property name {key!r} occurs twice", pointer=pointer)
            elif isinstance(key, str):
                key = unescape_literal(key)
        if is_object(item) or is_array(item):
            if len(stack) >= MAX_VALUE_DEPTH:
                raise EvaluationLimitError(
                    f"the value is nested more than {MAX_VALUE_DEPTH} levels deep", pointer=pointer
                )
            stack.append(_Frame(item, pointer, frame, key))
            continue
        result = _evaluate_leaf(item, ctx, pointer)
        if frame.is_object:
            frame.out[key] = result
        else:
            frame.out.append(result)
    return top.replacement if top.replacement is not None else top.out


def evaluate_value_and_secrecy(value: Any, ctx: EvaluationContext) -> tuple[Any, bool]:
    """:func:`evaluate_value` plus whether the result derives from a secret.

    Secret sources: parameters named in ``ctx.secret_parameters`` (also through
    variables and user functions) and ``list*()`` results (Unknowns marked secret).
    """
    before = ctx.shared.secret_reads
    result = evaluate_value(value, ctx)
    secret = ctx.shared.secret_reads != before or any(unknown.secret for unknown in find_unknowns(result))
    return result, secret
