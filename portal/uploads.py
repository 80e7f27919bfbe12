"""Check an upload before anything trusts it: size, magic bytes, a PyAV probe; then store it by content."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from flask import current_app
from werkzeug.datastructures import FileStorage

from models.errors import MediaError
from models.types import VideoInfo
from portal.storage import Storage, StorageError

# (offset, signature, media type) of the containers the portal accepts; the type comes from content, never the user.
_VIDEO_SIGNATURES = [
    (4, b"ftyp", "video/mp4"),
    (0, b"\x1a\x45\xdf\xa3", "video/webm"),
    (0, b"RIFF", "video/x-msvideo"),
    (0, b"FLV", "video/x-flv"),
    (0, b"\x00\x00\x01\xba", "video/mpeg"),
    (0, b"\x47", "video/mp2t"),
    (4, b"moov", "video/quicktime"),
    (4, b"mdat", "video/quicktime"),
    (4, b"wide", "video/quicktime"),
]
_IMAGE_SIGNATURES = [
    (0, b"\xff\xd8\xff", "image/jpeg"),
    (0, b"\x89PNG\r\n\x1a\n", "image/png"),
    (0, b"RIFF", "image/webp"),
    (0, b"BM", "image/bmp"),
]


class UploadError(Exception):
    """The upload is refused; the message says why, for a person."""


@dataclass
class StoredUpload:
    """A verified file in the store."""

    key: str
    sha256: str
    size: int
    media_type: str
    original_name: str
    info: Optional[VideoInfo] = None


def display_name(filename: Optional[str]) -> str:
    """The user's file name for display only: printable characters, no directories, at most 200 chars."""
    name = unicodedata.normalize("NFC", filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable())
    return name[:200] or "upload"


def sniff(head: bytes, signatures) -> Optional[str]:
    """Media type from the first bytes, or None."""
    for offset, magic, media_type in signatures:
        if head[offset : offset + len(magic)] == magic:
            return media_type
    return None


def receive(file: Optional[FileStorage], storage: Storage) -> tuple[Path, str, int, bytes]:
    if file is None or not file.filename:
        raise UploadError("Choose a file to upload.")
    try:
        tmp, sha, size = storage.save_stream(file.stream, current_app.config["MAX_CONTENT_LENGTH"])
    except StorageError as exc:
        raise UploadError(str(exc)) from exc
    if size == 0:
        tmp.unlink(missing_ok=True)
        raise UploadError("The file is empty.")
    with open(tmp, "rb") as fh:
        head = fh.read(16)
    return tmp, sha, size, head


def accept_video(file: Optional[FileStorage], storage: Storage) -> StoredUpload:
    """Store an uploaded video after checking it is one PyAV can decode, within the size and pixel limits."""
    from models import media

    tmp, sha, size, head = receive(file, storage)
    try:
        media_type = sniff(head, _VIDEO_SIGNATURES)
        if media_type is None:
            raise UploadError("This file is not a video (its content is not a known video container).")
        try:
            info = media.probe(tmp, max_pixels=current_app.config["MAX_VIDEO_PIXELS"],
                               max_duration=current_app.config["MAX_VIDEO_SECONDS"])
        except MediaError as exc:
            raise UploadError(str(exc).replace(tmp.name, display_name(file.filename))) from exc
        key = storage.adopt(tmp, sha)
    finally:
        tmp.unlink(missing_ok=True)
    return StoredUpload(key, sha, size, media_type, display_name(file.filename), info)


def accept_image(file: Optional[FileStorage], storage: Storage, max_pixels: int = 40_000_000) -> StoredUpload:
    """Store an uploaded photo after decoding it (bounded pixel count)."""
    from models import media

    tmp, sha, size, head = receive(file, storage)
    try:
        media_type = sniff(head, _IMAGE_SIGNATURES)
        if media_type is None:
            raise UploadError("This file is not a photo (JPEG, PNG, WebP or BMP).")
        try:
            media.read_image(tmp, max_pixels=max_pixels)
        except MediaError as exc:
            raise UploadError(str(exc).replace(tmp.name, display_name(file.filename))) from exc
        key = storage.adopt(tmp, sha)
    finally:
        tmp.unlink(missing_ok=True)
    return StoredUpload(key, sha, size, media_type, display_name(file.filename))


def accept_pdf(file: Optional[FileStorage], storage: Storage) -> StoredUpload:
    """Store an uploaded PDF (consent evidence); only its signature is checked, it is never rendered here."""
    tmp, sha, size, head = receive(file, storage)
    try:
        if not head.startswith(b"%PDF-"):
            raise UploadError("The evidence file is not a PDF.")
        key = storage.adopt(tmp, sha)
    finally:
        tmp.unlink(missing_ok=True)
    return StoredUpload(key, sha, size, "application/pdf", display_name(file.filename))
