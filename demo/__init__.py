"""Demo data: reference data from data/*.json plus deterministic synthetic readiness records.

`demo.seed.seed_demo` is the entry point (used by `manage.py seed_demo`).
"""
