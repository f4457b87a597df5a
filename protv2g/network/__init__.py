"""Feeder models: pandapower nets from JSON, built-ins, OpenDSS, and synthetic feeders."""
