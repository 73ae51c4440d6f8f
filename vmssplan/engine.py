"""Runs the stages in order. The only module that knows all of them.

``load -> validate -> normalize -> diff -> classify -> plan``; rendering is the CLI's.
Stages never import each other; they share only :mod:`vmssplan.model` and the shape
data in :mod:`vmssplan.shape`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from . import shape
from .classify import Context, RuleSet, classify, load_rules
from .diff import diff, drop_unreturned_secrets
from .load import Document, detect_kind, load_document, scale_sets_of, template_scale_sets
from .model import (Change, DeploymentScope, DocumentError, DocumentKind, Effect, Finding, Plan, ScaleSet,
                    ScaleSetPlan, ScaleSetSource, Severity, UsageError, string_leaves)
from .normalize import normalize, source_pointer
from .plan import plan_scale_set, resource_group

if TYPE_CHECKING:
    from .config import Config
    from .resolve import ParameterValues, ResolvedTemplate


@dataclass
class TemplateOptions:
    """How ARM templates are evaluated (parameter sources as `az deployment` takes them)."""

    #: For both sides: ``@FILE``, ``FILE.json`` or ``NAME=VALUE``; later ones win.
    parameters: tuple[str, ...] = ()
    current_parameters: tuple[str, ...] = ()
    proposed_parameters: tuple[str, ...] = ()
    #: Use ``<template>.parameters.json`` next to a template given no parameters.
    auto_parameters: bool = True
    scope: DeploymentScope = field(default_factory=DeploymentScope)


@dataclass
class PlanOptions:
    rule_dirs: tuple[str, ...] = ()
    #: Schema-check the proposed side (the current side is what is deployed already).
    validate_proposed: bool = True
    templates: TemplateOptions = field(default_factory=TemplateOptions)
    #: Instance lists (`az vmss list-instances`, REST VM lists, per-VM GETs) to plan per VM.
    instances: tuple[str, ...] = ()
    #: Build PROPOSED from CURRENT: a REST PATCH body file, then az-style generic updates
    #: (``--set/--add/--remove`` tokens, in command-line order).
    patch: str | None = None
    edits: tuple[str, ...] = ()
    #: The project configuration (.vmssplan.yaml / [tool.vmssplan]); None: none found.
    config: Config | None = None
    #: Find each change's line and column in the proposed file (for the formats that show it).
    locate_changes: bool = True


@dataclass
class Result:
    """What a command produced, plus every secret value seen, for the last scrub."""

    plan: Plan | None = None
    findings: list[Finding] = field(default_factory=list)
    secrets: set[str] = field(default_factory=set)
    #: Every document read (templates, parameter files, linked templates), by display name,
    #: so findings can be located in the file they are about.
    documents: dict[str, Document] = field(default_factory=dict)
    #: The change rules the plan was classified with (renderers describe them, e.g. SARIF).
    rules: RuleSet | None = None
    #: Per template: resources that could not be evaluated (a copy count known only after
    #: deployment...). A scale set missing from such a side may still be there.
    unexpanded: dict[str, list[str]] = field(default_factory=dict)

    def add(self, findings: Iterable[Finding]) -> None:
        self.findings += located(findings, self.documents)

    @property
    def has_errors(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.findings)


def located(findings: Iterable[Finding], documents: dict[str, Document]) -> list[Finding]:
    """``findings`` with line and column filled in from their documents where missing."""
    out = []
    for finding in findings:
        doc = documents.get(finding.file)
        out.append(doc.locate(finding) if doc is not None and finding.line is None else finding)
    return out


# --- validate --------------------------------------------------------------------------


def validate_document(doc: Document, notes: bool = True) -> list[Finding]:
    """Schema and structure findings of one loaded document, located in its file;
    ``notes=False`` leaves out those of severity info (a plan does not show them)."""
    from . import validate

    findings: list[Finding] = []
    if doc.kind is DocumentKind.ARM_PARAMETERS:
        findings += validate.validate_parameters_file(doc.data)
        return [doc.locate(f) for f in findings if notes or f.severity is not Severity.INFO]
    sources: list[ScaleSetSource]
    if doc.kind is DocumentKind.ARM_TEMPLATE:
        findings += validate.validate_template_envelope(doc.data)
        sources = list(template_scale_sets(doc.data, doc.path))
        if not sources:  # a template of other resources: fine for `validate` (pre-commit passes them all)
            findings.append(Finding("VAL003", "no Microsoft.Compute/virtualMachineScaleSets resource; only the "
                                    "template envelope was checked", Severity.INFO, pointer="/resources"))
    else:
        sources = scale_sets_of(doc)
    for source in sources:
        model_shape: validate.Shape = "template" if source.from_template else "model"
        if source.flattened:
            continue  # `az vmss show` output: no schema describes the SDK's flattened shape
        findings += validate.validate_scale_set(source.resource, source.api_version, pointer_prefix=source.pointer,
                                                shape=model_shape)
    return [doc.locate(f) for f in findings if notes or f.severity is not Severity.INFO]


def _lint_findings(scale_set: ScaleSet) -> list[Finding]:
    """Findings of normalizing and linting one scale set, as pointers into its source."""
    from .lint import lint_scale_set

    # Those of normalizing are pointers into the source already.
    return scale_set.findings + [replace(f, pointer=source_pointer(scale_set, f.pointer))
                                 for f in lint_scale_set(scale_set)]


def validate_files(paths: Iterable[str], options: TemplateOptions | None = None,
                   config: Config | None = None) -> Result:
    """Findings of every document; templates are also evaluated (with their parameters
    file, if there is one), so expression and parameter errors show up too."""
    options = options or TemplateOptions()
    result = Result()
    for path in paths:
        try:
            doc = _read(path, result)
            result.findings += validate_document(doc)
            if doc.kind is DocumentKind.ARM_TEMPLATE:
                sources = (_template_scale_sets(doc, options.parameters, options, result).scale_sets
                           if list(template_scale_sets(doc.data, doc.path)) else [])
            elif doc.kind is DocumentKind.ARM_PARAMETERS:
                sources = []
            else:
                sources = scale_sets_of(doc)
            for source in sources:
                result.findings += located(_lint_findings(normalize(source, doc.kind)), result.documents)
        except DocumentError as exc:
            result.add(exc.findings)
    if not options.parameters:
        # A template linted on its own gets its parameters at deployment: "no value" is not a
        # finding unless a parameters file was there to give one.
        result.findings = [f for f in result.findings
                           if f.rule != "VAL031" or _sibling_parameters(f.file) is not None]
    if config is not None:
        from .config import apply_to_findings

        result.findings = apply_to_findings(result.findings, config)
    result.findings = sorted(set(result.findings), key=Finding.sort_key)
    return result


# --- plan ------------------------------------------------------------------------------


def secrets_in(value: Any) -> set[str]:
    """Every string (of 4 characters or more) under a secret key (adminPassword,
    customData, protectedSettings), for the last scrub of everything printed."""
    found: set[str] = set()
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, item in node.items():
                if key in shape.SECRET_KEYS:
                    found.update(s for s in string_leaves(item) if len(s) >= 4)
                else:
                    stack.append(item)
        elif isinstance(node, list):
            stack.extend(node)
    return found


def _read(path: str, result: Result) -> Document:
    doc = load_document(path)
    result.documents[doc.path] = doc
    result.secrets |= secrets_in(doc.data)
    return doc


def _sibling_parameters(template: str) -> str | None:
    """``azuredeploy.parameters.json`` for ``azuredeploy.json``, if it exists (at the same
    git revision for a ``git:REV:PATH`` template)."""
    from . import gitsource

    if gitsource.is_git_spec(template):
        rev, path = gitsource.parse_spec(template)
        sibling = _sibling_name(path)
        return gitsource.spec(rev, sibling) if sibling and gitsource.exists(rev, sibling) else None
    sibling = _sibling_name(template)
    return sibling if sibling and Path(sibling).is_file() else None


def _sibling_name(template: str) -> str | None:
    path = Path(template)
    if not path.suffix:
        return None
    return str(path.with_name(path.name[: -len(path.suffix)] + ".parameters.json"))


def _parameter_sources(doc: Document, args: tuple[str, ...], options: TemplateOptions,
                       result: Result) -> list[ParameterValues]:
    """Parameter values for a template, from ``args`` or its sibling parameters file."""
    from .resolve import parameters_from_assignments, parameters_from_file

    gives_file = any(a.startswith("@") or (a.lower().endswith(".json") and "=" not in a) for a in args)
    if not gives_file and options.auto_parameters and doc.path != "<stdin>":
        # Like a person would: the template's own parameters file, with NAME=VALUE on top.
        sibling = _sibling_parameters(doc.path)
        if sibling is not None:
            args = ("@" + sibling, *args)
    sources: list[ParameterValues] = []
    assignments: list[str] = []
    for arg in args:
        path = arg[1:] if arg.startswith("@") else arg
        if arg.startswith("@") or (path.lower().endswith(".json") and "=" not in arg):
            if assignments:
                sources.append(parameters_from_assignments(assignments))
                assignments = []
            pdoc = _read(path, result)
            sources.append(parameters_from_file(pdoc.data, pdoc.path))
        elif "=" in arg and not arg.startswith("="):
            assignments.append(arg)
        else:
            raise UsageError(f"--parameters {arg!r}: expected @FILE, FILE.json or NAME=VALUE")
    if assignments:
        sources.append(parameters_from_assignments(assignments))
    return sources


def _template_scale_sets(doc: Document, args: tuple[str, ...], options: TemplateOptions,
                         result: Result) -> ResolvedTemplate:
    """Evaluate a template (the resolve stage) into its scale sets."""
    scale_sets_of(doc)  # a template with no scale-set resource at all is a finding (VAL003)
    from .resolve import resolve_template

    from . import gitsource

    revision = gitsource.parse_spec(doc.path)[0] if gitsource.is_git_spec(doc.path) else None

    def read_linked(path: Path) -> Any:
        # A linked template is read at the same revision as the template that links it.
        return _read(gitsource.spec(revision, str(path)) if revision else str(path), result).data

    parameters = _parameter_sources(doc, args, options, result)
    if doc.path == "<stdin>":
        base_dir = None
    elif revision:
        base_dir = Path(gitsource.parse_spec(doc.path)[1]).parent
    else:
        base_dir = Path(doc.path).parent
    resolved = resolve_template(doc.data, doc.path, parameters, options.scope, base_dir=base_dir,
                                read_linked=read_linked)
    result.add(resolved.findings)
    result.secrets |= resolved.secrets
    if resolved.unexpanded:
        result.unexpanded[doc.path] = resolved.unexpanded
    return resolved


def _load_side(path: str, args: tuple[str, ...], options: TemplateOptions,
               result: Result) -> tuple[Document | None, list[ScaleSetSource]]:
    """The document at ``path`` and its scale sets (a template's, evaluated)."""
    try:
        doc = _read(path, result)
        if doc.kind is DocumentKind.ARM_TEMPLATE:
            return doc, _template_scale_sets(doc, args, options, result).scale_sets
        return doc, scale_sets_of(doc)
    except DocumentError as exc:
        result.add(exc.findings)
        return None, []


def _is_expression(name: str) -> bool:
    return name.startswith("[") and name.endswith("]") and not name.startswith("[[")


SourcePair = tuple[ScaleSetSource | None, ScaleSetSource | None]


def pair_scale_sets(current: list[ScaleSetSource], proposed: list[ScaleSetSource]) -> list[SourcePair]:
    """Match scale sets by name (case-insensitive, as ARM names are).

    When each side holds exactly one scale set and either name is an unevaluated
    expression, the two are paired: they are the same resource written two ways.
    """
    if len(current) == 1 and len(proposed) == 1 and (
            _is_expression(current[0].name) or _is_expression(proposed[0].name)):
        return [(current[0], proposed[0])]
    # Names may repeat (copy loops, one name per nested deployment): the i-th scale set of
    # a name on one side pairs with the i-th of that name on the other.
    remaining: dict[str, list[ScaleSetSource]] = {}
    for before in current:
        remaining.setdefault(before.name.lower(), []).append(before)
    pairs: list[SourcePair] = []
    for after in proposed:
        candidates = remaining.get(after.name.lower())
        pairs.append((candidates.pop(0) if candidates else None, after))
    pairs.extend((before, None) for group in remaining.values() for before in group)
    return sorted(pairs, key=_pair_key)



def _pair_key(pair: SourcePair) -> tuple[str, str]:
    subject = pair[1] or pair[0]
    assert subject is not None
    return (subject.name.lower(), subject.pointer)


def _edited_side(current: Document | None, options: PlanOptions,
                 result: Result) -> tuple[Document | None, list[ScaleSetSource]]:
    """The proposed scale set as `az vmss update` would make it from the current one."""
    if current is None:
        return None, []
    if current.kind not in (DocumentKind.REST_MODEL, DocumentKind.AZ_MODEL):
        raise UsageError(f"{current.path}: --set/--add/--remove/--patch edit a scale-set model (a REST GET or "
                         "`az vmss show` output), not a template or a list: edit the template or its parameters")
    from . import edit

    data = current.data
    label = current.path
    try:
        if options.patch:
            patch_doc = _read(options.patch, result)
            data = edit.apply_patch_body(data, patch_doc.data)
            label += f" + PATCH {patch_doc.path}"
        if options.edits:
            data = edit.apply_generic_update(data, edit.parse_edit_argv(list(options.edits)))
            label += " + " + " ".join(str(op) for op in edit.parse_edit_argv(list(options.edits)))
    except DocumentError as exc:
        result.add(exc.findings)
        return None, []
    text = json.dumps(data, indent=2, ensure_ascii=False)
    doc = Document(f"<{label}>", text, data, detect_kind(data))
    try:
        return doc, scale_sets_of(doc)
    except DocumentError as exc:
        result.add(exc.findings)
        return None, []


def plan_files(current_path: str | None, proposed_path: str | None, options: PlanOptions | None = None) -> Result:
    """Plan ``current_path`` -> ``proposed_path``. With no current path every scale set of
    the proposed side is a create (a file new in this commit)."""
    options = options or PlanOptions()
    result = Result()
    templates = options.templates
    if current_path is None:
        current_doc: Document | None = Document("(none)", "", None, DocumentKind.UNKNOWN)
        current_sources: list[ScaleSetSource] = []
    else:
        current_doc, current_sources = _load_side(
            current_path, templates.parameters + templates.current_parameters, templates, result)
    if options.patch or options.edits:
        proposed_doc, proposed_sources = _edited_side(current_doc, options, result)
    else:
        if proposed_path is None:
            raise UsageError("give PROPOSED, or build it from CURRENT with --set/--add/--remove/--patch")
        proposed_doc, proposed_sources = _load_side(
            proposed_path, templates.parameters + templates.proposed_parameters, templates, result)
    if current_doc is None or proposed_doc is None:
        result.findings = sorted(set(result.findings), key=Finding.sort_key)
        return result
    if options.validate_proposed:
        # Notes (severity info, e.g. "nearest schema used") belong to `validate`, not to a plan.
        result.findings += validate_document(proposed_doc, notes=False)
    rule_dirs = tuple(options.rule_dirs) + (options.config.rules_dirs if options.config else ())
    rules = load_rules(rule_dirs, validate=bool(rule_dirs))
    result.rules = rules
    plan = Plan(current_file=current_doc.path, proposed_file=proposed_doc.path)
    result.plan = plan
    pairs = pair_scale_sets(current_sources, proposed_sources)
    planner = _PairPlanner(current_doc.kind, proposed_doc.kind, rules, options.locate_changes, result.documents,
                           incomplete=(current_doc.path in result.unexpanded, proposed_doc.path in result.unexpanded),
                           instance_docs=_instance_docs(options, pairs, result))
    for pair in pairs:
        findings, scale_set_plan = planner.plan(pair)
        result.findings += findings
        if scale_set_plan is not None:
            plan.scale_sets.append(scale_set_plan)
    if options.config is not None:
        from .config import apply_to_findings, apply_to_plan, ignored_by_metadata

        apply_to_plan(plan, options.config, {s.name: ignored_by_metadata(s.resource) for s in proposed_sources})
        result.findings = apply_to_findings(result.findings, options.config)
    # Planning a file against itself (or two sides sharing a parameters file) reports each
    # finding once.
    result.findings = sorted(set(result.findings), key=Finding.sort_key)
    return result


def _instance_docs(options: PlanOptions, pairs: list[SourcePair], result: Result) -> list[Document]:
    """The instance lists given, read; none unless the plan has one scale set to use them on."""
    docs = []
    for path in options.instances:
        try:
            docs.append(_read(path, result))
        except DocumentError as exc:
            result.add(exc.findings)
    updated = sum(1 for before, after in pairs if before is not None and after is not None)
    if docs and updated != 1:
        result.findings.append(Finding("VAL052", f"--instances lists the VMs of one scale set, but the plan has "
                                       f"{updated} scale sets present on both sides; the lists are not used",
                                       Severity.WARNING, file=docs[0].path, line=1, column=1))
        return []
    return docs


@dataclass
class _PairPlanner:
    """Plans one pair of scale sets (current, proposed) at a time: normalizes both, lints
    the proposed one, diffs, classifies and locates. Pairs are independent of each other."""

    current_kind: DocumentKind
    proposed_kind: DocumentKind
    rules: RuleSet
    locate_changes: bool
    documents: dict[str, Document]
    #: Whether the (current, proposed) side holds resources that could not be evaluated;
    #: a scale set missing from such a side is not planned as created or deleted, since it
    #: may be among them.
    incomplete: tuple[bool, bool] = (False, False)
    instance_docs: list[Document] = field(default_factory=list)

    def plan(self, pair: SourcePair) -> tuple[list[Finding], ScaleSetPlan | None]:
        """(located findings, plan of the pair or None when it cannot be planned)."""
        before_source, after_source = pair
        before = normalize(before_source, self.current_kind) if before_source is not None else None
        after = None
        findings: list[Finding] = []
        if after_source is not None:
            after = normalize(after_source, self.proposed_kind)
            # Like schema validation: the proposed side is what gets deployed.
            findings = located(_lint_findings(after), self.documents)
        missing_side = 1 if after is None else 0 if before is None else None
        if missing_side is not None and self.incomplete[missing_side]:
            present = before or after
            assert present is not None
            side = ("current", "proposed")[missing_side]
            findings += located([Finding(
                "VAL044", f"{present.name} is missing from the {side} side as evaluated, but resources there could "
                "not be expanded (a copy count refused, or known only at deployment): whether it is "
                f"{'deleted' if missing_side else 'new'} cannot be told; not planned", Severity.WARNING,
                file=present.source.file, pointer=present.source.pointer)], self.documents)
            return findings, None
        notes: list[str] = []
        changes: list[Change] = []
        if before is not None and after is not None:
            ops = diff(before.model, after.model)
            ops, notes = drop_unreturned_secrets(ops, before.from_get, after.from_get)
            ctx = Context(before.model, after.model, after.source.api_version)
            changes = classify(ops, self.rules, ctx)
            if self.locate_changes:
                _locate_changes(changes, after, self.documents)
            if self.instance_docs:
                instance_findings: list[Finding] = []
                try:
                    scale_set_plan = _plan_with_instances(before, after, changes, notes, self.instance_docs,
                                                          instance_findings)
                    return findings + located(instance_findings, self.documents), scale_set_plan
                except DocumentError as exc:  # not an instance list: say where, plan without it
                    findings += located(instance_findings + exc.findings, self.documents)
        return findings, plan_scale_set(before, after, changes, notes)


def plan_against_revision(revision: str, paths: tuple[str, ...], options: PlanOptions | None = None) -> Result:
    """Plan every scale-set file among ``paths`` (default: the JSON files changed since
    ``revision``) against its version at ``revision``: the pre-commit hook and CI use this.

    A parameters file stands for its template (``x.parameters.json`` -> ``x.json``); files
    that hold no scale set are passed over; a file new since ``revision`` is a create.
    """
    from . import gitsource

    options = options or PlanOptions()
    gitsource.verify_revision(revision)
    candidates = list(paths) if paths else gitsource.changed_files(revision)
    merged = Result(plan=Plan(current_file=f"git:{revision}", proposed_file="working tree"))
    seen: set[str] = set()
    for path in candidates:
        target = _plannable(path)
        if target is None or target in seen:
            continue
        seen.add(target)
        old = gitsource.spec(revision, target) if gitsource.exists(revision, target) else None
        part = plan_files(old, target, options)
        merged.findings += part.findings
        merged.secrets |= part.secrets
        merged.documents.update(part.documents)
        merged.rules = part.rules or merged.rules
        if part.plan is not None:
            merged.plan.scale_sets += part.plan.scale_sets  # type: ignore[union-attr]
    merged.findings = sorted(set(merged.findings), key=Finding.sort_key)
    return merged


def _plannable(path: str) -> str | None:
    """The file to plan for ``path``: itself if it holds scale sets, its template if it is a
    parameters file, else None (other JSON is none of our business)."""
    if not Path(path).is_file():
        return None
    try:
        doc = load_document(path)
    except (DocumentError, UsageError):
        return path  # broken JSON in a changed file is worth reporting
    if doc.kind is DocumentKind.ARM_PARAMETERS:
        name = Path(path).name
        if name.lower().endswith(".parameters.json"):
            template = Path(path).with_name(name[: -len(".parameters.json")] + ".json")
            return str(template) if template.is_file() else None
        return None
    if doc.kind is DocumentKind.ARM_TEMPLATE:
        return path if list(template_scale_sets(doc.data, doc.path)) else None
    return path if doc.kind in (DocumentKind.REST_MODEL, DocumentKind.AZ_MODEL, DocumentKind.MODEL_LIST) else None


def _locate_changes(changes: list[Change], scale_set: ScaleSet, documents: dict[str, Document]) -> None:
    """Fill in where each change sits in the user's file (for SARIF and annotations)."""
    doc = documents.get(scale_set.source.file)
    if doc is None:
        return
    for change in changes:
        pointer = source_pointer(scale_set, change.path)
        change.file = doc.path
        change.line, change.column = doc.position(pointer)


def _plan_with_instances(before: ScaleSet, after: ScaleSet, changes: list[Change], notes: list[str],
                         docs: list[Document], found: list[Finding]) -> ScaleSetPlan:
    """The plan of one scale set, VM by VM, from its instance lists; their findings are
    added to ``found``."""
    from . import instances as inst

    groups = []
    findings: list[Finding] = []
    for doc in docs:
        groups.append(inst.load_instances(doc.data, doc.path, orchestration_mode=after.orchestration_mode,
                                          findings=findings))
    found += findings
    vms = inst.merge_instances(*groups)
    plans, rollout = inst.plan_instances(vms, changes, after.upgrade_mode, after.orchestration_mode, after.model)
    commands = inst.commands_for(plans, rollout, resource_group(before), before.name)
    return plan_scale_set(before, after, changes, notes, instance_plans=plans, rollout=rollout, commands=commands)


def exit_code(result: Result, fail_on: Effect = Effect.REJECTED) -> int:
    """0 clean; 1 when a finding is an error or a change reaches ``fail_on``."""
    if result.has_errors:
        return 1
    if result.plan is not None and any(c.effect >= fail_on and not c.suppressed
                                       for s in result.plan.scale_sets for c in s.changes):
        return 1
    return 0
