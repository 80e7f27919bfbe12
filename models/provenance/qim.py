"""The watermark's block layer: the 48 bits by quantisation index modulation (QIM) of two low DCT coefficients of
16x16 luma blocks, only in blocks whose texture hides the change (block SSIM against the unmarked frame stays
at or above MIN_SSIM); flat blocks are left untouched, so no block grid shows.

QIM ignores the picture itself (the host), so it reads small, busy frames where the tiled layer cannot; it needs
the block grid where it was, so it reads the video as marked and re-encoded, not cropped or resized (the tiled
layer, models.provenance.watermark, covers those).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Optional

import numpy as np

from models.provenance import pattern

KEY = 0x5EEDFACE
BLOCK = 16
STEP = 96.0  # QIM step on orthonormal DCT coefficients
COEFFS = ((0, 1), (1, 0))  # low-frequency AC coefficients that carry the bit (H.264 keeps them at crf 28); the
# basis images of these two are a constant times a cosine along the rows, or the columns (_coefficients, _change)
MIN_SSIM = 0.981  # a block keeps its QIM change only if its SSIM against the unmarked block stays at least this
MIN_STD = 6.0  # blocks flatter than this (grey levels) are not read: they were not marked
MIN_CONFIDENCE = 0.2  # mean |soft vote| per bit below which a frame is called unmarked
C1, C2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2


def _dct_matrix(n: int) -> np.ndarray:
    k = np.arange(n)
    d = np.cos(np.pi * (2 * k[None, :] + 1) * k[:, None] / (2 * n)) * np.sqrt(2.0 / n)
    d[0] /= np.sqrt(2.0)
    return d.astype(np.float32)


_D = _dct_matrix(BLOCK)


@lru_cache(maxsize=4)
def _layout(by: int, bx: int) -> tuple[np.ndarray, np.ndarray]:
    """Keyed assignment of blocks to bits and a dither per block and coefficient (depends only on the grid: made
    once per frame size, read-only)."""
    rng = np.random.default_rng(KEY + 7919 * by + bx)
    bit_of_block = (rng.permutation(by * bx) % pattern.NBITS).reshape(by, bx)
    dither = rng.uniform(-0.5, 0.5, size=(len(COEFFS), by, bx)).astype(np.float32) * STEP
    bit_of_block.flags.writeable = dither.flags.writeable = False
    return bit_of_block, dither


def _grid(y: np.ndarray) -> tuple[int, int]:
    return y.shape[0] // BLOCK, y.shape[1] // BLOCK


def _block_means(image: np.ndarray, by: int, bx: int) -> np.ndarray:
    """(by, bx) mean of each 16x16 block (area resampling by an exact factor; several times faster than numpy)."""
    import cv2

    return cv2.resize(image[: by * BLOCK, : bx * BLOCK], (bx, by), interpolation=cv2.INTER_AREA)


def _coefficients(y: np.ndarray, by: int, bx: int) -> np.ndarray:
    """(C, by, bx) the carrying DCT coefficients of every block. Each basis image is a constant row times a cosine
    (or its transpose), so a coefficient is the cosine-weighted sum of the block's column (row) means: two area
    resamplings of the luma instead of a full-size product per basis image."""
    import cv2

    y = np.ascontiguousarray(y[: by * BLOCK, : bx * BLOCK], np.float32)
    columns = cv2.resize(y, (bx * BLOCK, by), interpolation=cv2.INTER_AREA).reshape(by, bx, BLOCK)
    rows = cv2.resize(y, (bx, by * BLOCK), interpolation=cv2.INTER_AREA).reshape(by, BLOCK, bx)
    weights = _D[1] * (_D[0, 0] * BLOCK)
    return np.stack([columns @ weights, np.einsum("ikj,k->ij", rows, weights)])


def _change(step: np.ndarray, out: np.ndarray) -> None:
    """Write into `out` (by, 16, bx, 16) each block's move `step` (C, by, bx) times the basis images."""
    weights = _D[1] * _D[0, 0]
    np.add(step[0][:, None, :, None] * weights, step[1][:, None, :, None] * weights[:, None, None], out=out)


