"""`python -m ipdash`: see ipdash.cli."""

import sys

from ipdash.cli import main

if __name__ == "__main__":
    sys.exit(main())
