"""The command line: parse options, call the engine, pick a renderer, set the exit code.

Kept thin on purpose (flake8's model): no pipeline logic lives here.
"""

from __future__ import annotations

import os
import sys
from enum import Enum, StrEnum
from typing import TYPE_CHECKING, ClassVar, NoReturn

import click
import typer
from typer.core import TyperCommand

from . import __version__
from .model import Effect, UsageError, VmssplanError

if TYPE_CHECKING:
    from .config import Config
    from .model import Result

EXIT_CODES_HELP = """
Exit codes: 0 done, nothing at or above the failure threshold (with --detailed-exitcode:
and no changes); 1 findings (a change at or above --fail-on, by default one Azure would
reject, or an invalid or unparsable document); 2 usage error (bad flags, unreadable path,
broken rule file); 3 internal error (a bug in vmssplan: please report it; set
VMSSPLAN_DEBUG=1 for the traceback); 4 with --detailed-exitcode only: changes present,
none at or above --fail-on.
"""

#: ``plan --detailed-exitcode``: changes present, none failing (Terraform's 2, which is
#: vmssplan's usage error).
EXIT_CHANGES = 4

#: --help groups (typer's rich_help_panel, laid out by GroupedCommand).
_INPUTS = "Inputs"
_TEMPLATE = "Template parameters and deployment scope"
_CHECK = "Checks and exit code"
_OUTPUT = "Output"

app = typer.Typer(
    name="vmssplan",
    help="Plan Azure VM Scale Set changes offline: what Azure accepts or rejects, and which VMs need "
         "an upgrade, a reimage or a deallocation.\n\n" + EXIT_CODES_HELP,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,  # never print local variables (they may hold secrets)
    context_settings={"help_option_names": ["-h", "--help"]},
    # Plain click help and errors whether or not rich is installed (typer-slim does not
    # need it): the same text everywhere, and no "[...]" in a help text taken as markup.
    rich_markup_mode=None,
    # click 8.2+ suggests a close command name itself; typer's own suggestion repeated it.
    suggest_commands=not hasattr(click.exceptions, "NoSuchCommand"),
)


class GroupedCommand(TyperCommand):
    """A command whose --help lists every option under its group (``rich_help_panel``),
    in the order the groups first appear, plus the generic update arguments (--set, --add,
    --remove, --force-string), which :func:`main` takes out before typer parses."""

    #: (group, [(option, help)]) shown after the typer options of that group.
    extra_rows: ClassVar[dict[str, list[tuple[str, str]]]] = {}

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        args: list[tuple[str, str]] = []
        groups: dict[str, list[tuple[str, str]]] = {}
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            if param.param_type_name == "argument":
                args.append(record)
            else:
                groups.setdefault(getattr(param, "rich_help_panel", None) or "Other options", []).append(record)
        for name, rows in self.extra_rows.items():
            groups.setdefault(name, []).extend(rows)
        if args:
            with formatter.section("Arguments"):
                formatter.write_dl(args)
        for name, rows in sorted(groups.items(), key=lambda item: item[0] == "Other options"):
            with formatter.section(name):
                formatter.write_dl(rows)


class PlanCommand(GroupedCommand):
    extra_rows: ClassVar[dict[str, list[tuple[str, str]]]] = {_INPUTS: [
        ("--set PATH=VALUE...", "Build PROPOSED from CURRENT: set a property, as `az vmss update --set` does "
                                "(PATH= sets an empty string; PATH alone is a usage error)."),
        ("--add PATH VALUE...", "Append to a list, as `az vmss update --add`."),
        ("--remove PATH [INDEX]", "Remove a property, or the list item at INDEX, as `az vmss update --remove`."),
        ("--force-string", "Keep every --set/--add value a string (no JSON parsing)."),
    ]}


class ColorMode(StrEnum):
    auto = "auto"
    always = "always"
    never = "never"


class PlanFormat(StrEnum):
    """The names of render.PLAN_FORMATS (a test keeps the two the same)."""

    text = "text"
    json = "json"
    sarif = "sarif"
    markdown = "markdown"
    github = "github"
    junit = "junit"
    patch = "patch"
    azure_devops = "azure-devops"
    table = "table"
    tsv = "tsv"


