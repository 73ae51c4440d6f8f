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
