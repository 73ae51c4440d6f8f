"""Plain data shared by every stage. No I/O, no imports of other vmssplan modules.

The pipeline (see DESIGN.md) is ``load -> resolve -> validate -> normalize -> diff ->
classify -> plan -> render``; each stage takes and returns the types defined here.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

#: Shown instead of any secret value (adminPassword, customData, protectedSettings,
#: securestring parameters). Renderers never see the real value.
SENSITIVE = "(sensitive value)"

#: Shown for values that cannot be known before deployment (reference(), utcNow(), ...).
KNOWN_AFTER_DEPLOYMENT = "(known after deployment)"


#: Deepest nesting of objects and arrays accepted in a value given on the command line
#: (--set, NAME=VALUE): later stages walk values recursively.
MAX_VALUE_NESTING = 200


def too_deep(value: Any, limit: int = MAX_VALUE_NESTING) -> bool:
    """True when ``value`` nests objects/arrays more than ``limit`` deep (iterative)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (dict, list)):
            if depth > limit:
                return True
            stack.extend((child, depth + 1) for child in (node.values() if isinstance(node, dict) else node))
    return False


def string_leaves(value: Any) -> Iterator[str]:
    """Every string value in ``value`` (not object keys), iteratively."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            yield node
        elif isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def has_lone_surrogate(value: Any) -> bool:
    """True when a string in ``value`` holds a lone UTF-16 surrogate (unprintable as UTF-8)."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            if any("\ud800" <= ch <= "\udfff" for ch in node):
                return True
        elif isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


