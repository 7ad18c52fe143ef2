"""Organisations that report to Bufdir."""

from . import tree
from .service import get_for_write, get_or_raise, list_

__all__ = ["get_for_write", "get_or_raise", "list_", "tree"]
