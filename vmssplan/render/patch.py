"""The raw RFC 6902 JSON Patch of the plan (``-o patch``).

One shape, whatever the number of scale sets: a JSON object from scale-set name to the
RFC 6902 JSON Patch of that scale set, an array of operations ``{"op", "path", "value"}``
(a ``remove`` has no ``value``), the plan's changes in order; applied to the *canonical*
current model (REST shape, keyed arrays in key order, see the README's "The JSON plan")
they give the canonical proposed one (``jq '."web-vmss"'`` picks one). A name that repeats
(several files under ``--base-ref``) gets `` (2)``, `` (3)``... in plan order. A scale set
that is only on one side (created or deleted) has no patch: its array is empty. With no
plan at all (a document that cannot be read; the exit code says so, the other formats say
why) the output is ``{}``.

Secrets stay masked: a value the plan shows as ``"(sensitive value)"`` (adminPassword,
customData, protectedSettings, anything computed from a securestring parameter) is
``"(sensitive value)"`` here too, and so is every masked value nested inside an object. Such
a patch says *that* a secret changes, never what it is: it cannot reproduce the secret
and must not be applied to a real model as is. Values known only after deployment are
shown as the plan shows them.
"""

from __future__ import annotations

import json
from typing import Any

from ..view import View
from .escape import json_text


def operations(scale_set: dict[str, Any]) -> list[dict[str, Any]]:
    ops = []
    for change in scale_set["changes"]:
        op: dict[str, Any] = {"op": change["op"], "path": change["path"]}
        if change["op"] != "remove":
            op["value"] = change["after"]
        ops.append(op)
    return ops


def render_plan(view: View, *, color: bool = False) -> str:
    data: dict[str, Any] = {}
    for scale_set in view.scale_sets:
        key, n = scale_set["name"], 1
        while key in data:
            n += 1
            key = f"{scale_set['name']} ({n})"
        data[key] = operations(scale_set)
    return json_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
