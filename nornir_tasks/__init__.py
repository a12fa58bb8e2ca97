"""Nornir tasks of this project: one task per module, each returning ``diff`` and ``changed``."""
