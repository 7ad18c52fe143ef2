"""The report file store: files under one root directory, addressed by relative ``file_ref``.

A ref is a relative POSIX path without ``..``; anything that could leave the root (absolute
paths, parent steps, backslashes, NUL) is refused, so a stored ref can never reach outside.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path, PurePosixPath

from ...errors import InvalidInput


class FileStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    @staticmethod
    def checked(ref: str, *, field: str = "file_ref") -> str:
        path = PurePosixPath(ref)
        if (
            not ref
            or "\\" in ref
            or "\x00" in ref
            or path.is_absolute()
            or ref.startswith("~")
            or any(part in ("..", "") for part in ref.split("/"))
            or len(ref) > 512
        ):
            raise InvalidInput(field=field, message_id="reporting.filestore.file_ref_relative_path")
        return str(path)

    def path(self, ref: str) -> Path:
        target = (self.root / self.checked(ref)).resolve()
        if not target.is_relative_to(self.root.resolve()):
            raise InvalidInput(field="file_ref", message_id="reporting.filestore.file_ref_relative_path_2")
        return target

    def write(self, ref: str, content: bytes) -> int:
        """Write atomically (temporary file + rename): a reader never sees half a file."""
        target = self.path(ref)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.replace(temporary, target)
        return len(content)

    def exists(self, ref: str) -> bool:
        return self.path(ref).is_file()

    def delete(self, ref: str) -> None:
        self.path(ref).unlink(missing_ok=True)
