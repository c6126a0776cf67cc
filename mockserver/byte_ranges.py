"""HTTP byte ranges (RFC 9110 §14) for the files the mock serves, so that an
``<audio>`` element can seek and a download can resume.

One range is answered with 206 and ``Content-Range``; a range that starts past the end
is 416; a suffix range (``bytes=-N``) longer than the file selects the whole file. A
malformed header, another unit, or several ranges get the whole file (a
server may always ignore ``Range``).
"""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.datastructures import Range
from werkzeug.http import parse_range_header

from .errors import RangeNotSatisfiable


@dataclass(frozen=True)
class Part:
    body: bytes
    status: int  # 200 whole file, 206 one range
    headers: dict[str, str]


def select(content: bytes, range_header: str | None) -> Part:
    length = len(content)
    whole = Part(content, 200, {"Accept-Ranges": "bytes"})
    requested = parse_range_header(range_header) if range_header else None
    if requested is None or requested.units != "bytes" or len(requested.ranges) != 1:
        return whole
    start, stop = requested.ranges[0]
    if start < 0 and stop is None and length > 0:
        # A suffix longer than the file selects all of it (RFC 9110 §14.1.2); werkzeug
        # calls it unsatisfiable.
        start = max(start, -length)
    bounds = _bounds(start, stop, length)
    if bounds is None:
        raise RangeNotSatisfiable(
            f"The range {range_header} lies outside the file ({length} bytes)",
            headers={"Content-Range": f"bytes */{length}", "Accept-Ranges": "bytes"})
    start, stop = bounds
    return Part(content[start:stop], 206, {"Accept-Ranges": "bytes",
                                           "Content-Range": f"bytes {start}-{stop - 1}/{length}"})


def _bounds(start: int, stop: int | None, length: int) -> tuple[int, int] | None:
    """[start, stop) of one parsed range in a file of ``length`` bytes, or None."""
    return Range("bytes", [(start, stop)]).range_for_length(length)
