"""What an evaluation can see: parameters, variables, user functions, copy loops, scope."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import (
    DEFAULT_STEP_BUDGET,
    DEFAULT_TEXT_BUDGET,
    MAX_STRING_LENGTH,
    EvaluationLimitError,
    ExpressionError,
)


class _Missing:
    """Type of :data:`MISSING`."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:  # a singleton: always the one instance
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"


#: What a parameter or variable resolver returns for a name it does not define.
MISSING: Any = _Missing()

#: ``resolver(name) -> value | MISSING``; the name is given as written in the template.
Resolver = Callable[[str], Any]

#: Scopes a deployment can target (changes what ``resourceId()`` returns).
SCOPES = ("resourceGroup", "subscription", "managementGroup", "tenant")


@dataclass(frozen=True)
class FunctionParameter:
    """One parameter of a user-defined function."""

    name: str
    type: str | None = None


@dataclass(frozen=True)
class UserFunction:
    """A member of a template's ``functions`` section (facts 4.8).

    ``output`` is the raw ``output.value`` (any JSON; strings in it may be expressions).
    """

    name: str
    parameters: tuple[FunctionParameter, ...]
    output: Any
    output_type: str | None = None


def user_functions_from_template(functions: Any) -> dict[str, UserFunction]:
    """Read a template's ``functions`` section into ``{"ns.member": UserFunction}``.

    Keys are lower-cased (calls are case-insensitive). A malformed section raises
    :class:`ExpressionError`.
    """
    result: dict[str, UserFunction] = {}
    if functions is None:
        return result
    if not isinstance(functions, list):
        raise ExpressionError("the 'functions' section must be an array")
    for index, entry in enumerate(functions):
        if not isinstance(entry, Mapping):
            raise ExpressionError(f"functions[{index}] must be an object", pointer=f"/functions/{index}")
        namespace = get_case_insensitive(entry, "namespace")
        members = get_case_insensitive(entry, "members")
        if not isinstance(namespace, str) or not isinstance(members, Mapping):
            raise ExpressionError(
                f"functions[{index}] needs a 'namespace' string and a 'members' object",
                pointer=f"/functions/{index}",
            )
        for member_name, member in members.items():
            pointer = f"/functions/{index}/members/{member_name}"
            if not isinstance(member, Mapping):
                raise ExpressionError(
                    f"function '{namespace}.{member_name}' must be an object", pointer=pointer
                )
            parameters: list[FunctionParameter] = []
            for parameter in get_case_insensitive(member, "parameters") or []:
                name = get_case_insensitive(parameter, "name") if isinstance(parameter, Mapping) else None
                if not isinstance(name, str):
                    raise ExpressionError(
                        f"a parameter of function '{namespace}.{member_name}' has no name", pointer=pointer
                    )
                declared = get_case_insensitive(parameter, "type")
                parameters.append(FunctionParameter(name, declared if isinstance(declared, str) else None))
            output = get_case_insensitive(member, "output")
            if not isinstance(output, Mapping) or not any(key.lower() == "value" for key in output):
                raise ExpressionError(
                    f"function '{namespace}.{member_name}' needs an 'output' object with a 'value'",
                    pointer=pointer,
                )
            output_type = get_case_insensitive(output, "type")
            full_name = f"{namespace}.{member_name}"
            result[full_name.lower()] = UserFunction(
                full_name,
                tuple(parameters),
                get_case_insensitive(output, "value"),
                output_type if isinstance(output_type, str) else None,
            )
    return result


def get_case_insensitive(mapping: Mapping[str, Any], name: str) -> Any:
    """``mapping[name]``, else the value of a key equal to ``name`` but for case, else None
    (ARM template keywords and names are case-insensitive)."""
    if name in mapping:
        return mapping[name]
    folded = name.lower()
    for key, value in mapping.items():
        if isinstance(key, str) and key.lower() == folded:
            return value
    return None


class EvaluationBudget:
    """The work evaluation may spend: steps, and characters of text built by functions.

    One budget is shared by every context that is given it: the template layer gives one to
    a template and to every deployment nested in it or linked from it, so that nesting
    (copies of deployments of copies of deployments...) cannot multiply the work."""

    __slots__ = ("max_steps", "max_text", "steps", "text")

    def __init__(self, max_steps: int = DEFAULT_STEP_BUDGET, max_text: int = DEFAULT_TEXT_BUDGET) -> None:
        self.max_steps = max_steps
        self.max_text = max_text
        self.steps = 0
        self.text = 0

    def charge(self, steps: int = 1) -> None:
        """Spend evaluation steps; raises when the budget is exhausted."""
        self.steps += steps
        if self.steps > self.max_steps:
            raise EvaluationLimitError(
                f"evaluation budget of {self.max_steps:,} steps exceeded (the template, its nested deployments "
                "included, is too expensive to evaluate offline)"
            )

    def charge_text(self, length: int) -> None:
        """Spend characters of built text; raises when the budget is exhausted."""
        self.text += length
        if self.text > self.max_text:
            raise EvaluationLimitError(
                f"evaluation budget of {self.max_text:,} characters of text built exceeded (the template, its "
                "nested deployments included, builds too much text to evaluate offline)"
            )


