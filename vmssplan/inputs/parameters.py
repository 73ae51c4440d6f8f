"""Input: which parameter values a template gets, as ``az deployment`` takes them.

``--parameters`` arguments are ``@FILE``, ``FILE.json`` (a parameters file) or
``NAME=VALUE``; later ones win. A template given no parameters file gets the
``<template>.parameters.json`` beside it (``parameters.json`` beside the portal's
``template.json``), as a person would pass it (at the same git revision for a
``git:REV:PATH`` template). What the values mean is the resolve stage's.

Which parameters files belong to a template, when a change is planned against a revision
(:func:`template_of`, :func:`is_parameters_of`): the configuration's ``parameters`` mapping
first, else by name: ``<name>.parameters.json`` and ``<name>.parameters.<env>.json`` are
``<name>.json``'s, and the Azure portal's export ``parameters.json`` is the
``template.json`` beside it.
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
    own = path.with_name(path.name[: -len(path.suffix)] + ".parameters.json")
    if path.name.lower() == PORTAL_TEMPLATE:  # the portal's export: template.json + parameters.json
        exists = git.exists(*git.parse_spec(str(own))) if git.is_git_spec(str(own)) else files.is_entry(str(own))
        if not exists:
            return str(path.with_name(PORTAL_PARAMETERS))
    return str(own)


#: The names the Azure portal's "Export template" gives a template and its parameters file.
PORTAL_TEMPLATE, PORTAL_PARAMETERS = "template.json", "parameters.json"
_PARAMETERS_INFIX = ".parameters."


def template_of(parameters_file: str) -> str | None:
    """The template a parameters file belongs to by its name (same directory), or None:
    ``x.parameters.json`` and ``x.parameters.<env>.json`` -> ``x.json``; the portal's
    ``parameters.json`` -> ``template.json``."""
    directory, _, name = parameters_file.replace("\\", "/").rpartition("/")
    lower = name.lower()
    if lower == PORTAL_PARAMETERS:
        template = PORTAL_TEMPLATE
    elif lower.endswith(".json") and _PARAMETERS_INFIX in lower:
        stem = name[: lower.index(_PARAMETERS_INFIX)]
        env = lower[lower.index(_PARAMETERS_INFIX) + len(_PARAMETERS_INFIX): -len(".json")]
        if not stem or "." in env or (env == "" and lower != stem.lower() + ".parameters.json"):
            return None
        template = stem + ".json"
    else:
        return None
    return f"{directory}/{template}" if directory else template


def is_parameters_of(parameters_file: str, template: str) -> bool:
    """Whether a file's name makes it a parameters file of ``template`` (same directory)."""
    found = template_of(parameters_file)
    return found is not None and found.lower() == template.replace("\\", "/").lower()


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
