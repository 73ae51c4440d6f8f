"""Project configuration: `.vmssplan.yaml` or `[tool.vmssplan]` in pyproject.toml.

Rule ids are selected and ignored by prefix, as in flake8. This module reads and checks
the configuration; :mod:`vmssplan.decide` applies it to changes and findings.
The schema is ``schemas/config.schema.json``; a broken file is a usage error (exit 2) that
names the file and line.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .data import schema_text
from .model import Effect, Severity, UsageError

CONFIG_NAMES = (".vmssplan.yaml", ".vmssplan.yml")


@dataclass(frozen=True)
class Suppression:
    rule: str
    reason: str
    expires: dt.date | None = None
    scale_set: str | None = None
    path: str | None = None
    file: str | None = None

    def matches(self, rule: str, scale_set: str | None = None, path: str | None = None,
                file: str | None = None) -> bool:
        if not rule.startswith(self.rule):
            return False
        if self.scale_set is not None and (scale_set or "").lower() != self.scale_set.lower():
            return False
        if self.path is not None and not (path == self.path or (path or "").startswith(self.path.rstrip("/") + "/")):
            return False
        return self.file is None or fnmatch.fnmatch(file or "", self.file)


@dataclass
class Config:
    source: str | None = None
    fail_on: Effect | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: dict[str, Severity] = field(default_factory=dict)
    effects: dict[str, Effect] = field(default_factory=dict)
    rules_dirs: tuple[str, ...] = ()
    suppressions: tuple[Suppression, ...] = ()
    #: Accept changes that cannot be decided offline but could be rejected: they stay
    #: ``unknown`` in the plan and no longer fail the gate as rejected ones.
    accept_unknown: bool = False

    def selected(self, rule: str) -> bool:
        if self.select and not any(rule.startswith(p) for p in self.select):
            return False
        return not any(rule.startswith(p) for p in self.ignore)


def find_config(start: Path, revision: str | None = None) -> Path | str | None:
    """The nearest `.vmssplan.yaml`, or pyproject.toml with `[tool.vmssplan]`, upward from
    ``start`` to the root of the repository that holds it (the nearest directory with
    `.git`), never above; outside a repository, only in ``start`` itself: a file in a parent
    directory (say `/tmp/.vmssplan.yaml`, which anyone may write) never applies.

    With ``revision`` (``--base-ref``) the files of that revision are searched (a
    ``git:REV:PATH`` is returned): the base decides the rules, not the change under review.
    """
    if revision is not None:
        return _find_at_revision(start, revision)
    root = next((d for d in (start, *start.parents) if (d / ".git").exists()), None)
    directories = (start,) if root is None else (start, *start.parents[:len(start.parents) - len(root.parents)])
    for directory in directories:
        for name in CONFIG_NAMES:
            if (directory / name).is_file():
                return directory / name
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file() and "[tool.vmssplan]" in pyproject.read_text(encoding="utf-8", errors="replace"):
            return pyproject
    return None


def _find_at_revision(start: Path, revision: str) -> str | None:
    from .inputs import git

    git.verify_revision(revision)  # outside a repository too: "no such revision in this repository"
    here = Path(os.path.realpath(start))
    candidates = [os.path.normpath(os.path.join(os.path.relpath(directory), name))
                  for directory in (here, *here.parents) for name in (*CONFIG_NAMES, "pyproject.toml")]
    found = git.present(revision, candidates)  # one listing for every candidate inside the repository
    for path in candidates:
        if path in found:
            spec = git.spec(revision, path)
            if not path.endswith("pyproject.toml") or b"[tool.vmssplan]" in git.read_bytes(spec):
                return spec
    return None


def _config_text(location: Path | str) -> str:
    """The text of a configuration file, on disk or at a git revision."""
    from .inputs import git

    try:
        if isinstance(location, str):
            return git.read_bytes(location).decode("utf-8")
        return location.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{location}: configuration file is not UTF-8 text") from None


def _read_yaml(text: str, path: Path | str) -> tuple[Any, Any]:
    """(data, composed node tree for line numbers)."""
    import yaml

    class Loader(yaml.SafeLoader):
        """SafeLoader that keeps dates as text: the schema checks them, and a bad date is
        a configuration error, not a crash."""

    Loader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    try:
        node = yaml.compose(text, Loader=Loader)
        data = yaml.load(text, Loader=Loader)  # safe: Loader is a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise UsageError(f"{path}{where}: invalid YAML: {problem}") from None
    return data, node


def _yaml_line(node: Any, path: list[Any]) -> int | None:
    """1-based line of the YAML node at ``path`` (keys and indexes), or of its nearest ancestor."""
    import yaml

    line = node.start_mark.line + 1 if node is not None else None
    for part in path:
        if isinstance(node, yaml.MappingNode):
            found = next((v for k, v in node.value if getattr(k, "value", None) == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            found = node.value[part]
        else:
            found = None
        if found is None:
            break
        node = found
        line = node.start_mark.line + 1
    return line


def load_config(explicit: str | None, start: Path, revision: str | None = None) -> Config:
    """The configuration from ``explicit`` (--config) or the nearest file; empty if none.
    ``revision``: search the files of that git revision instead of the working tree (the
    configuration of ``--base-ref`` runs, unless ``--config`` names one)."""
    path: Path | str | None = Path(explicit) if explicit else find_config(start, revision)
    if path is None:
        return Config()
    if isinstance(path, Path) and not path.is_file():
        raise UsageError(f"{path}: configuration file not found")
    node: Any = None
    text = _config_text(path)
    if str(path).endswith("pyproject.toml"):
        import tomllib

        try:
            data = tomllib.loads(text).get("tool", {}).get("vmssplan", {})
        except tomllib.TOMLDecodeError as exc:
            raise UsageError(f"{path}: invalid TOML: {exc}") from None
    else:
        data, node = _read_yaml(text, path)
        data = {} if data is None else data
    _check(data, path, node)
    return _config_from(data, path)


def _check(data: Any, path: Path | str, node: Any) -> None:
    import jsonschema

    schema = json.loads(schema_text("config.schema.json"))
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        error = errors[0]
        line = _yaml_line(node, list(error.absolute_path)) if node is not None else None
        where = f":{line}" if line else ""
        key = ".".join(str(p) for p in error.absolute_path) or "(top level)"
        raise UsageError(f"{path}{where}: invalid configuration at {key}: {error.message}")


def _rules_dirs(directories: list[str], path: Path | str) -> tuple[str, ...]:
    """``rules-dirs``, relative to the configuration file; for a configuration read at a git
    revision, directories of that revision inside the repository."""
    if isinstance(path, Path):
        return tuple(str((path.parent / d).resolve()) for d in directories)
    from .inputs import git

    revision, name = git.parse_spec(path)
    out = []
    for directory in directories:
        relative = os.path.normpath(os.path.join(os.path.dirname(name), directory))
        top = git.toplevel()
        if os.path.isabs(directory) or top is None or not Path(os.path.abspath(relative)).is_relative_to(top):
            raise UsageError(f"{path}: invalid configuration at rules-dirs: {directory!r} is not a directory "
                             "of the repository")
        out.append(git.spec(revision, relative))
    return tuple(out)


def _config_from(data: dict[str, Any], path: Path | str) -> Config:
    suppressions = []
    for item in data.get("suppressions", []):
        try:
            expires = dt.date.fromisoformat(item["expires"]) if "expires" in item else None
        except ValueError:
            raise UsageError(f"{path}: invalid configuration at suppressions: expires {item['expires']!r} is "
                             "not a date (YYYY-MM-DD)") from None
        suppressions.append(Suppression(item["rule"], item["reason"], expires, item.get("scale-set"),
                                        item.get("path"), item.get("file")))
    return Config(
        source=str(path),
        fail_on=Effect.parse(data["fail-on"]) if "fail-on" in data else None,
        select=tuple(data.get("select", ())),
        ignore=tuple(data.get("ignore", ())),
        severity={k: Severity[v.upper()] for k, v in data.get("severity", {}).items()},
        effects={k: Effect.parse(v) for k, v in data.get("effects", {}).items()},
        rules_dirs=_rules_dirs(list(data.get("rules-dirs", ())), path),
        suppressions=tuple(suppressions),
        accept_unknown=data.get("accept-unknown") is True,
    )