def block_ssim(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(by, bx) SSIM of each 16x16 block of two luma images (the block's own mean, variance and covariance)."""
    by, bx = _grid(a)
    a = np.ascontiguousarray(a[: by * BLOCK, : bx * BLOCK], np.float32)
    b = np.ascontiguousarray(b[: by * BLOCK, : bx * BLOCK], np.float32)

    def mean(image: np.ndarray) -> np.ndarray:
        return _block_means(image, by, bx).astype(np.float64)

    mx, my = mean(a), mean(b)
    vx, vy, cov = mean(a * a) - mx**2, mean(b * b) - my**2, mean(a * b) - mx * my
    return ((2 * mx * my + C1) * (2 * cov + C2)) / ((mx**2 + my**2 + C1) * (vx + vy + C2))


def block_mask(blocks: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """(h, w) bool: the pixels of the flagged blocks."""
    by, bx = blocks.shape
    mask = np.zeros(shape, bool)
    mask[: by * BLOCK, : bx * BLOCK].reshape(by, BLOCK, bx, BLOCK)[...] = blocks[:, None, :, None]
    return mask


def embed_luma_delta(luma: np.ndarray, reference: np.ndarray, payload: int) -> np.ndarray:
    """The luma change that marks the blocks the texture of `reference` (the unmarked luma) can hide."""
    by, bx = _grid(luma)
    delta = np.zeros_like(luma, dtype=np.float32)
    if by * bx < pattern.NBITS:
        return delta
    bit_of_block, dither = _layout(by, bx)
    bits = pattern.payload_bits(payload)[bit_of_block].astype(np.float32)
    c = _coefficients(luma, by, bx)
    offset = dither + bits * (STEP / 2)
    step = (np.round((c - offset) / STEP) * STEP + offset - c).astype(np.float32)  # (C, by, bx) each move
    marked = np.empty((by, BLOCK, bx, BLOCK), np.float32)
    _change(step, marked)
    marked += luma[: by * BLOCK, : bx * BLOCK].reshape(by, BLOCK, bx, BLOCK)
    keep = block_ssim(reference[: by * BLOCK, : bx * BLOCK], marked.reshape(by * BLOCK, bx * BLOCK))
    step *= keep >= MIN_SSIM + 0.002  # rounding's margin
    _change(step, delta[: by * BLOCK, : bx * BLOCK].reshape(by, BLOCK, bx, BLOCK))  # a view: blocks of the delta
    return delta


def soft_bits(luma: np.ndarray) -> Optional[np.ndarray]:
    """(NBITS,) votes in -1..1 (positive means 1) from the blocks busy enough to carry the mark, or None."""
    by, bx = _grid(luma)
    if by * bx < pattern.NBITS:
        return None
    bit_of_block, dither = _layout(by, bx)
    y = np.ascontiguousarray(luma[: by * BLOCK, : bx * BLOCK], np.float32)
    variance = _block_means(y * y, by, bx) - _block_means(y, by, bx) ** 2
    busy = (variance >= MIN_STD**2).astype(np.float64)
    r = (_coefficients(y, by, bx) - dither) / STEP
    r -= np.floor(r)  # position within a step: 0 means bit 0, 0.5 means bit 1
    vote = (1.0 - 4.0 * np.abs(r - 0.5)).mean(0)
    sums = np.bincount(bit_of_block.ravel(), weights=(vote * busy).ravel(), minlength=pattern.NBITS)
    counts = np.bincount(bit_of_block.ravel(), weights=busy.ravel(), minlength=pattern.NBITS)
    return (sums / np.maximum(counts, 1)).astype(np.float32)


def decode(votes: Optional[np.ndarray]) -> Optional[int]:
    """The payload of summed votes, or None when they are too weak or their CRC fails."""
    if votes is None or float(np.abs(votes).mean()) < MIN_CONFIDENCE:
        return None
    return pattern.bits_payload(votes > 0)
