"""Stage: evaluate an ARM template offline, as the deployment engine would.

Parameters (defaults, parameter files, ``name=value`` overrides, Key Vault references),
variables (with variable copy loops), user-defined functions, resource copy loops,
property copy loops, ``condition``, inline nested deployments (outer and inner
expression scope; their parameters member by member or as one expression) and local
linked templates (a ``relativePath``, or a ``uri`` by the ``_artifactsLocation``
convention, see :meth:`TemplateResolver.link_view`) are handled; which files a link may
read is :meth:`vmssplan.inputs.reader.Reader.linked_templates`'s. The expression language
itself is :mod:`vmssplan.expressions`.

What cannot be known offline becomes an :class:`~vmssplan.expressions.Unknown` that
keeps its expression and reason; nothing is guessed. Problems are findings located in
the template or the parameters file, never exceptions: a value whose expression fails
becomes Unknown too, so the rest of the plan still stands.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from . import expressions as ex
from . import secrets, shape
from .model import (
    DeploymentScope,
    DocumentError,
    Finding,
    HiddenDeployment,
    ParameterSource,
    ScaleSetSource,
    SensitiveValue,
    Severity,
    has_lone_surrogate,
    too_deep,
)
from .pointer import child, escape

#: ARM's own limits (facts, section 6). A copy count beyond ARM's is not expanded (a bound
#: against a small template asking for 10^9 copies); more resources than ARM's limit are
#: reported (ARM refuses the template) but still planned, up to MAX_EVALUATED_VALUES.
MAX_COPY_COUNT = 800
MAX_RESOURCES = 800
#: The expression of the Unknown that stands for a copy count ARM refuses (VAL043).
_REFUSED_COUNT = "(refused copy count)"
#: Most leaf values of evaluated scale sets per template, as many as a loaded document may
#: hold (inputs.documents.MAX_VALUES): copy loops cannot make evaluation cost more memory
#: than reading.
MAX_EVALUATED_VALUES = 4_000_000
MAX_NESTED_DEPLOYMENTS = 32
#: Evaluation steps a resource costs to visit, and a deployment to set up (its context, its
#: parameters), from the template's one budget (a literal value costs one step too): a
#: template of nested copy loops whose resources hold no expression at all still runs out.
_RESOURCE_COST = 1
_DEPLOYMENT_COST = 500
MAX_VALUE_DEPTH = 200

_SECURE_TYPES = frozenset({"securestring", "secureobject"})
_TYPE_CHECKS: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "securestring": lambda v: isinstance(v, str),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "bool": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "secureobject": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
}


@dataclass
class ParameterValues:
    """Parameter values from one source (a parameters file or ``name=value`` arguments).

    ``raw`` values are strings from the command line, converted by the declared type.
    """

    origin: str
    values: dict[str, Any] = field(default_factory=dict)
    pointers: dict[str, str] = field(default_factory=dict)
    raw: bool = False
    #: Set when the whole set of values is known only after deployment (a nested
    #: deployment's ``parameters`` written as one expression that cannot be evaluated
    #: offline): every parameter of the template is then this Unknown, defaults included.
    unknown: ex.Unknown | None = None
    #: Names whose value was computed from a secret (a nested deployment passing on a secure
    #: parameter, or a value computed from one): secret in the template that receives them,
    #: whatever type it declares.
    secret: set[str] = field(default_factory=set)


@dataclass
class ResolvedTemplate:
    scale_sets: list[ScaleSetSource] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    secrets: set[str] = field(default_factory=set)
    #: Pointers of scale-set resources (or copy loops) that could not be evaluated: how many
    #: there are or what they hold is unknown, so their absence is not a deletion.
    unexpanded: list[str] = field(default_factory=list)
    #: Deployments whose scale sets cannot be seen offline (remote links, unknown copy
    #: counts), with what decides what they deploy, for the plan to compare.
    hidden: list[HiddenDeployment] = field(default_factory=list)


@dataclass(frozen=True)
class _LinkView:
    """How the links of a template are read: ``deployment().properties.templateLink.uri``
    is ``uri`` (the template's own file as a :func:`_local_uri`, None for an inline nested
    template, which has no link), and its parameters are ``supplied()`` as the template
    that deploys it computes them in its own link view."""

    uri: str | None
    supplied: Callable[[], list[ParameterValues]]


@dataclass
class _LinkScope:
    """A template's link view, built when one of its links is first read."""

    state: Any  # the evaluation state of the template's context: keeps its id() in use
    template: dict[str, Any]
    pointer: str
    file: str
    view: _LinkView
    built: ex.EvaluationContext | None = None


class _KeyVaultReference:
    """Marks a parameter given as a Key Vault reference: known only at deployment."""

    def __init__(self, reference: Any):
        self.reference = reference


def _fingerprint(value: Any) -> str:
    """A digest of a given parameter value (canonical JSON), to tell whether two sides gave
    the same one without keeping the value (it may be a secret)."""
    def plain(item: Any) -> Any:
        return repr(item.reference) if isinstance(item, _KeyVaultReference) else repr(item)

    return hashlib.sha256(json.dumps(value, sort_keys=True, default=plain).encode("utf-8", "surrogatepass")).hexdigest()


def parameters_from_file(data: Any, origin: str) -> ParameterValues:
    """Values of a parameters file (full ``deploymentParameters`` form or the bare form)."""
    body = data.get("parameters") if isinstance(data, dict) and "parameters" in data else data
    prefix = "/parameters" if isinstance(data, dict) and "parameters" in data else ""
    result = ParameterValues(origin)
    if not isinstance(body, dict):
        raise DocumentError([Finding("VAL030", "a parameters file holds an object of parameters", file=origin,
                                     pointer=prefix)])
    for name, entry in body.items():
        pointer = child(prefix, name)
        if isinstance(entry, dict) and "reference" in entry:
            result.values[name] = _KeyVaultReference(entry["reference"])
        elif isinstance(entry, dict) and "value" in entry:
            result.values[name] = entry["value"]
        else:
            raise DocumentError([Finding("VAL030", f"parameter '{name}' needs a \"value\" or a \"reference\"",
                                         file=origin, pointer=pointer)])
        result.pointers[name] = pointer + ("/value" if isinstance(entry, dict) and "value" in entry else "")
    return result


