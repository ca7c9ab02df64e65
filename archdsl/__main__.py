"""`python -m archdsl`: the same as the `archdsl` command."""

import sys

from archdsl.cli import main

sys.exit(main())
