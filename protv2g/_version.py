"""The package version (a leaf: ``protv2g --version`` and ``--help`` import nothing else)."""

__version__ = "0.1.0"
