"""protv2g: protection-coordination studies for distribution feeders with V2G chargers."""

__version__ = "0.1.0"
