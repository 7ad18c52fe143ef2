"""The Bufdir report structure of the demo data: 7 sections, 34 required fields, in report
order (the rule vocabulary is in ``rules``)."""

from __future__ import annotations

from typing import Any

from . import sections_child_welfare, sections_services

SECTIONS: list[dict[str, Any]] = [*sections_child_welfare.SECTIONS, *sections_services.SECTIONS]
