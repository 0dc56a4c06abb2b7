"""Uploaded files between the preview and the confirmation.

An upload is kept as a file under ``settings.DATA_DIR / "uploads"``, named by a random token;
the token, the kind and the user's file name live in the user's session only (nothing in the
database), so another user — or another session of the same user — cannot reach it (404). The
file is deleted after the import, when the user discards it, and by the housekeeping here once it
is a day old or when the session holds too many. The column mapping the upload is read with (docs/
import-export.md, "Column mapping") is kept with it, so that the confirmation reads the file
exactly as the preview did.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest

SESSION_KEY = "transfer_uploads"
MAX_PENDING = 5  # uploads kept per session; older ones are deleted
MAX_AGE = 24 * 3600  # seconds an upload is kept at most
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")


@dataclass(frozen=True)
class Upload:
    token: str
    kind: str
    name: str  # the user's file name, for messages and the error workbook's name
    path: Path
    # {header: column key, or "" not to import it}: how the file is read (read_sheet's mapping)
    mapping: dict[str, str] = field(default_factory=dict)


def upload_dir() -> Path:
    return Path(settings.DATA_DIR) / "uploads"


def _purge_stale(folder: Path) -> None:
    cutoff = time.time() - MAX_AGE
    for path in folder.iterdir():
        with contextlib.suppress(OSError):
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()


def save_upload(request: HttpRequest, *, kind: str, file: UploadedFile) -> Upload:
    """Store the uploaded file under a new token and remember it in the session."""
    folder = upload_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    _purge_stale(folder)
    token = secrets.token_urlsafe(24)
    name = Path(file.name or "upload").name
    path = folder / f"{token}{Path(name).suffix.lower()}"
    with path.open("wb") as out:
        for chunk in file.chunks():
            out.write(chunk)
    pending = dict(request.session.get(SESSION_KEY, {}))
    pending[token] = {"kind": kind, "name": name, "file": path.name, "at": time.time()}
    for old in sorted(pending, key=lambda t: pending[t]["at"])[:-MAX_PENDING]:
        _delete(pending.pop(old)["file"])
    request.session[SESSION_KEY] = pending
    return Upload(token=token, kind=kind, name=name, path=path)


def get_upload(request: HttpRequest, token: str) -> Upload:
    """The session's upload under ``token``; 404 for any other token."""
    entry = request.session.get(SESSION_KEY, {}).get(token) if _TOKEN.fullmatch(token) else None
    if entry is None:
        raise Http404
    path = upload_dir() / entry["file"]
    if not path.is_file():
        forget_upload(request, token)
        raise Http404
    return Upload(
        token=token,
        kind=entry["kind"],
        name=entry["name"],
        path=path,
        mapping=dict(entry.get("mapping") or {}),
    )


def set_upload_mapping(request: HttpRequest, upload: Upload, mapping: dict[str, str]) -> Upload:
    """Read the upload with ``mapping`` from now on (preview, error workbook, confirmation)."""
    pending = dict(request.session.get(SESSION_KEY, {}))
    if upload.token in pending:
        pending[upload.token] = {**pending[upload.token], "mapping": dict(mapping)}
        request.session[SESSION_KEY] = pending
    return Upload(
        token=upload.token, kind=upload.kind, name=upload.name, path=upload.path, mapping=mapping
    )


def forget_upload(request: HttpRequest, token: str) -> None:
    """Delete the upload's file and drop it from the session."""
    pending = dict(request.session.get(SESSION_KEY, {}))
    entry = pending.pop(token, None)
    if entry is not None:
        _delete(entry["file"])
        request.session[SESSION_KEY] = pending


def _delete(file_name: str) -> None:
    with contextlib.suppress(OSError):
        (upload_dir() / Path(file_name).name).unlink()
