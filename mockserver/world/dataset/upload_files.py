"""The bytes behind an upload's ``download_url``, consistent with its metadata.

Script uploads hold real script lines (``.txt`` as UTF-8 text, ``.pdf`` as a small
valid one-page PDF); dictionary uploads are ``term,pronunciation`` CSV rows.
"""

from __future__ import annotations

_DICTIONARY = (("Onepin", "WUN-pin"), ("Acme", "AK-mee"), ("Globex", "GLOH-beks"),
               ("ASR", "ay-ess-ahr"), ("TTS", "tee-tee-ess"), ("Nguyen", "win"),
               ("Worcestershire", "WUSS-ter-sher"), ("SQL", "SEE-kwul"))


def text_body(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def csv_body(rows: int) -> bytes:
    picked = [_DICTIONARY[i % len(_DICTIONARY)] for i in range(rows)]
    return ("term,pronunciation\n" + "".join(f"{t},{p}\n" for t, p in picked)).encode()


def _pdf_escape(text: str) -> str:
    ascii_text = text.encode("ascii", "replace").decode()
    return ascii_text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def pdf_body(lines: list[str]) -> bytes:
    """A minimal one-page PDF 1.4 whose text is the script lines."""
    text = "".join(f"({_pdf_escape(line)}) Tj T* " for line in lines)
    stream = f"BT /F1 11 Tf 14 TL 50 800 Td {text}ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream
        + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n"
            "%%EOF\n").encode()
    return bytes(out)


def upload_body(fmt: str, lines: list[str]) -> bytes:
    if fmt == "csv":
        return csv_body(len(lines))
    if fmt == "pdf":
        return pdf_body(lines)
    return text_body(lines)