class EvaluationState:
    """Mutable bookkeeping shared by a context and every context derived from it."""

    def __init__(self, max_steps: int, budget: EvaluationBudget | None = None) -> None:
        #: The budget: this state's own, or one shared with other states (other templates).
        self.budget = budget if budget is not None else EvaluationBudget(max_steps)
        #: (key, name as written) of the parameters/variables being resolved right now,
        #: for cycle detection; a key is (kind, id of the source, folded name).
        self.resolving: list[tuple[tuple[str, int, str], str]] = []
        #: Memoised variable values: key -> (value, whether it was derived from a secret).
        self.variable_cache: dict[tuple[str, int, str], tuple[Any, bool]] = {}
        #: Sources whose id() is part of a cache key, kept alive so ids are not reused.
        self.cached_sources: dict[int, Any] = {}
        #: Bumped whenever a secret value is read; compare before/after an evaluation.
        self.secret_reads = 0
        self.user_function_depth = 0

    @property
    def max_steps(self) -> int:
        return self.budget.max_steps

    @property
    def steps(self) -> int:
        """Steps spent from the budget (by every state that shares it)."""
        return self.budget.steps

    def charge(self, steps: int = 1) -> None:
        """Spend evaluation steps; raises when the budget is exhausted."""
        budget = self.budget
        budget.steps += steps
        if budget.steps > budget.max_steps:
            budget.charge(0)  # raises


@dataclass
class EvaluationContext:
    """Everything an expression can refer to.

    - ``parameters``: final parameter values by name (case-insensitive), or a resolver
      ``name -> value | MISSING`` for lazily evaluated default values.
    - ``variables``: the template's *raw* variable definitions (evaluated lazily here, with
      memoisation and cycle detection), or a resolver ``name -> evaluated value | MISSING``
      (the template layer's, e.g. to handle variable copy loops; it should evaluate with a
      context derived from this one so cycles and the step budget are tracked).
    - ``functions``: user-defined functions, ``"ns.member"`` -> :class:`UserFunction`.
    - ``copy_indexes``: loop name -> current index; ``current_copy`` names the loop that
      ``copyIndex()`` without a name refers to (the resource loop).
    - ``subscription`` ... ``deployer``: values of the scope functions, or None (then they
      are unknown). Missing properties of a supplied object are unknown too.
    - ``scope``: the deployment's target scope (one of :data:`SCOPES`).
    - ``secret_parameters``: names of securestring/secureObject parameters.
    - ``max_steps``: evaluation step budget of this context and all derived from it, unless
      ``budget`` is given: an :class:`EvaluationBudget` shared with other contexts (the
      deployments nested in a template).

    Derive per-loop contexts with :meth:`with_copy_index` / :meth:`derive`: they share
    the budget, the variable cache and cycle detection with their parent.
    """

    parameters: Mapping[str, Any] | Resolver = field(default_factory=dict)
    variables: Mapping[str, Any] | Resolver | None = None
    functions: Mapping[str, UserFunction] = field(default_factory=dict)
    copy_indexes: Mapping[str, int] = field(default_factory=dict)
    current_copy: str | None = None
    subscription: Mapping[str, Any] | None = None
    resource_group: Mapping[str, Any] | None = None
    deployment: Mapping[str, Any] | None = None
    environment: Mapping[str, Any] | None = None
    tenant: Mapping[str, Any] | None = None
    management_group: Mapping[str, Any] | None = None
    deployer: Mapping[str, Any] | None = None
    scope: str = "resourceGroup"
    secret_parameters: Collection[str] = frozenset()
    max_steps: int = DEFAULT_STEP_BUDGET
    max_string_length: int = MAX_STRING_LENGTH
    budget: EvaluationBudget | None = field(default=None, repr=False, compare=False)
    state: EvaluationState | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.state is None:
            self.state = EvaluationState(self.max_steps, self.budget)
        if self.scope not in SCOPES:
            raise ExpressionError(
                f"unknown deployment scope {self.scope!r} (expected one of {', '.join(SCOPES)})"
            )
        self._secret_names = frozenset(name.lower() for name in self.secret_parameters)
        #: Values of expressions that do not call copyIndex(), by text: (value, whether a
        #: secret was read, its number of leaf values). Shared only by contexts that differ in copy indexes alone
        #: (:meth:`with_copy_index`), for which such an expression has one value. Templates
        #: repeat the same expressions in every resource and every copy.
        self.memo: dict[str, tuple[Any, bool, int]] = {}

    @property
    def shared(self) -> EvaluationState:
        """The state shared with derived contexts (never None after construction)."""
        assert self.state is not None
        return self.state

    @property
    def steps_used(self) -> int:
        return self.shared.steps

    def derive(self, **changes: Any) -> EvaluationContext:
        """A copy with some fields changed that shares budget, caches and cycle detection."""
        changes.setdefault("state", self.state)
        return dataclasses.replace(self, **changes)

    def with_copy_index(self, loop_name: str, index: int, *, current: bool = False) -> EvaluationContext:
        """A context inside iteration ``index`` of the copy loop ``loop_name``.

        ``current=True`` makes it the loop that ``copyIndex()`` without a name refers to.
        """
        indexes = {key: value for key, value in self.copy_indexes.items() if key.lower() != loop_name.lower()}
        indexes[loop_name] = index
        derived = self.derive(copy_indexes=indexes, current_copy=loop_name if current else self.current_copy)
        derived.memo = self.memo
        return derived

    def is_secret_parameter(self, name: str) -> bool:
        return name.lower() in self._secret_names


