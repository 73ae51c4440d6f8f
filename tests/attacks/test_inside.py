"""Attacks of issue 14 on what vmssplan reads (findings 1, 6 and 7; must-hold points 1, 6, 7).

The attacker writes a pull request: its files, symbolic links among them, its
configuration. vmssplan runs on it with the real CLI, on a runner whose other files
(an SSH key, `.netrc`) the attacker wants to see, or to hang or crash the check.

Every test states the attack and the criterion a secure build meets. The repository is a
directory holding `.git` (vmssplan's boundary); the runner's secret lives next to it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from clihelp import Run, run_cli

SECRET = "hunter2-RUNNER-SECRET"
VMSS = "Microsoft.Compute/virtualMachineScaleSets"
SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
PARAMS_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#"
#: No attack may make a run take longer than this (the unbounded ones took minutes, or forever).
QUICK = 20.0

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")


def _template(name: str = "[parameters('vmssName')]", size: str = "Standard_D2s_v5",
              resources: list[Any] | None = None) -> dict[str, Any]:
    return {"$schema": SCHEMA, "contentVersion": "1.0.0.0",
            "parameters": {"vmssName": {"type": "string", "defaultValue": "web"}},
            "resources": resources if resources is not None else [
                {"type": VMSS, "apiVersion": "2024-03-01", "name": name, "location": "westeurope",
                 "sku": {"name": size, "capacity": 2}, "properties": {"upgradePolicy": {"mode": "Manual"}}}]}


def _linking(relative_path: str) -> dict[str, Any]:
    return _template(resources=[{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01",
                                 "name": "linked", "properties": {"mode": "Incremental",
                                                                  "templateLink": {"relativePath": relative_path}}}])


def _write(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data, indent=2), encoding="utf-8")
    return path


@pytest.fixture
def world(tmp_path: Path) -> tuple[Path, Path]:
    """(a repository with current.json and proposed.json (one upgrade between them), the
    runner's home beside it holding secrets in every shape an attacker would aim at)."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    _write(repo / "current.json", _template())
    _write(repo / "proposed.json", _template(size="Standard_D4s_v5"))
    home = tmp_path / "home"
    _write(home / ".ssh" / "id_rsa", f"-----BEGIN OPENSSH PRIVATE KEY-----\n{SECRET}\n")
    _write(home / "config.yaml", f"{SECRET}: 1\n")  # a YAML mapping: a config error would quote its key
    _write(home / "pyproject.toml", f'[tool.vmssplan]\nfail-on = "{SECRET}"\n')
    _write(home / "params.json", {"$schema": PARAMS_SCHEMA, "contentVersion": "1.0.0.0",
                                  "parameters": {"vmssName": {"value": SECRET}}})
    _write(home / "template.json", _template(name=SECRET))
    _write(home / "patch.json", {"tags": {"leak": SECRET}})
    _write(home / "instances.json", [{"instanceId": "0", "name": SECRET, "latestModelApplied": True}])
    return repo, home


def _cli(*args: str, cwd: Path) -> tuple[Run, float]:
    start = time.monotonic()
    run = run_cli(*args, cwd=cwd)
    return run, time.monotonic() - start


def _refused(run: Run, name: str) -> None:
    """A clean refusal: a usage error (exit 2) that names the file and shows nothing of the secret."""
    assert run.code == 2, (run.code, run.out, run.err)
    assert name in run.err, run.err
    assert SECRET not in run.out + run.err
    assert "Traceback" not in run.err


# --- point 1: reads stay inside ----------------------------------------------------------


def test_a_committed_config_symlinked_to_a_runner_file_is_not_echoed(world: tuple[Path, Path]) -> None:
    """Attack: the pull request commits `.vmssplan.yaml` as a symbolic link to a runner file
    (here a YAML file whose key is a secret; an SSH key the same way). Found by discovery,
    its content was echoed in the configuration error in the CI log.
    Criterion: exit 2, the error names `.vmssplan.yaml`, nothing of the file's content appears."""
    repo, home = world
    for target in (home / "config.yaml", home / ".ssh" / "id_rsa"):
        link = repo / ".vmssplan.yaml"
        link.unlink(missing_ok=True)
        link.symlink_to(target)
        run, _ = _cli("plan", "current.json", "proposed.json", cwd=repo)
        _refused(run, ".vmssplan.yaml")
        assert "outside the repository" in run.err


def test_whether_a_refused_config_target_exists_is_not_revealed(world: tuple[Path, Path]) -> None:
    """Attack: probe the runner's file system with a committed config symlink: one to a file
    that exists, one to a file that does not (before: an error for the first, a silent run
    without configuration for the second).
    Criterion: both runs give the same exit code and the same message."""
    repo, home = world
    results = []
    for target in (home / ".ssh" / "id_rsa", home / ".ssh" / "id_ed25519"):
        link = repo / ".vmssplan.yaml"
        link.unlink(missing_ok=True)
        link.symlink_to(target)
        run, _ = _cli("plan", "current.json", "proposed.json", cwd=repo)
        results.append((run.code, run.err))
    assert results[0] == results[1]
    assert results[0][0] == 2


@pytest.mark.parametrize("name", ["pyproject.toml", "vmssplan.yaml"])
def test_a_config_named_by_the_workflow_but_symlinked_out_is_refused(world: tuple[Path, Path], name: str) -> None:
    """Attack: the workflow runs `--config vmssplan.yaml` (or discovers pyproject.toml) and the
    pull request turns that file into a symbolic link to a runner file.
    Criterion: exit 2 naming the file; the target's content never shows."""
    repo, home = world
    (repo / name).symlink_to(home / ("pyproject.toml" if name == "pyproject.toml" else "config.yaml"))
    args = ("--config", name) if name != "pyproject.toml" else ()
    run, _ = _cli("plan", "current.json", "proposed.json", *args, cwd=repo)
    _refused(run, name)


@pytest.mark.parametrize("how", ["relative", "absolute", "symlink", "directory symlink"])
def test_a_linked_template_outside_the_repository_is_not_read(world: tuple[Path, Path], how: str) -> None:
    """Attack: a deployment links a template outside the repository (`../..` in
    `relativePath`, an absolute path, an in-repo symbolic link to a file or a directory
    outside) to make the plan print names from a runner file.
    Criterion: the link is a VAL042 warning at the deployment saying it is outside the
    repository; no content of the target appears; the same text whether the target exists or not."""
    repo, home = world
    outputs = []
    for target in ("template.json", "absent.json"):
        relative = {"relative": f"../home/{target}", "absolute": str(home / target),
                    "symlink": "nested/linked.json", "directory symlink": f"shared/{target}"}[how]
        shutil.rmtree(repo / "nested", ignore_errors=True)
        (repo / "shared").unlink(missing_ok=True)
        if how == "symlink":
            (repo / "nested").mkdir()
            (repo / "nested" / "linked.json").symlink_to(home / target)
        elif how == "directory symlink":
            (repo / "shared").symlink_to(home)
        _write(repo / "main.json", _linking(relative))
        run, _ = _cli("validate", "main.json", "-o", "json", cwd=repo)
        assert SECRET not in run.out + run.err
        findings = json.loads(run.out)["findings"]
        assert [f["rule"] for f in findings if f["rule"] == "VAL042"] == ["VAL042"], findings
        outputs.append([f["message"].replace("absent.json", "template.json") for f in findings])
    assert "outside the repository" in " ".join(outputs[0])
    assert outputs[0] == outputs[1]


def test_a_sibling_parameters_file_symlinked_out_is_refused_without_revealing_existence(
        world: tuple[Path, Path]) -> None:
    """Attack: the pull request commits `proposed.parameters.json`, the file vmssplan takes by
    convention for `proposed.json`, as a symbolic link to a runner JSON file whose values
    then appear in the plan; or to a missing file, to learn whether one exists.
    Criterion: exit 2 naming the parameters file in both cases, the same message; no content."""
    repo, home = world
    results = []
    for target in ("params.json", "absent.json"):
        link = repo / "proposed.parameters.json"
        link.unlink(missing_ok=True)
        link.symlink_to(home / target)
        run, _ = _cli("plan", "current.json", "proposed.json", cwd=repo)
        _refused(run, "proposed.parameters.json")
        results.append(run.err)
    assert results[0] == results[1]


@pytest.mark.parametrize("option", ["--parameters", "--instances", "--patch", "CURRENT"])
def test_a_file_named_on_the_command_line_but_symlinked_out_is_refused(world: tuple[Path, Path],
                                                                       option: str) -> None:
    """Attack: the workflow names a file of the repository (`-p @prod.json`,
    `--instances vms.json`, `--patch patch.json`, a document to plan) and the pull request
    turns it into a symbolic link to a runner file, whose values would show in the plan.
    Criterion: exit 2 naming the file as given; nothing of the target appears."""
    repo, home = world
    target = {"--parameters": "params.json", "--instances": "instances.json", "--patch": "patch.json",
              "CURRENT": "template.json"}[option]
    (repo / "input.json").symlink_to(home / target)
    args = {"--parameters": ("current.json", "proposed.json", "-p", "@input.json"),
            "--instances": ("current.json", "proposed.json", "--instances", "input.json"),
            "--patch": ("current.json", "--patch", "input.json"),
            "CURRENT": ("input.json", "proposed.json")}[option]
    run, _ = _cli("plan", *args, cwd=repo)
    _refused(run, "input.json")


def test_a_directory_symlink_on_the_way_does_not_move_the_boundary(world: tuple[Path, Path]) -> None:
    """Attack: the workflow runs `-p @deploy/prod.json`; the pull request makes `deploy` a
    symbolic link to a runner directory (so the file's own directory is outside).
    Criterion: exit 2; the boundary is the repository of the name as given."""
    repo, home = world
    (repo / "deploy").symlink_to(home)
    run, _ = _cli("plan", "current.json", "proposed.json", "-p", "@deploy/params.json", cwd=repo)
    _refused(run, "deploy/params.json")


def test_files_inside_the_repository_are_still_read(world: tuple[Path, Path]) -> None:
    """Control: an in-repository symbolic link, a parameters file and a config are read as before.
    Criterion: the plan applies them (the parameter renames the scale set; fail-on upgrade fails)."""
    repo, _ = world
    _write(repo / "params" / "prod.json", {"$schema": PARAMS_SCHEMA, "contentVersion": "1.0.0.0",
                                           "parameters": {"vmssName": {"value": "renamed"}}})
    (repo / "prod.json").symlink_to(repo / "params" / "prod.json")
    _write(repo / ".vmssplan.yaml", "fail-on: upgrade\n")
    run, _ = _cli("plan", "current.json", "proposed.json", "-p", "@prod.json", "-o", "json", cwd=repo)
    assert run.code == 1, run.err
    assert [s["name"] for s in json.loads(run.out)["scale_sets"]] == ["renamed"]


# --- point 6: bounded, never blocks -------------------------------------------------------


@needs_fifo
@pytest.mark.parametrize("where", ["--instances", "--patch", "--parameters", "--config", "sibling", "linked",
                                   ".vmssplan.yaml"])
def test_a_fifo_never_blocks_a_read(world: tuple[Path, Path], where: str) -> None:
    """Attack: a FIFO (no writer ever comes) where vmssplan reads a file: an instance list, a
    patch, a parameters file, the configuration, a template's sibling parameters file, a
    linked template. Before, the read waited forever.
    Criterion: the run ends within seconds, exit 1 or 2 (a finding or a usage error),
    saying the file is not a regular file (a linked one: a VAL042 warning, as a missing one)."""
    repo, _ = world
    fifo = {"sibling": "proposed.parameters.json", "linked": "nested/linked.json",
            ".vmssplan.yaml": ".vmssplan.yaml"}.get(where, "input.json")
    (repo / fifo).parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(repo / fifo)
    args = {"--instances": ("plan", "current.json", "proposed.json", "--instances", fifo),
            "--patch": ("plan", "current.json", "--patch", fifo),
            "--parameters": ("plan", "current.json", "proposed.json", "-p", f"@{fifo}"),
            "--config": ("plan", "current.json", "proposed.json", "--config", fifo),
            "sibling": ("plan", "current.json", "proposed.json"),
            ".vmssplan.yaml": ("plan", "current.json", "proposed.json"),
            "linked": ("validate", "main.json")}[where]
    if where == "linked":
        _write(repo / "main.json", _linking(fifo))
    run, took = _cli(*args, cwd=repo)
    assert took < QUICK
    assert run.code in ((0, 1) if where == "linked" else (1, 2)), (run.code, run.err)  # linked: a VAL042 warning
    assert "not a regular file" in run.out + run.err or "is not a file" in run.out + run.err
    assert "Traceback" not in run.err


def test_a_config_symlinked_to_a_device_is_refused_at_once(world: tuple[Path, Path]) -> None:
    """Attack: `.vmssplan.yaml` is a symbolic link to `/dev/zero` (endless) or `/dev/stdin`.
    Criterion: exit 2 within seconds, nothing read from the device."""
    repo, _ = world
    for device in ("/dev/zero", "/dev/stdin"):
        if not os.path.exists(device):
            continue
        link = repo / ".vmssplan.yaml"
        link.unlink(missing_ok=True)
        link.symlink_to(device)
        run, took = _cli("plan", "current.json", "proposed.json", cwd=repo)
        assert took < QUICK
        _refused(run, ".vmssplan.yaml")


def test_a_yaml_alias_bomb_in_the_config_is_refused(world: tuple[Path, Path]) -> None:
    """Attack: a "billion laughs" `.vmssplan.yaml`: nine levels of nine aliases each, under
    1 KB, expanding to 387 million values (before: 62 s and 1.7 GB).
    Criterion: exit 2 within seconds, the error at the line of the first alias."""
    repo, _ = world
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    _write(repo / ".vmssplan.yaml", "\n".join([*lines, "ignore: *a8", ""]))
    run, took = _cli("plan", "current.json", "proposed.json", cwd=repo)
    assert took < QUICK
    _refused(run, ".vmssplan.yaml:2:")
    assert "alias" in run.err


def test_a_large_config_is_refused_quickly(world: tuple[Path, Path]) -> None:
    """Attack: a 1.2 MB `.vmssplan.yaml` of suppressions (before: 10 s of parsing per run).
    Criterion: exit 2 in well under the time it took, saying the size limit."""
    repo, _ = world
    rows = [f'  - {{rule: VMSS{i % 999:03d}, reason: "a reason that says why {i}"}}' for i in range(24_000)]
    _write(repo / ".vmssplan.yaml", "suppressions:\n" + "\n".join(rows) + "\n")
    assert (repo / ".vmssplan.yaml").stat().st_size > 1_200_000
    run, took = _cli("plan", "current.json", "proposed.json", cwd=repo)
    assert took < 5.0
    _refused(run, ".vmssplan.yaml")
    assert "larger than 256 KiB" in run.err


# --- point 7: no exit 3 from any input ----------------------------------------------------


@pytest.mark.parametrize(("case", "content", "expected"), [
    ("integer of 5,000 digits", "fail-on: " + "1" * 5000 + "\n", ".vmssplan.yaml:1:10: invalid YAML: an integer"),
    ("deep nesting", "ignore: " + "[" * 5000 + "]" * 5000 + "\n", ".vmssplan.yaml:1:"),
    ("Latin-1 text", "ignore: [r\xe9jected]\n".encode("latin-1"), ".vmssplan.yaml:1:11: configuration is not UTF-8"),
    ("NUL character", "ignore: [a\0b]\n", ".vmssplan.yaml:1:11: invalid YAML: character U+0000"),
    ("NUL in rules-dirs", 'rules-dirs: ["a\\0b"]\n', ".vmssplan.yaml:1: invalid configuration at rules-dirs.0"),
    ("long rules-dirs", "rules-dirs: [" + "a" * 100_000 + "]\n", "invalid configuration at rules-dirs.0"),
    ("long value quoted in an error", "fail-on: " + "x" * 100_000 + "\n", "invalid configuration at fail-on"),
], ids=lambda value: value if isinstance(value, str) and len(value) < 40 and "\n" not in value else "")
def test_a_broken_config_is_a_usage_error_not_a_crash(world: tuple[Path, Path], case: str, content: str | bytes,
                                                     expected: str) -> None:
    """Attack: a `.vmssplan.yaml` that crashed vmssplan (exit 3): an integer of more than 4,300
    digits, 5,000 levels of nesting, bytes that are not UTF-8, a NUL, a NUL or a 100,000
    character entry in `rules-dirs`; or one whose error would quote 100 KB of it.
    Criterion: exit 2 with an error located in the file; at most a short excerpt of it quoted."""
    repo, _ = world
    path = repo / ".vmssplan.yaml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    run, took = _cli("plan", "current.json", "proposed.json", cwd=repo)
    assert took < QUICK
    assert run.code == 2, (case, run.code, run.err[-500:])
    assert expected in run.err, (case, run.err[-500:])
    assert len(run.err) < 600, case


def test_a_utf16_config_with_a_byte_order_mark_is_read(world: tuple[Path, Path]) -> None:
    """Attack: a UTF-16 `.vmssplan.yaml` (crashed with exit 3).
    Criterion: read as documents are (UTF-16 with a byte order mark is text): its fail-on applies."""
    repo, _ = world
    (repo / ".vmssplan.yaml").write_bytes("fail-on: upgrade\n".encode("utf-16"))
    run, _ = _cli("plan", "current.json", "proposed.json", cwd=repo)
    assert run.code == 1, run.err


@pytest.mark.parametrize(("case", "content", "expected"), [
    ("Latin-1 text", '[tool.vmssplan]\nfail-on = "r\xe9jected"\n'.encode("latin-1"), "is not UTF-8 text"),
    ("deep nesting", "[tool.vmssplan]\nx = " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
    ("nesting under tool.vmssplan", "[tool.vmssplan]\nx = " + "[" * 40 + "]" * 40 + "\n", "nested more than"),
    ("integer of 5,000 digits", "[tool.vmssplan]\nx = " + "1" * 5000 + "\n", "an integer with too many digits"),
    ("tool is not a table", "tool = 1\n# [tool.vmssplan]\n", "`tool` is not a table"),
], ids=lambda value: value if isinstance(value, str) and len(value) < 40 and "\n" not in value else "")
def test_a_broken_pyproject_is_a_usage_error_not_a_crash(world: tuple[Path, Path], case: str,
                                                         content: str | bytes, expected: str) -> None:
    """Attack: a pyproject.toml with `[tool.vmssplan]` that crashed vmssplan (exit 3): not
    UTF-8, nested 5,000 levels, an integer of 5,000 digits, `tool` not a table.
    Criterion: exit 2 naming pyproject.toml and what is wrong."""
    repo, _ = world
    (repo / "pyproject.toml").write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    run, _ = _cli("plan", "current.json", "proposed.json", cwd=repo)
    assert run.code == 2, (case, run.code, run.err[-500:])
    assert "pyproject.toml" in run.err and expected in run.err, (case, run.err[-500:])


def test_a_git_on_path_that_cannot_run_is_a_usage_error(world: tuple[Path, Path], tmp_path: Path) -> None:
    """Attack: the `git` found on PATH is not executable (a file without the x bit; a directory).
    Criterion: `--base-ref` and `git:REV:PATH` give exit 2 saying git cannot be run."""
    repo, _ = world
    for kind in ("file", "directory"):
        bin_dir = tmp_path / f"bin-{kind}"
        bin_dir.mkdir()
        if kind == "file":
            _write(bin_dir / "git", "#!/bin/sh\n").chmod(0o644)
        else:
            (bin_dir / "git").mkdir()
        for args in (("plan", "--base-ref", "HEAD"), ("plan", "git:HEAD:current.json", "proposed.json")):
            run = run_cli(*args, cwd=repo, env={"PATH": str(bin_dir)})
            assert run.code == 2, (kind, args, run.code, run.err)
            assert "git cannot be run" in run.err, run.err


def _closed(stream: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """vmssplan started with standard output (`>&-`) or standard input (`<&-`) closed."""
    redirect = ">&-" if stream == "stdout" else "<&-"
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("VMSSPLAN_DEBUG", None)
    command = ["sh", "-c", f'exec "$@" {redirect}', "sh", sys.executable, "-m", "vmssplan", *args]
    return subprocess.run(command, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env,
                          timeout=120, check=False)


@pytest.mark.skipif(shutil.which("sh") is None, reason="needs a POSIX shell")
@pytest.mark.parametrize("args", [("plan", "current.json", "proposed.json"), ("validate", "current.json"),
                                  ("rules", "VMSS201")])
def test_closed_standard_output_is_a_usage_error(world: tuple[Path, Path], args: tuple[str, ...]) -> None:
    """Attack: run with standard output closed (`>&-`): exit 3 before.
    Criterion: exit 2 saying standard output is closed."""
    repo, _ = world
    proc = _closed("stdout", *args, cwd=repo)
    assert proc.returncode == 2, proc.stderr
    assert "standard output is closed" in proc.stderr


@pytest.mark.skipif(shutil.which("sh") is None, reason="needs a POSIX shell")
def test_closed_standard_input_with_dash_is_a_usage_error(world: tuple[Path, Path]) -> None:
    """Attack: `-` (read standard input) with standard input closed (`<&-`): exit 3 before.
    Criterion: exit 2 saying standard input is closed."""
    repo, _ = world
    proc = _closed("stdin", "plan", "-", "proposed.json", cwd=repo)
    assert proc.returncode == 2, proc.stderr
    assert "standard input is closed" in proc.stderr


@pytest.mark.parametrize("which", ["CURRENT", "PROPOSED", "--parameters", "sibling", "--instances", "config"])
def test_output_file_naming_an_input_is_refused(world: tuple[Path, Path], which: str) -> None:
    """Attack: `--output-file` names a file the run reads (CURRENT, PROPOSED, a parameters
    file, the template's own parameters file, an instance list, the configuration), by
    the same or another spelling: the output overwrote it.
    Criterion: exit 2 before anything is written; the file is unchanged."""
    repo, _ = world
    _write(repo / "p.json", {"$schema": PARAMS_SCHEMA, "contentVersion": "1.0.0.0", "parameters": {}})
    _write(repo / "proposed.parameters.json", {"$schema": PARAMS_SCHEMA, "contentVersion": "1.0.0.0",
                                               "parameters": {}})
    _write(repo / "vms.json", [{"instanceId": "0", "name": "web_0", "latestModelApplied": True}])
    _write(repo / ".vmssplan.yaml", "fail-on: rejected\n")
    target = {"CURRENT": "current.json", "PROPOSED": "proposed.json", "--parameters": "p.json",
              "sibling": "proposed.parameters.json", "--instances": "vms.json", "config": ".vmssplan.yaml"}[which]
    extra = {"--parameters": ("-p", "@p.json"), "--instances": ("--instances", "vms.json")}.get(which, ())
    before = (repo / target).read_bytes()
    run, _ = _cli("plan", "current.json", "proposed.json", *extra, "--output-file", f"./{target}", cwd=repo)
    assert run.code == 2, run.err
    assert "refusing to overwrite" in run.err
    assert (repo / target).read_bytes() == before
