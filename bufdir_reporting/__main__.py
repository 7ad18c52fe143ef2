"""``python -m bufdir_reporting``: the command line, as people type it knowing the package's name
(``python -m bufdir_reporting serve --demo`` said "cannot be directly executed"; outsider)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
