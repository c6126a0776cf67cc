"""The node catalog (``data/catalog.yaml``) and the rules it implies for a workflow graph:
node types, options, voices, prices, save-time and start-time checks, graph reading helpers.

May import nothing else in ``world`` (only the leaves outside it).
"""