def parameters_from_assignments(assignments: list[str], origin: str = "--parameters") -> ParameterValues:
    """``name=value`` arguments, as ``az deployment group create --parameters`` takes them."""
    result = ParameterValues(origin, raw=True)
    for text in assignments:
        name, _, value = text.partition("=")
        result.values[name.strip()] = value
    return result


def parameter_values(source: ParameterSource) -> ParameterValues:
    """The values of one parameter source (see :mod:`vmssplan.inputs.parameters`)."""
    if source.assignments:
        return parameters_from_assignments(list(source.assignments), source.origin)
    return parameters_from_file(source.data, source.origin)


class TemplateResolver:
    """Evaluates one template (and the templates nested in it) into scale-set sources."""

    def __init__(self, file: str, scope: DeploymentScope, base_dir: Path | None,
                 read_linked: Callable[[Path], tuple[Any, str]] | None = None,
                 budget: ex.EvaluationBudget | None = None):
        self.file = file
        #: The one evaluation budget of the template and every deployment nested in it or
        #: linked from it (each context is given it): nesting cannot multiply the work.
        self.budget = budget if budget is not None else ex.EvaluationBudget()
        self.scope = scope
        self.base_dir = base_dir
        self.read_linked = read_linked
        self.result = ResolvedTemplate()
        #: Leaf values evaluated so far, an expression's value counted whole (bounded by
        #: MAX_EVALUATED_VALUES).
        self.evaluated_values = 0
        self.stopped = False
        #: (pointer, file) of the template value whose evaluation hit a limit, if one did.
        self.limit_hit_at: tuple[str, str | None] | None = None
        #: The linked templates being evaluated, outermost first (a link to one of them is a cycle).
        self._linked_stack: list[Path] = []
        #: Link views by id() of the evaluation state their template's contexts share.
        self._link_scopes: dict[int, _LinkScope] = {}
        #: Per template context (by id of its shared state, kept alive here): where its
        #: parameters' given values came from, for ScaleSetSource.parameters.
        self._given: dict[int, tuple[Any, tuple[tuple[str, str, str, str], ...]]] = {}
        #: The deployment each scale set belongs to (a number per deployment evaluated, 0
        #: for the template itself) and whether it is deployed for certain (no condition of
        #: it or of a deployment holding it is unknown), by id() of its ScaleSetSource.
        self._placement: dict[int, tuple[int, bool]] = {}
        self._deployments = [0]
        self._deployment_count = 0
        self._uncertain = 0

    # --- findings --------------------------------------------------------------------

    def finding(self, rule: str, message: str, pointer: str, severity: Severity = Severity.ERROR,
                file: str | None = None) -> None:
        self.result.findings.append(Finding(rule, message, severity, file=file or self.file, pointer=pointer))

    def _expression_finding(self, error: ex.ExpressionError, pointer: str, file: str | None = None) -> None:
        rule = "VAL041" if isinstance(error, ex.EvaluationLimitError) else "VAL040"
        where = error.pointer if error.pointer.startswith(pointer) else pointer + error.pointer
        # The offset locates the error inside the string only when the error is about that
        # string itself (not about a variable or function it calls, named in the trail).
        offset = error.offset if not error.trail and error.offset is not None else None
        self.result.findings.append(Finding(rule, f"{error}", Severity.ERROR, file=file or self.file,
                                            pointer=where, offset=offset))

    def _spend(self, steps: int, pointer: str, file: str | None) -> None:
        """Spend steps of the one budget on work outside expressions (visiting a resource,
        setting up a deployment); running out is located at ``pointer``."""
        try:
            self.budget.charge(steps)
        except ex.EvaluationLimitError:
            if self.limit_hit_at is None:
                self.limit_hit_at = (pointer, file)
            raise

    # --- contexts ----------------------------------------------------------------------

    def base_context(self) -> dict[str, Any]:
        scope = self.scope
        values: dict[str, Any] = {}
        if scope.subscription_id:
            values["subscription"] = ex.make_subscription(scope.subscription_id, tenant_id=scope.tenant_id)
        if scope.resource_group:
            values["resource_group"] = ex.make_resource_group(scope.subscription_id, scope.resource_group,
                                                              location=scope.location)
        elif scope.location:  # -l alone: resourceGroup().location is known; its name and id are not
            values["resource_group"] = {"type": "Microsoft.Resources/resourceGroups", "location": scope.location}
        if scope.deployment_name:
            values["deployment"] = ex.make_deployment(scope.deployment_name)
        if scope.tenant_id:
            values["tenant"] = ex.make_tenant(scope.tenant_id)
        return values

    def template_context(self, template: dict[str, Any], pointer: str, supplied: list[ParameterValues],
                         file: str, link: _LinkView | None = None) -> ex.EvaluationContext:
        """The evaluation context of a template: its parameters, variables and functions.

        ``link`` says how to build its link view (:meth:`link_view`); without it the
        template's links are read with the plain context."""
        declared = template.get("parameters") if isinstance(template.get("parameters"), dict) else {}
        assert isinstance(declared, dict)
        values, origins, unknown, secret = self._supplied_values(declared, supplied)
        ctx, parameter, cache, secret_names = self._context(template, pointer, declared, values, unknown, secret,
                                                            file, self.base_context())

        # Check every parameter now (constraints apply to supplied values and defaults).
        for name, definition in declared.items():
            if not isinstance(definition, dict):
                continue
            where = origins.get(name, (file, child(f"{pointer}/parameters", name)))
            try:
                value = parameter(name)
            except ex.ExpressionError as error:
                self._expression_finding(error, f"{pointer}/parameters/{escape(name)}/defaultValue", file)
                cache[name.lower()] = ex.Unknown(f"parameters('{name}')", f"its default value failed: {error}")
                continue
            if (name not in values and unknown is None and "defaultValue" not in definition
                    and not _nullable(definition)):
                self.finding("VAL031", f"parameter '{name}' has no value: give it in a parameters file or with "
                                       f"--parameters {name}=VALUE", child(f"{pointer}/parameters", name),
                             file=file)
                continue
            secret_value = name.lower() in secret_names  # declared secure, or computed from a secret
            self._check_parameter(name, value, definition, where, secret_value)
            if secret_value:
                self.result.secrets |= secrets.secret_strings(value)
        if link is not None:
            self._link_scopes[id(ctx.shared)] = _LinkScope(ctx.shared, template, pointer, file, link)
        self._given[id(ctx.shared)] = (ctx.shared, tuple(sorted(
            (name, where[0], where[1], _fingerprint(values[name])) for name, where in origins.items())))
        return ctx

    def _supplied_values(self, declared: dict[str, Any], supplied: list[ParameterValues]
                         ) -> tuple[dict[str, Any], dict[str, tuple[str, str]], ex.Unknown | None, set[str]]:
        """(values by declared name, where each came from, the Unknown that stands for every
        parameter not given when a source's whole set is known only after deployment, the
        declared names whose value was computed from a secret)."""
        values: dict[str, Any] = {}
        origins: dict[str, tuple[str, str]] = {}
        unknown: ex.Unknown | None = None
        secret: set[str] = set()
        for source in supplied:
            if source.unknown is not None:
                unknown, values, origins = source.unknown, {}, {}  # a later source of unknown members wins all
            for name, value in source.values.items():
                definition = ex.get_case_insensitive(declared, name)
                if definition is None:
                    self.finding("VAL030", f"parameter '{name}' is not defined in the template",
                                 source.pointers.get(name, ""), file=source.origin)
                    continue
                canonical = next(k for k in declared if k.lower() == name.lower())
                if source.raw:
                    value = self._convert_raw(canonical, value, definition, source.origin)
                values[canonical] = value
                origins[canonical] = (source.origin, source.pointers.get(name, ""))
                if name in source.secret:
                    secret.add(canonical)
                else:
                    secret.discard(canonical)
        return values, origins, unknown, secret

    def _context(self, template: dict[str, Any], pointer: str, declared: dict[str, Any], values: dict[str, Any],
                 unknown: ex.Unknown | None, secret: set[str], file: str, scope_values: dict[str, Any]
                 ) -> tuple[ex.EvaluationContext, Callable[[str], Any], dict[str, Any], set[str]]:
        """A template's context from its parameter values: (the context, its parameter
        resolver, the parameter values it has resolved so far by folded name, the folded
        names of the parameters whose value is secret so far).

        A parameter's value is secret when it is declared secure, when it was given a value
        computed from a secret (``secret``), or when its default value is computed from a
        secret: every read of it counts as a secret read (the evaluator's mark of secrecy),
        the first and the cached ones alike."""
        secure = [*_secure_names(declared), *secret]
        secret_names = {name.lower() for name in secure}
        try:
            functions = ex.user_functions_from_template(template.get("functions"))
        except ex.ExpressionError as error:
            self._expression_finding(error, pointer + "/functions")
            functions = {}

        cache: dict[str, Any] = {}
        ctx_box: list[ex.EvaluationContext] = []

        def parameter(name: str) -> Any:
            key = name.lower()
            if key in cache:
                if key in secret_names:
                    ctx_box[0].shared.secret_reads += 1
                return cache[key]
            canonical = next((k for k in declared if k.lower() == key), None)
            if canonical is None:
                return ex.MISSING
            definition = declared[canonical]
            if canonical in values:
                value = values[canonical]
                if isinstance(value, _KeyVaultReference):
                    value = ex.Unknown(f"parameters('{canonical}')",
                                       f"parameter '{canonical}' is a Key Vault reference, read at deployment",
                                       ("keyVault",), secret=True)
            elif unknown is not None:
                # The deployment passes an object known only after deployment: any parameter
                # may be in it, defaults included.
                value = unknown.derived(f"parameters('{canonical}')")
            elif isinstance(definition, dict) and "defaultValue" in definition:
                state = ctx_box[0].shared
                reads = state.secret_reads
                value = self.evaluate(definition["defaultValue"], ctx_box[0],
                                      f"{pointer}/parameters/{escape(canonical)}/defaultValue", file)
                if state.secret_reads != reads:
                    secret_names.add(key)
            elif _nullable(definition):
                value = None  # Bicep's `param x string?` (languageVersion 2.0): null when not given
            else:
                value = ex.Unknown(f"parameters('{canonical}')", f"no value was given for parameter '{canonical}'")
            cache[key] = value
            if key in secret_names:
                ctx_box[0].shared.secret_reads += 1
            return value

        variables_raw = template.get("variables") if isinstance(template.get("variables"), dict) else {}
        assert isinstance(variables_raw, dict)
        variable_copies = self._variable_copies(variables_raw, pointer)

        def variable(name: str) -> Any:
            key = name.lower()
            if key in variable_copies:
                entry, entry_pointer = variable_copies[key]
                return self._copy_array(entry, ctx_box[0].derive(copy_indexes={}, current_copy=None),
                                        entry_pointer, file)
            canonical = next((k for k in variables_raw if k.lower() == key and k.lower() != "copy"), None)
            if canonical is None:
                return ex.MISSING
            return self.evaluate(variables_raw[canonical], ctx_box[0].derive(copy_indexes={}, current_copy=None),
                                 child(f"{pointer}/variables", canonical), file)

        ctx = ex.EvaluationContext(parameters=parameter, variables=variable, functions=functions,
                                   secret_parameters=frozenset(secure), environment=None, budget=self.budget,
                                   **scope_values)
        ctx_box.append(ctx)
        return ctx, parameter, cache, secret_names

    def link_view(self, ctx: ex.EvaluationContext) -> ex.EvaluationContext:
        """``ctx`` as a template link is read in it: ``deployment().properties.templateLink.uri``
        is the template's own file (the directory of the main template stands for the place
        it is deployed from, as the ``_artifactsLocation`` convention assumes), and parameter
        defaults and variables are evaluated again with it, secure parameters unknown unless
        empty. Used for ``templateLink.uri`` only: no value of a scale set is ever computed
        from this stand-in, and no secret decides which file is read."""
        scope = self._link_scopes.get(id(ctx.shared))
        if scope is None:
            return ctx
        if scope.built is None:
            with self._quietly():
                declared = scope.template.get("parameters")
                declared = declared if isinstance(declared, dict) else {}
                values, _, unknown, secret = self._supplied_values(declared, scope.view.supplied())
                for name in [*_secure_names(declared), *secret]:
                    # Which file is read never depends on a secret: a SAS token given for the
                    # artifacts makes the link unreadable offline; the convention's default
                    # (an empty token) reads the file next to the template.
                    definition = declared[name]
                    given = values.get(name, definition.get("defaultValue") if isinstance(definition, dict) else None)
                    if given != "":
                        values[name] = ex.Unknown(f"parameters('{name}')", "a secret does not choose a linked file",
                                                  secret=True)
                scope_values = self.base_context()
                if scope.view.uri is not None:
                    deployment = dict(scope_values.get("deployment") or {})
                    deployment["properties"] = {"templateLink": {"uri": scope.view.uri}}
                    scope_values["deployment"] = deployment
                scope.built = self._context(scope.template, scope.pointer, declared, values, unknown, secret,
                                            scope.file, scope_values)[0]
        return scope.built.derive(copy_indexes=ctx.copy_indexes, current_copy=ctx.current_copy)

    @contextlib.contextmanager
    def _quietly(self) -> Iterator[None]:
        """Findings made inside are dropped: a link view evaluates again what the template's
        own context has reported on."""
        kept = len(self.result.findings)
        try:
            yield
        finally:
            del self.result.findings[kept:]

    def _convert_raw(self, name: str, text: str, definition: Any, origin: str) -> Any:
        kind = str(definition.get("type", "string")).lower() if isinstance(definition, dict) else "string"
        try:
            if kind == "int":
                return int(text)
            if kind == "bool":
                if text.lower() in ("true", "false"):
                    return text.lower() == "true"
                raise ValueError
            if kind in ("object", "secureobject", "array"):
                value = json.loads(text)
                if too_deep(value) or has_lone_surrogate(value):
                    raise ValueError("nested too deeply or not text")
                return value
        except (ValueError, RecursionError):
            self.finding("VAL033", f"--parameters {name}: the value is not a valid {kind}", "", file=origin)
            return ex.Unknown(f"parameters('{name}')", f"the value given for '{name}' is not a valid {kind}")
        return text

    def _check_parameter(self, name: str, value: Any, definition: dict[str, Any], where: tuple[str, str],
                         secret: bool) -> None:
        """Type, allowed values and bounds of a parameter's value; ``secret``: the value is
        secret (declared secure or computed from a secret), so no message shows it."""
        file, pointer = where
        if ex.is_unknown(value) or ex.contains_unknown(value) or (value is None and _nullable(definition)):
            return
        kind = str(definition.get("type", "")).lower()
        shown = "the value" if secret else _short(value)
        check = _TYPE_CHECKS.get(kind)
        if check is not None and not check(value):
            self.finding("VAL033", f"parameter '{name}' is of type {definition.get('type')}, but {shown} is not",
                         pointer, file=file)
            return
        allowed = definition.get("allowedValues")
        if isinstance(allowed, list):
            items = value if isinstance(value, list) and kind == "array" else [value]
            bad = [v for v in items if v not in allowed]
            if bad:
                options = ", ".join(_short(a) for a in allowed[:10]) + (", ..." if len(allowed) > 10 else "")
                self.finding("VAL032", f"parameter '{name}': "
                                       f"{shown if secret or not isinstance(value, list) else _short(bad[0])}"
                                       f" is not one of the allowed values ({options})", pointer, file=file)
        number: int | None = value if isinstance(value, int) and not isinstance(value, bool) else None
        length = len(value) if isinstance(value, (str, list)) else None
        for bound, measure, is_minimum, words in (("minValue", number, True, "less than"),
                                                  ("maxValue", number, False, "more than"),
                                                  ("minLength", length, True, "shorter than"),
                                                  ("maxLength", length, False, "longer than")):
            limit = definition.get(bound)
            if isinstance(limit, int) and measure is not None and (measure < limit if is_minimum else measure > limit):
                self.finding("VAL032", f"parameter '{name}': {shown} is {words} the {bound} {limit}", pointer,
                             file=file)

    # --- values ------------------------------------------------------------------------

    def evaluate(self, value: Any, ctx: ex.EvaluationContext, pointer: str, file: str | None = None,
                 depth: int = 0, protect: bool = False) -> Any:
        """Evaluate a JSON value, expanding property copy loops; failures become Unknown.

        With ``protect``, a leaf computed from a secret becomes a :class:`SensitiveValue`,
        so no later stage can show it, however it was transformed (``toUpper``, ``concat``...).
        """
        if depth > MAX_VALUE_DEPTH:
            self.finding("VAL041", f"the value is nested more than {MAX_VALUE_DEPTH} levels deep", pointer, file=file)
            return ex.Unknown("", "the value is nested too deeply to evaluate")
        if isinstance(value, str):
            if not ex.is_expression(value):
                self.evaluated_values += 1
                self._spend(1, pointer, file)
                return ex.unescape_literal(value)
            memoized = ctx.memo.get(value)
            if memoized is not None:
                result, read_secret, size = memoized
                self.evaluated_values += size
                if read_secret:
                    ctx.shared.secret_reads += 1  # as evaluating it again would
                return _protected(result) if protect and read_secret else result
            reads = ctx.shared.secret_reads
            try:
                result = ex.evaluate(value, ctx)
                read_secret = ctx.shared.secret_reads != reads
                size = _leaf_count(result)
                self.evaluated_values += size
                if "copyindex" not in value.lower():
                    ctx.memo[value] = (result, read_secret, size)
                return _protected(result) if protect and read_secret else result
            except ex.EvaluationLimitError:
                if self.limit_hit_at is None:  # the innermost value: where the finding points
                    self.limit_hit_at = (pointer, file)
                raise
            except ex.ExpressionError as error:
                if error.concealed:
                    # It failed on a value computed from a secret: whether it fails would tell
                    # something of the secret (is it shorter than n?), so it is not reported;
                    # the value is not known offline. (ARM reports it at deployment.)
                    return ex.Unknown.secure(value[1:-1], "an expression over a secure value")
                self._expression_finding(error, pointer, file)
                return ex.Unknown(value[1:-1] if ex.is_expression(value) else value,
                                  f"the expression failed to evaluate: {error.message}")
        if isinstance(value, list):
            return [self.evaluate(item, ctx, f"{pointer}/{i}", file, depth + 1, protect)
                    for i, item in enumerate(value)]
        if isinstance(value, dict):
            out: dict[str, Any] = {}
            for key, item in value.items():
                sub = child(pointer, key)
                if key.lower() == "copy" and isinstance(item, list) and all(isinstance(e, dict) for e in item):
                    for i, entry in enumerate(item):
                        name = ex.get_case_insensitive(entry, "name")
                        if isinstance(name, str):
                            out[name] = self._copy_array(entry, ctx, f"{sub}/{i}", file, protect)
                    continue
                if ex.is_expression(key):
                    reads = ctx.shared.secret_reads
                    try:
                        evaluated_key = ex.evaluate(key, ctx)
                    except ex.ExpressionError as error:
                        self._expression_finding(error, sub, file)
                        continue
                    if ctx.shared.secret_reads != reads or _secret_unknown(evaluated_key):
                        # A property name computed from a secret: the object's shape would tell it.
                        return ex.Unknown.secure(f"{ex.residual(evaluated_key)}:{pointer}", "a property name")
                    if not isinstance(evaluated_key, str):
                        return ex.Unknown(key[1:-1], "a property name is known only after deployment")
                    name = evaluated_key
                else:
                    name = ex.unescape_literal(key)
                out[name] = self.evaluate(item, ctx, sub, file, depth + 1, protect)
            return out
        self.evaluated_values += 1
        self._spend(1, pointer, file)
        return value

    def decisive(self, value: Any, ctx: ex.EvaluationContext, pointer: str, file: str | None, what: str) -> Any:
        """Evaluate a value that decides what the plan holds (a condition, a copy count, a
        linked template's path): one computed from a secret is not used, whatever it is, but
        an Unknown with the reason that it depends on a secure value, so that which scale
        sets appear, or how many, never tells a secret."""
        state = ctx.shared
        reads = state.secret_reads
        result = self.evaluate(value, ctx, pointer, file)
        if state.secret_reads != reads or _secret_unknown(result):
            self.finding("VAL047", f"{what} depends on a secure value: it is not evaluated (known only after "
                                   "deployment), so that the plan does not tell the secret", pointer, Severity.INFO,
                         file)
            return ex.Unknown.secure(f"{ex.residual(result)}:{pointer}", what)
        return result

    def _copy_count(self, entry: dict[str, Any], ctx: ex.EvaluationContext, pointer: str, file: str | None) -> Any:
        count = self.decisive(ex.get_case_insensitive(entry, "count"), ctx, f"{pointer}/count", file, "the copy count")
        if ex.is_unknown(count):
            return count
        if not isinstance(count, int) or isinstance(count, bool):
            self.finding("VAL043", f"copy count must be an integer, not {_short(count)}", f"{pointer}/count", file=file)
            return ex.Unknown(_REFUSED_COUNT, "the copy count is not an integer")
        if not 0 <= count <= MAX_COPY_COUNT:
            self.finding("VAL043", f"copy count {count} is outside 0..{MAX_COPY_COUNT}, ARM's limit",
                         f"{pointer}/count", file=file)
            return ex.Unknown(_REFUSED_COUNT, f"the copy count {count} is outside ARM's limit")
        return count

    def _copy_array(self, entry: dict[str, Any], ctx: ex.EvaluationContext, pointer: str, file: str | None,
                    protect: bool = False) -> Any:
        name = ex.get_case_insensitive(entry, "name")
        count = self._copy_count(entry, ctx, pointer, file)
        if ex.is_unknown(count):
            return ex.Unknown(f"copy '{name}'", f"the number of items is known only after deployment ({count.reason})")
        template = ex.get_case_insensitive(entry, "input")
        return [self.evaluate(template, ctx.with_copy_index(str(name), i), f"{pointer}/input", file, protect=protect)
                for i in range(count)]

    def _variable_copies(self, variables: dict[str, Any], pointer: str) -> dict[str, tuple[dict[str, Any], str]]:
        copies: dict[str, tuple[dict[str, Any], str]] = {}
        root_copy = ex.get_case_insensitive(variables, "copy")
        if isinstance(root_copy, list):
            for i, entry in enumerate(root_copy):
                if isinstance(entry, dict) and isinstance(ex.get_case_insensitive(entry, "name"), str):
                    copies[ex.get_case_insensitive(entry, "name").lower()] = (entry, f"{pointer}/variables/copy/{i}")
        return copies

    # --- resources ---------------------------------------------------------------------

    def resolve(self, template: dict[str, Any], ctx: ex.EvaluationContext, pointer: str, file: str,
                depth: int = 0) -> None:
        resources = template.get("resources")
        if isinstance(resources, dict):
            items = [(child(f"{pointer}/resources", k), v) for k, v in resources.items()]
        elif isinstance(resources, list):
            items = [(f"{pointer}/resources/{i}", v) for i, v in enumerate(resources)]
        else:
            return
        deployed = 0  # resources after copy loops, of every type: ARM's limit counts them all
        for res_pointer, resource in items:
            self._spend(_RESOURCE_COST, res_pointer, file)
            if not isinstance(resource, dict) or resource.get("existing") is True:
                continue
            kind = resource.get("type")
            kind = kind.lower() if isinstance(kind, str) else ""
            copy = ex.get_case_insensitive(resource, "copy")
            if kind.startswith(shape.VMSS_CHILD_PREFIX):
                self._hide_child(resource, ctx, res_pointer, file)
            if kind not in (shape.VMSS_TYPE, shape.DEPLOYMENT_TYPE):
                # Other resource types are not planned, not evaluated either: a literal copy
                # count is counted, an expression as one.
                count = ex.get_case_insensitive(copy, "count") if isinstance(copy, dict) else 1
                deployed += count if isinstance(count, int) and 0 <= count <= MAX_COPY_COUNT else 1
                continue
            if isinstance(copy, dict):
                count = self._copy_count(copy, ctx, f"{res_pointer}/copy", file)
                if ex.is_unknown(count):
                    if count.expression != _REFUSED_COUNT:  # else VAL043 has said why
                        self.finding("VAL044", f"the number of copies is known only after deployment "
                                               f"({count.reason}); this resource is not planned",
                                     f"{res_pointer}/copy", Severity.WARNING, file)
                        self._hide_copies(resource, copy, count, ctx, res_pointer, file)
                    self.result.unexpanded.append(res_pointer)
                    continue
                deployed += count
                loop = str(ex.get_case_insensitive(copy, "name") or "copy")
                for i in range(count):
                    self._resource(resource, ctx.with_copy_index(loop, i, current=True), res_pointer, file,
                                   kind, depth)
            else:
                deployed += 1
                self._resource(resource, ctx, res_pointer, file, kind, depth)
        if deployed > MAX_RESOURCES:
            self.finding("VAL041", f"{deployed:,} resources after copy loops: ARM accepts at most {MAX_RESOURCES} "
                                   "in one template and would refuse this one", f"{pointer}/resources", file=file)

    def _resource(self, resource: dict[str, Any], ctx: ex.EvaluationContext, pointer: str, file: str,
                  kind: str, depth: int) -> None:
        if self.evaluated_values > MAX_EVALUATED_VALUES:
            if not self.stopped:
                self.stopped = True
                self.finding("VAL041", f"evaluation stopped after {MAX_EVALUATED_VALUES:,} values of scale sets; "
                                       "this one and the rest are not planned", pointer, file=file)
            self.result.unexpanded.append(pointer)
            return
        certain = True
        secure = False
        if "condition" in resource:
            # A resource whose condition is false is not deployed: ARM skips it whole,
            # validation included (a "scale an existing scale set" resource holds only a sku).
            condition = self.decisive(resource["condition"], ctx, f"{pointer}/condition", file, "the condition")
            if condition is False:
                return
            certain = condition is True
            secure = ex.is_unknown(condition) and condition.secret
        # Under a condition that depends on a secure value, what the resource's evaluation
        # finds is not reported: ARM may skip it, and whether it errs would tell the secret.
        with self._quietly() if secure else contextlib.nullcontext():
            self._place(resource, ctx, pointer, file, kind, depth, certain)

    def _place(self, resource: dict[str, Any], ctx: ex.EvaluationContext, pointer: str, file: str, kind: str,
               depth: int, certain: bool) -> None:
        """A scale set or deployment that is deployed (``certain``) or may be."""
        if kind == shape.VMSS_TYPE:
            body = {k: v for k, v in resource.items() if k.lower() not in ("copy", "condition", "dependson")}
            evaluated = self.evaluate(body, ctx, pointer, file, protect=True)
            if not isinstance(evaluated, dict):
                self.finding("VAL040", "the scale-set resource does not evaluate to an object", pointer, file=file)
                return
            name = evaluated.get("name")
            display = name if isinstance(name, str) else str(resource.get("name"))
            api = evaluated.get("apiVersion")
            given = self._given.get(id(ctx.shared))
            source = ScaleSetSource(name=display, resource=evaluated, file=file, pointer=pointer,
                                    api_version=api if isinstance(api, str) else None, from_template=True,
                                    parameters=given[1] if given is not None else ())
            self.result.scale_sets.append(source)
            self._placement[id(source)] = (self._deployments[-1], certain and not self._uncertain)
            return
        self._uncertain += not certain
        try:
            self._deployment(resource, ctx, pointer, file, depth)
        finally:
            self._uncertain -= not certain

    def _deployment(self, resource: dict[str, Any], ctx: ex.EvaluationContext, pointer: str, file: str,
                    depth: int) -> None:
        if depth >= MAX_NESTED_DEPLOYMENTS:
            self.finding("VAL041", f"deployments nested more than {MAX_NESTED_DEPLOYMENTS} deep are not followed",
                         pointer, file=file)
            return
        props = resource.get("properties")
        if not isinstance(props, dict):
            return
        inner_template = props.get("template")
        inner_file, inner_pointer = file, f"{pointer}/properties/template"
        link = props.get("templateLink")
        linked: Path | None = None
        if not isinstance(inner_template, dict) and isinstance(link, dict):
            found = self._linked(link, ctx, pointer, file)
            if isinstance(found, _Remote):
                self._hide_remote(resource, ctx, pointer, file)
                return
            if found is None:
                return
            inner_template, linked, inner_file = found
            inner_pointer = ""
            scope = "inner"  # a linked template is always evaluated in its own scope
        else:
            options = props.get("expressionEvaluationOptions")
            scope = str(options.get("scope", "outer")).lower() if isinstance(options, dict) else "outer"
        if not isinstance(inner_template, dict):
            return
        self._spend(_DEPLOYMENT_COST, pointer, file)
        self._deployment_count += 1
        self._deployments.append(self._deployment_count)
        if linked is not None:
            self._linked_stack.append(linked)
        try:
            if scope == "inner":
                parameters, parameters_pointer = props.get("parameters"), f"{pointer}/properties/parameters"
                supplied = self._nested_parameters(parameters, ctx, parameters_pointer, file)
                view = _LinkView(_local_uri(linked) if linked is not None else None,
                                 lambda: [self._nested_parameters(parameters, self.link_view(ctx), parameters_pointer,
                                                                  file)])
                inner_ctx = self.template_context(inner_template, inner_pointer, [supplied], inner_file, view)
                self.resolve(inner_template, inner_ctx, inner_pointer, inner_file, depth + 1)
            else:
                # Outer scope: the nested template's resources see the parent's parameters and variables.
                self.resolve(inner_template, ctx, inner_pointer, inner_file, depth + 1)
        finally:
            self._deployments.pop()
            if linked is not None:
                self._linked_stack.pop()

    def _nested_parameters(self, parameters: Any, ctx: ex.EvaluationContext, pointer: str,
                           file: str) -> ParameterValues:
        """The parameter values a nested or linked deployment passes: an object of
        ``{"value": ...}`` or ``{"reference": ...}`` members, each member or the whole object
        possibly one expression (``"[if(c, createObject('size', createObject('value', ...)),
        ...)]"``), evaluated as ARM does; what an expression gives is not evaluated again."""
        supplied = ParameterValues(file)
        whole = isinstance(parameters, str) and ex.is_expression(parameters)
        state = ctx.shared
        if whole:
            # Computed from a secret, the object's names as well as its values would tell it.
            parameters = self.decisive(parameters, ctx, pointer, file, "the parameters of the deployment")
            if ex.is_unknown(parameters):
                supplied.unknown = parameters
                return supplied
            if not isinstance(parameters, dict):
                self.finding("VAL040", f"the parameters of a deployment are an object, not {_short(parameters)}",
                             pointer, file=file)
                return supplied
        if not isinstance(parameters, dict):
            return supplied
        for name, entry in parameters.items():
            sub = pointer if whole else child(pointer, name)
            evaluated = whole
            reads = state.secret_reads
            if not whole and isinstance(entry, str) and ex.is_expression(entry):
                entry, evaluated = self.evaluate(entry, ctx, sub, file), True
            if ex.is_unknown(entry):
                supplied.values[name] = entry.derived(f"parameters('{name}')")
            elif isinstance(entry, dict) and "reference" in entry:
                supplied.values[name] = _KeyVaultReference(entry["reference"])
            elif isinstance(entry, dict) and "value" in entry:
                supplied.values[name] = (entry["value"] if evaluated
                                         else self.evaluate(entry["value"], ctx, f"{sub}/value", file))
            if state.secret_reads != reads:
                supplied.secret.add(name)  # computed from a secret: secret in the template it is given to
            supplied.pointers[name] = sub
        return supplied

    # --- what cannot be seen ----------------------------------------------------------------

    def _hide_remote(self, resource: dict[str, Any], ctx: ex.EvaluationContext, pointer: str, file: str) -> None:
        """A deployment of a template vmssplan cannot read: what decides what it deploys is
        the link and what the deployment passes to it (and where it deploys)."""
        props = resource.get("properties")
        props = props if isinstance(props, dict) else {}
        name = self._quiet_value(resource.get("name"), ctx, f"{pointer}/name", file)
        link = props.get("templateLink")
        shown = _short(link.get("uri") or link.get("id") if isinstance(link, dict) else link)
        decisive = {key: value for key, value in (("templateLink", link), ("parameters", props.get("parameters")),
                                                  ("mode", props.get("mode")),
                                                  ("resourceGroup", resource.get("resourceGroup")),
                                                  ("subscriptionId", resource.get("subscriptionId")))
                    if value is not None}
        self.result.hidden.append(HiddenDeployment(
            key=f"deployment {ex.residual(name)}", what=f"deployment {_short(name)} of the linked template {shown}",
            reason="the linked template cannot be read offline",
            fingerprint=_digest(self._quiet_value(decisive, ctx, pointer, file)), file=file, pointer=pointer))

    def _hide_copies(self, resource: dict[str, Any], copy: dict[str, Any], count: Any, ctx: ex.EvaluationContext,
                     pointer: str, file: str) -> None:
        """A copy loop whose count is known only after deployment: what decides what it
        deploys is the count's expression and the resource as its first copy evaluates."""
        loop = str(ex.get_case_insensitive(copy, "name") or "copy")
        body = {key: value for key, value in resource.items() if key.lower() not in ("copy", "dependson")}
        first = self._quiet_value(body, ctx.with_copy_index(loop, 0, current=True), pointer, file)
        self.result.hidden.append(HiddenDeployment(
            key=f"copies {loop} of {resource.get('type')} {_short(resource.get('name'))}",
            what=f"the copies ({loop}) of {_short(resource.get('name'))}", reason=count.reason,
            fingerprint=_digest([count.expression, first]), file=file, pointer=pointer))

    def _hide_child(self, resource: dict[str, Any], ctx: ex.EvaluationContext, pointer: str, file: str) -> None:
        """A child resource of a scale set (an extension added through
        ``virtualMachineScaleSets/extensions``): it changes a scale set that may be defined
        nowhere in the template, so what it changes is compared as a whole, by digest."""
        body = {key: value for key, value in resource.items() if key.lower() != "dependson"}
        name = self._quiet_value(resource.get("name"), ctx, f"{pointer}/name", file)
        self.result.hidden.append(HiddenDeployment(
            key=f"{str(resource.get('type')).lower()} {ex.residual(name)}",
            what=f"{resource.get('type')} {_short(name)}",
            reason="a child resource changes an existing scale set, which is not planned from it",
            fingerprint=_digest(self._quiet_value(body, ctx, pointer, file)), file=file, pointer=pointer))

    def _quiet_value(self, value: Any, ctx: ex.EvaluationContext, pointer: str, file: str) -> Any:
        """``value`` evaluated without findings (they are the template's to report once),
        secrets protected (a digest is all that is kept of them)."""
        with self._quietly():
            return self.evaluate(value, ctx, pointer, file, protect=True)

    def _linked(self, link: dict[str, Any], ctx: ex.EvaluationContext, pointer: str,
                file: str) -> tuple[dict[str, Any], Path, str] | _Remote | None:
        """The template a ``templateLink`` names, read when it is a local file: a
        ``relativePath`` (relative to the template that links it), or a ``uri`` that
        evaluates, in the template's :meth:`link_view`, to a file next to it (the
        ``_artifactsLocation`` convention: ``uri(deployment().properties.templateLink.uri,
        'nestedtemplates/x.json')``). Anything else cannot be read offline (VAL042)."""
        directory = self._linked_stack[-1].parent if self._linked_stack else self.base_dir
        if directory is not None and self.read_linked is not None:
            relative = link.get("relativePath")
            if isinstance(relative, str):
                relative = self.decisive(relative, ctx, f"{pointer}/properties/templateLink/relativePath", file,
                                         "the linked template's path")
                if isinstance(relative, str):
                    return self._read_linked(directory / relative, relative, pointer, file)
            elif "uri" in link:
                with self._quietly():
                    uri = self.evaluate(link["uri"], self.link_view(ctx), f"{pointer}/properties/templateLink/uri",
                                        file)
                local = _local_path(uri)
                if local is not None:
                    return self._read_linked(local, os.path.relpath(local, directory), pointer, file)
        what = link.get("uri") or link.get("id") or "the linked template"
        self.finding("VAL042", f"{_short(what)} cannot be read offline: the scale sets it may deploy are not "
                               "planned", pointer, Severity.INFO, file)
        return _REMOTE

    def _read_linked(self, path: Path, shown: str, pointer: str, file: str
                     ) -> tuple[dict[str, Any], Path, str] | None:
        """A local linked template, read through ``read_linked`` (which decides which files
        may be read): (its data, its path, the name its document is known by); a problem is
        a finding at the deployment that links it."""
        assert self.read_linked is not None
        path = path.resolve()
        if path in self._linked_stack:
            self.finding("VAL041", f"linked template {shown} includes itself", pointer, file=file)
            return None
        try:
            data, name = self.read_linked(path)
        except DocumentError as exc:
            self.result.findings.extend(exc.findings)
            return None
        except OSError as exc:
            self.finding("VAL042", f"linked template {shown} {exc.strerror or 'cannot be read'}: the scale sets "
                                   "it may deploy are not planned", pointer, Severity.WARNING, file)
            return None
        if not isinstance(data, dict):
            self.finding("VAL042", f"linked template {shown} is not a template (a JSON object)", pointer,
                         Severity.WARNING, file)
            return None
        return data, path, name


