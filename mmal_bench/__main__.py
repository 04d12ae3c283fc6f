"""``python -m mmal_bench`` runs the CLI."""

import sys

from mmal_bench.cli import main

sys.exit(main())
