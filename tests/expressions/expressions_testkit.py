"""Helpers shared by the expression tests (imported by module name; no conftest needed)."""

from __future__ import annotations

from typing import Any

from vmssplan.expressions import (
    AZURE_CLOUD_ENVIRONMENT,
    EvaluationContext,
    ExpressionError,
    Unknown,
    evaluate,
    make_deployment,
    make_resource_group,
    make_subscription,
)

#: The test subscription and resource group the Bicep integration tests use (facts 7.1).
SUBSCRIPTION_ID = "f91a30fd-f403-4999-ae9f-ec37a6d81e13"
RESOURCE_GROUP = "testResourceGroup"


def ctx(**fields: Any) -> EvaluationContext:
    """A context with no deployment values unless given."""
    return EvaluationContext(**fields)


def deployed_ctx(**fields: Any) -> EvaluationContext:
    """A context as if the user supplied subscription, resource group, deployment, cloud."""
    fields.setdefault("subscription", make_subscription(SUBSCRIPTION_ID, tenant_id="tenant-1"))
    fields.setdefault(
        "resource_group", make_resource_group(SUBSCRIPTION_ID, RESOURCE_GROUP, location="westeurope")
    )
    fields.setdefault("deployment", make_deployment("main"))
    fields.setdefault("environment", AZURE_CLOUD_ENVIRONMENT)
    return EvaluationContext(**fields)


def ev(expression: str, context: EvaluationContext | None = None, **fields: Any) -> Any:
    """Evaluate ``expression``; ``fields`` build a fresh context when none is given."""
    return evaluate(expression, context if context is not None else ctx(**fields))


def err(expression: str, context: EvaluationContext | None = None, **fields: Any) -> ExpressionError:
    """The ExpressionError evaluating ``expression`` raises (fails the test otherwise)."""
    try:
        value = ev(expression, context, **fields)
    except ExpressionError as error:
        assert not error.internal, f"internal error: {error}"
        return error
    raise AssertionError(f"{expression} gave {value!r} instead of an error")


def unknown(expression: str, context: EvaluationContext | None = None, **fields: Any) -> Unknown:
    """The Unknown ``expression`` evaluates to (fails the test otherwise)."""
    value = ev(expression, context, **fields)
    assert isinstance(value, Unknown), f"{expression} gave {value!r}, not an Unknown"
    return value
