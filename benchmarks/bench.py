"""Benchmark vmssplan as users run it, at the sizes they have, side by side in one run.

    python benchmarks/bench.py [--runs N] [--json FILE] [--quick] [--strict] [--corpus DIR]

What is measured, and from what
-------------------------------
vmssplan is first installed the regular way, not editable: a wheel is built from this
checkout (``pip install --no-deps <repo>``) into a new venv in a temporary directory,
and every command runs through that venv's ``vmssplan`` console script and its
``python``. An editable install is not measured because its import hook (a ``.pth`` file
run at every start-up) roughly doubles ``python -c pass`` and so flatters every ratio.
For the same reason the venv is not made with ``--system-site-packages``: the base
interpreter's ``.pth`` files would run at every start-up too (on the development
machine one of them is another checkout's editable vmssplan). Instead the dependencies
are taken from the interpreter running this script, by path: a ``.pth`` file in the
venv lists that interpreter's site-packages directories, and a directory listed that way
has its own ``.pth`` files ignored. The venv's own site-packages comes first, so the
vmssplan imported is the installed one; the script checks that it is.

Each measurement is the median, min and max wall time of N runs (``--runs``, default 5)
after one warm-up run, and the peak memory (max RSS) of the command, measured in the
warm-up run through GNU time (``/usr/bin/time -f %M``; without it, a small launcher
interpreter reading ``RUSAGE_CHILDREN``), never on a child of this process: a child of a
large process reports that process's peak as its own (see :func:`memory_command`):

* ``python -c pass`` with the venv's interpreter: the unit of every ratio;
* ``vmssplan --version``: start-up;
* a typical plan: ``vmssplan plan examples/os-image-version/current.json
  examples/os-image-version/proposed.json`` (from the repository root);
* a what-if result: ``vmssplan plan examples/whatif/whatif.json --instances
  examples/whatif/instances.json`` (the scale set, its VMs, what-if's noise), against the
  typical plan;
* ``vmssplan validate`` of every ARM template of the shared corpus (``../shared/corpus``,
  ``--corpus``; the row is skipped with a note when there is none): the median and the
  worst few, and apart those the compiled jsonschema-rs quick check rejects, which then
  import jsonschema to write the messages (vmssplan/validate.py). Which those are is seen
  in one extra, untimed run of each with ``PYTHONPROFILEIMPORTTIME=1``: whether
  ``jsonschema`` was imported; the full check's findings (VAL020 schema errors, VAL022
  converted strings...) are shown beside, or that it found nothing;
* ``vmssplan plan --base-ref HEAD`` in a scratch git repository with 20 changed scale-set
  templates (the example template with a parameters file each; the health extension's
  request path edited), against a plan of one such pair; the git processes it starts are
  counted with strace when strace is there;
* generated ARM template pairs at ARM's limits: 800 scale-set resources (ARM's maximum
  per template) with parameters, variables and expressions in each, about 4 MB a
  template (ARM's maximum size), with 1% and 10% of the scale sets changed (an extension
  setting and a tag each). One untimed ``-o json`` run checks that the plan found
  exactly those;
* peak memory against the input (the bytes of every file read, parameters included);
  the target is checked on the whole peak, start-up included, and the peak above the
  start-up of ``vmssplan --version`` is printed beside it.

Targets, each printed as met or not met (``--strict``: exit 1 when one is not met):
the typical plan within 8x ``python -c pass``; ``validate`` of any corpus template within
10x; the 800-resource pairs within 6x (1%) and 8x (10%) the typical plan of the same run;
``--base-ref`` over 20 files within 2x the plan of one; peak memory under 10x the input.

``--quick`` (for the test that proves the script works): 40 resources, 3 corpus
templates, 3 changed files; its figures mean nothing. ``--json FILE`` writes the raw
figures (every sample). Python writes no bytecode when PYTHONDONTWRITEBYTECODE is set;
the benchmark unsets it, as an installed package has its bytecode.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
TYPICAL = REPO / "examples" / "os-image-version"
WHATIF = REPO / "examples" / "whatif"
TEMPLATE_EXAMPLE = REPO / "examples" / "template-parameters"
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus"
#: ARM's limits for one template: resources, and size in bytes ("4 MB").
ARM_MAX_RESOURCES = 800
ARM_MAX_BYTES = 4 * 1024 * 1024
#: What the generated templates aim at: about 4 MB, under ARM's limit.
TEMPLATE_BYTES = 3_900_000
BASE_REF_FILES = 20
#: Modules every run of vmssplan may import (the dependencies of pyproject.toml).
DEPENDENCIES = ("jsonschema", "jsonschema_rs", "jsonpatch", "orjson", "yaml", "jmespath", "typer", "click")
GIT_ENV = {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.invalid",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.invalid",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_SYSTEM": os.devnull}


# --- measuring ----------------------------------------------------------------------------


@dataclass
class Sample:
    """Wall times (seconds) of the runs of one command, its peak RSS and its input size."""

    name: str
    cmd: list[str]
    times: list[float]
    rss_kib: int | None
    input_bytes: int | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    drop = ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH", "PYTHONHOME", "PYTHONPROFILEIMPORTTIME",
            "PYTHONSTARTUP", "VMSSPLAN_DEBUG", "VIRTUAL_ENV")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["NO_COLOR"] = "1"
    env.update(extra or {})
    return env


#: Runs a command and writes the peak RSS (KiB) of it to $BENCH_RSS: the fallback for
#: GNU time. Started with -S -E so that it stays small (see :func:`memory_command`).
_LAUNCHER = """\
import os, resource, sys
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
_, status = os.waitpid(pid, 0)
with open(os.environ["BENCH_RSS"], "w") as out:
    out.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def _gnu_time() -> str | None:
    time_bin = "/usr/bin/time"
    if not Path(time_bin).is_file():
        return None
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "rss"
        ok = subprocess.run([time_bin, "-f", "%M", "-o", str(out), "true"], capture_output=True, check=False)
        return time_bin if ok.returncode == 0 and out.read_text().strip().isdigit() else None


