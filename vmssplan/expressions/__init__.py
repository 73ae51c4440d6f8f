"""Offline evaluator of the ARM template expression language.

Public API::

    is_expression(text) -> bool
    unescape_literal(text) -> str
    parse(expression) -> Node                      # syntax tree, cached
    function_names(expression) -> frozenset[str]   # e.g. to reject reference() in a copy count
    evaluate(expression, ctx) -> Any               # one JSON string value
    evaluate_value(value, ctx) -> Any              # a whole JSON value (keys included)
    evaluate_value_and_secrecy(value, ctx) -> (Any, bool)
    EvaluationContext(...)                         # parameters, variables, functions, loops, scope
    EvaluationBudget(...)                          # steps and text: one for a template and its nested ones
    Unknown                                        # "(known after deployment)" values
    ExpressionError / EvaluationLimitError         # the only errors raised

Values are plain JSON values (dict, list, str, int, float, bool, None) that may hold
:class:`Unknown` objects. Nothing here does I/O or imports other vmssplan modules but
:mod:`vmssplan.pointer` (RFC 6901 pointers, which imports nothing of vmssplan).

Wiring it to a template (the template layer's job)::

    ctx = EvaluationContext(
        parameters=resolve_parameter,        # name -> value | MISSING (evaluates defaults lazily)
        variables=template["variables"],     # raw definitions, or a resolver for copy loops
        functions=user_functions_from_template(template.get("functions")),
        subscription=make_subscription(sub_id) if sub_id else None,
        resource_group=make_resource_group(sub_id, rg, location=loc) if rg else None,
        secret_parameters={"adminPassword"},
    )
    for index in range(count):                # a resource copy loop
        item_ctx = ctx.with_copy_index(copy_name, index, current=True)
        body, secret = evaluate_value_and_secrecy(resource["properties"], item_ctx)

``copy`` properties and variable copy loops are not expanded by :func:`evaluate_value`;
expand them with :meth:`EvaluationContext.with_copy_index`. An inner-scope nested
deployment needs a new context (its own parameters and variables), not a derived one.
Parameter values are used as given (a parameters file is never evaluated), while raw
variable definitions are evaluated on first use. Chains of variables that refer to
each other more than about 150 deep end in an :class:`EvaluationLimitError`.
"""

from __future__ import annotations

from .context import (
    AZURE_CLOUD_ENVIRONMENT,
    MISSING,
    SCOPES,
    EvaluationBudget,
    EvaluationContext,
    FunctionParameter,
    Resolver,
    UserFunction,
    get_case_insensitive,
    make_deployment,
    make_resource_group,
    make_subscription,
    make_tenant,
    user_functions_from_template,
)
from .errors import (
    DEFAULT_STEP_BUDGET,
    DEFAULT_TEXT_BUDGET,
    MAX_EXPRESSION_LENGTH,
    MAX_NESTING_DEPTH,
    EvaluationLimitError,
    ExpressionError,
)
from .evaluator import (
    BUILTIN_FUNCTIONS,
    evaluate,
    evaluate_value,
    evaluate_value_and_secrecy,
)
from .functions import NEVER_KNOWN_FUNCTIONS, arm_guid, unique_string
from .syntax import (
    Access,
    FunctionCall,
    IndexAccessor,
    IntegerLiteral,
    Node,
    PropertyAccessor,
    StringLiteral,
    function_names,
    is_expression,
    parse,
    unescape_literal,
)
from .values import (
    KNOWN_AFTER_DEPLOYMENT,
    SECURE_REASON,
    PartialObject,
    Unknown,
    contains_unknown,
    find_unknowns,
    is_unknown,
    render_value,
    residual,
)

__all__ = [
    "AZURE_CLOUD_ENVIRONMENT",
    "BUILTIN_FUNCTIONS",
    "DEFAULT_STEP_BUDGET",
    "DEFAULT_TEXT_BUDGET",
    "KNOWN_AFTER_DEPLOYMENT",
    "MAX_EXPRESSION_LENGTH",
    "MAX_NESTING_DEPTH",
    "MISSING",
    "NEVER_KNOWN_FUNCTIONS",
    "SCOPES",
    "SECURE_REASON",
    "Access",
    "EvaluationBudget",
    "EvaluationContext",
    "EvaluationLimitError",
    "ExpressionError",
    "FunctionCall",
    "FunctionParameter",
    "IndexAccessor",
    "IntegerLiteral",
    "Node",
    "PartialObject",
    "PropertyAccessor",
    "Resolver",
    "StringLiteral",
    "Unknown",
    "UserFunction",
    "arm_guid",
    "contains_unknown",
    "evaluate",
    "evaluate_value",
    "evaluate_value_and_secrecy",
    "find_unknowns",
    "function_names",
    "get_case_insensitive",
    "is_expression",
    "is_unknown",
    "make_deployment",
    "make_resource_group",
    "make_subscription",
    "make_tenant",
    "parse",
    "render_value",
    "residual",
    "unescape_literal",
    "unique_string",
    "user_functions_from_template",
]
