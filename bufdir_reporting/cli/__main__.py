"""``python -m bufdir_reporting.cli``, as the tests and a checkout without the script run it."""

import sys

from . import main

if __name__ == "__main__":
    sys.exit(main())