GNU_TIME = _gnu_time()


def memory_command(cmd: list[str], rss_file: Path) -> tuple[list[str], dict[str, str]]:
    """``cmd`` wrapped so that its peak RSS lands in ``rss_file``.

    Not measured on this process's own child: a child forked (or vforked) from here keeps
    the high-water mark of this process's memory, which holds the generated inputs, through
    its exec; the kernel reports that as the child's peak. GNU time (or a small launcher
    interpreter) forks from a few megabytes instead."""
    if GNU_TIME:
        return [GNU_TIME, "-f", "%M", "-o", str(rss_file), *cmd], {}
    return [sys.executable, "-S", "-E", "-c", _LAUNCHER, *cmd], {"BENCH_RSS": str(rss_file)}


def run_once(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int, bytes]:
    """(wall seconds, exit code, standard error) of one run."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        code = subprocess.run(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=err, check=False).returncode
        elapsed = time.perf_counter() - start
        err.seek(0)
        return elapsed, code, err.read()


def measure(name: str, cmd: list[str], runs: int, cwd: Path, *, input_bytes: int | None = None,
            env: dict[str, str] | None = None, ok: tuple[int, ...] = (0, 1)) -> Sample:
    """Wall times of ``runs`` runs of ``cmd``, after a warm-up run (not timed) that
    measures its peak memory."""
    env = env or _env()
    with tempfile.TemporaryDirectory() as tmp:
        rss_file = Path(tmp) / "rss"
        wrapped, extra = memory_command(cmd, rss_file)
        _, code, err = run_once(wrapped, cwd, {**env, **extra})
        if code not in ok:
            raise SystemExit(f"{' '.join(cmd)} exited {code}:\n{err.decode(errors='replace')[-2000:]}")
        text = rss_file.read_text().strip() if rss_file.is_file() else ""
        rss = int(text) if text.isdigit() else None
    times = []
    for _ in range(runs):
        elapsed, code, err = run_once(cmd, cwd, env)
        if code not in ok:
            raise SystemExit(f"{' '.join(cmd)} exited {code}:\n{err.decode(errors='replace')[-2000:]}")
        times.append(elapsed)
    return Sample(name, cmd, times, rss, input_bytes)


# --- the regular install ------------------------------------------------------------------


@dataclass
class Install:
    root: Path
    python: Path
    vmssplan: Path
    module_file: str
    version: str


def _dependency_dirs() -> list[str]:
    """The site-packages directories this interpreter imports the dependencies from."""
    found = []
    for entry in sys.path:
        path = Path(entry or ".").resolve()
        if path.name in ("site-packages", "dist-packages") and path.is_dir() and str(path) not in found:
            found.append(str(path))
    return found


def install(root: Path) -> Install:
    """vmssplan installed from this checkout, not editable, in a new venv under ``root``."""
    env_dir = root / "venv"
    venv.create(env_dir, with_pip=True, clear=True)
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / ("python.exe" if os.name == "nt" else "python")
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    Path(purelib, "_vmssplan_bench_dependencies.pth").write_text(
        "".join(f"{d}\n" for d in _dependency_dirs()), encoding="utf-8")
    pip = [str(python), "-m", "pip", "install", "--no-deps", "--no-input", "-q", "--disable-pip-version-check"]
    built = subprocess.run([*pip, str(REPO)], capture_output=True, text=True, env=_env(), check=False)
    if built.returncode != 0:  # no package index: build with the setuptools at hand
        built = subprocess.run([*pip, "--no-build-isolation", str(REPO)], capture_output=True, text=True,
                               env=_env(), check=False)
    if built.returncode != 0:
        raise SystemExit(f"pip install --no-deps {REPO} failed:\n{built.stdout}\n{built.stderr}")
    probe = ("import importlib, json, sys, vmssplan; "
             "from importlib.metadata import distribution; "
             f"[importlib.import_module(m) for m in {DEPENDENCIES!r}]; "
             "d = distribution('vmssplan'); "
             "print(json.dumps([vmssplan.__file__, vmssplan.__version__, d.read_text('direct_url.json'), "
             "[type(f).__name__ for f in sys.meta_path]]))")
    out = subprocess.run([str(python), "-c", probe], capture_output=True, text=True, env=_env(), cwd=root,
                         check=False)
    if out.returncode != 0:
        raise SystemExit("the installed vmssplan does not import; install its dependencies into this "
                         f"interpreter first (python -m pip install -e '.[test]'):\n{out.stderr}")
    module_file, version, direct_url, finders = json.loads(out.stdout)
    if not Path(module_file).resolve().is_relative_to(env_dir.resolve()):
        raise SystemExit(f"vmssplan was imported from {module_file}, not from the new venv")
    if direct_url and json.loads(direct_url).get("dir_info", {}).get("editable"):
        raise SystemExit("vmssplan was installed editable")
    if any("editable" in name.lower() for name in finders):
        raise SystemExit(f"an editable import hook is active in the venv: {finders}")
    return Install(root, python, bindir / ("vmssplan.exe" if os.name == "nt" else "vmssplan"), module_file,
                   version)


# --- inputs -------------------------------------------------------------------------------


def _write(path: Path, data: Any) -> int:
    text = json.dumps(data, indent=2) + "\n"
    path.write_text(text, encoding="utf-8")
    return len(text.encode("utf-8"))


def big_template_parameters() -> dict[str, Any]:
    return {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {
            "namePrefix": {"value": "web"}, "environment": {"value": "prod"},
            "vmSku": {"value": "Standard_D2s_v5"}, "instanceCount": {"value": 4},
            "imageVersion": {"value": "22.04.202409160"}, "adminUsername": {"value": "azureuser"},
            "sshPublicKey": {"value": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHx0cGV4YW1wbGVrZXlmb3J2bXNzcGxhbg ops"},
            "scriptVersion": {"value": "1.4.2"},
        },
    }


def big_template(count: int, tags: int) -> dict[str, Any]:
    """An ARM template of ``count`` scale sets, each with parameters, variables and
    expressions, and ``tags`` extra tags each (the knob that sets the size)."""
    parameters = {
        "namePrefix": {"type": "string", "maxLength": 9},
        "environment": {"type": "string", "allowedValues": ["dev", "test", "prod"]},
        "location": {"type": "string", "defaultValue": "westeurope"},
        "vmSku": {"type": "string", "defaultValue": "Standard_D2s_v5"},
        "instanceCount": {"type": "int", "minValue": 0, "maxValue": 1000, "defaultValue": 2},
        "imageVersion": {"type": "string", "defaultValue": "latest"},
        "adminUsername": {"type": "string", "defaultValue": "azureuser"},
        "sshPublicKey": {"type": "string"},
        "scriptVersion": {"type": "string", "defaultValue": "1.0.0"},
    }
    variables = {
        "namingPrefix": "[toLower(concat(parameters('namePrefix'), parameters('environment')))]",
        "vnetName": "[concat(parameters('namePrefix'), '-vnet')]",
        "subnetId": "[resourceId('Microsoft.Network/virtualNetworks/subnets', variables('vnetName'), 'vmss')]",
        "lbName": "[concat(parameters('namePrefix'), '-lb')]",
        "image": {"publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts-gen2"},
        "scriptUri": "[concat('https://example.invalid/scripts/', parameters('scriptVersion'), '/install.sh')]",
        "zones": ["1", "2", "3"],
    }
    resources = [big_resource(i, tags) for i in range(count)]
    return {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0", "parameters": parameters, "variables": variables, "resources": resources,
    }


def big_resource(i: int, tags: int) -> dict[str, Any]:
    n = f"{i:03d}"
    tag_values = {"environment": "[parameters('environment')]", "service": f"service-{n}",
                  "costCenter": f"[concat('cc-', parameters('environment'), '-{n}')]"}
    for t in range(tags):
        tag_values[f"label{t:02d}"] = f"[concat(variables('namingPrefix'), '-label-{t:02d}-{n}')]"
    data_disks = [{"lun": lun, "createOption": "Empty", "caching": "ReadOnly" if lun else "None",
                   "diskSizeGB": 64 * (lun + 1), "managedDisk": {"storageAccountType": "Premium_LRS"}}
                  for lun in range(1)]
    extensions = [
        {"name": "HealthExtension", "properties": {
            "publisher": "Microsoft.ManagedServices", "type": "ApplicationHealthLinux",
            "typeHandlerVersion": "1.0", "autoUpgradeMinorVersion": True,
            "settings": {"protocol": "http", "port": 8080, "requestPath": "/healthz"}}},
        {"name": "install-app", "properties": {
            "publisher": "Microsoft.Azure.Extensions", "type": "CustomScript",
            "typeHandlerVersion": "2.1", "autoUpgradeMinorVersion": True,
            "settings": {"fileUris": ["[variables('scriptUri')]"],
                         "commandToExecute": f"[concat('bash install.sh --service service-{n} --env ', "
                                             "parameters('environment'))]"}}},
    ]
    return {
        "type": "Microsoft.Compute/virtualMachineScaleSets",
        "apiVersion": "2024-03-01",
        "name": f"[concat(parameters('namePrefix'), '-vmss-{n}')]",
        "location": "[parameters('location')]",
        "tags": tag_values,
        "zones": "[variables('zones')]",
        "sku": {"name": "[parameters('vmSku')]", "tier": "Standard", "capacity": "[parameters('instanceCount')]"},
        "properties": {
            "overprovision": False,
            "singlePlacementGroup": False,
            "platformFaultDomainCount": 1,
            "upgradePolicy": {"mode": "Rolling", "rollingUpgradePolicy": {
                "maxBatchInstancePercent": 20, "maxUnhealthyInstancePercent": 20,
                "maxUnhealthyUpgradedInstancePercent": 20, "pauseTimeBetweenBatches": "PT2M"}},
            "virtualMachineProfile": {
                "storageProfile": {
                    "imageReference":
                        "[union(variables('image'), createObject('version', parameters('imageVersion')))]",
                    "osDisk": {"createOption": "FromImage", "caching": "ReadWrite",
                               "managedDisk": {"storageAccountType": "Premium_LRS"}, "diskSizeGB": 64},
                    "dataDisks": data_disks,
                },
                "osProfile": {
                    "computerNamePrefix": f"[concat(take(variables('namingPrefix'), 6), '{n}')]",
                    "adminUsername": "[parameters('adminUsername')]",
                    "linuxConfiguration": {"disablePasswordAuthentication": True, "ssh": {"publicKeys": [{
                        "path": "[concat('/home/', parameters('adminUsername'), '/.ssh/authorized_keys')]",
                        "keyData": "[parameters('sshPublicKey')]"}]}},
                },
                "networkProfile": {"networkInterfaceConfigurations": [{
                    "name": f"[concat(parameters('namePrefix'), '-nic-{n}')]",
                    "properties": {"primary": True, "enableAcceleratedNetworking": True, "ipConfigurations": [{
                        "name": "ipconfig",
                        "properties": {
                            "subnet": {"id": "[variables('subnetId')]"},
                            "loadBalancerBackendAddressPools": [{"id": (
                                "[resourceId('Microsoft.Network/loadBalancers/backendAddressPools', "
                                f"variables('lbName'), 'pool-{n}')]")}],
                        }}]}}]},
                "extensionProfile": {"extensions": extensions},
                "diagnosticsProfile": {"bootDiagnostics": {"enabled": True}},
            },
        },
    }


def change_resource(resource: dict[str, Any]) -> None:
    """A typical edit: a new version of the install script's command, and a tag."""
    for ext in resource["properties"]["virtualMachineProfile"]["extensionProfile"]["extensions"]:
        if ext["name"] == "install-app":
            ext["properties"]["settings"]["commandToExecute"] = ext["properties"]["settings"][
                "commandToExecute"].replace("install.sh", "install.sh --upgrade")
    resource["tags"]["service"] += "-v2"


