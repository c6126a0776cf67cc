"""A JUnit XML file from test outcomes: what CI systems show as a test report.

Used by ``onepin-mock verify`` and ``onepin-mock conformance --junit``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class TestCase:
    suite: str  # groups cases, e.g. an SDK target or "verify"
    name: str
    failure: str | None = None  # None: passed
    skipped: str | None = None
    seconds: float = 0.0
    details: str = ""  # the failure's long text (body of the <failure> element)


def junit_xml(name: str, cases: Sequence[TestCase]) -> str:
    root = ET.Element("testsuites", name=name)
    for suite_name in dict.fromkeys(c.suite for c in cases):
        members = [c for c in cases if c.suite == suite_name]
        suite = ET.SubElement(root, "testsuite", name=suite_name, tests=str(len(members)),
                              failures=str(sum(c.failure is not None for c in members)),
                              skipped=str(sum(c.skipped is not None for c in members)),
                              time=f"{sum(c.seconds for c in members):.3f}")
        for case in members:
            element = ET.SubElement(suite, "testcase", classname=suite_name, name=case.name,
                                    time=f"{case.seconds:.3f}")
            if case.failure is not None:
                failure = ET.SubElement(element, "failure", message=case.failure)
                failure.text = case.details or case.failure
            elif case.skipped is not None:
                ET.SubElement(element, "skipped", message=case.skipped)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def write_junit(path: Path, name: str, cases: Sequence[TestCase]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(junit_xml(name, cases), encoding="utf-8")
