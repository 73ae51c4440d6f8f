"""Project configuration: `.vmssplan.yaml` or `[tool.vmssplan]` in pyproject.toml.

Rule ids are selected and ignored by prefix, as in flake8. This module reads and checks
the configuration; :mod:`vmssplan.decide` applies it to changes and findings.
The schema is ``schemas/config.schema.json``; a broken file is a usage error (exit 2) that
names the file and line.

A configuration file is read through the one gate of every file read
(:mod:`vmssplan.inputs.files`): a regular file inside the repository, at most
:data:`MAX_CONFIG_BYTES` (:data:`MAX_PYPROJECT_BYTES` for pyproject.toml); YAML aliases are
refused and nesting is bounded, so no configuration can cost more than a moment to read.
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
from .locate import line_column
from .model import DocumentError, Effect, Severity, UsageError

CONFIG_NAMES = (".vmssplan.yaml", ".vmssplan.yml")

#: Largest `.vmssplan.yaml` read (bytes): a real one is a few KiB; reading one this size
#: takes well under a second.
MAX_CONFIG_BYTES = 256 * 1024
#: Largest pyproject.toml read: it holds other tools' settings too.
MAX_PYPROJECT_BYTES = 1024 * 1024
#: Deepest nesting of mappings and lists read (a real configuration has four levels).
MAX_CONFIG_DEPTH = 32
#: The longest directory name accepted in `rules-dirs`.
MAX_PATH_CHARS = 1024
#: The longest error excerpt of configuration content quoted in a message.
_EXCERPT = 200


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
    #: ``parameters``: template -> its parameters files (each planned with it separately),
    #: as paths relative to the working directory, ``/``-separated.
    parameters: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def parameters_of(self, template: str) -> tuple[str, ...] | None:
        """The parameters files the configuration gives ``template`` (a path relative to the
        working directory), or None when it names none."""
        return self.parameters.get(_normal(template))

    def template_of(self, parameters_file: str) -> str | None:
        """The template whose parameters files (by the configuration) include this one."""
        wanted = _normal(parameters_file)
        return next((t for t, files in sorted(self.parameters.items()) if wanted in files), None)

    def selected(self, rule: str) -> bool:
        if self.select and not any(rule.startswith(p) for p in self.select):
            return False
        return not any(rule.startswith(p) for p in self.ignore)


def find_config(start: Path, revision: str | None = None) -> Path | str | None:
    """The nearest `.vmssplan.yaml`, or pyproject.toml with `[tool.vmssplan]`, upward from
    ``start`` to the root of the repository that holds it (the nearest directory with
    `.git`), never above; outside a repository, only in ``start`` itself: a file in a parent
    directory (say `/tmp/.vmssplan.yaml`, which anyone may write) never applies.

    A name is taken when an entry of that name is there (:func:`files.is_entry`), wherever
    a symbolic link points, so what is found never depends on a file outside the
    repository; reading it then refuses what the gate refuses.

    With ``revision`` (``--base-ref``) the files of that revision are searched (a
    ``git:REV:PATH`` is returned): the base decides the rules, not the change under review.
    """
    from .inputs import files

    if revision is not None:
        return _find_at_revision(start, revision)
    root = next((d for d in (start, *start.parents) if os.path.lexists(d / ".git")), None)
    directories = (start,) if root is None else (start, *start.parents[:len(start.parents) - len(root.parents)])
    for directory in directories:
        for name in CONFIG_NAMES:
            if files.is_entry(directory / name):
                return directory / name
        pyproject = directory / "pyproject.toml"
        if files.is_entry(pyproject):
            try:
                raw = files.read_bytes(pyproject, MAX_PYPROJECT_BYTES)
            except files.Refused as exc:
                raise UsageError(f"{pyproject}: cannot read configuration: {exc.strerror}") from None
            if b"[tool.vmssplan]" in raw:
                return pyproject
    return None


def _find_at_revision(start: Path, revision: str) -> str | None:
    from .inputs import git

    # outside a repository too: "no such revision in this repository"; `HEAD` as the hook
    # means it (the range pre-commit was asked for, or nothing before the first commit)
    revision = git.resolve_range(revision).base
    here = Path(os.path.realpath(start))
    candidates = [os.path.normpath(os.path.join(os.path.relpath(directory), name))
                  for directory in (here, *here.parents) for name in (*CONFIG_NAMES, "pyproject.toml")]
    found = git.present(revision, candidates)  # one listing for every candidate inside the repository
    for path in candidates:
        if path in found:
            spec = git.spec(revision, path)
            if not path.endswith("pyproject.toml") or b"[tool.vmssplan]" in _revision_text(spec).encode():
                return spec
    return None


def _revision_text(spec: str) -> str:
    """The text of a configuration file at a git revision, bounded as one on disk."""
    from .inputs import git
    from .inputs.documents import decode

    limit = MAX_PYPROJECT_BYTES if spec.endswith("pyproject.toml") else MAX_CONFIG_BYTES
    raw = git.read_bytes(spec)
    if len(raw) > limit:
        raise UsageError(f"{spec}: cannot read configuration: is larger than {limit // 1024} KiB; not read")
    try:
        return decode(raw, spec)
    except DocumentError as exc:
        first = exc.findings[0]
        raise UsageError(f"{spec}:{first.line}:{first.column}: configuration is {first.message}") from None


def _read_yaml(path: Path | str, text: str) -> tuple[Any, Any]:
    """(data, composed node tree for line numbers); aliases refused, nesting bounded."""
    import yaml
    from yaml.composer import ComposerError
    from yaml.constructor import ConstructorError

    class Loader(yaml.SafeLoader):
        """SafeLoader that keeps dates as text (the schema checks them, and a bad date is a
        configuration error, not a crash); refuses aliases (``*name``: a few lines of
        them expand to billions of values) and nesting deeper than MAX_CONFIG_DEPTH (the
        composer recurses); and says where an integer is too long for Python."""

        depth = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            event: Any = self.peek_event()  # type: ignore[no-untyped-call]
            mark: Any = event.start_mark
            if isinstance(event, yaml.AliasEvent):
                raise ComposerError(None, None, "an alias (*name): aliases are not accepted in a configuration; "
                                    "write the value out", mark)
            self.depth += 1
            try:
                if self.depth > MAX_CONFIG_DEPTH:
                    raise ComposerError(None, None, f"nested more than {MAX_CONFIG_DEPTH} levels deep", mark)
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

        def construct_yaml_int(self, node: Any) -> Any:
            try:
                return super().construct_yaml_int(node)
            except ValueError:  # more digits than sys.get_int_max_str_digits()
                raise ConstructorError(None, None, "an integer with too many digits", node.start_mark) from None

        def construct_object(self, node: Any, deep: bool = False) -> Any:
            try:
                return super().construct_object(node, deep)
            except yaml.YAMLError:
                raise
            except (ValueError, IndexError, KeyError, TypeError, AttributeError, OverflowError):
                # A tag's constructor failing on its text (`!!int` with no digits,
                # `!!timestamp x`): the value's problem, located at it.
                tag = str(node.tag).rsplit(":", 1)[-1]
                raise ConstructorError(None, None, f"a value that is not a valid {_excerpt(tag)}",
                                       node.start_mark) from None

    Loader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    Loader.add_constructor("tag:yaml.org,2002:int", Loader.construct_yaml_int)
    loader: Loader | None = None
    try:
        loader = Loader(text)  # safe: a SafeLoader subclass (it checks every character first)
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (NUL, other controls)
        line, column = line_column(text, exc.position)
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise UsageError(f"{path}:{line}:{column}: invalid YAML: character U+{code:04X} is not allowed") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise UsageError(f"{path}{where}: invalid YAML: {_excerpt(problem)}") from None
    finally:
        if loader is not None:
            loader.dispose()
    return data, node


def _read_toml(path: Path | str, text: str) -> Any:
    """The ``[tool.vmssplan]`` table of a pyproject.toml."""
    import tomllib

    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: invalid TOML: {_excerpt(str(exc))}") from None
    except RecursionError:
        raise UsageError(f"{path}: invalid TOML: nested too deeply") from None
    except ValueError:  # an integer of more digits than sys.get_int_max_str_digits()
        raise UsageError(f"{path}: invalid TOML: an integer with too many digits") from None
    tool = parsed.get("tool", {})
    if not isinstance(tool, dict):
        raise UsageError(f"{path}: invalid TOML: `tool` is not a table")
    return tool.get("vmssplan", {})


def _excerpt(text: str) -> str:
    """At most a short excerpt of a message that may quote configuration content."""
    return text if len(text) <= _EXCERPT else text[:_EXCERPT] + "..."


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
    from .inputs.documents import deeper_than, read_config_text

    path: Path | str | None = Path(explicit) if explicit else find_config(start, revision)
    if path is None:
        return Config()
    node: Any = None
    if str(path).endswith("pyproject.toml"):
        text = _revision_text(path) if isinstance(path, str) else read_config_text(path, "configuration",
                                                                                   MAX_PYPROJECT_BYTES)
        data = _read_toml(path, text)
        if deeper_than(data, MAX_CONFIG_DEPTH):
            raise UsageError(f"{path}: invalid configuration: nested more than {MAX_CONFIG_DEPTH} levels deep")
    else:
        text = _revision_text(path) if isinstance(path, str) else read_config_text(path, "configuration",
                                                                                   MAX_CONFIG_BYTES)
        data, node = _read_yaml(path, text)
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
        raise UsageError(f"{path}{where}: invalid configuration at {_excerpt(key)}: {_excerpt(error.message)}")
    for index, entry in enumerate(data.get("rules-dirs", ()) if isinstance(data, dict) else ()):
        if len(entry) > MAX_PATH_CHARS or any(ord(c) < 32 or c == "\x7f" for c in entry):
            line = _yaml_line(node, ["rules-dirs", index]) if node is not None else None
            where = f":{line}" if line else ""
            raise UsageError(f"{path}{where}: invalid configuration at rules-dirs.{index}: a directory name longer "
                             f"than {MAX_PATH_CHARS} characters or holding a control character (NUL, newline...)")


def _rules_dirs(directories: list[str], path: Path | str) -> tuple[str, ...]:
    """``rules-dirs``, relative to the configuration file, inside its repository (or,
    outside one, its directory): a configuration never names a runner's directory. For a
    configuration read at a git revision, directories of that revision."""
    from .inputs import files, git

    out = []
    for directory in directories:
        if isinstance(path, Path):
            resolved = (path.parent / directory).resolve()
            inside = resolved.is_relative_to(files.boundary(path))
        else:
            revision, name = git.parse_spec(path)
            relative = os.path.normpath(os.path.join(os.path.dirname(name), directory))
            top = git.toplevel()
            inside = not os.path.isabs(directory) and top is not None and \
                Path(os.path.abspath(relative)).is_relative_to(top)
        if not inside:
            raise UsageError(f"{path}: invalid configuration at rules-dirs: {_excerpt(repr(directory))} is not a "
                             "directory of the repository")
        out.append(str(resolved) if isinstance(path, Path) else git.spec(revision, relative))
    return tuple(out)


def _normal(path: str) -> str:
    return os.path.normpath(path).replace(os.sep, "/")


def _parameters_map(mapping: dict[str, list[str]], path: Path | str) -> dict[str, tuple[str, ...]]:
    """``parameters``, its paths relative to the configuration file made relative to the
    working directory (as changed files are named)."""
    from .inputs import files, git

    where = os.path.dirname(git.parse_spec(path)[1]) if isinstance(path, str) else os.path.relpath(path.parent)
    top = git.toplevel() if isinstance(path, str) else files.boundary(path)

    def here(name: str) -> str:
        """A path of the repository (never a runner's file: a configuration names none)."""
        found = _normal(os.path.join(where, name.replace("\\", "/")))
        if top is None or not Path(os.path.abspath(found)).resolve().is_relative_to(top):
            raise UsageError(f"{path}: invalid configuration at parameters: {_excerpt(repr(name))} is not a file "
                             "of the repository")
        return found

    return {here(template): tuple(here(name) for name in files) for template, files in mapping.items()}


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
        parameters=_parameters_map(data.get("parameters", {}), path),
    )
