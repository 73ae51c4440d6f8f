"""Composes the stages in the order of DESIGN.md; the only module that knows them all.

    inputs -> resolve -> validate -> normalize -> lint -> diff -> classify -> decide -> plan -> locate

The CLI then builds the view of the result and renders it. Each stage is called here and
nowhere else; stages share only :mod:`vmssplan.model` and the cross-cutting modules.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from . import classify, decide, diff, lint, locate, normalize, plan, validate
from .inputs import edits, git, instances, parameters, revisions, whatif
from .inputs.documents import Document, no_scale_set, reaches_scale_sets_indirectly, scale_sets_of, template_scale_sets
from .inputs.reader import Reader
from .model import (
    DeploymentScope,
    DocumentError,
    DocumentKind,
    Effect,
    Finding,
    HiddenDeployment,
    Plan,
    Result,
    RuleDescription,
    ScaleSet,
    ScaleSetPlan,
    ScaleSetSource,
    Severity,
    UsageError,
    Waiver,
    WhatIfResource,
)

if TYPE_CHECKING:
    from .config import Config


@dataclass(frozen=True)
class RunConfig:
    """What a command asks of the engine (the CLI's options)."""

    #: Template parameters for both sides: ``@FILE``, ``FILE.json`` or ``NAME=VALUE``; later ones win.
    parameters: tuple[str, ...] = ()
    current_parameters: tuple[str, ...] = ()
    proposed_parameters: tuple[str, ...] = ()
    #: Use ``<template>.parameters.json`` beside a template that is given no parameters file.
    sibling_parameters: bool = True
    scope: DeploymentScope = field(default_factory=DeploymentScope)
    rule_dirs: tuple[str, ...] = ()
    #: Instance lists (`az vmss list-instances`, REST VM lists, per-VM GETs) to plan per VM.
    instances: tuple[str, ...] = ()
    #: Build PROPOSED from CURRENT: a REST PATCH body file, then ``--set/--add/--remove`` tokens.
    patch: str | None = None
    edits: tuple[str, ...] = ()
    #: The project configuration (.vmssplan.yaml / [tool.vmssplan]); None: none.
    config: Config | None = None
    #: Find each change's line and column (for the formats that show them).
    locate_changes: bool = True
    #: Accept unknowns that could be rejected for this run (``--accept-unknown``).
    accept_unknown: bool = False
    #: The current side is the base revision of a change under review (``--base-ref``): a
    #: template's ``metadata.vmssplan.ignore`` counts as the base has it, not as the change
    #: writes it (the base decides the rules).
    base_decides: bool = False

    @property
    def unknowns_accepted_by(self) -> str:
        """Who accepts unknowns that could be rejected ("" when nobody does: fail closed)."""
        if self.accept_unknown:
            return "--accept-unknown"
        if self.config is not None and self.config.accept_unknown:
            return f"accept-unknown in {self.config.source}"
        return ""


@dataclass
class _Side:
    """One side of a plan: its document and scale sets, and whether some resources of it
    could not be evaluated or seen (a scale set missing from it may be among them)."""

    doc: Document
    sources: list[ScaleSetSource]
    incomplete: bool = False
    #: What it deploys that cannot be seen offline (remote links, unknown copy counts).
    hidden: list[HiddenDeployment] = field(default_factory=list)


@dataclass
class _Run:
    """What a run keeps until its result is finished."""

    config: RunConfig
    reader: Reader = field(default_factory=Reader)
    findings: list[Finding] = field(default_factory=list)
    waivers: list[Waiver] = field(default_factory=list)
    #: The one evaluation budget of the run (``expressions.EvaluationBudget``), shared by
    #: every template it evaluates: both sides of a plan, every file `validate` is given.
    budget: Any = None

    def side(self, path: str, args: tuple[str, ...], planned: bool = True) -> _Side | None:
        """inputs, then resolve: the scale sets of ``path`` (a template's as evaluated). A
        template without a scale-set resource is an error (VAL003) only when ``planned``:
        `validate` passes them all (pre-commit hands it every template)."""
        try:
            doc = self.reader.read(path)
            if doc.kind is DocumentKind.ARM_PARAMETERS and not planned:
                return _Side(doc, [])  # `validate` checks it against the parameters-file schema
            if doc.kind in (DocumentKind.UNKNOWN, DocumentKind.INSTANCE_LIST) and not planned:
                # Other JSON the hook's name pattern caught: passed over, with a note.
                self.findings.append(Finding("VAL004", "not an ARM template, parameters file or scale-set model: "
                                             "not checked", file=doc.path, line=1, column=1, severity=Severity.INFO))
                return None
            if doc.kind is DocumentKind.WHATIF_RESULT:
                if not planned:
                    self.findings.append(Finding("VAL004", "an ARM what-if result: not checked (plan it with "
                                                 "`vmssplan plan FILE`)", file=doc.path, line=1, column=1,
                                                 severity=Severity.INFO))
                    return None
                raise UsageError(f"{doc.path} is an ARM what-if result, which holds both sides: plan it on its own "
                                 "(vmssplan plan WHATIF.json)")
            if doc.kind is not DocumentKind.ARM_TEMPLATE:
                return _Side(doc, scale_sets_of(doc))
            written = next(template_scale_sets(doc.data, doc.path), None) is not None
            linked = not written and reaches_scale_sets_indirectly(doc.data)
            if not planned and not written and not linked:
                return _Side(doc, [])
            if not written and not linked:
                raise no_scale_set(doc)  # a template with no scale-set resource at all is a finding (VAL003)
            sources = parameters.parameter_sources(doc, args, self.reader.read, self.config.sibling_parameters)
            base_dir, read_linked = self.reader.linked_templates(doc)
            from . import resolve  # with the expression language: only for templates (start-up)

            if self.budget is None:
                from .expressions import EvaluationBudget

                self.budget = EvaluationBudget()
            resolved = resolve.resolve_template(doc.data, doc.path, [resolve.parameter_values(s) for s in sources],
                                                self.config.scope, base_dir=base_dir, read_linked=read_linked,
                                                budget=self.budget)
            self.findings += resolved.findings
            self.reader.secrets |= resolved.secrets
            if linked and planned and not resolved.scale_sets and not resolved.unexpanded and not resolved.hidden:
                raise no_scale_set(doc)  # nor any template it links that could be read
            return _Side(doc, resolved.scale_sets, bool(resolved.unexpanded or resolved.hidden), resolved.hidden)
        except DocumentError as exc:
            self.findings += exc.findings
            return None

    def lint(self, scale_set: ScaleSet) -> None:
        """The findings of normalizing and linting a scale set, pointing into its source."""
        self.findings += scale_set.findings + locate.in_source(scale_set, lint.lint_scale_set(scale_set))

    def result(self, plan: Plan | None = None, rules: dict[str, RuleDescription] | None = None) -> Result:
        """decide (the findings' part), then locate: the finished result."""
        findings = self.findings
        if self.config.config is not None:
            findings = decide.decide_findings(findings, self.config.config, waivers=self.waivers)
        # Planning a file against itself (or two sides sharing a parameters file) reports each finding once.
        findings = sorted(set(locate.located(findings, self.reader.documents)), key=Finding.sort_key)
        return Result(plan, findings, self.reader.secrets, rules or {}, sorted(set(self.waivers), key=Waiver.sort_key))


def validate_files(paths: list[str], config: RunConfig | None = None) -> Result:
    """Findings of every document; a template is evaluated (with its parameters file, if it
    has one) and its scale sets checked as they will be deployed."""
    run = _Run(config or RunConfig())
    for path in paths:
        side = run.side(path, run.config.parameters, planned=False)
        if side is None:
            continue
        run.findings += validate.side_findings(side.doc, side.sources)
        for source in side.sources:
            run.lint(normalize.normalize(source, side.doc.kind))
    if not run.config.parameters:
        # A template checked on its own gets its parameters at deployment: "no value" is not a
        # finding unless a parameters file was there to give one.
        run.findings = [f for f in run.findings if f.rule != "VAL031" or parameters.sibling_parameters(f.file)]
    return run.result()


def plan_files(current_path: str | None, proposed_path: str | None, config: RunConfig | None = None,
               deleted: bool = False) -> Result:
    """Plan ``current_path`` -> ``proposed_path``; with no current path every scale set of
    the proposed side is created (a file new in this commit); ``deleted`` (no proposed
    path): every scale set of the current side is deleted (a file removed in this commit)."""
    run = _Run(config or RunConfig())
    options = run.config
    if current_path is not None and proposed_path is None and not deleted and not (options.patch or options.edits):
        return _plan_whatif(run, current_path)
    current = (_Side(Document("(none)", "", None, DocumentKind.UNKNOWN), []) if current_path is None
               else run.side(current_path, options.parameters + options.current_parameters))
    if deleted and proposed_path is None:
        proposed: _Side | None = _Side(Document("(deleted)", "", None, DocumentKind.UNKNOWN), [])
    elif options.patch or options.edits:
        proposed = _edited_side(run, current)
    elif proposed_path is None:
        raise UsageError("give PROPOSED, or build it from CURRENT with --set/--add/--remove/--patch")
    else:
        proposed = run.side(proposed_path, options.parameters + options.proposed_parameters)
    if current is None or proposed is None:
        return run.result()
    # What is deployed already is not checked; notes (severity info) belong to `validate`.
    if not deleted:
        run.findings += validate.side_findings(proposed.doc, proposed.sources, notes=False)
    hidden = plan.hidden_findings(current.hidden, proposed.hidden, options.unknowns_accepted_by)
    run.findings += hidden
    if options.unknowns_accepted_by:  # each hidden deployment that would have failed the check
        run.waivers += [Waiver("accept-unknown", f.rule, options.unknowns_accepted_by, f.severity.label,
                               Severity.WARNING.label, subject=f.pointer or "", file=f.file)
                        for f in plan.hidden_findings(current.hidden, proposed.hidden, "")
                        if f.severity is Severity.ERROR]
    rules = _rules(run)
    result_plan = Plan(current_file=current.doc.path, proposed_file=proposed.doc.path)
    pairs = diff.pair_scale_sets(current.sources, proposed.sources)
    instance_lists, unused = instances.usable_lists(_read_all(run, options.instances),
                                                    sum(1 for pair in pairs if None not in pair))
    run.findings += unused
    for before_source, after_source in pairs:
        before = normalize.normalize(before_source, current.doc.kind) if before_source else None
        after = normalize.normalize(after_source, proposed.doc.kind) if after_source else None
        if before is not None and after is not None:
            after = _as_updated(before, after)
        if after is not None:  # like the schema, the cross-field rules judge what is deployed
            run.lint(after)
        missing = plan.unplannable(before, after, (current.incomplete, proposed.incomplete))
        if missing is not None:
            run.findings.append(missing)
        elif before is None or after is None:
            result_plan.scale_sets.append(plan.plan_scale_set(before, after, [], []))
        else:
            result_plan.scale_sets.append(_plan_update(run, before, after, rules, instance_lists))
    return run.result(result_plan, {rule.id: rule.describe() for rule in rules.rules})


def _plan_whatif(run: _Run, path: str) -> Result:
    """Plan an ARM what-if result (one file holding both sides): every scale set in it,
    through the same stages as any pair (:mod:`.inputs.whatif` says what is read how)."""
    options = run.config
    try:
        doc = run.reader.read(path)
    except DocumentError as exc:
        run.findings += exc.findings
        return run.result()
    if doc.kind is not DocumentKind.WHATIF_RESULT:
        raise UsageError("missing PROPOSED (or --set/--add/--remove/--patch to build it from CURRENT); one file alone "
                         "is planned when it is an ARM what-if result")
    if options.parameters or options.current_parameters or options.proposed_parameters:
        raise UsageError("--parameters: a what-if result holds evaluated resources; template parameters do not apply")
    contents = whatif.read_whatif(doc.data, doc.path)
    run.findings += contents.findings
    rules = _rules(run)
    result_plan = Plan(current_file=f"{doc.path} (before)", proposed_file=f"{doc.path} (after)",
                       other_resources=sorted(contents.others, key=lambda o: (o.resource_id.lower(), o.change_type)))
    entries = sorted(contents.scale_sets, key=lambda e: (e.resource_id.lower(), e.pointer))
    instance_lists, unused = instances.usable_lists(_read_all(run, options.instances),
                                                    sum(1 for e in entries if _whatif_update(e)))
    run.findings += unused
    for entry in entries:
        scale_set_plan = _plan_whatif_entry(run, entry, rules, instance_lists)
        if scale_set_plan is not None:
            result_plan.scale_sets.append(scale_set_plan)
    return run.result(result_plan, {rule.id: rule.describe() for rule in rules.rules})


#: The sides a what-if change must hold to be planned, by ``changeType``.
_WHATIF_SIDES = {"Modify": ("before", "after"), "Deploy": ("before", "after"), "Create": ("after",),
                 "Delete": ("before",)}


def _whatif_update(entry: whatif.WhatIfEntry) -> bool:
    """Whether a scale set of a what-if result is planned as an update, ``before`` against
    ``after`` (the one that the VMs of ``--instances`` belong to)."""
    if entry.before is None or entry.deployment or entry.change_type in ("Create", "Delete"):
        return False
    if entry.change_type in ("NoChange", "Ignore"):
        return entry.children_changed and entry.after is not None
    return entry.after is not None or entry.change_type == "Unsupported"


def _plan_whatif_entry(run: _Run, entry: whatif.WhatIfEntry, rules: classify.RuleSet,
                       instance_lists: list[Document]) -> ScaleSetPlan | None:
    """One scale set of a what-if result, as what-if's ``changeType`` says it is changed."""
    kind = DocumentKind.WHATIF_RESULT
    accepted_by = run.config.unknowns_accepted_by
    lacking = [side for side in _WHATIF_SIDES.get(entry.change_type, ()) if getattr(entry, side) is None]
    if entry.change_type in ("NoChange", "Ignore") and entry.before is None and entry.after is None:
        run.findings.append(Finding("VAL046", f"what-if says {entry.resource_id} is {entry.change_type}, but its "
                                    "result holds no resource (--result-format ResourceIdOnly): taken as unchanged, "
                                    "not seen", Severity.INFO, file=entry.file, pointer=entry.pointer))
        return None
    if lacking or (entry.change_type == "Unsupported" and (entry.before is None or entry.deployment)):
        why = (f"what-if could not predict it{': ' + entry.reason if entry.reason else ''}" if not lacking else
               f"the what-if result holds no `{'`/`'.join(lacking)}` for this {entry.change_type} (run what-if with "
               "--result-format FullResourcePayloads)")
        what = entry.resource_id or "a resource"
        if entry.deployment:
            what = f"the nested deployment {what}, and every scale set it deploys,"
        finding = plan.unseen_finding(what, why, accepted_by, entry.file, entry.pointer)
        run.findings.append(finding)
        if accepted_by:
            run.waivers.append(Waiver("accept-unknown", finding.rule, accepted_by, Severity.ERROR.label,
                                      Severity.WARNING.label, subject=entry.pointer, file=finding.file))
        return None
    before = normalize.normalize(entry.before, kind) if entry.before is not None else None
    after_source = entry.after
    if entry.change_type == "Unsupported" and entry.before is not None:
        after_source = whatif.unpredicted_side(entry.before, entry.reason)
    after = normalize.normalize(after_source, kind) if after_source is not None else None
    notes = ["what-if lists this change as potential: it may happen"] if entry.potential else []
    if after_source is not None and after is not None and entry.change_type not in ("Ignore", "Delete"):
        # What the deployment sends (again, for NoChange) is checked as the proposed side of any pair is.
        if entry.change_type != "Unsupported":
            run.findings += validate.evaluated_findings([after_source], notes=False)
        run.lint(after)
    if _whatif_update(entry):
        assert before is not None and after is not None
        scale_set_plan = _plan_update(run, before, after, rules, instance_lists, unreturned_on_both=True)
        scale_set_plan.notes = notes + scale_set_plan.notes
    elif entry.change_type == "Delete":
        scale_set_plan = plan.plan_scale_set(before, None, [], notes)
    elif entry.change_type == "Create":
        scale_set_plan = plan.plan_scale_set(None, after, [], notes)
    else:  # NoChange, Ignore: no change
        subject = before or after
        assert subject is not None
        scale_set_plan = plan.plan_scale_set(subject, subject, [], notes)
    scale_set_plan.what_if = WhatIfResource(entry.change_type, entry.resource_id, len(entry.property_changes),
                                            diff.whatif_noise(entry.property_changes, scale_set_plan.changes))
    return scale_set_plan


def _rules(run: _Run) -> classify.RuleSet:
    """The change rules of the run (built-in, ``--rules-dir``, the configuration's), each
    rule that replaces another recorded as a waiver."""
    options = run.config
    rule_dirs = options.rule_dirs + (options.config.rules_dirs if options.config else ())
    rules = classify.load_rules(rule_dirs, validate=bool(rule_dirs))
    run.waivers += [Waiver("replaces", replaced, rule.id, reason=rule.title, file=rule.file)
                    for rule in rules.rules for replaced in rule.replaces]
    return rules


def _as_updated(before: ScaleSet, after: ScaleSet) -> ScaleSet:
    """The scale set a template resource without ``properties`` leaves behind: only a sku
    (and location, tags...), the "scale an existing scale set" sample, updates the existing
    scale set, and the Compute RP keeps every property it leaves out."""
    if not after.source.from_template or "properties" in after.source.resource or "properties" not in before.model:
        return after
    return replace(after, model={**after.model, "properties": before.model["properties"]})


def _plan_update(run: _Run, before: ScaleSet, after: ScaleSet, rules: classify.RuleSet,
                 instance_lists: list[Document], unreturned_on_both: bool = False) -> ScaleSetPlan:
    """diff, classify, decide, plan and locate a scale set present on both sides (each
    side given the service defaults the other holds). ``unreturned_on_both``: a what-if
    result, whose ``after`` holds no secure value either."""
    before, after = normalize.with_service_defaults(before, after)
    ops, notes = diff.drop_unreturned(diff.diff(before.model, after.model), before.from_get or unreturned_on_both,
                                      after.from_get or unreturned_on_both, after_is_whatif=unreturned_on_both)
    changes = classify.classify(ops, rules, classify.Context(before.model, after.model, after.source.api_version))
    if run.config.config is not None:  # decide, then plan: the action follows the decided effects
        # Under review (--base-ref), the base's metadata waives, not what the change adds to it.
        waiving = before.source.resource if run.config.base_decides else after.source.resource
        decide.decide_changes(changes, run.config.config, after.name, after.source.file,
                              decide.ignored_by_metadata(waiving), waivers=run.waivers)
    decide.accept_unknowns(changes, run.config.unknowns_accepted_by, run.waivers, after.name, after.source.file)
    if run.config.locate_changes:
        locate.locate_changes(changes, after, run.reader.documents, before)
    vms = instances.vms_of(instance_lists, after.orchestration_mode, run.findings) if instance_lists else None
    return plan.plan_scale_set(before, after, changes, notes, vms)


def _read_all(run: _Run, paths: tuple[str, ...]) -> list[Document]:
    docs = []
    for path in paths:
        try:
            docs.append(run.reader.read(path))
        except DocumentError as exc:
            run.findings += exc.findings
    return docs


def _edited_side(run: _Run, current: _Side | None) -> _Side | None:
    """The proposed scale set as `az vmss update` would make it from the current one."""
    if current is None:
        return None
    try:
        patch = run.reader.read(run.config.patch) if run.config.patch else None
        doc = edits.edited_document(current.doc, patch, run.config.edits)
        run.reader.add(doc)
        return _Side(doc, scale_sets_of(doc))
    except DocumentError as exc:
        run.findings += exc.findings
        return None


def plan_against_revision(revision: str, paths: tuple[str, ...], config: RunConfig | None = None) -> Result:
    """Plan every deployment among ``paths`` (default: the JSON files changed since
    ``revision``, in the whole repository) against its version at ``revision``: the
    pre-commit hook and CI use this. ``HEAD`` is what the hook passes: the range pre-commit
    was asked for, or the empty tree before the first commit (:func:`git.resolve_range`).
    A template is planned with each of its parameters files separately, a deleted one as
    its scale sets deleted, a renamed one against its old path; the configuration (the
    caller's, read at the base unless given explicitly) and the base's template metadata
    decide."""
    options = replace(config or RunConfig(), base_decides=True)
    with git.session():  # one listing of the revision's tree answers every "is it there?"
        changes = git.resolve_range(revision)
        shown = revision if changes.base == revision or changes.head is None else changes.base
        merged = Result(plan=Plan(current_file=f"git:{shown}",
                                  proposed_file=f"git:{changes.head}" if changes.head else "working tree"))
        assert merged.plan is not None
        for unit in revisions.planned_files(changes, paths, options.config):
            part_options = options
            if unit.parameters is not None:  # this parameters file on each side, not the sibling
                part_options = replace(options, current_parameters=options.current_parameters + (
                    ("@" + unit.current_parameters,) if unit.current_parameters else ()),
                    proposed_parameters=options.proposed_parameters + (
                    ("@" + unit.proposed_parameters,) if unit.proposed_parameters else ()))
            part = plan_files(unit.current, unit.proposed, part_options, deleted=unit.proposed is None)
            merged.findings += part.findings
            merged.secrets |= part.secrets
            merged.rules.update(part.rules)
            merged.waivers += part.waivers
            if part.plan is not None:
                for scale_set in part.plan.scale_sets:
                    if unit.parameters is not None:
                        scale_set.notes.insert(0, f"with parameters {unit.parameters}")
                merged.plan.scale_sets += part.plan.scale_sets
    merged.findings = sorted(set(merged.findings), key=Finding.sort_key)
    merged.waivers = sorted(set(merged.waivers), key=Waiver.sort_key)
    return merged


def exit_code(result: Result, fail_on: Effect = Effect.REJECTED) -> int:
    """0 clean; 1 when a finding is an error or a change that counts reaches ``fail_on`` (an
    unknown change that could be rejected counts as rejected unless it was accepted)."""
    if result.has_errors:
        return 1
    if result.plan is not None and any(c.gate_effect >= fail_on and not c.suppressed
                                       for s in result.plan.scale_sets for c in s.changes):
        return 1
    return 0


def accept_line(result: Result, fail_on: Effect = Effect.REJECTED, config_source: str | None = None,
                at_base: bool = False) -> str | None:
    """The one line that accepts the changes that fail the check, when they are what fails
    it (a blocked commit says how to let an intended change through), or None: the
    suppression to add to the configuration (``config_source``, else .vmssplan.yaml;
    ``at_base``: read at the base revision, so committed before the change), and
    ``--accept-unknown`` for changes that cannot be decided offline."""
    if result.plan is None or any(f.severity is Severity.ERROR and f.rule != "VAL046" for f in result.findings):
        return None  # an error in a document is fixed, not accepted
    unknown = any(f.severity is Severity.ERROR and f.rule == "VAL046" for f in result.findings)
    blocking: dict[tuple[str, str], None] = {}
    for scale_set in result.plan.scale_sets:
        # A name is quoted as JSON (valid YAML and TOML); one that holds a secret is not shown.
        shown = "<name>" if any(secret and secret in scale_set.name for secret in result.secrets) else scale_set.name
        for change in scale_set.changes:
            if change.gate_effect >= fail_on and not change.suppressed:
                if change.could_be_rejected and not change.accepted:
                    unknown = True
                else:
                    blocking[(change.rule, json.dumps(shown))] = None
    parts = []
    if blocking:
        name = (git.parse_spec(config_source)[1] if config_source and git.is_git_spec(config_source)
                else config_source) or ".vmssplan.yaml"
        how = "commit to" if at_base else "add to"
        when = " before this change (the base revision's configuration decides)" if at_base else ""
        if name.endswith("pyproject.toml"):
            items = ", ".join(f'{{rule = "{rule}", scale-set = {scale_set}, reason = "<why>"}}'
                              for rule, scale_set in sorted(blocking))
            parts.append(f"{how} [tool.vmssplan] in {name}{when}: suppressions = [{items}]")
        else:
            items = ", ".join(f'{{rule: {rule}, scale-set: {scale_set}, reason: "<why>"}}'
                              for rule, scale_set in sorted(blocking))
            parts.append(f"{how} {name}{when}: suppressions: [{items}]")
    if unknown:
        parts.append("run with --accept-unknown (or set accept-unknown: true) for what cannot be decided offline")
    return "to accept an intended change, " + "; and ".join(parts) if parts else None


__all__ = ["RunConfig", "accept_line", "exit_code", "plan_against_revision", "plan_files", "validate_files"]
