"""Data loaded by command: the committed annex seed, and synthetic scale data."""
