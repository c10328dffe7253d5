"""`python -m citeaudit` is the console script."""

import sys

from citeaudit.cli import main

sys.exit(main())
