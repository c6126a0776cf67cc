"""What the mock holds: the store (``World``, ``WorkspaceState``), records, the fixture
documents that define workspaces, users and keys, signed links, and the
admin-side changes and export of that state.

May import ``runs``, ``catalog`` and ``rng``; never ``dataset`` (injected) or ``views``.
"""
