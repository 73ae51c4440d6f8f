"""Built-in template functions, grouped by the docs' function pages.

Importing this package fills :data:`REGISTRY` (lower-cased name -> FunctionSpec).
"""

from __future__ import annotations

from . import (
    arrays,
    cidr,
    dates,
    deployment,
    formatting,
    hashing,
    lambdas,
    logic,
    objects,
    runtime,
    strings,
)
from .base import REGISTRY, CallSite, FunctionSpec, Unknowns
from .hashing import arm_guid, murmur_hash64, unique_string
from .runtime import NEVER_KNOWN_FUNCTIONS, list_function_result

__all__ = [
    "NEVER_KNOWN_FUNCTIONS",
    "REGISTRY",
    "CallSite",
    "FunctionSpec",
    "Unknowns",
    "arm_guid",
    "arrays",
    "cidr",
    "dates",
    "deployment",
    "formatting",
    "hashing",
    "lambdas",
    "list_function_result",
    "logic",
    "murmur_hash64",
    "objects",
    "runtime",
    "strings",
    "unique_string",
]
