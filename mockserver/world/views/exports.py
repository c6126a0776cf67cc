"""The files behind signed links: run exports (ZIP), single takes (WAV), uploads (text).

Content is a pure function of the run plan, so the same link always serves the same
bytes. Audio is a valid 8 kHz mono WAV tone standing in for speech, exactly as long as
the take's ``duration_ms`` (8 samples per millisecond, so no rounding).
"""

from __future__ import annotations

import io
import json
import math
import struct
import wave
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ...errors import LinkError
from ..dataset.upload_files import upload_body
from ..runs.plan import LineLocale, Take
from ..runs.progress import Progress
from ..runs.record import RunRecord

if TYPE_CHECKING:
    from ..state.store import World

SAMPLE_RATE = 8000
_ZIP_DATE = (2026, 1, 1, 0, 0, 0)  # fixed entry dates keep archives byte-identical


@dataclass(frozen=True)
class Served:
    content: bytes
    content_type: str
    filename: str


def tone_wav(audio_id: str, duration_ms: int) -> bytes:
    """A deterministic tone: pitch from the audio id, length the take's duration."""
    period = 20 + int(audio_id[:4], 16) % 21  # 200-400 Hz at 8 kHz, whole samples per cycle
    cycle = b"".join(
        struct.pack("<h", int(9000 * math.sin(2 * math.pi * i / period))) for i in range(period)
    )
    samples = round(SAMPLE_RATE * duration_ms / 1000)
    frames = (cycle * (samples // period + 1))[: samples * 2]
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(frames)
    return buffer.getvalue()


def sink_node_ids(run: RunRecord, catalog_category: Any) -> list[str]:
    """Output-category nodes of the run snapshot, in graph order."""
    nodes = (run.snapshot.get("graph") or {}).get("nodes") or []
    return [str(n["id"]) for n in nodes if isinstance(n, dict)
            and catalog_category(str(n.get("type"))) == "output"]


def delivered_lines(progress: Progress) -> list[tuple[LineLocale, Take]]:
    return [(line, take) for line in progress.plan.line_locales
            if (take := progress.delivered(line)) is not None]


def audio_ids(progress: Progress) -> set[str]:
    return {state.take.audio_id for line in progress.plan.line_locales
            for state in progress.visible_takes(line)}


def _entry(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    zf.writestr(info, data)


def export_zip(run: RunRecord, progress: Progress, node_id: str | None) -> bytes:
    """Audio of every delivered take under ``audio/<locale>/``, plus a JSON manifest."""
    lines = delivered_lines(progress)
    manifest: dict[str, Any] = {
        "run_id": run.id, "workflow_id": run.workflow_id, "run_number": run.run_number,
        "node_id": node_id, "line_count": len(lines), "lines": [],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for line, take in lines:
            path = f"audio/{line.locale}/{line.line_id}.wav"
            _entry(zf, path, tone_wav(take.audio_id, take.duration_ms))
            manifest["lines"].append({
                "line_id": line.line_id, "line_index": line.line_index, "locale": line.locale,
                "script": line.script, "file": path, "audio_id": take.audio_id,
                "duration_ms": take.duration_ms, "voice": take.voice_name,
                "provider": take.provider, "model": take.model, "take": take.number,
            })
        _entry(zf, "manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False).encode())
    return buffer.getvalue()


def _find_take(run: RunRecord, audio_id: str) -> Take:
    for line in run.plan.line_locales:
        for take in line.takes:
            if take.audio_id == audio_id:
                return take
    raise LinkError("no such audio")


def export_file(world: World, claims: dict[str, Any]) -> Served:
    """Resolve a verified link's claims to the file it names."""
    workspace_id = str(claims.get("ws"))
    if not world.known_workspace(workspace_id):
        raise LinkError("the link's workspace no longer exists")
    state = world.workspace(workspace_id)
    kind = claims.get("kind")
    with state.lock:
        if kind == "upload":
            upload = state.uploads.get(str(claims.get("upload")))
            if upload is None:
                raise LinkError("no such upload")
            body = (upload.content if upload.content is not None
                    else upload_body(upload.format, list(upload.lines)))
            return Served(body, upload.content_type, upload.filename)
        if kind == "voice-sample":  # a workspace voice's preview clip
            voice = str(claims.get("voice"))
            return Served(tone_wav(voice, int(str(claims.get("ms", "3000")))), "audio/wav",
                          f"{voice}.wav")
        # The link names the workflow, so only its runs are built (older links: any run).
        run = (state.runs.find(str(claims["wf"]), str(claims.get("run"))) if claims.get("wf")
               else state.runs.get(str(claims.get("run"))))
        if run is None:
            raise LinkError("no such run")
        if kind == "audio":
            audio_id = str(claims.get("audio"))
            take = _find_take(run, audio_id)
            return Served(tone_wav(audio_id, take.duration_ms), "audio/wav", f"{audio_id}.wav")
        progress = run.progress(run.timeline(world.clock.now()))
    node = claims.get("node")
    name = f"workflow_run_{run.id}{'_' + str(node) if node else ''}_export.zip"
    return Served(export_zip(run, progress, str(node) if node else None), "application/zip", name)
