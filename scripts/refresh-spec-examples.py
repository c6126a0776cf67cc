"""Write the mock's real answers into openapi.yaml's response examples.

Each response example is replaced by the answer to its natural request (the requests
``tests/spec_examples.py`` defines and ``tests/unit/test_spec_examples.py`` compares).
Only the text of each ``example:`` node changes: the rest of the file (comments, key order,
quoting, descriptions) is left byte for byte. Run it through ``scripts/refresh-spec-examples``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
# The source tree first (not an installed wheel), and the tests' helpers.
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import spec_examples as ex  # noqa: E402

SPEC = ROOT / "mockserver" / "openapi.yaml"
# A collection of scalars is written inline ({a: 1, b: 2}) when it is about this short.
INLINE_WIDTH = 100
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _ExampleDumper(yaml.SafeDumper):
    """Block style with list items indented under their key, as the rest of the file."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    # A multi-line string in one double-quoted line (\n escapes), as the file writes them.
    return dumper.represent_scalar("tag:yaml.org,2002:str", text,
                                   style='"' if "\n" in text else None)


def _inline_when_short(represent: Any) -> Any:
    def represent_short(dumper: yaml.SafeDumper, data: Any) -> Any:
        node = represent(dumper, data)
        if len(json.dumps(data, ensure_ascii=False)) > INLINE_WIDTH:
            node.flow_style = False
        return node
    return represent_short


_ExampleDumper.add_representer(str, _represent_str)
_ExampleDumper.add_representer(dict, _inline_when_short(yaml.SafeDumper.represent_dict))
_ExampleDumper.add_representer(list, _inline_when_short(yaml.SafeDumper.represent_list))


def render(key_line: str, value: Any) -> list[str]:
    """``example:`` at the key's indentation, followed by the value in YAML."""
    indent = key_line[:len(key_line) - len(key_line.lstrip())]
    text = yaml.dump(value, Dumper=_ExampleDumper, default_flow_style=None, sort_keys=False,
                     allow_unicode=True, width=10**6, indent=2)
    text = text.removesuffix("\n...\n").removesuffix("\n")
    if "\n" not in text and len(indent) + len(text) <= 120:
        return [f"{indent}example: {text}"]
    return [f"{indent}example:"] + [f"{indent}  {line}" for line in text.splitlines()]


def _example_key(root: yaml.Node, keys: tuple[str, ...]) -> yaml.ScalarNode:
    """The ``example`` key node of the media type object at ``keys``."""
    node = root
    for key in (*keys, "example"):
        assert isinstance(node, yaml.MappingNode), f"{'/'.join(keys)}: not a mapping"
        found = [(k, v) for k, v in node.value if k.value == key]
        assert found, f"{'/'.join(keys)}: no key {key}"
        key_node, node = found[0]
    assert isinstance(key_node, yaml.ScalarNode)
    return key_node


def _block_end(lines: list[str], start: int) -> int:
    """The line after a node that starts at ``start``: the next content line indented no
    deeper than its key (blank and comment lines right before it stay outside)."""
    depth = len(lines[start]) - len(lines[start].lstrip())
    end = start + 1
    while end < len(lines) and (not lines[end].strip()
                                or len(lines[end]) - len(lines[end].lstrip()) > depth):
        end += 1
    while end > start + 1 and (not lines[end - 1].strip()
                               or lines[end - 1].lstrip().startswith("#")):
        end -= 1
    return end


def rewrite(text: str, answers: dict[tuple[str, ...], Any]) -> str:
    """The spec's text with the example at each key path replaced by its answer."""
    lines = text.split("\n")
    root = yaml.compose(text, Loader=_LOADER)
    assert root is not None, "an empty spec"
    starts = sorted(((_example_key(root, keys).start_mark.line, keys) for keys in answers),
                    reverse=True)
    for start, keys in starts:  # bottom up, so earlier line numbers stay valid
        lines[start:_block_end(lines, start)] = render(lines[start], answers[keys])
    return "\n".join(lines)


def natural_answers() -> list[tuple[ex.Site, Any]]:
    """Each example with its answer, each produced on a freshly reset mock."""
    app = ex.example_app()
    ex.reset(app)
    seeds = ex.Seeds(app.test_client(), app)
    found = []
    for site in ex.sites():
        ex.reset(app)
        answer = ex.natural_answer(site, app.test_client(), seeds)
        if site.status is not None and answer.status_code != site.status:
            raise SystemExit(f"{site.name}: the natural request got {answer.status_code}: "
                             f"{answer.get_data(as_text=True)[:500]}")
        found.append((site, ex.as_documented(answer.get_json())))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 if an example differs from its answer")
    args = parser.parse_args()
    answers = natural_answers()
    stale = [(site, body) for site, body in answers if ex.differences(site.example, body)]
    for site, _body in stale:
        print(f"{'differs' if args.check else 'refreshing'}: {site.name}")
    if args.check or not stale:
        print(f"{len(answers) - len(stale)} of {len(answers)} examples are the mock's answers")
        return 1 if stale else 0
    text = rewrite(SPEC.read_text(encoding="utf-8"), {s.keys: body for s, body in stale})
    written = yaml.load(text, Loader=_LOADER)
    for site, body in stale:  # the new text says exactly what the mock answered
        node = written
        for key in site.keys:
            node = node[key]
        assert not ex.differences(node["example"], body), f"{site.name}: written differently"
    SPEC.write_text(text, encoding="utf-8")
    print(f"{len(stale)} of {len(answers)} examples rewritten in {SPEC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
