"""The package's shape holds: the import contract (pyproject's [tool.importlinter]) and every module
importable on its own, first, in a fresh interpreter — as a newcomer's `python -c "import …"` is.

A cycle that happens to work because some other module was imported first fails here.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
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
ZYGOTE = """
import importlib, json, os, sys
for library in ("strawberry", "fastapi", "tortoise", "pydantic", "pydantic_settings", "openpyxl", "jwt",
                "aiodataloader", "broadcaster", "prometheus_client", "graphql", "starlette", "ulid"):
    importlib.import_module(library)
modules = sys.argv[1:]


def below(package):
    \"\"\"The modules whose nearest listed package is ``package``.\"\"\"
    found = []
    for name in modules:
        parent = name.rpartition(".")[0]
        while parent and parent not in modules:
            parent = parent.rpartition(".")[0]
        if parent == package:
            found.append(name)
    return found


def report(module, outcome):
    sys.stdout.write(json.dumps([module, outcome]) + "\\n")
    sys.stdout.flush()


def walk(package):
    \"\"\"In a process that has just imported ``package`` first.\"\"\"
    for module in below(package):
        if module in sys.modules:
            report(module, "covered")
            walk(module)
            continue
        child = os.fork()
        if child == 0:
            try:
                importlib.import_module(module)
            except BaseException as exc:
                report(module, f"{type(exc).__name__}: {exc}")
                os._exit(1)
            report(module, "ok")
            walk(module)
            os._exit(0)
        os.waitpid(child, 0)


walk("")
"""


def test_every_module_imports_first_in_a_fresh_interpreter():
    assert not any(name.startswith("bufdir_reporting") for name in ZYGOTE.split("modules = ")[0].split())
    done = subprocess.run(
        [sys.executable, "-c", ZYGOTE, *modules()], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    outcomes = dict(json.loads(line) for line in done.stdout.splitlines())
    assert len(modules()) > 60
    assert {m: o for m, o in outcomes.items() if o not in ("ok", "covered")} == {}
    assert set(outcomes) == set(modules()), "modules not reached: their package did not import"
    assert outcomes["bufdir_reporting"] == "ok" and list(outcomes.values()).count("ok") > 20
