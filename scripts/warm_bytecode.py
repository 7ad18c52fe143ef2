"""Compile the suite's own code once, before its processes start: the test modules as pytest
rewrites them (its assertion rewriting, cached as ``__pycache__/*-pytest-*.pyc``), the project's
other modules as Python compiles them.

In a fresh clone nothing is cached, and ``make test`` starts its pytest workers at the same moment:
each rewrote and compiled every test module itself (5.7 s of CPU per worker on the 2-core CI
machine) before any had written a cache the others could read. Done here first, in a process per
core, each is done once; where the caches are current this reads and hashes the sources and
writes nothing (0.1 s). The installed libraries are compiled by ``uv pip install
--compile-bytecode`` (Makefile).

    python scripts/warm_bytecode.py [FOLDER ...]     # default: bufdir_reporting tests bench

The rewriting is pytest's own (``_pytest.assertion.rewrite``: the same functions its import hook
calls, with the same arguments but the configuration, which changes nothing the suite uses);
tests/test_library_internals.py fails if they move.
"""

from __future__ import annotations

import compileall
import fnmatch
import os
import re
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from _pytest.assertion.rewrite import PYC_TAIL, _read_pyc, _rewrite_test, _write_pyc, get_cache_dir

FOLDERS = ("bufdir_reporting", "tests", "bench")
REWRITTEN = ("test_*.py", "*_test.py", "conftest.py")
"""What pytest rewrites in the suite: its default ``python_files`` and the conftest files."""
NOT_PLAIN = re.compile(r"(^|/)(test_[^/]*|[^/]*_test|conftest)\.py$")
"""The same, left out of the plain compiling: pytest never reads their plain bytecode."""


class _Quiet:
    """What ``_write_pyc`` is given as pytest's assertion state: it only traces failures, and a
    pyc that cannot be written is written by pytest itself later."""

    def trace(self, message: str) -> None:
        pass


def rewritten_pyc(source: Path) -> Path:
    return get_cache_dir(source) / (source.name[:-3] + PYC_TAIL)


def rewrite(source: Path) -> bool:
    """The module rewritten and cached as pytest's import hook would; False if it already was."""
    pyc = rewritten_pyc(source)
    if _read_pyc(source, pyc) is not None:
        return False
    pyc.parent.mkdir(exist_ok=True)
    source_hash, code = _rewrite_test(source, None)  # no configuration: the suite sets no option the rewriting reads
    return _write_pyc(_Quiet(), code, source_hash, pyc)


def _rewrite_all(sources: list[Path]) -> int:
    return sum(rewrite(source) for source in sources)


def warm(folders: list[Path]) -> int:
    """Every module of ``folders`` compiled, the test modules rewritten; how many were rewritten."""
    workers = os.cpu_count() or 1
    sources = sorted(
        path
        for folder in folders
        for path in folder.rglob("*.py")
        if any(fnmatch.fnmatch(path.name, pattern) for pattern in REWRITTEN)
    )
    shares = [sources[i::workers] for i in range(workers)]
    with ProcessPoolExecutor(workers) as pool:
        rewriting = [pool.submit(_rewrite_all, share) for share in shares if share]
        for folder in folders:
            compileall.compile_dir(folder, quiet=1, workers=workers, rx=NOT_PLAIN)
        return sum(done.result() for done in rewriting)


def main(argv: list[str]) -> int:
    if sys.dont_write_bytecode:  # PYTHONDONTWRITEBYTECODE: nothing would be cached anyway
        return 0
    folders = [Path(name) for name in (argv or FOLDERS)]
    warm([folder for folder in folders if folder.is_dir()])
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
