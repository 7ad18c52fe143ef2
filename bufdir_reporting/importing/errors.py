"""The import's one error of its own: a file that cannot be read as activities at all."""

from __future__ import annotations


class ImportFileError(Exception):
    """The file as a whole cannot be read as activities; the message says why and what to do."""