class FindingsFormat(StrEnum):
    """The names of render.FINDINGS_FORMATS."""

    text = "text"
    json = "json"
    sarif = "sarif"
    markdown = "markdown"
    github = "github"
    junit = "junit"
    azure_devops = "azure-devops"
    table = "table"
    tsv = "tsv"


OUTPUT_HELP = "Output format (default: text; json with --query; table and tsv as az prints them)."
OUTPUT_FILE_HELP = ("Write the output to FILE (created or overwritten) instead of standard output; the exit code "
                    "is the same.")
QUERY_HELP = ("JMESPath query on the JSON output, as `az --query` does; prints the result as JSON, or with "
              "-o table / -o tsv as a table or tab-separated values.")


EFFECT_NAMES = ", ".join(e.label for e in Effect)
COLOR_HELP = "Colour the text output (auto: only on a terminal; NO_COLOR is honoured)."


CONFIG_HELP = ("Configuration file (default: the nearest .vmssplan.yaml, or pyproject.toml with [tool.vmssplan], "
               "upward from the working directory to the repository root; with --base-ref, as it is at that "
               "revision).")


def _config(path: str | None, base_ref: str | None = None) -> Config:
    """``--config``, else the nearest configuration file; with ``--base-ref``, the nearest one
    of that revision (the base decides the rules, not the change under review)."""
    from pathlib import Path

    from .config import load_config

    return load_config(path, Path.cwd(), base_ref)




def _use_color(mode: ColorMode, output_file: str | None = None) -> bool:
    if mode is ColorMode.always:
        return True
    if mode is ColorMode.never or os.environ.get("NO_COLOR") or output_file not in (None, "-"):
        return False
    return sys.stdout is not None and sys.stdout.isatty()


_QUERY_FORMATS = ("json", "table", "tsv")


def _output_format(output: Enum | None, query: str | None) -> str:
    """The format asked for: text by default, json with --query (which also takes table and tsv)."""
    if query is None:
        return output.value if output is not None else "text"
    if output is not None and output.value not in _QUERY_FORMATS:
        _fail(f"--query applies to the JSON output (-o json, table or tsv), not to -o {output.value}", 2)
    return output.value if output is not None else "json"


#: Width of the text output when standard output is not a terminal (and COLUMNS is unset).
TEXT_WIDTH = 100


def _text_width(output_file: str | None) -> int:
    """COLUMNS when set, else the terminal's width when writing to one, else 100."""
    import shutil

    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if output_file in (None, "-") and sys.stdout is not None and sys.stdout.isatty():
        return shutil.get_terminal_size((TEXT_WIDTH, 24)).columns
    return TEXT_WIDTH


def _render(table: dict[str, str], fmt: str, result: Result, query: object, color: bool, width: int,
            max_length: int | None = None) -> str:
    """The renderer's text from the run's view (secrets scrubbed there, once), or with a
    compiled --query its result on the same JSON document as -o json. With ``-o table`` or
    ``tsv``, a plan's findings (which have no row) go to standard error, as az writes its
    warnings there."""
    from .render import FINDINGS_FORMATS, get_renderer
    from .view import build_view

    view = build_view(result, plan=table is not FINDINGS_FORMATS)
    if fmt in ("table", "tsv") and table is not FINDINGS_FORMATS and view.findings:
        from .render.text import render_findings as findings_text

        sys.stderr.write(findings_text(view, color=False))
    if query is not None:
        from .render.query import render

        return render(view, query, fmt)
    if max_length is not None:  # -o markdown only (checked by the command)
        from .render.markdown import render_plan

        return render_plan(view, color=color, max_length=max_length)
    if fmt == "text":
        from .render import text as text_output

        if table is FINDINGS_FORMATS:
            return text_output.render_findings(view, color=color, width=width)
        return text_output.render_plan(view, color=color, width=width)
    return get_renderer(table, fmt)(view, color=color)


