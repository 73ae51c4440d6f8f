"""Renderers: each formats the view of a finished run (:class:`vmssplan.view.View`) and
nothing else: no renderer computes a verdict, a level or a summary of its own.

Formats are looked up by name and imported only when chosen, so start-up pays for one.
"""

from __future__ import annotations

from importlib import import_module
from typing import Protocol

from ..view import View


class Renderer(Protocol):
    def __call__(self, view: View, *, color: bool) -> str: ...


#: format name -> "module:function" (for `vmssplan plan -o NAME`)
PLAN_FORMATS: dict[str, str] = {
    "text": "text:render_plan",
    "json": "json_output:render_plan",
    "sarif": "sarif:render_plan",
    "markdown": "markdown:render_plan",
    "github": "github:render_plan",
    "junit": "junit:render_plan",
    "patch": "patch:render_plan",
    "azure-devops": "azure_devops:render_plan",
    "table": "table:render_plan_table",
    "tsv": "table:render_plan_tsv",
}

#: Plan formats that show where each change sits in the proposed file (the JSON plan's
#: ``location``, and what is built from it). Locating every change of a large plan takes
#: time the other formats need not spend.
LOCATING_FORMATS = frozenset({"json", "sarif", "github", "junit", "azure-devops"})

#: format name -> "module:function" (for `vmssplan validate -o NAME`)
FINDINGS_FORMATS: dict[str, str] = {
    "text": "text:render_findings",
    "json": "json_output:render_findings",
    "sarif": "sarif:render_findings",
    "markdown": "markdown:render_findings",
    "github": "github:render_findings",
    "junit": "junit:render_findings",
    "azure-devops": "azure_devops:render_findings",
    "table": "table:render_findings_table",
    "tsv": "table:render_findings_tsv",
}


def get_renderer(table: dict[str, str], name: str) -> Renderer:
    module_name, function = table[name].split(":")
    module = import_module(f"{__name__}.{module_name}")
    renderer: Renderer = getattr(module, function)
    return renderer