def _leaf_count(value: Any) -> int:
    """The number of leaf values (scalars) in an evaluated value."""
    if type(value) is not dict and type(value) is not list:
        return 1
    count = 0
    stack = [value]
    while stack:
        node = stack.pop()
        if type(node) is dict:
            stack.extend(node.values())
        elif type(node) is list:
            stack.extend(node)
        else:
            count += 1
    return count


def _secret_unknown(value: Any) -> bool:
    """Whether ``value`` holds an unknown derived from a secret (a Key Vault reference, a
    ``listKeys()`` result)."""
    return any(unknown.secret for unknown in ex.find_unknowns(value))


class _Remote:
    """What :meth:`TemplateResolver._linked` gives for a link it cannot read offline."""


_REMOTE = _Remote()


def _digest(value: Any) -> str:
    """A digest of an evaluated value (its residual form: unknown parts by their residual,
    secrets already reduced to digests)."""
    import hashlib

    return hashlib.sha256(ex.residual(value).encode("utf-8", "surrogatepass")).hexdigest()


def _protected(value: Any) -> Any:
    """A value computed from a secret, as later stages may hold it: a known value as a
    :class:`SensitiveValue`, an unknown one concealed (no text of it kept)."""
    return value.concealed() if isinstance(value, ex.Unknown) else _sensitive(value)


