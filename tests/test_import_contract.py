"""The package's shape holds: the import contract (pyproject's [tool.importlinter]) and every module
importable on its own, first, in a fresh interpreter — as a newcomer's `python -c "import …"` is.

A cycle that happens to work because some other module was imported first fails here.
"""

from __future__ import annotations

import asyncio
import os
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


async def _import_alone(module: str, slots: asyncio.Semaphore) -> tuple[str, int, str]:
    async with slots:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            f"import {module}",
            cwd=ROOT,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        _, err = await process.communicate()
        return module, process.returncode or 0, err.decode(errors="replace")


async def test_every_module_imports_first_in_a_fresh_interpreter():
    slots = asyncio.Semaphore(4)
    results = await asyncio.gather(*(_import_alone(module, slots) for module in modules()))
    failed = {module: err.strip().splitlines()[-1] for module, code, err in results if code != 0}
    assert len(results) > 60
    assert failed == {}
