"""A pull-request comment (``-o markdown``), in GitHub-flavoured Markdown.

In order: a verdict line (❌ Azure would reject the change or the documents have errors,
⚠️ VMs need attention, ❔ some changes cannot be judged offline, ✅ no VM is touched), the
files compared, a summary table (scale set | action | changes | VM impact), the findings,
what the VMs need (the plan's VM summary, warnings and, with ``--instances``, the VM table
and rolling batches), then one collapsed ``<details>`` block per scale set with each change
(path, before -> after, effect, rule, message), the notes and the commands in a ``sh``
block, and the plan's summary line. With ``--max-length N`` (a comment's limit: GitHub's is
65,536 characters), a plan longer than that is cut (:func:`cut`): the verdict, a line saying
so, the summary table, the findings, the changes strongest first on one line each, and the
summary line, each part saying how many rows it left out.

Everything comes from the view (secrets already scrubbed); the verdict is the view's
headline, worded here. Text from the documents is escaped twice: first as all text is
(:func:`vmssplan.render.escape.text`: a newline, a control character or a bidi control is
shown as an escape, so no string from a document spans two lines and none can open or close
a block: a heading, a list, a ``<details>``, a fence), then for Markdown: punctuation is
backslash-escaped, ``|`` in table cells too, HTML in ``<summary>`` is entity-escaped, code
spans and fences are longer than any run of backticks inside them, and link targets are
percent-encoded. JSON values are shown as JSON (:func:`vmssplan.render.escape.json_text`).
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from typing import Any
from urllib.parse import quote

from ..view import (
    EFFECTS,
    Headline,
    View,
    effect_label,
    effect_rank,
    location_of,
    other_resources_line,
    waiver_line,
    what_if_line,
)
from .escape import guard_lines, json_text, text

_ICON = {"rejected": "❌", "deallocate": "⚠️", "reimage": "⚠️", "upgrade": "🔄", "unknown": "❔", "none": "✅"}
_BY = {"platform": "by Azure", "user": "by you"}
_INLINE = 80
_MAX_VM_ROWS = 100
_OPEN_VM_ROWS = 20
_SPECIAL = re.compile(r"([\\`*_\[\]<>&|#~])")


def _text(value: str) -> str:
    """Plain text, on one line, with the characters Markdown (or HTML) would act on escaped."""
    return _SPECIAL.sub(r"\\\1", text(value))


def _cell(text: str) -> str:
    """A table cell: one line; ``|`` is escaped by _text (and in code spans by _code)."""
    return " ".join(text.split())


def _code(value: str, *, cell: bool = False) -> str:
    """An inline code span that holds ``value`` (on one line) whatever backticks it contains."""
    value = text(value)
    if cell:
        value = value.replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", value)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if value.startswith("`") or value.endswith("`") or not value.strip() else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def _fenced(lines: list[str], language: str) -> list[str]:
    """A fenced block of ``lines``, each escaped (one line each), the fence longer than any
    run of backticks in them."""
    lines = [text(line) for line in lines]
    longest = max((len(run) for line in lines for run in re.findall(r"`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{language}", *lines, fence]


def _value(value: Any, indent: int | None = None) -> str:
    return json_text(json.dumps(value, ensure_ascii=False, sort_keys=True, indent=indent))


def _link(url: str) -> str:
    """A link target: percent-encoded, so that no parenthesis, blank or bracket ends it."""
    return quote(url, safe=":/?#@!$&'*+,;=%~-._")


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


# --- verdict -----------------------------------------------------------------------------


def verdict(headline: Headline) -> str:
    """The view's headline as the comment's first line."""
    kind = headline.kind
    if kind == "no-plan-errors":
        return f"❌ **No plan: the documents have errors** ({_plural(headline.errors, 'error')}, see below)"
    if kind == "no-errors":
        return "✅ **No errors in the documents**"
    if kind == "no-plan":
        return "❔ **No plan**"
    if kind == "rejected":
        what = ", ".join(_code(path) for path in headline.paths[:3])
        if len(headline.paths) > 3:
            what += f" and {len(headline.paths) - 3} more"
        head = "Azure may reject this change" if headline.maybe else "Azure would reject this change"
        return f"❌ **{head}**: {what}"
    if kind == "errors":
        return f"❌ **The documents have errors**: {_plural(headline.errors, 'error')} (see Findings)"
    unknown = headline.unknown
    if kind == "attention":
        needs = [need.phrase if need.scale_set is None else
                 f"{_code(need.scale_set)} {need.phrase}" if need.subject else f"{_code(need.scale_set)}: {need.phrase}"
                 for need in headline.needs]
        tail = f"; {_plural(unknown, 'change')} cannot be judged offline" if unknown else ""
        return "⚠️ **VMs need attention**: " + "; ".join(needs) + tail
    if kind == "review":
        return f"❔ **Review needed**: {_plural(unknown, 'change')} cannot be judged offline"
    if kind == "created":
        return "✅ **No existing VM is touched**: " + ", ".join(_code(n) for n in headline.names) + " will be created"
    if kind == "no-vm-touched":
        return "✅ **No VM is touched**"
    return "✅ **No changes**"


# --- sections ----------------------------------------------------------------------------


def _effect_counts(changes: list[dict[str, Any]]) -> str:
    counts = Counter(c["effect"] for c in changes)
    parts = [f"{counts[e]} {e}" for e in reversed(EFFECTS) if counts[e]]
    return f"{len(changes)}" + (f" ({', '.join(parts)})" if parts else "")


def _impact_cell(scale_set: dict[str, Any]) -> str:
    impact = scale_set.get("vm_impact")
    if scale_set["instances"]:
        counts = Counter(vm["action"] for vm in scale_set["instances"])
        order = ["deallocate", "reimage", "upgrade", "skipped", "none"]
        text = ", ".join(f"{counts[a]} {a}" for a in order if counts[a])
        by = _BY.get(impact["performed_by"], "") if impact else ""
        return text + (f" ({by})" if by else "")
    if impact is None or scale_set["action"] == "no-op":
        return "none"
    action: str = impact["action"]
    cell = action
    if impact["count"] is not None and action != "none":
        cell += f": {_plural(impact['count'], 'VM')}"
    by = _BY.get(impact["performed_by"], "")
    return cell + (f" ({by})" if by and action != "none" else "")


def _table(rows: list[list[str]]) -> list[str]:
    head, *body = rows
    return ["| " + " | ".join(head) + " |", "|" + "|".join(" --- " for _ in head) + "|",
            *("| " + " | ".join(row) + " |" for row in body)]


def _summary_table(view: View) -> list[str]:
    rows = [["Scale set", "Action", "Changes", "VM impact"]]
    for scale_set in view.scale_sets:
        rows.append([_code(scale_set["name"], cell=True), _cell(_text(scale_set["action"])),
                     _cell(_effect_counts(scale_set["changes"])), _cell(_text(_impact_cell(scale_set)))])
    return _table(rows)


def _findings(findings: list[dict[str, Any]]) -> list[str]:
    if not findings:
        return []
    rows = [["Where", "Severity", "Rule", "Message"]]
    for finding in findings:
        file, line, column = location_of(finding)
        where = file + (f":{line}" if line else "") + (f":{column}" if line and column else "")
        rows.append([_code(where, cell=True) if where else "", _text(finding["severity"]), _text(finding["rule"]),
                     _cell(_text(finding["message"]))])
    return ["### Findings", "", *_table(rows), ""]


def _instances(scale_set: dict[str, Any]) -> list[str]:
    vms = scale_set["instances"]
    if not vms:
        return []
    rows = [["VM", "Action", "By", "Zone", "Batch", "Note"]]
    for vm in vms[:_MAX_VM_ROWS]:
        rows.append([_code(vm["instance_id"], cell=True), _text(vm["action"]), _text(vm["performed_by"]),
                     _text(vm["zone"] or "-"), str(vm["batch"]) if vm["batch"] else "-", _cell(_text(vm["note"]))])
    table = _table(rows)
    if len(vms) > _MAX_VM_ROWS:
        table += ["", f"… and {len(vms) - _MAX_VM_ROWS} more (see `-o json`)."]
    lines = table if len(vms) <= _OPEN_VM_ROWS else [
        "<details>", f"<summary>{_plural(len(vms), 'VM')}</summary>", "", *table, "", "</details>"]
    rollout = scale_set.get("rollout") or {}
    if rollout.get("strategy") == "rolling" and rollout.get("batches"):
        lines += ["", "Rolling batches:", ""]
        lines += [f"{n}. " + ", ".join(_code(vm) for vm in batch) for n, batch in enumerate(rollout["batches"], 1)]
    return lines


def _vms(view: View) -> list[str]:
    lines: list[str] = []
    for scale_set in view.scale_sets:
        impact = scale_set.get("vm_impact")
        if impact is None or scale_set["action"] == "no-op":
            continue
        facts = f"{scale_set['orchestration_mode']}, upgrade policy {scale_set['upgrade_mode']}"
        lines += [f"**{_code(scale_set['name'])}** ({_text(facts)}): {_text(impact['summary'])}", ""]
        for warning in impact["warnings"]:
            lines += [f"> ⚠️ {_text(warning)}", ""]
        instances = _instances(scale_set)
        if instances:
            lines += [*instances, ""]
    return ["### VMs", "", *lines] if lines else []


def _change_head(change: dict[str, Any], scale_set: str | None = None) -> tuple[str, bool]:
    """A change's list item line (with its values when they are short), and whether the
    values were too long for it."""
    icon = _ICON.get(change["effect"], "❔")
    where = f"{_code(scale_set)} " if scale_set is not None else ""
    head = f"- {icon} **{_text(effect_label(change))}** {where}{_code(change['display_path'])}"
    before, after = _value(change["before"]), _value(change["after"])
    if change["op"] == "replace" and len(before) + len(after) <= _INLINE:
        return head + f": {_code(before)} → {_code(after)}", False
    if change["op"] == "add" and len(after) <= _INLINE:
        return head + f": added {_code(after)}", False
    if change["op"] == "remove" and len(before) <= _INLINE:
        return head + f": removed {_code(before)}", False
    return head, True


def _rule_ref(change: dict[str, Any]) -> str:
    rule = change["rule"]
    link = change.get("evidence") or ""
    return f"[{_text(rule)}]({_link(link)})" if link.startswith(("https://", "http://")) else _text(rule)


def _change(change: dict[str, Any]) -> list[str]:
    head, long_values = _change_head(change)
    blocks: list[str] = []
    if long_values:
        for key in ("before", "after"):
            if (key == "before" and change["op"] == "add") or (key == "after" and change["op"] == "remove"):
                continue
            block = _value(change[key], indent=2).splitlines()
            blocks += [f"  - {key}:", "", *("    " + line for line in _fenced(block, "json")), ""]
    title = f"{_text(change['title'])} " if change.get("title") else ""
    lines = [head, *blocks, f"  - {title}({_rule_ref(change)})", f"  - {_text(change['message'])}"]
    if change.get("suppressed"):
        lines.append(f"  - not counted: {_text(str(change['suppressed']))}")
    return lines


def _details(scale_set: dict[str, Any]) -> list[str]:
    changes = scale_set["changes"]
    impact = scale_set.get("vm_impact") or {}
    commands = (impact.get("commands") or []) if scale_set["action"] != "no-op" else []
    if not changes and not scale_set["notes"] and not commands and not scale_set.get("what_if"):
        return []
    head = f"<code>{html.escape(text(scale_set['name']))}</code>: {html.escape(_plural(len(changes), 'change'))}"
    strongest = max((c["effect"] for c in changes), key=effect_rank, default="none")
    lines = ["<details>", f"<summary>{_ICON.get(strongest, '❔')} {head}</summary>", ""]
    for change in changes:
        lines += _change(change)
    if changes:
        lines.append("")
    for note in scale_set["notes"]:
        lines += [f"> {_text(note)}", ""]
    what_if = what_if_line(scale_set)
    if what_if is not None:
        lines += [f"> {_text(what_if)}", ""]
    if commands:
        lines += [*_fenced(commands, "sh"), ""]
    lines.append("</details>")
    return lines


def _waivers(waivers: list[dict[str, Any]]) -> list[str]:
    """Every waiver, in the open: what would otherwise count, and who waived it."""
    if not waivers:
        return []
    head = f"**Waived** ({len(waivers)}): these verdicts would otherwise count"
    return [head, "", *[f"- {_text(waiver_line(w))}" for w in waivers], ""]


def _files(document: dict[str, Any]) -> str:
    return f"vmssplan: {_code(str(document['current']))} → {_code(str(document['proposed']))}"


def render_plan(view: View, *, color: bool = False, max_length: int | None = None) -> str:
    """The comment; with ``max_length``, one that fits it (:func:`cut`) when the whole does not."""
    full = _full_plan(view)
    if max_length is None or length(full) <= max_length:
        return full
    return cut(view, max_length, length(full))


def length(markdown: str) -> int:
    """Length as GitHub counts a comment's characters, or more: in UTF-16 code units (an
    emoji outside the BMP counts two), never fewer than Python's code points."""
    return len(markdown.encode("utf-16-le")) // 2