#: The host of the URI that stands for a local template while its links are read
#: (:meth:`TemplateResolver.link_view`): ``.invalid`` is reserved, no real link names it.
_LOCAL_HOST = "local-template.vmssplan.invalid"


def _local_uri(path: Path) -> str:
    """The URI that stands for the local template file ``path``."""
    return f"https://{_LOCAL_HOST}{quote(Path(os.path.abspath(path)).as_posix())}"


def _local_path(uri: Any) -> Path | None:
    """The local file a URI computed from :func:`_local_uri` names (its query, a SAS token,
    dropped), or None for any other value."""
    if not isinstance(uri, str):
        return None
    try:
        parts = urlsplit(uri)
    except ValueError:
        return None
    if parts.scheme.lower() != "https" or parts.netloc.lower() != _LOCAL_HOST:
        return None
    return Path(unquote(parts.path))


def _sensitive(value: Any) -> SensitiveValue:
    import hashlib

    text = json.dumps(value, sort_keys=True, default=str)
    return SensitiveValue(hashlib.sha256(text.encode("utf-8")).hexdigest())


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value) if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def resolve_template(template: dict[str, Any], file: str, parameters: list[ParameterValues],
                     scope: DeploymentScope | None = None, *, base_dir: Path | None = None,
                     read_linked: Callable[[Path], tuple[Any, str]] | None = None,
                     budget: ex.EvaluationBudget | None = None) -> ResolvedTemplate:
    """Evaluate ``template`` with ``parameters`` (later sources win) into scale sets.

    ``budget`` is the evaluation budget to spend (a new one by default): one budget covers
    the template and every deployment nested in it or linked from it; a caller may share one
    between templates. Running out of it is a VAL041 finding, and the template is not planned."""
    scope = scope or DeploymentScope()
    resolver = TemplateResolver(file, scope, base_dir, read_linked, budget)
    try:
        view = None if base_dir is None else _LinkView(_local_uri(base_dir / Path(file).name), lambda: parameters)
        ctx = resolver.template_context(template, "", parameters, file, view)
        resolver.resolve(template, ctx, "", file)
    except ex.EvaluationLimitError as error:
        pointer, file_hit = resolver.limit_hit_at or ("", None)
        resolver._expression_finding(error, pointer, file_hit)
        raise DocumentError(resolver.result.findings) from None
    resolver.result.scale_sets = _without_duplicates(resolver.result, resolver._placement)
    return resolver.result