def generate_pair(folder: Path, count: int, share: float, target_bytes: int) -> tuple[Path, Path, int, int]:
    """(current, proposed, input bytes, changed scale sets): two templates of ``count``
    scale sets of about ``target_bytes`` each, with ``share`` of the scale sets changed,
    and a parameters file next to each."""
    one = len(json.dumps(big_template(1, 0), indent=2)) - len(json.dumps(big_template(0, 0), indent=2))
    tag = len(json.dumps(big_template(1, 1), indent=2)) - len(json.dumps(big_template(1, 0), indent=2))
    frame = len(json.dumps(big_template(0, 0), indent=2))
    tags = max(0, min(40, int((target_bytes - frame) / count - one) // tag)) if count else 0
    current = big_template(count, tags)
    proposed = json.loads(json.dumps(current))
    changed = max(1, round(count * share))
    for i in sorted(random.Random(count * 1000 + int(share * 100)).sample(range(count), changed)):
        change_resource(proposed["resources"][i])
    size = 0
    paths = []
    for side, template in (("current", current), ("proposed", proposed)):
        path = folder / f"vmss-{count}-{share:.2f}-{side}.json"
        size += _write(path, template)
        size += _write(path.with_name(path.stem + ".parameters.json"), big_template_parameters())
        paths.append(path)
    return paths[0], paths[1], size, changed


def base_ref_repository(root: Path, files: int) -> tuple[Path, int]:
    """A git repository with ``files`` scale-set templates (each with a parameters file)
    committed, then each template edited in the working tree. Returns (repo, bytes read)."""
    template = json.loads((TEMPLATE_EXAMPLE / "current.json").read_text(encoding="utf-8"))
    parameters = json.loads((TEMPLATE_EXAMPLE / "current.parameters.json").read_text(encoding="utf-8"))
    root.mkdir(parents=True)
    for i in range(files):
        folder = root / f"vmss-{i:02d}"
        folder.mkdir()
        _write(folder / "azuredeploy.json", template)
        params = json.loads(json.dumps(parameters))
        params["parameters"]["vmssName"]["value"] = f"web-{i:02d}"
        _write(folder / "azuredeploy.parameters.json", params)
    env = _env(GIT_ENV)
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "base"]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)
    size = 0
    for i in range(files):
        path = root / f"vmss-{i:02d}" / "azuredeploy.json"
        edited = json.loads(path.read_text(encoding="utf-8"))
        for ext in edited["resources"][0]["properties"]["virtualMachineProfile"]["extensionProfile"]["extensions"]:
            ext["properties"]["settings"]["requestPath"] = "/health/ready"
        # both sides of the template and of its parameters file are read
        size += 2 * _write(path, edited) + 2 * (path.parent / "azuredeploy.parameters.json").stat().st_size
    return root, size


