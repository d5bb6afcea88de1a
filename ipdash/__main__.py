"""`python -m ipdash`: see ipdash.cli."""

import sys

from ipdash.cli import main

sys.exit(main())
