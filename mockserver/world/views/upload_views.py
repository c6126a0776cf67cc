"""Uploads in the API's ``UploadOut`` wire shape, pending or confirmed."""

from __future__ import annotations

from typing import Any

from ...envelope import iso
from ..state.records import PendingUpload, UploadRecord

__all__ = ["upload_out"]


def upload_out(upload: UploadRecord | PendingUpload, download_url: str | None) -> dict[str, Any]:
    """A confirmed upload is bound to its workflow and has a download link; a pending one has
    neither, nor any size or counts yet."""
    confirmed = isinstance(upload, UploadRecord)
    return {
        "id": upload.id, "user_id": upload.user_id, "workspace_id": upload.workspace_id,
        "filename": upload.filename, "category": upload.category,
        "content_type": upload.content_type, "format": upload.format,
        "status": "uploaded" if confirmed else "pending",
        "size_bytes": upload.size_bytes if isinstance(upload, UploadRecord) else None,
        "char_count": upload.char_count if isinstance(upload, UploadRecord) else None,
        "line_count": upload.line_count if isinstance(upload, UploadRecord) else None,
        "detected_language": (upload.detected_language if isinstance(upload, UploadRecord)
                              else None),
        "download_url": download_url if confirmed else None,
        "context_type": "workflow" if confirmed else None,
        "context_id": upload.workflow_id if isinstance(upload, UploadRecord) else None,
        "created_at": iso(upload.created_at), "updated_at": iso(upload.updated_at),
    }