def _size(lines: list[str]) -> int:
    """The length of ``lines`` in the comment, a newline after each."""
    return sum(length(line) + 1 for line in lines)


def _more(count: int, what: str) -> str:
    return f"… and {_plural(count, 'more ' + what)} (see the full plan)."


def cut(view: View, max_length: int, full_length: int) -> str:
    """The comment cut to at most ``max_length`` characters: the verdict, a line saying it
    was cut, the files and the summary table, waivers and findings, then the changes
    strongest first (rejected before deallocate, reimage, upgrade, unknown, none; plan
    order within an effect), each on one line, and the plan's summary line. Each part takes
    rows while they fit and says how many it left out."""
    planned = view.document["summary"] is not None
    changes = sorted(view.changes(), key=lambda pair: -effect_rank(pair[1]["effect"]))
    notice = (f"> ✂️ The full plan ({full_length:,} characters) is longer than this comment may be "
              f"({max_length:,}): here are the verdict, the summary and the strongest changes. "
              "Run `vmssplan plan -o markdown` for the whole.")
    tail = ["**Plan:**" + _text(view.summary_line)[len("Plan:"):]] if planned else []
    head = [verdict(view.headline), "", notice, ""]
    budget = max_length - _size(head + tail)
    body: list[str] = []

    def take(lines: list[str], rows: list[str], what: str, after: tuple[str, ...] = ("",)) -> None:
        """Add a part: its head ``lines``, as many ``rows`` as fit (then "… and N more
        ``what``" when some do not), then ``after``; a part none of whose rows fit is left
        out whole."""
        nonlocal budget
        used = _size([*lines, *after])
        best: int | None = None
        for count in range(len(rows) + 1):
            used += length(rows[count - 1]) + 1 if count else 0
            if used > budget:
                break
            if used + (_size(["", _more(len(rows) - count, what)]) if count < len(rows) else 0) <= budget:
                best = count
        if best is None or (best == 0 and rows):
            return
        part = [*lines, *rows[:best], *(["", _more(len(rows) - best, what)] if best < len(rows) else []), *after]
        body.extend(part)
        budget -= _size(part)

    if planned:
        take([_files(view.document), ""], [], "", after=())
        table = _summary_table(view)
        take(table[:2], table[2:], "scale set")
    waivers = _waivers(view.document.get("waivers", []))
    if waivers:
        take(waivers[:2], waivers[2:-1], "waiver")
    findings = _findings(view.findings)
    if findings:
        take(findings[:4], findings[4:-1], "finding")
    if planned and changes:
        rows = [_change_head(change, scale_set["name"])[0] + f" ({_rule_ref(change)})" for scale_set, change in changes]
        take(["### Strongest changes", ""], rows, "change")
    lines = head + body + tail
    while lines and lines[-1] == "":
        lines.pop()
    out = guard_lines("\n".join(lines) + "\n")
    while length(out) > max_length and len(lines) > 1:  # a verdict and notice longer than the limit
        lines.pop()
        out = guard_lines("\n".join(lines) + "\n")
    if length(out) > max_length:
        out = guard_lines(lines[0][: max(0, max_length // 2 - 2)] + "…\n")
    return out


def _full_plan(view: View) -> str:
    lines = [verdict(view.headline), ""]
    planned = view.document["summary"] is not None
    if planned:
        lines += [_files(view.document), "", *_summary_table(view), ""]
    lines += _waivers(view.document.get("waivers", []))
    lines += _findings(view.findings)
    if planned:
        lines += _vms(view)
        for scale_set in view.scale_sets:
            details = _details(scale_set)
            if details:
                lines += [*details, ""]
        others = other_resources_line(view.document)
        if others is not None:
            listed = view.document["what_if"]["other_resources"]
            rows = [f"- {_text(o['change_type'])}: {_code(o['resource_id'])}" for o in listed]
            lines += ["<details>", f"<summary>{html.escape(text(others))}</summary>", "", *rows, "", "</details>", ""]
        line = _text(view.summary_line)
        lines += ["**Plan:**" + line[len("Plan:"):], ""]
    while lines and lines[-1] == "":
        lines.pop()
    return guard_lines("\n".join(lines) + "\n")


def render_findings(view: View, *, color: bool = False) -> str:
    errors = view.document["summary"]["errors"]
    others = view.document["summary"]["findings"] - errors
    head = f"❌ **{_plural(errors, 'error')} in the documents**" if errors else "✅ **No errors in the documents**"
    if others:
        head += f" ({_plural(others, 'other finding')})"
    lines = [head, "", *_findings(view.findings)]
    while lines and lines[-1] == "":
        lines.pop()
    return guard_lines("\n".join(lines) + "\n")
