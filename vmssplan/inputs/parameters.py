"""Input: which parameter values a template gets, as ``az deployment`` takes them.

``--parameters`` arguments are ``@FILE``, ``FILE.json`` (a parameters file) or
``NAME=VALUE``; later ones win. A template given no parameters file gets the
``<template>.parameters.json`` beside it, as a person would pass it (at the same git
revision for a ``git:REV:PATH`` template). What the values mean is the resolve stage's.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..model import ParameterSource, UsageError
from . import files, git
from .documents import Document


def sibling_parameters(template: str) -> str | None:
    """``azuredeploy.parameters.json`` for ``azuredeploy.json``, if there is an entry of that
    name (:func:`.files.is_entry`: whether it is taken never depends on where a symbolic
    link points; reading it then refuses one that leaves the repository)."""
    if git.is_git_spec(template):
        rev, path = git.parse_spec(template)
        sibling = _sibling_name(path)
        return git.spec(rev, sibling) if sibling and git.exists(rev, sibling) else None
    sibling = _sibling_name(template)
    # A file on disk named like git:REV:PATH stays a file (pathlib drops the ./ that said so).
    return git.disk_path(sibling) if sibling and files.is_entry(sibling) else None


def _sibling_name(template: str) -> str | None:
    path = Path(template)
    if not path.suffix:
        return None
    return str(path.with_name(path.name[: -len(path.suffix)] + ".parameters.json"))


def _names_a_file(arg: str) -> bool:
    return arg.startswith("@") or (arg.lower().endswith(".json") and "=" not in arg)


def parameter_sources(template: Document, args: tuple[str, ...], read: Callable[[str], Document],
                      sibling: bool = True) -> list[ParameterSource]:
    """The parameter sources of ``template``, in the order they apply; parameters files are
    read with ``read``. ``sibling``: use the template's own parameters file when ``args``
    name none."""
    if sibling and not any(_names_a_file(a) for a in args) and template.path != "<stdin>":
        found = sibling_parameters(template.path)
        if found is not None:
            args = ("@" + found, *args)
    sources: list[ParameterSource] = []
    assignments: list[str] = []
    for arg in args:
        if _names_a_file(arg):
            if assignments:
                sources.append(ParameterSource("--parameters", assignments=tuple(assignments)))
                assignments = []
            doc = read(arg[1:] if arg.startswith("@") else arg)
            sources.append(ParameterSource(doc.path, data=doc.data))
        elif "=" in arg and not arg.startswith("="):
            assignments.append(arg)
        else:
            raise UsageError(f"--parameters {arg!r}: expected @FILE, FILE.json or NAME=VALUE")
    if assignments:
        sources.append(ParameterSource("--parameters", assignments=tuple(assignments)))
    return sources