# --------------------------------------------------------------------------- context values

#: ``environment()`` in global Azure, as listed on the docs page.
AZURE_CLOUD_ENVIRONMENT: dict[str, Any] = {
    "name": "AzureCloud",
    "gallery": "https://gallery.azure.com/",
    "graph": "https://graph.windows.net/",
    "portal": "https://portal.azure.com",
    "graphAudience": "https://graph.windows.net/",
    "activeDirectoryDataLake": "https://datalake.azure.net/",
    "batch": "https://batch.core.windows.net/",
    "media": "https://rest.media.azure.net",
    "sqlManagement": "https://management.core.windows.net:8443/",
    "vmImageAliasDoc": "https://raw.githubusercontent.com/Azure/azure-rest-api-specs/master/arm-compute/quickstart-templates/aliases.json",
    "resourceManager": "https://management.azure.com/",
    "authentication": {
        "loginEndpoint": "https://login.microsoftonline.com/",
        "audiences": ["https://management.core.windows.net/", "https://management.azure.com/"],
        "tenant": "common",
        "identityProvider": "AAD",
    },
    "suffixes": {
        "acrLoginServer": ".azurecr.io",
        "azureDatalakeAnalyticsCatalogAndJob": "azuredatalakeanalytics.net",
        "azureDatalakeStoreFileSystem": "azuredatalakestore.net",
        "azureFrontDoorEndpointSuffix": "azurefd.net",
        "keyvaultDns": ".vault.azure.net",
        "sqlServerHostname": ".database.windows.net",
        "storage": "core.windows.net",
    },
}


def make_subscription(
    subscription_id: str, *, tenant_id: str | None = None, display_name: str | None = None
) -> dict[str, Any]:
    """A ``subscription()`` value built from what the user supplied (facts 2.10)."""
    value: dict[str, Any] = {"id": f"/subscriptions/{subscription_id}", "subscriptionId": subscription_id}
    if tenant_id is not None:
        value["tenantId"] = tenant_id
    if display_name is not None:
        value["displayName"] = display_name
    return value


def make_resource_group(
    subscription_id: str | None,
    name: str,
    *,
    location: str | None = None,
    tags: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A ``resourceGroup()`` value; ``id`` is only set when the subscription is known."""
    value: dict[str, Any] = {"name": name, "type": "Microsoft.Resources/resourceGroups"}
    if subscription_id is not None:
        value["id"] = f"/subscriptions/{subscription_id}/resourceGroups/{name}"
    if location is not None:
        value["location"] = location
    if tags is not None:
        value["tags"] = dict(tags)
    return value


def make_tenant(tenant_id: str) -> dict[str, Any]:
    """A ``tenant()`` value with the properties derivable from the tenant ID."""
    return {"id": f"/tenants/{tenant_id}", "tenantId": tenant_id}


def make_deployment(name: str, *, location: str | None = None) -> dict[str, Any]:
    """A ``deployment()`` value with the deployment name (and location at other scopes)."""
    value: dict[str, Any] = {"name": name}
    if location is not None:
        value["location"] = location
    return value