def count_processes(cmd: list[str], cwd: Path, env: dict[str, str]) -> dict[str, int] | None:
    """Processes ``cmd`` starts, by program name (strace; None without it)."""
    strace = shutil.which("strace")
    if not strace:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "execve"
        proc = subprocess.run([strace, "-f", "-qq", "-e", "trace=execve", "-o", str(log), *cmd], cwd=cwd,
                              env=env, capture_output=True, check=False)
        if not log.is_file() or proc.returncode not in (0, 1):
            return None
        counts: dict[str, int] = {}
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            match = re.search(r'execve\("([^"]+)".*\) = 0$', line)
            if match:
                name = Path(match.group(1)).name
                counts[name] = counts.get(name, 0) + 1
        return counts


# --- the corpus ---------------------------------------------------------------------------


def corpus_templates(corpus: Path, limit: int | None) -> list[Path]:
    index = corpus / "INDEX.json"
    if index.is_file():
        entries = json.loads(index.read_text(encoding="utf-8"))
        files = sorted(corpus / e["file"] for e in entries if e.get("kind") == "arm-template")
    else:
        files = sorted((corpus / "templates").rglob("*.json")) if (corpus / "templates").is_dir() else []
        files = [f for f in files if not f.name.endswith(".parameters.json")]
    return files[:limit] if limit else files