def _emit(text: str, output_file: str | None) -> None:
    """Write to standard output or to --output-file."""
    if output_file is None or output_file == "-":
        if sys.stdout is None:  # started with standard output closed (`>&-`)
            raise UsageError("cannot write the output: standard output is closed (use --output-file FILE)")
        try:
            sys.stdout.write(text)
            sys.stdout.flush()
        except BrokenPipeError:
            raise  # the reader went away (`| head`): click exits quietly
        except OSError as exc:  # `> /dev/full`, a full disk under a redirection
            raise UsageError(f"cannot write the output: {exc.strerror or exc}") from None
        return
    try:
        with open(output_file, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
    except OSError as exc:
        raise UsageError(f"--output-file {output_file}: cannot write: {exc.strerror or exc}") from None


def _check_output_file(output_file: str | None, inputs: list[str]) -> None:
    """--output-file may not name a file the run reads (a document, a parameters file, the
    template's own parameters file, an instance list, a patch, the configuration): writing
    the output would destroy it. A usage error (exit 2) before anything is read."""
    if output_file is None or output_file == "-" or not os.path.exists(output_file):
        return
    from .inputs import git
    from .inputs.parameters import sibling_parameters

    names = [name.removeprefix("@") for name in inputs if name != "-" and not git.is_git_spec(name)]
    names += [s for s in map(sibling_parameters, names) if s is not None]
    for name in names:
        try:
            same = os.path.samefile(output_file, name)
        except (OSError, ValueError):
            continue
        if same:
            _fail(f"--output-file {output_file} is an input of this run ({name}); refusing to overwrite it", 2)


def _compile_query(query: str | None) -> object:
    if query is None:
        return None
    from .render.query import compile_query

    return compile_query(query)


def _fail(message: str, code: int) -> NoReturn:
    _error(message)
    raise typer.Exit(code)


def _error(message: str) -> None:
    """An error on standard error, on one line: a message may quote a path or a value from
    a pull request, escaped as the text output escapes it (no forged CI-log line)."""
    from .render.escape import text

    typer.echo(f"vmssplan: error: {text(message)}", err=True)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"vmssplan {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", help="Show the version and exit.",
                                 callback=_version_callback, is_eager=True),
) -> None:
    pass


@app.command(epilog=EXIT_CODES_HELP, cls=GroupedCommand)
def validate(
    files: list[str] = typer.Argument(..., help="ARM templates, parameter files or scale-set model JSON; "
                                                "'-' reads standard input."),
    parameters: list[str] | None = typer.Option(
        None, "--parameters", "-p", metavar="@FILE|NAME=VALUE", rich_help_panel=_INPUTS,
        help="Template parameters, as `plan --parameters` takes them: @FILE or FILE.json (a parameters file) or "
             "NAME=VALUE, e.g. a secret a parameters file leaves out. Repeatable; later values win. Without a "
             "parameters file, a template uses the <template>.parameters.json next to it, if there is one."),
    config_file: str | None = typer.Option(None, "--config", metavar="FILE", help=CONFIG_HELP,
                                           rich_help_panel=_CHECK),
    output: FindingsFormat | None = typer.Option(None, "--output", "-o", help=OUTPUT_HELP, show_default=False,
                                                 rich_help_panel=_OUTPUT),
    output_file: str | None = typer.Option(None, "--output-file", metavar="FILE", help=OUTPUT_FILE_HELP,
                                           rich_help_panel=_OUTPUT),
    query: str | None = typer.Option(None, "--query", metavar="JMESPATH", help=QUERY_HELP, rich_help_panel=_OUTPUT),
    color: ColorMode = typer.Option(ColorMode.auto, "--color", help=COLOR_HELP, rich_help_panel=_OUTPUT),
) -> None:
    """Check JSON syntax, the template envelope and each scale set against the schema of its apiVersion."""
    fmt = _output_format(output, query)
    compiled = _compile_query(query)
    from .engine import RunConfig, validate_files
    from .render import FINDINGS_FORMATS

    config = _config(config_file)
    _check_output_file(output_file, [*files, *(parameters or ()), *([config.source] if config.source else [])])
    result = validate_files(files, RunConfig(parameters=tuple(parameters or ()), config=config))
    text = _render(FINDINGS_FORMATS, fmt, result, compiled, _use_color(color, output_file), _text_width(output_file))
    _emit(text, output_file)
    raise typer.Exit(1 if result.has_errors else 0)


