"""Organisations that report to Bufdir."""

from .service import get_or_raise, list_

__all__ = ["get_or_raise", "list_"]
