"""The import over the API: upload a file, read the dry run's report, commit it.

``check`` reads and checks an uploaded file at once, exactly as the CLI does, and keeps it (with
its report) as an ``ActivityImport``. ``commit`` writes it as background work: the rows are read
and checked again (a period may have been locked since), then written in one transaction.
Subscribers hear progress after every chunk and the outcome after the commit; ``get`` polls
the outcome. An import belongs to the organisations whose activities it holds, not to whoever
uploaded it (many tokens share a subject: the CLI's default, a fagsystem's service account): it
is seen by those who read all of them and committed by those who write all of them, and another
organisation's answers exactly like a missing one. Writing still checks every row.
"""

from .service import ImportState, check, commit, follow_progress, get
from .writing import MAX_ATTEMPTS, recover, run

__all__ = ["MAX_ATTEMPTS", "ImportState", "check", "commit", "follow_progress", "get", "recover", "run"]
