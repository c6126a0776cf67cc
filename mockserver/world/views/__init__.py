"""The JSON shapes every handler returns, and the files served behind signed links.

Pure functions of records at an instant ``now``: no writes, no clock reads. May import every
other ``world`` package; nothing in ``world`` imports ``views``.
"""
