"""Check every JSON plan the tests produce against the published plan schema."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import jsonschema

from conftest import REPO


@lru_cache(maxsize=1)
def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads((REPO / "schemas" / "plan.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def assert_valid_plan(plan: Any) -> None:
    errors = sorted(_validator().iter_errors(plan), key=lambda e: list(map(str, e.absolute_path)))
    assert not errors, [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5]]
