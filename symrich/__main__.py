"""``python -m symrich``: the ``symrich`` command line."""

import sys

from symrich.cli import main

if __name__ == "__main__":
    sys.exit(main())
