"""Reading activity files for ``bufdir-reporting import``: CSV (header row) or JSON lines.

CSV cells that are empty mean "not given"; ``participant_refs`` lists references separated
by ``;``. The whole file is validated before anything is written; then it is written in
batches, each in its own transaction. Rows are idempotent on (organisation, source system,
external id), so running an import again after an interruption is safe.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .resolvers import activities
from .resolvers.base.context import Context

BATCH = 1000


class ImportFileError(Exception):
    """The file cannot be read as CSV or JSON lines."""


def read_rows(path: Path) -> Iterator[dict[str, Any]]:
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        with path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ImportFileError(f"line {number} is not JSON: {exc.msg}") from None
                if not isinstance(row, dict):
                    raise ImportFileError(f"line {number} is not a JSON object")
                yield row
        return
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            cleaned = {key: value for key, value in row.items() if key and value not in (None, "")}
            if "participant_refs" in cleaned:
                cleaned["participant_refs"] = [r for r in cleaned["participant_refs"].split(";") if r]
            yield cleaned


async def import_file(ctx: Context, path: Path, *, dry_run: bool, progress: Callable[[str], None]) -> activities.IngestResult:
    specs, errors = activities.parse_rows(read_rows(path))
    progress(f"read {len(specs) + len({e.row for e in errors}):,} rows, {len({e.row for e in errors}):,} with errors")
    result = activities.IngestResult(errors=errors)
    if errors or dry_run:
        return result
    for start in range(0, len(specs), BATCH):
        batch = [spec for _, spec in specs[start : start + BATCH]]
        for _, created in await activities.write(ctx, batch):
            result.created += created
            result.updated += not created
        progress(f"written {min(start + BATCH, len(specs)):,}/{len(specs):,}")
    return result
