"""A small HTML page of the request journal, for people building a UI against the mock."""

from __future__ import annotations

from html import escape

from ..world.state.journal import Entry

_STYLE = (
    "body{font:14px system-ui,sans-serif;margin:1.5rem;color:#1d2430}"
    "table{border-collapse:collapse;width:100%}th,td{padding:.3rem .6rem;text-align:left;"
    "border-bottom:1px solid #e3e6ea;white-space:nowrap}th{background:#f4f6f8}"
    ".s2{color:#18794e}.s4{color:#b35c00}.s5{color:#c62828}code{font-size:13px}"
)


def _row(entry: Entry) -> str:
    target = entry.path + (f"?{entry.query}" if entry.query else "")
    return (
        f"<tr><td>{entry.seq}</td><td>{escape(entry.at)}</td><td>{escape(entry.method)}</td>"
        f"<td><code>{escape(target)}</code></td>"
        f"<td class='s{entry.status // 100}'>{entry.status}</td>"
        f"<td>{escape(entry.operation_id or '-')}</td>"
        f"<td>{escape(entry.workspace_id or '-')}</td><td>{entry.duration_ms:.1f}</td></tr>"
    )


def render_journal(entries: list[Entry], refresh_seconds: int = 2) -> str:
    """Newest first; the page reloads itself so a UI developer can watch calls arrive."""
    rows = "".join(_row(e) for e in reversed(entries)) or (
        "<tr><td colspan='8'>No requests yet.</td></tr>")
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta http-equiv='refresh' content='{refresh_seconds}'>"
        f"<title>onepin-mock requests</title><style>{_STYLE}</style></head><body>"
        f"<h1>Requests ({len(entries)})</h1>"
        "<p>Newest first. Filter with the query: <code>?method=POST&amp;status=422&amp;"
        "path=/api/v1/workflows/*</code>. JSON: <code>/__mock/requests</code>.</p>"
        "<table><thead><tr><th>#</th><th>at</th><th>method</th><th>path</th><th>status</th>"
        "<th>operation</th><th>workspace</th><th>ms</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></body></html>"
    )
