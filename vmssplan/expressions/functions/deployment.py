"""Deployment, scope and resource-ID functions (facts 2.4, 2.8, 2.10, 4.6).

Context functions return the value the caller supplied in the EvaluationContext
(as a :class:`PartialObject`: properties it lacks are unknown) or an Unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..values import PartialObject, Unknown, is_int
from .base import (
    CallSite,
    Unknowns,
    builtin,
    expect_int,
    expect_string,
    lookup_property,
)

# --------------------------------------------------------------------------- parameters, variables, copyIndex


@builtin("parameters", 1, 1)
def fn_parameters(call: CallSite, args: list[Any]) -> Any:
    return call.evaluator.resolve_parameter(call, expect_string(call, args, 0))


@builtin("variables", 1, 1)
def fn_variables(call: CallSite, args: list[Any]) -> Any:
    return call.evaluator.resolve_variable(call, expect_string(call, args, 0))


@builtin("copyIndex", 0, 2)
def fn_copy_index(call: CallSite, args: list[Any]) -> Any:
    loop_name: str | None = None
    offset = 0
    if len(args) == 2:
        loop_name = expect_string(call, args, 0)
        offset = expect_int(call, args, 1)
    elif len(args) == 1:
        if isinstance(args[0], str):
            loop_name = args[0]
        elif is_int(args[0]):
            offset = args[0]
        else:
            raise call.error("argument 1 must be a loop name (String) or an offset (Integer)")
    ctx = call.ctx
    if loop_name is None:
        if ctx.current_copy is None:
            raise call.error("copyIndex() without a loop name is only valid inside a resource copy loop")
        loop_name = ctx.current_copy
    found, index = lookup_property(ctx.copy_indexes, loop_name)
    if not found:
        raise call.error(f"there is no copy loop named {loop_name!r} here")
    return index + offset


# --------------------------------------------------------------------------- context objects


def _context_object(call: CallSite, value: Mapping[str, Any] | None, what: str) -> Any:
    origin = f"{call.name}()"
    if value is None:
        return call.unknown(f"{origin} is only known at deployment ({what} was given)")
    return PartialObject(value, origin)


@builtin("subscription", 0, 0)
def fn_subscription(call: CallSite, args: list[Any]) -> Any:
    return _context_object(call, call.ctx.subscription, "no subscription")


@builtin("resourceGroup", 0, 0)
def fn_resource_group(call: CallSite, args: list[Any]) -> Any:
    return _context_object(call, call.ctx.resource_group, "no resource group")


@builtin("deployment", 0, 0)
def fn_deployment(call: CallSite, args: list[Any]) -> Any:
    return _context_object(call, call.ctx.deployment, "no deployment")


@builtin("environment", 0, 0)
def fn_environment(call: CallSite, args: list[Any]) -> Any:
    return _context_object(call, call.ctx.environment, "no cloud environment")


@builtin("tenant", 0, 0)
def fn_tenant(call: CallSite, args: list[Any]) -> Any:
    return _context_object(call, call.ctx.tenant, "no tenant")


@builtin("managementGroup", 0, 0)
def fn_management_group(call: CallSite, args: list[Any]) -> Any:
    return _context_object(call, call.ctx.management_group, "no management group")


@builtin("deployer", 0, 0)
def fn_deployer(call: CallSite, args: list[Any]) -> Any:
    return _context_object(call, call.ctx.deployer, "no deploying identity")


# --------------------------------------------------------------------------- resource IDs


def _context_text(value: Mapping[str, Any] | None, key: str, id_prefix: str | None = None) -> str | None:
    if value is None:
        return None
    found, text = lookup_property(value, key)
    if found and isinstance(text, str):
        return text
    if id_prefix is not None:
        found, identifier = lookup_property(value, "id")
        if found and isinstance(identifier, str) and identifier.lower().startswith(id_prefix):
            rest = identifier[len(id_prefix) :]
            if rest and "/" not in rest:
                return rest
    return None


def _subscription_id(call: CallSite) -> str | Unknown:
    value = _context_text(call.ctx.subscription, "subscriptionId", "/subscriptions/")
    if value is None:
        # The atom is the context value itself, the same wherever it is used.
        return Unknown(
            "subscription().subscriptionId",
            f"{call.name}() needs the subscription ID, which is only known at deployment (none was supplied)",
            ("subscription",),
        )
    return value


def _resource_group_name(call: CallSite) -> str | Unknown:
    value = _context_text(call.ctx.resource_group, "name")
    if value is None:
        # The atom is the context value itself, the same wherever it is used.
        return Unknown(
            "resourceGroup().name",
            f"{call.name}() needs the resource group name, which is only known at deployment (none was supplied)",
            ("resourceGroup",),
        )
    return value


def _management_group_name(call: CallSite) -> str | Unknown:
    value = _context_text(
        call.ctx.management_group, "name", "/providers/microsoft.management/managementgroups/"
    )
    if value is None:
        # The atom is the context value itself, the same wherever it is used.
        return Unknown(
            "managementGroup().name",
            f"{call.name}() needs the management group, which is only known at deployment (none was supplied)",
            ("managementGroup",),
        )
    return value


def _strings(call: CallSite, args: list[Any]) -> list[str]:
    return [expect_string(call, args, index) for index in range(len(args))]


def _provider_path(call: CallSite, resource_type: str, names: list[str]) -> str:
    """``providers/{ns}/{t1}/{n1}/{t2}/{n2}...`` with the segment-count check."""
    # Templates often write 'Microsoft.Network/virtualNetworks/' (trailing slash), which ARM accepts.
    segments = [segment for segment in resource_type.split("/") if segment]
    if len(segments) < 2:
        raise call.error(f"{resource_type!r} is not a resource type ('Namespace/type[/childType...]')")
    namespace, types = segments[0], segments[1:]
    if len(names) != len(types):
        raise call.error(
            f"the type {resource_type!r} requires {len(types)} resource name argument(s), not {len(names)}"
        )
    parts = ["providers", namespace]
    for type_segment, name in zip(types, names, strict=True):
        parts.extend((type_segment, name))
    return "/".join(parts)


def _split_at_type(call: CallSite, args: list[str], max_prefix: int) -> tuple[list[str], str, list[str]]:
    """Split ``[scope args..., type, names...]``: the type is the only argument with a '/'."""
    typed = [index for index, arg in enumerate(args) if "/" in arg]
    if len(typed) != 1:
        raise call.error(
            "requires exactly one multi-segmented argument, the resource type including its namespace "
            f"(arguments: {', '.join(repr(arg) for arg in args)})"
        )
    position = typed[0]
    if position > max_prefix:
        raise call.error(f"at most {max_prefix} argument(s) may come before the resource type")
    return args[:position], args[position], args[position + 1 :]


@builtin("resourceId", 2, None)
def fn_resource_id(call: CallSite, args: list[Any]) -> Any:
    prefix, resource_type, names = _split_at_type(call, _strings(call, args), 2)
    path = _provider_path(call, resource_type, names)
    scope = call.ctx.scope
    if not prefix and scope == "tenant":
        return f"/{path}"
    if not prefix and scope == "managementGroup":
        group = _management_group_name(call)
        return Unknown.text(("/providers/Microsoft.Management/managementGroups/", group, f"/{path}"), call.residual)
    subscription = prefix[0] if len(prefix) == 2 else _subscription_id(call)
    if not prefix and scope == "subscription":
        return Unknown.text(("/subscriptions/", subscription, f"/{path}"), call.residual)
    group_name = prefix[-1] if prefix else _resource_group_name(call)
    # An unknown subscription or group keeps the rest of the id known: two ids that differ in
    # a resource name differ whatever the subscription is.
    return Unknown.text(("/subscriptions/", subscription, "/resourceGroups/", group_name, f"/{path}"), call.residual)


@builtin("subscriptionResourceId", 2, None)
def fn_subscription_resource_id(call: CallSite, args: list[Any]) -> Any:
    prefix, resource_type, names = _split_at_type(call, _strings(call, args), 1)
    path = _provider_path(call, resource_type, names)
    subscription = prefix[0] if prefix else _subscription_id(call)
    return Unknown.text(("/subscriptions/", subscription, f"/{path}"), call.residual)


@builtin("tenantResourceId", 2, None)
def fn_tenant_resource_id(call: CallSite, args: list[Any]) -> Any:
    _, resource_type, names = _split_at_type(call, _strings(call, args), 0)
    return "/" + _provider_path(call, resource_type, names)


@builtin("managementGroupResourceId", 2, None)
def fn_management_group_resource_id(call: CallSite, args: list[Any]) -> Any:
    prefix, resource_type, names = _split_at_type(call, _strings(call, args), 1)
    path = _provider_path(call, resource_type, names)
    group = prefix[0] if prefix else _management_group_name(call)
    return Unknown.text(("/providers/Microsoft.Management/managementGroups/", group, f"/{path}"), call.residual)


@builtin("extensionResourceId", 3, None, unknowns=Unknowns.STRICT)
def fn_extension_resource_id(call: CallSite, args: list[Any]) -> Any:
    strings = _strings(call, args)
    base, resource_type, names = strings[0], strings[1], strings[2:]
    if "/" not in base:
        raise call.error(f"the base resource ID {base!r} is not a resource ID")
    for name in names:
        if "/" in name:
            raise call.error(f"the resource name {name!r} must not contain '/'")
    return f"{base.rstrip('/')}/{_provider_path(call, resource_type, names)}"
