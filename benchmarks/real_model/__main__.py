"""``python -m benchmarks.real_model``: see :mod:`benchmarks.real_model.cli`."""

import sys

from benchmarks.real_model.cli import main

sys.exit(main())
