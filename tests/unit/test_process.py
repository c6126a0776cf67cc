"""One process lifecycle (mockserver/process.py): every registered resource is told about
a fork in the child, and leaves once through one exit path, whether the process ends
normally or is a multiprocessing child that leaves through ``os._exit``."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from mockserver import process


class _Told(process.PerProcess):
    def __init__(self, out: Path) -> None:
        self.out = out
        process.register(self)

    def _say(self, what: str) -> None:
        with self.out.open("a", encoding="utf-8") as file:
            file.write(f"{os.getpid()} {what}\n")

    def after_fork_in_child(self) -> None:
        self._say("child")

    def at_exit(self) -> None:
        self._say("exit")


def _said(out: Path) -> list[str]:
    return out.read_text(encoding="utf-8").splitlines() if out.exists() else []


def _leave() -> None:
    pass  # a multiprocessing child: leaves through os._exit after its exit functions


def test_a_forked_multiprocessing_child_is_told_once_and_leaves_once(tmp_path: Path) -> None:
    out = tmp_path / "said.txt"
    told = _Told(out)
    child = multiprocessing.get_context("fork").Process(target=_leave)
    child.start()
    child.join(60)
    assert child.exitcode == 0
    assert _said(out) == [f"{child.pid} child", f"{child.pid} exit"]
    del told


def test_a_collected_resource_is_forgotten(tmp_path: Path) -> None:
    out = tmp_path / "said.txt"
    _Told(out)  # dropped at once
    child = multiprocessing.get_context("fork").Process(target=_leave)
    child.start()
    child.join(60)
    assert _said(out) == []


def test_the_main_process_leaves_once(tmp_path: Path) -> None:
    out = tmp_path / "said.txt"
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from pathlib import Path
        from test_process import _Told
        told = _Told(Path({str(out)!r}))
        """)
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60,
                   cwd=Path(__file__).parents[2])
    assert [line.split()[1] for line in _said(out)] == ["exit"]
