"""Functions whose result is never known offline (class N), plus ``fail()``.

Their arguments are still evaluated (so a bad argument is still an error), but the
result is always an :class:`Unknown`. ``list*()`` functions (any name starting with
``list``) are handled by the evaluator with :func:`list_function_result`.
"""

from __future__ import annotations

from typing import Any

from ..values import Unknown
from .base import CallSite, Unknowns, builtin, expect_string

_NEVER_KNOWN = {
    "reference": "reference() reads the deployed resource's state, known only after deployment",
    "references": "references() reads deployed resources' state, known only after deployment",
    "utcNow": "utcNow() is the time of the deployment",
    "newGuid": "newGuid() is a new random GUID at each deployment",
    "pickZones": "pickZones() needs the resource provider's zone data",
    "providers": "providers() needs the resource provider's metadata",
    "toLogicalZone": "toLogicalZone() needs the subscription's zone mapping",
    "toLogicalZones": "toLogicalZones() needs the subscription's zone mapping",
    "toPhysicalZone": "toPhysicalZone() needs the subscription's zone mapping",
    "toPhysicalZones": "toPhysicalZones() needs the subscription's zone mapping",
    # Pure in ARM, but the exact output shape is unverified, so we don't guess it.
    "parseUri": "parseUri() is not evaluated offline (its exact output is not verified)",
    "buildUri": "buildUri() is not evaluated offline (its exact output is not verified)",
}

#: Names (lower-cased) of the built-ins that always give Unknown.
NEVER_KNOWN_FUNCTIONS = frozenset(name.lower() for name in _NEVER_KNOWN) | {"list*"}


def _never_known(reason: str) -> Any:
    def implementation(call: CallSite, args: list[Any]) -> Any:
        return call.unknown(reason)

    return implementation


for _name, _reason in _NEVER_KNOWN.items():
    builtin(_name, 0, None, unknowns=Unknowns.CUSTOM)(_never_known(_reason))


def list_function_result(call: CallSite) -> Unknown:
    """The result of ``listKeys()``, ``listSecrets()``, ... : unknown and secret."""
    return call.unknown(
        f"{call.name}() returns runtime data of a deployed resource (a secret), known only after deployment",
        source=call.name,
        secret=True,
    )


@builtin("fail", 1, 1)
def fn_fail(call: CallSite, args: list[Any]) -> Any:
    raise call.error(f"the template fails on purpose: {expect_string(call, args, 0)}")
