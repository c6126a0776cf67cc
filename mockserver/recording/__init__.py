"""Recording what the mock answered: the request journal, the API coverage counters, the
write-behind that turns an answered request into an entry only when someone may read it,
the exchange a request hands over, and the request stores of each state backend.

Rule: recording watches the domain from outside. It may use ``world.events`` (the state
file's path, the stored text of an entry, a shared word) and the leaves; ``world`` never
imports it (import-linter checks), and ``MockApp``, not the world, holds the journal.
"""
