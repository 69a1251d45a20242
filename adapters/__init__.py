"""Thin translators that put the Homeroom core on a platform (and the CLI that runs them)."""
