"""Run simulation: the plan decided once per run, the lifecycle folded over its controls, the
progress read at an instant, pricing, and the script text a run reads.

May import ``catalog`` and ``rng`` only: a run knows nothing of the store or of JSON shapes.
"""
