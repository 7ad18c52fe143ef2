"""The package's shape holds: the import contract (pyproject's [tool.importlinter]) and every module
importable on its own, first, in a fresh interpreter — as a newcomer's `python -c "import …"` is.

A cycle that happens to work because some other module was imported first fails here.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "bufdir_reporting"


def modules() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if "migrations" in parts:
            continue  # loaded by Tortoise's migrator, by file
        found.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return found


def test_the_import_contract_is_kept():
    lint_imports = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint_imports, "import-linter is a dev dependency (make test installs it)"
    done = subprocess.run([lint_imports, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


# Importing ``a.b.c`` first is, to Python, importing ``a``, then ``a.b``, then ``a.b.c`` from the
# state that leaves. So the check runs as a tree of forks: a zygote imports the third-party
# libraries once; a child imports ``bufdir_reporting`` first; from that child, one grandchild per
# module directly below it, each importing that module first; and so on down each package. Every
# module is imported from exactly the state a fresh interpreter is in when it reaches it, its
# packages imported before it, in order: the same proof as one interpreter per module. A module
# that its package's import loaded already is covered by that import (``import_module`` finds it
# in ``sys.modules`` and runs nothing more); below it the walk goes on in the same process. The
# tree imports each package once, not once per module in it: 16 s of CPU instead of the 36 s of one
# fork per module from the zygote (148 modules), which was over a minute of the suite on two busy cores.
#
# And it goes up the contract's layers (``stages``), bottom first. What a layer's modules import
# when imported first is a set closed under import (``closure``: nothing in it imports anything
# outside it); once each of its modules has been imported first, the zygote imports the whole
# set, and the next layer's modules are imported first from there. That is the same proof for
# them: importing M first runs the modules outside the set in the same order, over the same
# half-imported modules, as in a fresh interpreter, since a module of the set, reached from one
# outside it, imports only modules of the set and returns whole; what M no longer runs is
# modules that were each proven first already. Before, every grandchild imported the layers below
# it again: the models and the use-case base in each of 70 forks, the GraphQL schema built again
# by each of the nine modules above it (app, cached_reads, graphql_http, …). The check took
# 28.7 s of CPU in the suite's profile (30.8 alone, load 7-8), 12-14 s by layers (2026-12-05).
ZYGOTE = """
import importlib, json, os, sys
for library in ("strawberry", "fastapi", "tortoise", "pydantic", "pydantic_settings", "openpyxl", "jwt",
                "aiodataloader", "broadcaster", "prometheus_client", "graphql", "starlette", "ulid"):
    importlib.import_module(library)
stages, modules = json.loads(sys.argv[1]), sys.argv[2:]


def below(package, among):
    \"\"\"The modules of ``among`` whose nearest listed package is ``package``.\"\"\"
    found = []
    for name in among:
        parent = name.rpartition(".")[0]
        while parent and parent not in modules:
            parent = parent.rpartition(".")[0]
        if parent == package:
            found.append(name)
    return found


def report(module, outcome):
    sys.stdout.write(json.dumps([module, outcome]) + "\\n")
    sys.stdout.flush()


def walk(package, among):
    \"\"\"In a process that has just imported ``package`` first, the modules of ``among`` below it.\"\"\"
    for module in below(package, among):
        if module in sys.modules:
            report(module, "covered")
            walk(module, among)
            continue
        child = os.fork()
        if child == 0:
            try:
                importlib.import_module(module)
            except BaseException as exc:
                report(module, f"{type(exc).__name__}: {exc}")
                os._exit(1)
            report(module, "ok")
            walk(module, among)
            os._exit(0)
        os.waitpid(child, 0)


def closure(prefixes):
    \"\"\"The listed modules a fork has once it imported every module of ``prefixes`` (and the zygote's).\"\"\"
    read, write = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(read)
        try:
            for name in modules:
                if name in prefixes or name.startswith(tuple(prefix + "." for prefix in prefixes)):
                    importlib.import_module(name)
        except BaseException:
            pass  # the walk below imports it first and says what failed
        os.write(write, json.dumps([name for name in modules if name in sys.modules]).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        found = json.load(pipe)
    os.waitpid(child, 0)
    return found


proven = []
for stage in [*stages, None]:  # None: the rest, above every layer
    among = [name for name in (modules if stage is None else closure(stage)) if name not in proven]
    for package in ["", *proven]:
        walk(package, among)
    try:
        for name in among:
            importlib.import_module(name)  # each proven first just now
    except BaseException:
        sys.exit(f"stopped below {stage}: a module of it did not import first (reported)")
    proven += among
"""


def stages() -> list[list[str]]:
    """The contract's layers, bottom first, a layer of use cases in place of ``resolvers``: each
    a list of the packages it names."""
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    layered = [contract["layers"] for contract in contracts if contract["type"] == "layers"]
    inner = {layers[0].rpartition(".")[0]: layers for layers in layered[1:]}
    found: list[list[str]] = []
    for layer in reversed(layered[0]):
        for part in reversed(inner.get(layer, [])):
            found.append([name.strip() for name in part.split("|")])
        found.append([name.strip() for name in layer.split("|")])
    return found


def test_every_module_imports_first_in_a_fresh_interpreter():
    assert not any(name.startswith("bufdir_reporting") for name in ZYGOTE.split("stages, modules = ")[0].split())
    layers = stages()
    assert ["bufdir_reporting.language"] == layers[0] and ["bufdir_reporting.resolvers.base"] in layers, layers
    done = subprocess.run(
        [sys.executable, "-c", ZYGOTE, json.dumps(layers), *modules()],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    reported = [json.loads(line) for line in done.stdout.splitlines()]
    outcomes = dict(reported)
    assert len(modules()) > 60
    assert {m: o for m, o in outcomes.items() if o not in ("ok", "covered")} == {}
    assert done.returncode == 0, done.stderr[-3000:]
    assert set(outcomes) == set(modules()), "modules not reached: their package did not import"
    assert len(reported) == len(outcomes), "a module imported first twice"
    assert outcomes["bufdir_reporting"] == "ok" and list(outcomes.values()).count("ok") > 20