def json_type_name(value: Any, array: str = "an array") -> str:
    """"a string", "an object"...: how messages name the JSON type of a value (``array``:
    the words for a list, "a list" where messages speak az's language)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return array
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def is_unknown(value: Any) -> bool:
    """True for a value known only after deployment (``vmssplan.expressions.Unknown``),
    recognised by a class marker so that stages need not import the evaluator."""
    return getattr(type(value), "is_unknown_value", False) is True


def first_unknown(value: Any) -> Any:
    """The first value known only after deployment inside ``value`` (document order), or None."""
    stack = [value]
    while stack:
        node = stack.pop()
        if is_unknown(node):
            return node
        if isinstance(node, dict):
            stack.extend(reversed(list(node.values())))
        elif isinstance(node, list):
            stack.extend(reversed(node))
    return None


def unknown_reason(value: Any) -> str:
    return str(getattr(value, "reason", "")) if is_unknown(value) else ""


@dataclass(frozen=True)
class SensitiveValue:
    """A value derived from a secret (a securestring parameter...): compared by digest,
    never shown. Two sides with the same secret compare equal; the plan says only that
    it changed."""

    digest: str

    def __str__(self) -> str:
        return SENSITIVE


class Effect(enum.IntEnum):
    """What a change does, ordered weakest to strongest (DESIGN.md, "Effects")."""

    NONE = 0
    UNKNOWN = 1
    UPGRADE = 2
    REIMAGE = 3
    DEALLOCATE = 4
    REJECTED = 5

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Effect:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            names = ", ".join(e.label for e in cls)
            raise ValueError(f"unknown effect {text!r} (expected one of: {names})") from None


class Severity(enum.IntEnum):
    INFO = 0
    WARNING = 1
    ERROR = 2

    @property
    def label(self) -> str:
        return self.name.lower()


class DocumentKind(enum.StrEnum):
    """What a loaded JSON document is, detected from its shape."""

    ARM_TEMPLATE = "arm-template"
    ARM_PARAMETERS = "arm-parameters"
    REST_MODEL = "rest-model"  # GET response / PUT body with the `properties` envelope
    AZ_MODEL = "az-model"  # `az vmss show`: envelope flattened into the top level
    MODEL_LIST = "model-list"  # `az vmss list` / REST list of scale sets
    API_EXAMPLE = "api-example"  # azure-rest-api-specs example (parameters + responses)
    INSTANCE_LIST = "instance-list"  # `az vmss list-instances` / REST VM list
    WHATIF_RESULT = "whatif-result"  # an ARM what-if result (REST response or `az ... what-if -o json`)
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class DeploymentScope:
    """Context values the user supplies by option; anything left None is unknown."""

    subscription_id: str | None = None
    resource_group: str | None = None
    location: str | None = None
    deployment_name: str | None = None
    tenant_id: str | None = None


@dataclass(frozen=True)
class ParameterSource:
    """Where some of a template's parameter values come from: a parameters file (its
    parsed ``data``) or ``NAME=VALUE`` arguments (``assignments``)."""

    origin: str
    data: Any = None
    assignments: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finding:
    """A located problem in a user's document (or a lint verdict).

    ``pointer`` is an RFC 6901 pointer into the *source* document; the engine fills in
    ``line`` and ``column`` (1-based) from the loader's position index. ``offset`` is a
    character offset into the string value at ``pointer`` (an expression's error position).
    """

    rule: str
    message: str
    severity: Severity = Severity.ERROR
    file: str = ""
    pointer: str = ""
    line: int | None = None
    column: int | None = None
    offset: int | None = None

    def located(self, file: str, line: int | None, column: int | None) -> Finding:
        return Finding(self.rule, self.message, self.severity, file, self.pointer, line, column, self.offset)

    def sort_key(self) -> tuple[Any, ...]:
        return (self.file, self.line or 0, self.column or 0, self.rule, self.message)


@dataclass(frozen=True)
class HiddenDeployment:
    """Resources a template deploys that cannot be seen offline (a deployment of a remote
    linked template, a copy loop whose count is known only after deployment): the scale sets
    among them are not planned. ``key`` names it alike on both sides of a plan;
    ``fingerprint`` is a digest of everything that decides what it deploys (the link and the
    values passed to it), so two sides with the same one deploy the same."""

    key: str
    what: str
    reason: str
    fingerprint: str
    file: str
    pointer: str


@dataclass(frozen=True)
class ScaleSetSource:
    """One scale set as found in a document, before normalization.

    ``pointer`` says where the resource sits in the source document ("" for a model file,
    "/resources/3" in a template). ``flattened`` is true for `az vmss show` output, where
    the `properties` envelope is lifted into the top level.
    """

    name: str
    resource: dict[str, Any]
    file: str
    pointer: str = ""
    api_version: str | None = None
    flattened: bool = False
    from_template: bool = False
    #: Values of the document the user marked secret (securestring parameters...),
    #: scrubbed from every output as a last line of defence.
    secrets: frozenset[str] = frozenset()
    #: False when the document does not name the scale set (a PUT body: the name is in the
    #: URL); ``name`` is then a placeholder.
    named: bool = True
    #: Where the parameters of the template that deploys the scale set got the values given
    #: to them (a parameters file, a nested deployment's ``parameters``), sorted: (name, file,
    #: pointer of the value, a digest of the value, only compared). A change whose value
    #: came from one is located there (:func:`vmssplan.locate.locate_changes`).
    parameters: tuple[tuple[str, str, str, str], ...] = ()


@dataclass
class ScaleSet:
    """A scale set in the canonical (REST) shape, ready to diff."""

    name: str
    model: dict[str, Any]
    source: ScaleSetSource
    #: Source of the document kind, used for rules about values a GET never returns.
    from_get: bool = False
    #: Problems found while normalizing (names that differ only in case), located by
    #: pointers into the source document.
    findings: list[Finding] = field(default_factory=list)

    def _property(self, *path: str) -> tuple[bool, Any]:
        node: Any = self.model
        for key in path:
            if not isinstance(node, dict):
                return True, node  # an unknown (or malformed) object on the way
            if key not in node:
                return False, None
            node = node[key]
        return True, node

    @property
    def orchestration_mode(self) -> str:
        found, mode = self._property("properties", "orchestrationMode")
        return mode if isinstance(mode, str) else "unknown" if found else "Uniform"

    @property
    def upgrade_mode(self) -> str:
        """Automatic, Rolling or Manual (Azure's default); "unknown" if known only after deployment."""
        found, mode = self._property("properties", "upgradePolicy", "mode")
        return mode if isinstance(mode, str) else "unknown" if found else "Manual"

    @property
    def capacity(self) -> int | None:
        _, cap = self._property("sku", "capacity")
        return cap if isinstance(cap, int) and not isinstance(cap, bool) else None


@dataclass(frozen=True)
class PatchOp:
    """One operation of the diff. ``path`` is a tuple of reference tokens (the change's
    pointer is ``vmssplan.pointer.join(path)``); ``labels`` the same with keyed items shown
    by name, for people."""

    op: str
    path: tuple[str, ...]
    labels: tuple[str, ...]
    before: Any = None
    after: Any = None
    #: A replace whose values may yet be equal: a value known only after deployment keeps
    #: it from being decided offline (a change that is known to happen has this False).
    undecided: bool = False

    @property
    def display_path(self) -> str:
        """``properties.virtualMachineProfile.extensionProfile.extensions[CustomScript].name``"""
        return display_path(self.labels)


def display_path(labels: tuple[str, ...]) -> str:
    """Path labels as a person reads them: members joined by dots, keyed array items
    (labels written ``[name]``) attached to their array."""
    out = ""
    for label in labels:
        out += label if label.startswith("[") else ("." if out else "") + label
    return out


@dataclass
class Change:
    """One RFC 6902 operation with its verdict.

    ``path`` is a pointer into the canonical model; ``display_path`` is the same path with
    keyed array items shown by name (``extensions[CustomScript].properties.settings``).
    ``before``/``after`` are already masked when ``sensitive``.
    """

    op: str
    path: str
    display_path: str
    before: Any = None
    after: Any = None
    effect: Effect = Effect.UNKNOWN
    rule: str = ""
    title: str = ""
    message: str = ""
    conditional: bool = False
    sensitive: bool = False
    unknown_value: bool = False
    evidence: str = ""
    #: Where the change sits in the proposed document (the current one for a scale set
    #: that is only there), for annotations: file, 1-based line and column.
    file: str = ""
    line: int | None = None
    column: int | None = None
    #: Why the change does not count towards --fail-on (ignored or suppressed by the
    #: configuration or the resource's metadata); empty when it counts.
    suppressed: str = ""
    #: An ``unknown`` change to a property whose rule can reject: the gate counts it as
    #: rejected (fail closed) unless the team accepts such unknowns (``accepted``).
    could_be_rejected: bool = False
    #: Who accepted it as unknown (``accept-unknown`` in the configuration, or the option).
    accepted: str = ""

    @property
    def gate_effect(self) -> Effect:
        """The effect the gate (``--fail-on``, exit code, levels) counts."""
        if self.could_be_rejected and not self.accepted:
            return Effect.REJECTED
        return self.effect

    @property
    def symbol(self) -> str:
        return {"add": "+", "remove": "-", "replace": "~"}.get(self.op, "~")


@dataclass(frozen=True)
class VmInstance:
    """One VM of a scale set, as far as the rollout plan needs it.

    ``None`` means the document does not say (a list without ``--expand instanceView``
    has no power state; an instance view has no ``latestModelApplied``).
    """

    #: Uniform: the instance id ("3"); Flexible: the VM name.
    instance_id: str
    name: str | None = None
    latest_model_applied: bool | None = None
    protected_from_scale_set_actions: bool = False
    protected_from_scale_in: bool = False
    zone: str | None = None
    #: The last part of the ``PowerState/...`` status: "running", "deallocated", "stopped"...
    power_state: str | None = None
    #: From ``instanceView.vmHealth`` (Application Health extension or probe):
    #: healthy True, unhealthy False, unknown/initializing/absent None.
    healthy: bool | None = None


def instance_sort_key(instance_id: str) -> tuple[int, int, str]:
    """Numeric instance ids in numeric order, then the others (Flexible VM names) in text order."""
    return (0, int(instance_id), "") if instance_id.isascii() and instance_id.isdigit() else (1, 0, instance_id)


@dataclass
class InstancePlan:
    """What one VM needs (from an instance list)."""

    instance_id: str  # Uniform: instanceId; Flexible: the VM name
    action: str  # none | upgrade | reimage | deallocate | skipped
    reasons: list[str] = field(default_factory=list)  # display paths of the changes causing it
    zone: str | None = None
    batch: int | None = None  # 1-based platform batch (rolling upgrades)
    note: str = ""
    #: "platform" (Automatic/Rolling upgrade), "user" (Manual upgrade, reimage, deallocate,
    #: a VM already behind the model) or "n/a" (none, skipped).
    performed_by: str = "n/a"
    name: str | None = None
    power_state: str | None = None


@dataclass
class RolloutInfo:
    """How the VMs of one scale set get the change, as a whole.

    ``batches`` are the platform's batches for this rollout, as lists of instance ids
    (Flexible: VM names): rolling batches in Rolling mode, and one batch of every VM in
    Automatic mode (its worst case: Azure gives no ordering guarantee). They are empty
    when the user does the work (Manual mode, reimage, deallocation) or nothing happens.
    """

    upgrade_mode: str
    orchestration_mode: str
    #: "rolling" | "all-at-once" (Automatic) | "user" | "none".
    strategy: str = "none"
    #: "platform" | "user" | "n/a".
    performed_by: str = "n/a"
    batches: list[list[str]] = field(default_factory=list)
    #: Most VMs per batch: max(1, floor(N * maxBatchInstancePercent / 100)), N = VMs in the list.
    batch_size: int | None = None
    #: ``pauseTimeBetweenBatches`` as written (ISO 8601 duration), and in seconds.
    pause_between: str = "PT0S"
    pause_between_seconds: int = 0
    #: (batches - 1) * pause.
    total_pause_seconds: int = 0
    cross_zone: bool = False
    prioritize_unhealthy: bool = False
    #: ``rollingUpgradePolicy.maxSurge`` applies to this rollout: new VMs are created from
    #: the new model a batch at a time and the old ones deleted.
    max_surge: bool = False
    #: With max_surge: the most extra VMs (of the scale set's size) that exist at once.
    surge_capacity: int | None = None
    #: Automatic OS image upgrade is on: the batches in which Azure replaces OS disks when a
    #: new image version is published (separate from this change; same constraints).
    os_upgrade_batches: list[list[str]] = field(default_factory=list)
    #: VMs protected from scale-set actions that this rollout would otherwise touch.
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def batch_count(self) -> int:
        return len(self.batches)


@dataclass
class VmImpact:
    """What the existing VMs need, when no instance list is given."""

    action: str  # none | upgrade | reimage | deallocate | recreate
    count: int | None
    performed_by: str  # platform | user | n/a
    summary: str
    commands: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class WhatIfNoise:
    """One of what-if's own property changes that vmssplan judged to be no change, and why."""

    #: What-if's dotted path (``properties.virtualMachineProfile.timeCreated``).
    path: str
    #: What-if's ``propertyChangeType``: Create, Delete, Modify, NoEffect.
    change_type: str
    reason: str


@dataclass
class WhatIfResource:
    """What a what-if result says of one scale set: its ``changeType``, and how many of its
    property changes (``delta`` leaves) there were and which of them were noise."""

    change_type: str
    resource_id: str
    property_changes: int = 0
    noise: list[WhatIfNoise] = field(default_factory=list)


@dataclass(frozen=True)
class OtherResource:
    """A resource of a what-if result that is not a scale set: listed, not planned."""

    resource_id: str
    type: str
    change_type: str


@dataclass
class ScaleSetPlan:
    name: str
    action: str  # no-op | update | create | delete | rejected
    upgrade_mode: str
    orchestration_mode: str
    file: str
    changes: list[Change] = field(default_factory=list)
    instances: list[InstancePlan] = field(default_factory=list)
    vm_impact: VmImpact | None = None
    rollout: RolloutInfo | None = None  # with an instance list
    notes: list[str] = field(default_factory=list)
    api_version: str | None = None
    #: For a plan of a what-if result: what what-if itself said of this scale set.
    what_if: WhatIfResource | None = None

    @property
    def effect(self) -> Effect:
        return max((c.effect for c in self.changes), default=Effect.NONE)


@dataclass
class Plan:
    current_file: str
    proposed_file: str
    scale_sets: list[ScaleSetPlan] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    #: For a plan of a what-if result: its resources that are not scale sets (listed only).
    other_resources: list[OtherResource] | None = None

    @property
    def effect(self) -> Effect:
        return max((s.effect for s in self.scale_sets), default=Effect.NONE)


@dataclass(frozen=True)
class RuleDescription:
    """What a renderer may say of a rule (SARIF ``rules``, rule links): never a verdict."""

    id: str
    title: str
    description: str = ""
    message: str = ""
    #: The rule's own effect (its conditions may give a change another one); None for
    #: finding rules, which have a severity instead.
    effect: Effect | None = None
    confidence: str = ""
    link: str = ""


@dataclass(frozen=True)
class Waiver:
    """A verdict made to pass by someone other than the rules: a configuration ``ignore``,
    ``select``, effect override or suppression, a template's ``metadata.vmssplan.ignore``,
    accepting unknowns, a finding's severity lowered, or a rule file that replaces a
    built-in rule. Every one is listed in the plan, so none is silent.

    ``kind``: ignore, effect, suppression, metadata, accept-unknown, severity, replaces.
    ``was``/``now``: the verdict before and after (an effect or a severity; ``now`` is
    "not counted" for a change that stays in the plan without counting).
    """

    kind: str
    rule: str
    by: str
    was: str = ""
    now: str = ""
    reason: str = ""
    scale_set: str = ""
    #: The change's display path, or the finding's pointer.
    subject: str = ""
    file: str = ""

    def sort_key(self) -> tuple[str, ...]:
        return (self.file, self.scale_set, self.subject, self.rule, self.kind, self.by, self.was, self.now,
                self.reason)


@dataclass
class Result:
    """What a command produced: the plan (None for `validate`, or when the documents could
    not be planned), the findings, and every secret value seen, for masking the view."""

    plan: Plan | None = None
    findings: list[Finding] = field(default_factory=list)
    secrets: set[str] = field(default_factory=set)
    #: Descriptions of the change rules the plan was classified with, by id.
    rules: dict[str, RuleDescription] = field(default_factory=dict)
    #: Every verdict made to pass by a waiver (see :class:`Waiver`), in sort order.
    waivers: list[Waiver] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.findings)


# --- rules (loaded by vmssplan.registry) --------------------------------------------

#: A rule's path pattern: reference tokens, ``*`` for any key or index.
Pattern = tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Rule:
    """What every family has."""

    id: str
    title: str
    kind: str
    description: str = ""
    confidence: str = "high"
    error_code: str | None = None
    evidence: tuple[dict[str, str], ...] = ()
    cases: tuple[dict[str, Any], ...] = ()
    file: str = ""
    #: False for rules from user rule directories (``--rules-dir``, ``rules-dirs``): at equal
    #: specificity a user change rule wins over a built-in one (a team knows its scale sets).
    builtin: bool = True

    @property
    def evidence_link(self) -> str:
        """The first evidence URL, else the first source."""
        for item in self.evidence:
            if item.get("url"):
                return item["url"]
        return self.evidence[0]["source"] if self.evidence else ""


@dataclass(frozen=True)
class Clause:
    """One ``when`` clause of a change rule."""

    condition: dict[str, Any]
    effect: Effect
    conditional: bool | None
    message: str | None


@dataclass(frozen=True, kw_only=True)
class ChangeRule(Rule):
    effect: Effect
    patterns: tuple[Pattern, ...]
    message: str
    conditional: bool = False
    clauses: tuple[Clause, ...] = ()
    #: A default for what no more specific rule covers: it judges only the values no rule
    #: below its path reaches, even for a whole object added or removed at its own path.
    fallback: bool = False
    #: The condition under which this rule replaces the verdict of the path rules.
    override: dict[str, Any] | None = None
    #: Built-in rules this (user) rule says it replaces where their paths meet (``replaces``).
    replaces: tuple[str, ...] = ()

    def describe(self) -> RuleDescription:
        """What a renderer may say of this rule (the view's rule descriptions)."""
        return RuleDescription(self.id, self.title, self.description, self.message, self.effect, self.confidence,
                               self.evidence_link)


@dataclass(frozen=True, kw_only=True)
class LintRule(Rule):
    severity: Severity
    check: dict[str, Any]
    pointers: tuple[str, ...]
    message: str
    for_each: str | None = None
    applies_to: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class FindingRule(Rule):
    #: The usual severity (the description says when the code reports another).
    severity: Severity


class VmssplanError(Exception):
    """Base of the errors the CLI turns into messages and exit codes (never tracebacks)."""

    exit_code = 2


class UsageError(VmssplanError):
    """Bad flags, unreadable path, broken config or rule file: exit 2."""

    exit_code = 2


class DocumentError(VmssplanError):
    """An invalid or unparsable user document: exit 1, reported as findings."""

    exit_code = 1

    def __init__(self, findings: list[Finding]):
        self.findings = findings
        super().__init__("; ".join(f.message for f in findings))
