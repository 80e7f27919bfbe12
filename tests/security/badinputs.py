"""A corpus of bad inputs made by the tests: photos, videos and form fields that must never give a 500."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np


def png_bomb(side: int = 20000) -> bytes:
    """A PNG that declares side x side grey pixels in a few KB (a decompression bomb)."""
    raw_row = b"\x00" + b"\x00" * side
    data = zlib.compress(raw_row * 64, 9)  # only the first rows: the header alone is the bomb

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)) + \
        chunk(b"IDAT", data) + chunk(b"IEND", b"")


def jpeg(side: int = 64) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(np.full((side, side, 3), 128, np.uint8)).save(out, "JPEG")
    return out.getvalue()


def jpeg_absurd_header() -> bytes:
    """A JPEG whose frame header claims 65500 x 65500 pixels."""
    data = bytearray(jpeg())
    sof = data.find(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", 65500, 65500)
    return bytes(data)


def video(path: Path, size=(96, 64), frames: int = 3, fps: int = 10, pts_step: int = 1) -> bytes:
    """A tiny H.264 mp4; pts_step stretches time (2 frames, 700 s apart, make a 700 s video)."""
    import av

    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(np.full((size[1], size[0], 3), 40 * i % 255, np.uint8), "rgb24")
            frame.pts = i * pts_step
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path.read_bytes()


def zip_file() -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.txt", b"0" * 10_000_000)
    return out.getvalue()
