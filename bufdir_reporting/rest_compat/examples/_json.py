"""The type of a contract example: a JSON object as its document shows it."""

from __future__ import annotations

from typing import Any

JSON = dict[str, Any]
