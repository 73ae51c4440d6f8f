"""The JSON plan (``-o json``): the view's document, the versioned contract of DESIGN.md.

Published as ``schemas/plan.schema.json``; every JSON the tests produce is checked
against it. Extra fields are allowed; these are the ones consumers rely on.
"""

from __future__ import annotations

import json
from typing import Any

from ..view import View
from .escape import json_text


def dumps(data: Any) -> str:
    """Two-space indented JSON, UTF-8 text as is, keys in the order built.

    ``orjson`` writes it ~15x faster than ``json`` (whose indenting encoder is pure Python:
    seconds for a plan of thousands of scale sets), byte for byte the same except floats in
    exponent form (``1e16`` for ``1e+16``, both JSON). ``json`` takes over for what orjson
    refuses: integers beyond 64 bits, lone surrogates. What serializers leave raw and a terminal
    or a CI runner would act on (C1 controls, bidi controls, ``##[``) is written as ``\\uXXXX``
    (:func:`vmssplan.render.escape.json_text`): the same document to a JSON reader.
    """
    import orjson

    try:
        text = orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE).decode("utf-8")
    except (orjson.JSONEncodeError, UnicodeDecodeError):
        text = json.dumps(data, indent=2, sort_keys=False, ensure_ascii=False) + "\n"
    return json_text(text)


def render_plan(view: View, *, color: bool = False) -> str:
    return dumps(view.document)


def render_findings(view: View, *, color: bool = False) -> str:
    return dumps(view.document)
