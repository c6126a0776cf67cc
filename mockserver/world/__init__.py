"""The mock's domain: everything the API knows, with no HTTP in it (never imports Flask).

Subpackages, top to bottom; each may import only the ones below it (import-linter checks):

- ``views``   the JSON shapes (and files behind links) that handlers return;
- ``dataset`` the seeded records of a workspace: generation and the graphs it draws;
- ``state``   what the mock holds: the store, records, fixture documents, links;
- ``runs``    run simulation: plan, lifecycle, progress, pricing, script text;
- ``catalog`` the node catalog and the graph rules read from it;
- ``rng``     seeded random streams and stable ids, which every layer draws from;
- ``events``  the event log and its backends (beside ``rng``: it knows no records).

Outside ``world`` they may use only the leaves (``errors``, ``envelope``, ``settings``, ``clock``).
"""
