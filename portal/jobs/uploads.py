"""Check an upload before anything trusts it: size, magic bytes, a PyAV probe; then store it by content."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from flask import after_this_request, current_app, g, has_request_context
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
HEAD_BYTES = 1024  # enough for three MPEG-TS packets
MAX_PHOTO_PIXELS = 24_000_000  # a 6000x4000 camera photo; larger ones cost seconds of CPU per request


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


def _is_mpeg_ts(head: bytes) -> bool:
    """Three sync bytes (0x47) one packet apart: 188-byte TS packets, or 192-byte ones (M2TS, a 4-byte prefix)."""
    return any(len(head) >= start + 2 * size + 1 and all(head[start + i * size] == 0x47 for i in range(3))
               for size, start in ((188, 0), (192, 4)))


def sniff(head: bytes, signatures) -> Optional[str]:
    """Media type from the first bytes, or None."""
    for offset, magic, media_type in signatures:
        if head[offset : offset + len(magic)] == magic:
            return media_type
    if signatures is _VIDEO_SIGNATURES and _is_mpeg_ts(head):
        return "video/mp2t"
    return None


def _check_every_frame_size(path: Path, max_pixels: int, name: str) -> None:
    """Refuse a video whose size grows after the first frame (a stream may switch resolution at any key frame).

    Only key frames are decoded: a new resolution starts with one, so this sees every size at a small cost."""
    import av

    try:
        with av.open(str(path)) as container:
            for stream in container.streams.video:
                stream.codec_context.skip_frame = "NONKEY"
                stream.thread_type = "AUTO"
            for frame in container.decode(*container.streams.video):
                if frame.width * frame.height > max_pixels:
                    raise UploadError(f"{name} has frames of {frame.width}x{frame.height}: above the limit of "
                                      f"{max_pixels:,} pixels per frame.")
    except av.FFmpegError as exc:
        raise UploadError(f"{name} could not be read to its end ({exc}).") from exc


def _track(storage: Storage, key: str, created: bool) -> None:
    """Remember a file this request added to the store: after the request it is removed unless a committed row
    (a job's file, a detector, a pending request) refers to it, so a refused submission leaves nothing behind."""
    if not created or not has_request_context():
        return
    keys = g.get("portal_new_uploads")
    if keys is None:
        keys = g.portal_new_uploads = set()

        @after_this_request
        def _drop_orphans(response):
            from portal.storage.gc import drop_unreferenced

            drop_unreferenced(storage, keys)
            return response

    keys.add(key)


def release(storage: Storage, keys) -> None:
    """Files held for a request that ends now: they leave the store after it unless a committed row refers to them."""
    for key in keys:
        _track(storage, key, True)


def _adopt(storage: Storage, tmp: Path, sha: str) -> str:
    created = not storage.path(sha).exists()
    key = storage.adopt(tmp, sha)
    _track(storage, key, created)
    return key


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
        head = fh.read(HEAD_BYTES)
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
        _check_every_frame_size(tmp, current_app.config["MAX_VIDEO_PIXELS"], display_name(file.filename))
        key = _adopt(storage, tmp, sha)
    finally:
        tmp.unlink(missing_ok=True)
    return StoredUpload(key, sha, size, media_type, display_name(file.filename), info)


def _image_size(path: Path) -> Optional[tuple[int, int]]:
    """Width and height from the header alone (nothing decoded), or None when it cannot be read."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            return img.size
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        return None


def accept_image(file: Optional[FileStorage], storage: Storage, max_pixels: int = MAX_PHOTO_PIXELS) -> StoredUpload:
    """Store an uploaded photo after checking its size in the header, then decoding it."""
    from models import media

    tmp, sha, size, head = receive(file, storage)
    try:
        media_type = sniff(head, _IMAGE_SIGNATURES)
        if media_type is None:
            raise UploadError("This file is not a photo (JPEG, PNG, WebP or BMP).")
        dims = _image_size(tmp)
        if dims and dims[0] * dims[1] > max_pixels:
            raise UploadError(f"{display_name(file.filename)} is {dims[0]}x{dims[1]}: above the limit of "
                              f"{max_pixels:,} pixels.")
        try:
            media.read_image(tmp, max_pixels=max_pixels)
        except MediaError as exc:
            raise UploadError(str(exc).replace(tmp.name, display_name(file.filename))) from exc
        key = _adopt(storage, tmp, sha)
    finally:
        tmp.unlink(missing_ok=True)
    return StoredUpload(key, sha, size, media_type, display_name(file.filename))


def is_photo_upload(file: Optional[FileStorage]) -> bool:
    """True when the uploaded file starts like a photo (JPEG, PNG, WebP, BMP); the stream is left where it was."""
    if file is None or not file.filename:
        return False
    pos = file.stream.tell()
    head = file.stream.read(HEAD_BYTES)
    file.stream.seek(pos)
    kind = sniff(head, _IMAGE_SIGNATURES)
    return kind is not None and (kind != "image/webp" or head[8:12] == b"WEBP")


def accept_detection_input(file: Optional[FileStorage], storage: Storage) -> StoredUpload:
    """A video, or a still photo (every face in it gets a verdict)."""
    return accept_image(file, storage) if is_photo_upload(file) else accept_video(file, storage)


def accept_detection_inputs(files: list[FileStorage], storage: Storage) -> list[StoredUpload]:
    """Every file of one submission, or none: a refused file releases the ones already stored, and the error names
    it when there were several."""
    uploads: list[StoredUpload] = []
    for file in files:
        try:
            uploads.append(accept_detection_input(file, storage))
        except UploadError as exc:
            release(storage, [u.key for u in uploads])
            name = f"{file.filename}: " if len(files) > 1 else ""
            raise UploadError(f"{name}{exc} Nothing was submitted.") from exc
    return uploads


def accept_pdf(file: Optional[FileStorage], storage: Storage) -> StoredUpload:
    """Store an uploaded PDF (consent evidence); only its signature is checked, it is never rendered here."""
    tmp, sha, size, head = receive(file, storage)
    try:
        if not head.startswith(b"%PDF-"):
            raise UploadError("The evidence file is not a PDF.")
        key = _adopt(storage, tmp, sha)
    finally:
        tmp.unlink(missing_ok=True)
    return StoredUpload(key, sha, size, "application/pdf", display_name(file.filename))
