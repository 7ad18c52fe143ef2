"""The Bufdir report structure of the demo data: 8 sections, 57 fields of which 34 required, in
report order (the rule vocabulary is in ``rules``)."""

from __future__ import annotations

from typing import Any

from . import sections_child_welfare, sections_services

SECTIONS: list[dict[str, Any]] = [*sections_child_welfare.SECTIONS, *sections_services.SECTIONS, sections_child_welfare.STAFFING]
