"""``onepin-mock verify``: contract checks of any live Onepin server against openapi.yaml.

Layering: ``cli`` parses options -> ``runner`` (discovery, probes, fuzzing, clean-up) ->
``caller`` sends through Schemathesis and runs ``checks`` on every answer, judged by
``contract`` (the mock's own compiled spec) -> ``report`` writes Markdown and JUnit.
Nothing here imports Flask or the mock's state: the server under test may be anything.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """``onepin-mock verify``; imported lazily: ``checks`` and ``contract`` need no
    Schemathesis, so the proxy can use them without the ``[verify]`` extra."""
    import sys

    try:
        from .cli import main as verify_main
    except ModuleNotFoundError as exc:  # Schemathesis comes with the optional [verify] extra
        print(f"onepin-mock verify needs {exc.name}: pip install 'onepin-mock[verify]'",
              file=sys.stderr)
        return 2
    return verify_main(argv)
