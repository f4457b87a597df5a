"""``python -m protv2g``: the ``protv2g`` command (:func:`protv2g.cli.main`)."""

import sys

from protv2g.cli import main

sys.exit(main())
