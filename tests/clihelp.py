"""Run the real CLI in a subprocess, as users and hooks do."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Run:
    code: int
    out: str
    err: str


def run_cli(*args: str, cwd: Path | None = None, stdin: str | None = None, env: dict[str, str] | None = None,
            python: str = sys.executable) -> Run:
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    full_env.pop("VMSSPLAN_DEBUG", None)
    proc = subprocess.run([python, "-m", "vmssplan", *args], cwd=cwd, input=stdin, capture_output=True,
                          text=True, env=full_env, timeout=120, check=False)
    return Run(proc.returncode, proc.stdout, proc.stderr)


def run_main(*args: str, cwd: Path | None = None, stdin: str | None = None) -> Run:
    """The same CLI in this process (``vmssplan.cli.main`` on ``args``): the exit code and the
    output a subprocess would give, without a new interpreter per run (for tests that run it
    hundreds of times). Colour is off as in :func:`run_cli`."""
    import contextlib
    import io

    from vmssplan import cli

    out, err = io.StringIO(), io.StringIO()
    saved = (sys.argv, sys.stdin, os.getcwd(), os.environ.get("NO_COLOR"))
    sys.argv = ["vmssplan", *args]
    sys.stdin = io.StringIO(stdin or "")
    os.environ["NO_COLOR"] = "1"
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main()
    finally:
        sys.argv, sys.stdin = saved[0], saved[1]
        os.chdir(saved[2])
        if saved[3] is None:
            os.environ.pop("NO_COLOR", None)
        else:
            os.environ["NO_COLOR"] = saved[3]
    return Run(code, out.getvalue(), err.getvalue())
