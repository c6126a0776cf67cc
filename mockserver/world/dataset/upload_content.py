"""What an uploaded file may be, and what it says: formats per category, content checks, counts.

Pure functions of the bytes: a command calls them once and carries the outcome in its event,
so replaying the log never parses a file again. Scripts are text (``.txt`` as UTF-8, ``.pdf``
read with pypdf, the text extractor the run uses too); dictionary uploads are audio files,
recognised by their leading bytes.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
from dataclasses import dataclass

__all__ = ["FORMATS", "ScriptFacts", "content_problem", "display_filename", "file_format",
           "script_facts"]

# category -> extension -> the media type it is served and uploaded with
FORMATS: dict[str, dict[str, str]] = {
    "script": {"txt": "text/plain", "pdf": "application/pdf"},
    "dictionary": {"mp3": "audio/mpeg", "wav": "audio/wav", "m4a": "audio/mp4",
                   "ogg": "audio/ogg", "webm": "audio/webm"},
}
MAX_FILENAME = 255


def display_filename(filename: str) -> str:
    """The name as shown: no folders, no control characters, at most 255 characters; a name
    left with only its extension is called ``upload``."""
    name = re.split(r"[\\/]", filename)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip()
    if name.startswith(".") and name.count(".") == 1:
        name = "upload" + name
    if len(name) <= MAX_FILENAME:
        return name
    stem, dot, ext = name.rpartition(".")
    keep = MAX_FILENAME - len(ext) - 1
    return f"{stem[:keep]}.{ext}" if dot and keep > 0 else name[:MAX_FILENAME]


def file_format(filename: str) -> str | None:
    """The lowercase extension of a name, or None when it has none."""
    stem, dot, ext = filename.rpartition(".")
    return ext.lower() if dot and stem.strip() and ext.isalnum() else None


def _audio_kind(data: bytes) -> str | None:
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "wav"
    if data[:3] == b"ID3" or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0):
        return "mp3"
    if data[:4] == b"OggS":
        return "ogg"
    if data[:4] == b"\x1a\x45\xdf\xa3":
        return "webm"
    if data[4:8] == b"ftyp":
        return "m4a"
    return None


def content_problem(fmt: str, data: bytes) -> str | None:
    """Why these bytes cannot be a file of this format (None: they can)."""
    if not data:
        return "the file is empty"
    if fmt == "txt":
        if b"\x00" in data:
            return "the file is binary, not text"
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return "the file is not UTF-8 text"
        return None if text.strip() else "the file holds no text"
    if fmt == "pdf":
        return None if data.startswith(b"%PDF-") else "the file is not a PDF"
    kind = _audio_kind(data)
    if kind is None:
        return f"the file is not {fmt} audio"
    # mp4 and webm containers hold both; what matters is that it is audio of some kind.
    return None if kind == fmt or {kind, fmt} <= {"m4a", "webm"} else (
        f"the file is {kind} audio, not {fmt}")


@dataclass(frozen=True)
class ScriptFacts:
    lines: tuple[str, ...]
    char_count: int | None
    line_count: int | None
    detected_language: str | None


def script_facts(fmt: str, data: bytes) -> ScriptFacts:
    """The lines of a script upload and the counts the SDK defines over them.

    ``char_count`` sums the code points of each stripped, non-empty line; a PDF whose text
    cannot be extracted has no lines and null counts.
    """
    text = _pdf_text(data) if fmt == "pdf" else data.decode("utf-8")
    if text is None:
        return ScriptFacts((), None, None, None)
    lines = tuple(line.strip() for line in text.splitlines() if line.strip())
    return ScriptFacts(lines, sum(len(line) for line in lines), len(lines),
                       detect_language(" ".join(lines)))


def _pdf_text(data: bytes) -> str | None:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # a client's bad PDF is not our error
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            return None
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    except (PdfReadError, ValueError, KeyError, TypeError, OSError):
        return None


_SCRIPTS = (("ko", re.compile(r"[\uac00-\ud7af]")), ("ja", re.compile(r"[\u3040-\u30ff]")),
            ("zh", re.compile(r"[\u4e00-\u9fff]")))
_WORDS = {
    "en": {"the", "and", "is", "to", "of", "you", "your", "please", "for", "with", "this"},
    "de": {"der", "die", "das", "und", "ist", "nicht", "sie", "bitte", "mit", "ein"},
    "fr": {"le", "la", "les", "et", "est", "vous", "pour", "avec", "une", "des"},
    "es": {"el", "los", "las", "y", "es", "para", "por", "con", "una", "usted"},
    "pt": {"o", "os", "e", "é", "para", "com", "uma", "não", "você", "obrigado"},
}


def detect_language(text: str) -> str | None:
    """A bare language code when the text clearly is one; None when unsure."""
    for code, letters in _SCRIPTS:
        if len(letters.findall(text)) * 4 >= len(text.replace(" ", "")) > 0:
            return code
    words = re.findall(r"\w+", text.lower())
    scores = {code: sum(w in vocabulary for w in words) for code, vocabulary in _WORDS.items()}
    best = max(scores, key=lambda code: scores[code])
    ranked = sorted(scores.values(), reverse=True)
    return best if ranked[0] >= 2 and ranked[0] > ranked[1] else None