def _secure_names(declared: dict[str, Any]) -> list[str]:
    """The names of a template's securestring and secureObject parameters."""
    return [n for n, d in declared.items() if isinstance(d, dict) and str(d.get("type", "")).lower() in _SECURE_TYPES]


def _nullable(definition: Any) -> bool:
    """A parameter declared ``"nullable": true`` (what Bicep writes for ``param x string?``)."""
    return isinstance(definition, dict) and definition.get("nullable") is True


def _without_duplicates(result: ResolvedTemplate, placement: dict[int, tuple[int, bool]]) -> list[ScaleSetSource]:
    """The scale sets, each name once per deployment; a name defined again in the same
    deployment (by a second resource, or by a copy loop whose name does not change) is
    ARM's InvalidTemplate error (VAL045) and the second definition is not planned. Two
    deployments may each deploy the same scale set (a linked template deployed to create it
    and again to update it): both are kept, as ARM deploys both. When a condition of either
    definition is known only at deployment, the conditions may exclude each other (the
    "new or existing" pattern): a warning, not an error. A name known only after deployment
    cannot be compared and is kept. ``placement``: the deployment of each scale set and
    whether it is deployed for certain, by id()."""
    seen: dict[tuple[int, str], ScaleSetSource] = {}
    kept = []
    for source in result.scale_sets:
        name = source.resource.get("name")
        deployment, certain = placement.get(id(source), (0, True))
        key = (deployment, name.lower()) if isinstance(name, str) else None
        first = seen.get(key) if key is not None else None
        if first is None:
            if key is not None:
                seen[key] = source
            kept.append(source)
            continue
        where = "by the same copy loop" if first.pointer == source.pointer else f"also at {first.pointer}"
        if certain and placement.get(id(first), (0, True))[1]:
            result.findings.append(Finding(
                "VAL045", f"the scale set '{name}' is defined more than once in this deployment ({where}): ARM "
                "refuses the template (InvalidTemplate: a resource is defined multiple times); the second is not "
                "planned", Severity.ERROR, file=source.file, pointer=child(source.pointer, "name")))
        else:
            result.findings.append(Finding(
                "VAL045", f"the scale set '{name}' is defined more than once in this deployment ({where}) unless "
                "their conditions exclude each other, which is known only at deployment; the second is not planned",
                Severity.WARNING, file=source.file, pointer=child(source.pointer, "name")))
    return kept
