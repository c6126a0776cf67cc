"""``onepin-mock verify``: contract checks of any live Onepin server against openapi.yaml.

Layering: ``cli`` parses options -> ``runner`` (discovery, probes, fuzzing, clean-up) ->
``caller`` sends through Schemathesis and runs ``checks`` on every answer, judged by
``contract`` (the mock's own compiled spec) -> ``report`` writes Markdown and JUnit.
Nothing here imports Flask or the mock's state: the server under test may be anything.
"""

from __future__ import annotations

from .cli import main

__all__ = ["main"]
