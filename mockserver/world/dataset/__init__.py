"""The seeded dataset of a workspace: generated workflows, runs and uploads, plus fixture pins.

Deterministic from (seed, fixtures). ``generate.SeededDataset`` is handed to ``state.World`` by
create_app, so the store never imports this package. May import ``state``, ``runs``,
``catalog`` and ``rng``.
"""