#: The findings of the full (jsonschema) check: schema errors and converted strings.
SCHEMA_RULES = ("VAL010", "VAL011", "VAL020", "VAL022")


def full_check_run(inst: Install, path: Path, cwd: Path) -> tuple[bool, dict[str, int]]:
    """(did ``validate`` import jsonschema, its findings of the schema rules by rule), from
    one untimed run with ``PYTHONPROFILEIMPORTTIME=1``."""
    proc = subprocess.run([str(inst.vmssplan), "validate", "-o", "json", str(path)], cwd=cwd,
                          env=_env({"PYTHONPROFILEIMPORTTIME": "1"}), capture_output=True, text=True, check=False)
    imported = any(re.search(r"\|\s*jsonschema\s*$", line) for line in proc.stderr.splitlines())
    try:
        findings = json.loads(proc.stdout).get("findings", [])
    except ValueError:
        findings = []
    rules: dict[str, int] = {}
    for finding in findings:
        if finding.get("rule") in SCHEMA_RULES:
            rules[finding["rule"]] = rules.get(finding["rule"], 0) + 1
    return imported, rules


# --- the run ------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per measurement (median, min, max)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the raw figures to FILE")
    parser.add_argument("--quick", action="store_true",
                        help="small sizes, to prove the script works (the figures mean nothing)")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="the shared corpus (default: %(default)s)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is not met")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    resources = 40 if args.quick else ARM_MAX_RESOURCES
    target_bytes = TEMPLATE_BYTES * resources // ARM_MAX_RESOURCES
    files = 3 if args.quick else BASE_REF_FILES
    corpus_limit = 3 if args.quick else None
    runs = args.runs

    with tempfile.TemporaryDirectory(prefix="vmssplan-bench-") as tmp:
        root = Path(tmp)
        print(f"installing vmssplan from {REPO} (not editable) into a new venv ...", file=sys.stderr)
        inst = install(root)
        exe = str(inst.vmssplan)
        print(f"measuring vmssplan {inst.version} ({inst.module_file}), {runs} runs each ...", file=sys.stderr)
        samples: list[Sample] = []
        notes: list[str] = []

        passing = measure("python -c pass", [str(inst.python), "-c", "pass"], runs, root, ok=(0,))
        samples.append(passing)
        here = measure("python -c pass (the interpreter running the benchmark)", [sys.executable, "-c", "pass"],
                       runs, root, ok=(0,))
        here.note = "for comparison only: an editable install or a --system-site-packages venv runs .pth files"
        samples.append(here)
        start_up = measure("vmssplan --version", [exe, "--version"], runs, root, ok=(0,))
        samples.append(start_up)
        typical_args = [str((TYPICAL / name).relative_to(REPO)) for name in ("current.json", "proposed.json")]
        typical = measure("plan, typical pair (os-image-version)", [exe, "plan", *typical_args], runs, REPO,
                          input_bytes=sum((TYPICAL / n).stat().st_size for n in ("current.json", "proposed.json")))
        samples.append(typical)
        whatif_files = [WHATIF / "whatif.json", WHATIF / "instances.json"]
        whatif = measure("plan, a what-if result with instances (whatif)",
                         [exe, "plan", str(whatif_files[0].relative_to(REPO)), "--instances",
                          str(whatif_files[1].relative_to(REPO))], runs, REPO,
                         input_bytes=sum(p.stat().st_size for p in whatif_files))
        samples.append(whatif)

        # the corpus
        corpus_rows: list[dict[str, Any]] = []
        templates = corpus_templates(args.corpus, corpus_limit) if args.corpus.is_dir() else []
        if not templates:
            notes.append(f"validate of the corpus templates: skipped, no corpus at {args.corpus}")
        for path in templates:
            sample = measure(f"validate {path.relative_to(args.corpus)}", [exe, "validate", str(path)], runs,
                             args.corpus, input_bytes=path.stat().st_size)
            imported, schema_findings = full_check_run(inst, path, args.corpus)
            corpus_rows.append({"file": str(path.relative_to(args.corpus)), "median": sample.median,
                                "min": min(sample.times), "max": max(sample.times), "times": sample.times,
                                "rss_kib": sample.rss_kib, "bytes": sample.input_bytes,
                                "imports_jsonschema": imported, "schema_findings": schema_findings})

        # --base-ref over many files, against a plan of one of them
        repo, ref_bytes = base_ref_repository(root / "repo", files)
        git_env = _env(GIT_ENV)
        one = repo / "vmss-00"
        shutil.copyfile(one / "azuredeploy.parameters.json", root / "single.parameters.json")
        with (root / "single.json").open("wb") as base_version:
            subprocess.run(["git", "show", "HEAD:vmss-00/azuredeploy.json"], cwd=repo, env=git_env, check=True,
                           stdout=base_version)
        single = measure("plan, one of those template pairs (two files)",
                         [exe, "plan", str(root / "single.json"), str(one / "azuredeploy.json")], runs, root,
                         input_bytes=ref_bytes // files)
        samples.append(single)
        base_ref = measure(f"plan --base-ref HEAD, {files} changed templates", [exe, "plan", "--base-ref", "HEAD"],
                           runs, repo, input_bytes=ref_bytes, env=git_env)
        processes = count_processes([exe, "plan", "--base-ref", "HEAD"], repo, git_env)
        if processes is None:
            notes.append("git processes of --base-ref: not counted (no strace)")
        else:
            base_ref.extra["processes"] = processes
            started = sum(processes.values()) - 1  # the first is vmssplan itself
            base_ref.note = f"starts {processes.get('git', 0)} git processes ({started} processes in all)"
        samples.append(base_ref)

        # ARM's maximum
        big: dict[float, Sample] = {}
        for share in (0.01, 0.10):
            current, proposed, size, changed = generate_pair(root, resources, share, target_bytes)
            check = subprocess.run([exe, "plan", str(current), str(proposed), "-o", "json"], cwd=root, env=_env(),
                                   capture_output=True, text=True, check=False)
            if check.returncode not in (0, 1):
                raise SystemExit(f"the generated pair does not plan:\n{check.stderr[-2000:]}")
            plan = json.loads(check.stdout)
            updated = sum(1 for s in plan["scale_sets"] if s["action"] != "no-op")
            if len(plan["scale_sets"]) != resources or updated != changed or plan.get("findings"):
                raise SystemExit(f"the generated pair plans {len(plan['scale_sets'])} scale sets, {updated} "
                                 f"changed, findings {plan.get('findings')}; expected {resources}, {changed}, none")
            sample = measure(f"plan, {resources} scale sets, {share:.0%} changed ({changed})",
                             [exe, "plan", str(current), str(proposed)], runs, root, input_bytes=size)
            sample.note = (f"2 templates of {current.stat().st_size / 1e6:.1f} MB + parameters "
                           f"(ARM: at most {ARM_MAX_RESOURCES} resources, {ARM_MAX_BYTES / 2**20:.0f} MiB)")
            big[share] = sample
            samples.append(sample)

    # the table
    unit = passing.median
    rows: list[tuple[str, str, str, str, str, str, str]] = []

    def row(name: str, med: float, lo: float, hi: float, rss: int | None, size: int | None, against_plan: bool) -> None:
        rows.append((name, f"{med * 1000:.0f}", f"{lo * 1000:.0f}-{hi * 1000:.0f}",
                     f"{rss / 1024:.0f}" if rss else "-",
                     f"{size / 1e6:.2f}" if size else "-",
                     f"{med / unit:.1f}x",
                     f"{med / typical.median:.1f}x" if against_plan else ""))

    for s in samples:
        row(s.name, s.median, min(s.times), max(s.times), s.rss_kib, s.input_bytes,
            s in big.values() or s is base_ref or s is single or s is whatif)
    if corpus_rows:
        medians = [r["median"] for r in corpus_rows]
        by_time = sorted(corpus_rows, key=lambda r: r["median"], reverse=True)
        full = [r for r in corpus_rows if r["imports_jsonschema"]]
        quick = [r for r in corpus_rows if not r["imports_jsonschema"]]
        rows.append((f"validate, {len(corpus_rows)} corpus templates: median of their medians",
                     f"{statistics.median(medians) * 1000:.0f}", f"{min(medians) * 1000:.0f}-{max(medians) * 1000:.0f}",
                     f"{max(r['rss_kib'] or 0 for r in corpus_rows) / 1024:.0f}", "",
                     f"{statistics.median(medians) / unit:.1f}x", ""))
        for r in by_time[:3]:
            row(f"  worst: {r['file']}", r["median"], r["min"], r["max"], r["rss_kib"], r["bytes"], False)
        for label, group in (("passed the quick check (no jsonschema)", quick),
                             ("rejected by the quick check (imports jsonschema)", full)):
            if group:
                m = statistics.median(r["median"] for r in group)
                low, high = min(r["median"] for r in group), max(r["median"] for r in group)
                rows.append((f"  {label}: {len(group)}, median", f"{m * 1000:.0f}",
                             f"{low * 1000:.0f}-{high * 1000:.0f}",
                             "", "", f"{m / unit:.1f}x", ""))

    headers = ("measurement", "median ms", "min-max ms", "RSS MiB", "input MB", "x pass", "x plan")
    widths = [max(len(h), *(len(line[i]) for line in rows)) for i, h in enumerate(headers)]
    print(f"vmssplan {inst.version}, regular install; Python {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"load {' '.join(f'{x:.1f}' for x in os.getloadavg()) if hasattr(os, 'getloadavg') else '?'}; "
          f"median of {runs} runs (after a warm-up run)")
    print("  ".join(h.ljust(widths[0]) if i == 0 else h.rjust(widths[i]) for i, h in enumerate(headers)))
    for line in rows:
        print("  ".join(c.ljust(widths[0]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(line)))
    print("  (x pass: the median against python -c pass of the venv; x plan: against the typical plan)")
    for s in samples:
        if s.note:
            print(f"  {s.name}: {s.note}")
    if corpus_rows:
        full = [r for r in corpus_rows if r["imports_jsonschema"]]
        print(f"  corpus templates the quick check rejects, so that validate imports jsonschema "
              f"({len(full)} of {len(corpus_rows)}), with the full check's findings:")
        for r in full:
            found = ", ".join(f"{n} {rule}" for rule, n in sorted(r["schema_findings"].items()))
            print(f"    {r['file']}: {found or 'no schema finding'}")
    for note in notes:
        print(f"  note: {note}")

    # the targets
    targets: list[dict[str, Any]] = []

    def target(name: str, value: float, limit: float, unit_name: str) -> None:
        targets.append({"target": name, "value": value, "limit": limit, "met": value <= limit})
        print(f"{'met    ' if value <= limit else 'NOT MET'}  {name}: {value:.1f}x {unit_name} (limit {limit:g}x)")

    print()
    target("typical plan within 8x python -c pass", typical.median / unit, 8, "python -c pass")
    if corpus_rows:
        worst = max(corpus_rows, key=lambda r: r["median"])
        target(f"validate of any corpus template within 10x python -c pass (worst: {worst['file']})",
               worst["median"] / unit, 10, "python -c pass")
    else:
        print("skipped  validate of any corpus template within 10x python -c pass: no corpus")
    target(f"{resources} scale sets, 1% changed, within 6x the typical plan", big[0.01].median / typical.median, 6,
           "typical plan")
    target(f"{resources} scale sets, 10% changed, within 8x the typical plan", big[0.10].median / typical.median, 8,
           "typical plan")
    target(f"--base-ref over {files} files within 2x the plan of one", base_ref.median / single.median, 2,
           "plan of one")
    for share, sample in big.items():
        assert sample.input_bytes
        if sample.rss_kib:
            above = (sample.rss_kib - (start_up.rss_kib or 0)) * 1024 / sample.input_bytes
            target(f"peak memory of the {share:.0%} pair under 10x its input ({sample.rss_kib / 1024:.0f} MiB for "
                   f"{sample.input_bytes / 1e6:.1f} MB; above start-up: {above:.1f}x)",
                   sample.rss_kib * 1024 / sample.input_bytes, 10, "the input")
        else:
            print("skipped  peak memory: max RSS is not available on this platform")

    if args.json:
        args.json.write_text(json.dumps({
            "vmssplan": {"version": inst.version, "imported_from": inst.module_file, "install": "regular (wheel)"},
            "python": platform.python_version(), "cpus": os.cpu_count(), "runs": runs, "quick": args.quick,
            "samples": [{**asdict(s), "median": s.median, "min": min(s.times), "max": max(s.times),
                         "ratio_to_python_c_pass": s.median / unit} for s in samples],
            "corpus": corpus_rows, "notes": notes, "targets": targets,
        }, indent=2) + "\n", encoding="utf-8")
    return 1 if args.strict and not all(t["met"] for t in targets) else 0


if __name__ == "__main__":
    raise SystemExit(main())
