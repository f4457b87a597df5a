"""The ``protv2g`` command's exit codes (:mod:`protv2g.cli`): 0 success, 1 a failed gate, 2
bad input. Their own module so that the command bodies split from :mod:`protv2g.cli`
(:mod:`protv2g.cli_run`, :mod:`protv2g.cli_validate`) return them without importing the entry
point back."""

EXIT_OK = 0
EXIT_FAIL = 1
EXIT_INPUT = 2