EDIT_HELP = """
Preview an edit before running it: --set PATH=VALUE, --add PATH VALUE..., --remove PATH
[INDEX] and --force-string work as the generic update arguments of `az vmss update`, on
REST-shaped or `az vmss show` documents, applied in command-line order. Example:
vmssplan plan current.json --set virtualMachineProfile.storageProfile.imageReference.version=22.04.202510010
"""

#: Generic update tokens, taken out of the command line before typer parses it (see main).
_EDIT_TOKENS: list[str] = []


@app.command(epilog=EDIT_HELP + EXIT_CODES_HELP, cls=PlanCommand)
def plan(
    files: list[str] | None = typer.Argument(
        None, metavar="CURRENT [PROPOSED] | WHATIF | --base-ref REV [PATH...]",
        help="CURRENT: the scale set as it is (ARM template, REST model, `az vmss show` output; '-' for standard "
             "input; git:REV:PATH for a file at a git revision). PROPOSED: as it should be, in any of the same "
             "shapes; leave it out to build it from CURRENT with --set/--add/--remove/--patch. WHATIF: an ARM "
             "what-if result (`az deployment group what-if --no-pretty-print -o json`, or the REST response), "
             "which holds both sides: its scale sets are planned. With --base-ref, the files to plan against that "
             "revision (default: every JSON file changed since)."),
    base_ref: str | None = typer.Option(
        None, "--base-ref", metavar="REV", rich_help_panel=_INPUTS,
        help="Plan each changed scale-set file (or each PATH) against its version at git revision REV; a "
             "parameters file stands for its template. This is what the pre-commit hook and CI run."),
    patch: str | None = typer.Option(
        None, "--patch", metavar="FILE", rich_help_panel=_INPUTS,
        help="Build PROPOSED by applying this REST PATCH body (VirtualMachineScaleSetUpdate) to CURRENT, "
             "with the API's merge semantics."),
    instances: list[str] | None = typer.Option(
        None, "--instances", metavar="FILE", rich_help_panel=_INPUTS,
        help="The scale set's VMs: `az vmss list-instances` output, a REST VM list, or per-VM GET / "
             "instance-view documents (repeatable). The plan then says what each VM needs, in which batch."),
    parameters: list[str] | None = typer.Option(
        None, "--parameters", "-p", metavar="@FILE|NAME=VALUE", rich_help_panel=_TEMPLATE,
        help="Template parameters for both sides, as `az deployment group create --parameters` takes them: "
             "@FILE or FILE.json (a parameters file) or NAME=VALUE. Repeatable; later values win. Without "
             "any, a template uses the <template>.parameters.json next to it, if there is one."),
    current_parameters: list[str] | None = typer.Option(
        None, "--current-parameters", metavar="@FILE|NAME=VALUE", rich_help_panel=_TEMPLATE,
        help="Template parameters for the CURRENT side only (after --parameters). Repeatable."),
    proposed_parameters: list[str] | None = typer.Option(
        None, "--proposed-parameters", metavar="@FILE|NAME=VALUE", rich_help_panel=_TEMPLATE,
        help="Template parameters for the PROPOSED side only (after --parameters). Repeatable."),
    subscription_id: str | None = typer.Option(
        None, "--subscription-id", metavar="ID", rich_help_panel=_TEMPLATE,
        help="subscription() for template expressions; unknown when not given."),
    resource_group: str | None = typer.Option(
        None, "--resource-group", "-g", metavar="NAME", rich_help_panel=_TEMPLATE,
        help="resourceGroup().name for template expressions."),
    location: str | None = typer.Option(
        None, "--location", "-l", metavar="LOCATION", rich_help_panel=_TEMPLATE,
        help="resourceGroup().location for template expressions."),
    deployment_name: str | None = typer.Option(
        None, "--deployment-name", metavar="NAME", rich_help_panel=_TEMPLATE,
        help="deployment().name for template expressions."),
    tenant_id: str | None = typer.Option(None, "--tenant-id", metavar="ID", rich_help_panel=_TEMPLATE,
                                         help="tenant() for template expressions."),
    fail_on: str | None = typer.Option(
        None, "--fail-on", metavar="EFFECT", rich_help_panel=_CHECK,
        help=f"Exit 1 when any change has this effect or a stronger one ({EFFECT_NAMES}) (default: the "
             "configuration's fail-on, else rejected). --fail-on none fails on any change, like an invalid "
             "document; to tell changes from failures, use --detailed-exitcode."),
    detailed_exitcode: bool = typer.Option(
        False, "--detailed-exitcode", rich_help_panel=_CHECK,
        help=f"As Terraform's -detailed-exitcode: exit {EXIT_CHANGES} when the plan has changes and none is at "
             "or above --fail-on; 0 then means no changes at all. 1, 2 and 3 keep their meanings."),
    accept_unknown: bool = typer.Option(
        False, "--accept-unknown", rich_help_panel=_CHECK,
        help="Accept changes that cannot be decided offline but could be rejected (values known only after "
             "deployment, scale sets behind a remote link): they stay unknown in the plan instead of failing "
             "the check as rejected ones (the configuration's accept-unknown does the same)."),
    config_file: str | None = typer.Option(None, "--config", metavar="FILE", help=CONFIG_HELP,
                                           rich_help_panel=_CHECK),
    rules_dir: list[str] | None = typer.Option(None, "--rules-dir", metavar="DIR", rich_help_panel=_CHECK,
                                               help="Extra directory of rule files (same schema as the "
                                                    "built-in rules). Repeatable."),
    output: PlanFormat | None = typer.Option(None, "--output", "-o", help=OUTPUT_HELP, show_default=False,
                                             rich_help_panel=_OUTPUT),
    output_file: str | None = typer.Option(None, "--output-file", metavar="FILE", help=OUTPUT_FILE_HELP,
                                           rich_help_panel=_OUTPUT),
    query: str | None = typer.Option(None, "--query", metavar="JMESPATH", help=QUERY_HELP, rich_help_panel=_OUTPUT),
    max_length: int | None = typer.Option(
        None, "--max-length", metavar="N", min=500, rich_help_panel=_OUTPUT,
        help="With -o markdown: cut the comment to at most N characters (GitHub takes 65536) when the whole plan "
             "is longer: the verdict, the summary and the strongest changes."),
    color: ColorMode = typer.Option(ColorMode.auto, "--color", help=COLOR_HELP, rich_help_panel=_OUTPUT),
) -> None:
    """Plan the change from CURRENT to PROPOSED: what Azure does with it, and what each VM needs."""
    config = _config(config_file, base_ref)
    try:
        threshold = Effect.parse(fail_on) if fail_on else (config.fail_on or Effect.REJECTED)
    except ValueError as exc:
        _fail(f"--fail-on: {exc}", 2)
    fmt = _output_format(output, query)
    if max_length is not None and fmt != "markdown":
        _fail(f"--max-length applies to -o markdown, not to -o {fmt}", 2)
    compiled = _compile_query(query)
    from .engine import RunConfig, accept_line, exit_code, plan_against_revision, plan_files
    from .model import DeploymentScope
    from .render import LOCATING_FORMATS, PLAN_FORMATS

    scope = DeploymentScope(subscription_id=subscription_id, resource_group=resource_group, location=location,
                            deployment_name=deployment_name, tenant_id=tenant_id)
    options = RunConfig(parameters=tuple(parameters or ()), current_parameters=tuple(current_parameters or ()),
                        proposed_parameters=tuple(proposed_parameters or ()), scope=scope,
                        rule_dirs=tuple(rules_dir or ()), instances=tuple(instances or ()), patch=patch,
                        edits=tuple(_EDIT_TOKENS), config=config, locate_changes=fmt in LOCATING_FORMATS,
                        accept_unknown=accept_unknown)
    paths = list(files or ())
    _check_output_file(output_file, [*paths, *(parameters or ()), *(current_parameters or ()),
                                     *(proposed_parameters or ()), *(instances or ()), *([patch] if patch else []),
                                     *([config.source] if config.source else [])])
    edits = bool(patch or _EDIT_TOKENS)
    if base_ref is not None:
        if edits:
            _fail("--base-ref plans files against a revision; --set/--add/--remove/--patch build PROPOSED from "
                  "CURRENT: use one or the other", 2)
        result = plan_against_revision(base_ref, tuple(paths), options)
    else:
        if not paths:
            _fail("missing CURRENT (and PROPOSED, or --set/--add/--remove/--patch, or --base-ref REV)", 2)
        if len(paths) > 2:
            _fail(f"expected CURRENT and PROPOSED, got {len(paths)} files (use --base-ref REV to plan many)", 2)
        if len(paths) == 2 and edits:
            _fail("give PROPOSED or --set/--add/--remove/--patch, not both", 2)
        result = plan_files(paths[0], paths[1] if len(paths) == 2 else None, options)
    text = _render(PLAN_FORMATS, fmt, result, compiled, _use_color(color, output_file), _text_width(output_file),
                   max_length)
    _emit(text, output_file)
    code = exit_code(result, threshold)
    if code == 0 and detailed_exitcode and _has_changes(result):
        code = EXIT_CHANGES
    accept = accept_line(result, threshold, config.source, True) if code == 1 and base_ref is not None else None
    if accept is not None:  # a blocked commit (the hook, CI) says how to let an intended change through
        typer.echo(f"vmssplan: {accept}", err=True)
    raise typer.Exit(code)


