"""The experiments layer: each experiment is one object with its settings, key, compute step and
stored file (store.py). It imports the computing layer only."""
