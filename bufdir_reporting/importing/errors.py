"""The import's one error of its own: a file that cannot be read as activities at all."""

from __future__ import annotations

from ..language import Language, say


class ImportFileError(Exception):
    """The file as a whole cannot be read as activities; the message says why and what to do.

    Its words are a message of the catalogue (``message_id``, ``values``; ``messages/imports.toml``),
    said in the uploader's language where the API answers (``uploads.check``) and in English
    as ``str()`` (the command line's)."""

    def __init__(self, message: str | None = None, *, message_id: str, values: dict[str, object] | None = None) -> None:
        self.message_id = message_id
        self.values = values or {}
        super().__init__(message or say(message_id, Language.EN, **self.values))
