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


# A zygote imports the third-party libraries once, then forks one child per module of ours; each
# child imports that module first, in a fresh ``sys.modules`` as far as this package is concerned.
# Same proof as one interpreter per module, at a twentieth of the time.
ZYGOTE = """
import importlib, json, os, sys
for library in ("strawberry", "fastapi", "tortoise", "pydantic", "pydantic_settings", "openpyxl", "jwt",
                "aiodataloader", "broadcaster", "prometheus_client", "graphql", "starlette", "ulid"):
    importlib.import_module(library)
waiting, running, failed = list(sys.argv[1:]), {}, {}
while waiting or running:
    while waiting and len(running) < 4:
        module = waiting.pop()
        read, write = os.pipe()
        child = os.fork()
        if child == 0:
            os.close(read)
            try:
                importlib.import_module(module)
            except BaseException as exc:
                os.write(write, f"{type(exc).__name__}: {exc}".encode())
                os._exit(1)
            os._exit(0)
        os.close(write)
        running[child] = (module, read)
    child, status = os.wait()
    module, read = running.pop(child)
    with os.fdopen(read) as pipe:
        message = pipe.read()
    if status != 0:
        failed[module] = message or f"exit status {status}"
print(json.dumps(failed))
"""


def test_every_module_imports_first_in_a_fresh_interpreter():
    assert not any(name.startswith("bufdir_reporting") for name in ZYGOTE.split("for module")[0].split())
    done = subprocess.run(
        [sys.executable, "-c", ZYGOTE, *modules()], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert len(modules()) > 60
    assert json.loads(done.stdout) == {}
