"""`python -m pipeline` is the same program as the `perda` console script."""

from __future__ import annotations

import sys

from pipeline.cli import main

sys.exit(main())