def _has_changes(result: Result) -> bool:
    """A plan that changes something: a change, or a scale set created or deleted."""
    return result.plan is not None and any(s.changes or s.action != "no-op" for s in result.plan.scale_sets)


@app.command("rules", cls=GroupedCommand)
def rules_command(
    rule_id: str | None = typer.Argument(None, metavar="[ID]", help="Show this rule in full."),
    rules_dir: list[str] | None = typer.Option(None, "--rules-dir", metavar="DIR",
                                               help="Include the rules of this directory. Repeatable."),
) -> None:
    """List every rule (change rules, cross-field rules, finding ids), or show one rule's description, evidence
    and examples."""
    from .catalogue import catalogue_text, rule_markdown
    from .registry import load as load_rules

    rules = load_rules(tuple(rules_dir or ()), validate=bool(rules_dir))
    if rule_id is None:
        _emit(catalogue_text(rules), None)
        return
    rule = rules.by_id(rule_id.upper())
    if rule is None:
        close = [r.id for r in rules.rules if r.id.startswith(rule_id.upper()[:5])]
        _fail(f"no rule {rule_id}" + (f" (did you mean {', '.join(close[:5])}?)" if close else ""), 2)
    _emit(rule_markdown(rule), None)


def run() -> NoReturn:
    """The ``vmssplan`` command: :func:`main`, then exit with its code."""
    sys.exit(main())


def main() -> int:
    """Run the CLI on ``sys.argv``; errors become messages and exit codes, never tracebacks."""
    from .inputs.edits import extract_edit_tokens

    args, edits = extract_edit_tokens(sys.argv[1:])
    _EDIT_TOKENS[:] = edits
    if "--" in args:  # after --, names are files (the hooks pass staged names there): never git:REV:PATH
        from .inputs.git import disk_path

        end = args.index("--") + 1
        args = args[:end] + [disk_path(name) for name in args[end:]]
    try:
        if edits and (not args or args[0] != "plan"):
            raise UsageError("--set/--add/--remove/--force-string belong to `vmssplan plan`")
        app(args=args, prog_name="vmssplan", standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    except VmssplanError as exc:
        _error(str(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        typer.echo("vmssplan: interrupted", err=True)
        return 130
    except Exception as exc:  # all of them: the promise is "never a traceback"
        if os.environ.get("VMSSPLAN_DEBUG"):
            raise
        typer.echo(f"vmssplan: internal error: {type(exc).__name__} (a bug in vmssplan; please report it, "
                   "with VMSSPLAN_DEBUG=1 for the traceback)", err=True)
        return 3
    return 0
