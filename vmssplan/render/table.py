"""``-o table`` and ``-o tsv``: rows, as ``az`` prints them.

Without ``--query`` each command has one default projection, as az commands have a table
transformer: ``plan`` prints one row per change (``ScaleSet``, ``Action``, ``Change``,
``Path``, ``Effect``, ``Rule``; a scale set without changes, created, deleted or unchanged,
is one row with the last four cells empty), ``validate`` one row per finding (``File``,
``Line``, ``Column``, ``Severity``, ``Rule``, ``Message``). With ``--query`` the query runs
on the JSON document (as for ``-o json``) and its result is laid out as az lays out any
result:

- **table** (az's ``_TableOutput`` over tabulate's "simple" format): a list gives one row
  per item, anything else one row. An object item keeps its scalar values in its own key
  order, under its key with the first letter upper-cased; ``id``, ``type``, ``etag``, nulls,
  lists and objects are left out. A list item gives ``Column1``, ``Column2``...; a scalar
  item a ``Result`` column. Columns are the keys in order of first appearance, a missing
  cell is empty; a header line, a line of dashes under each header, then the rows, columns
  two spaces apart and left-aligned (trailing blanks dropped). No rows: no output.
- **tsv** (az's ``_TsvOutput``): no header; one line per item of a list (or one line), its
  values tab-separated: an object's values in key order, a nested list as its length, a
  nested object as an empty cell, null as ``None``, a boolean as ``True``/``False``
  (``true``/``false`` when it is the whole row), as az writes them.

Every string is escaped as text is (:func:`vmssplan.render.escape.text`): no value spans
two lines or adds a tab, so rows and columns stay what they are.
"""

from __future__ import annotations

from typing import Any

from ..view import View, effect_label
from .escape import guard_lines, text

#: az's table leaves these keys out (``_TableOutput.SKIP_KEYS``).
_SKIP_KEYS = frozenset({"id", "type", "etag"})


def plan_rows(view: View) -> list[dict[str, Any]]:
    """The plan's default projection: a row per change, a row per scale set without one."""
    rows: list[dict[str, Any]] = []
    for scale_set in view.scale_sets:
        base = {"ScaleSet": scale_set["name"], "Action": scale_set["action"]}
        if not scale_set["changes"]:
            rows.append({**base, "Change": "", "Path": "", "Effect": "", "Rule": ""})
        for change in scale_set["changes"]:
            rows.append({**base, "Change": change["op"], "Path": change["display_path"],
                         "Effect": effect_label(change), "Rule": change["rule"]})
    return rows


def finding_rows(view: View) -> list[dict[str, Any]]:
    """``validate``'s default projection: a row per finding."""
    return [{"File": f["file"], "Line": "" if f["line"] is None else f["line"],
             "Column": "" if f["column"] is None else f["column"], "Severity": f["severity"],
             "Rule": f["rule"], "Message": f["message"]} for f in view.findings]


def _capitalize(key: str) -> str:
    return key[:1].upper() + key[1:]


def _table_item(item: Any) -> dict[str, Any]:
    if isinstance(item, dict):
        return {_capitalize(str(k)): v for k, v in item.items()
                if k not in _SKIP_KEYS and v is not None and not isinstance(v, (list, dict))}
    if isinstance(item, list):
        return {f"Column{i}": v for i, v in enumerate(item, 1)}
    return {"Result": item}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return text(value if isinstance(value, str) else str(value))


def format_table(data: Any) -> str:
    items = [_table_item(item) for item in (data if isinstance(data, list) else [data])]
    headers: list[str] = []
    for item in items:
        headers += [key for key in item if key not in headers]
    if not items or not headers:
        return ""
    cells = [[_cell(item.get(h)) for h in headers] for item in items]
    names = [text(h) for h in headers]
    widths = [max(len(names[i]), *(len(row[i]) for row in cells)) for i in range(len(headers))]

    def line(values: list[str]) -> str:
        return "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()

    lines = [line(names), line(["-" * w for w in widths]), *(line(row) for row in cells)]
    return guard_lines("\n".join(lines) + "\n")


def _tsv_value(value: Any) -> str:
    if isinstance(value, list):
        return str(len(value))
    if isinstance(value, dict):
        return ""
    return text(value if isinstance(value, str) else str(value))


def _tsv_row(item: Any) -> str:
    if isinstance(item, dict):
        return "\t".join(_tsv_value(v) for v in item.values())
    if isinstance(item, list):
        return "\t".join(_tsv_value(v) for v in item)
    if isinstance(item, bool):
        return "true" if item else "false"
    return _tsv_value(item)


def format_tsv(data: Any) -> str:
    items = data if isinstance(data, list) else [data]
    return guard_lines("".join(_tsv_row(item) + "\n" for item in items))


def render_plan_table(view: View, *, color: bool = False) -> str:
    return format_table(plan_rows(view))


def render_plan_tsv(view: View, *, color: bool = False) -> str:
    return format_tsv(plan_rows(view))


def render_findings_table(view: View, *, color: bool = False) -> str:
    return format_table(finding_rows(view))


def render_findings_tsv(view: View, *, color: bool = False) -> str:
    return format_tsv(finding_rows(view))
