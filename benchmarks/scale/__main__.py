"""``python -m benchmarks.scale``: see :mod:`benchmarks.scale.cli`."""

import sys

from benchmarks.scale.cli import main

sys.exit(main())
