"""The watermark's tile: a keyed, periodic pattern whose cells carry the 48 bits (32-bit payload + CRC-16).

The tile is CELLS x CELLS cells of CELL pixels (128 x 128 px). Each cell belongs to one bit (a keyed permutation)
and has a keyed sign; the cell grid is blurred circularly so the pattern has no block edges and tiles seamlessly.
Because the tile repeats over the frame, a crop only shifts its phase, which the reader finds by correlation.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

KEY = 0x5EEDFACE
PAYLOAD_BITS = 32
CRC_BITS = 16
NBITS = PAYLOAD_BITS + CRC_BITS
CELL = 8  # pixels per cell side: survives H.264 crf 28 (12 survives a 50% downscale better, crf 28 worse)
CELLS = 16  # cells per tile side
TILE = CELL * CELLS  # 128 px
BLUR = CELL / 3.0  # sigma of the circular blur that rounds the cells into smooth blobs


def crc16(value: int, bits: int = PAYLOAD_BITS) -> int:
    """CRC-16/CCITT of the payload's bits."""
    crc = 0xFFFF
    for i in range(bits - 1, -1, -1):
        bit = (value >> i) & 1
        top = (crc >> 15) & 1
        crc = ((crc << 1) & 0xFFFF) ^ (0x1021 if top ^ bit else 0)
    return crc


def payload_bits(payload: int) -> np.ndarray:
    """The 48 bits (0/1) that carry `payload` and its CRC, most significant first."""
    word = ((payload & 0xFFFFFFFF) << CRC_BITS) | crc16(payload & 0xFFFFFFFF)
    return np.array([(word >> (NBITS - 1 - i)) & 1 for i in range(NBITS)], dtype=np.int8)


def bits_payload(bits) -> int | None:
    """The payload the 48 bits carry, or None when their CRC does not match."""
    word = 0
    for b in bits:
        word = (word << 1) | int(b)
    payload, crc = word >> CRC_BITS, word & 0xFFFF
    return payload if crc16(payload) == crc else None


def _circular_blur(image: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of a periodic image (or a stack of them) by filtering in the frequency domain."""
    f = np.fft.fftfreq(image.shape[-1])
    gain = np.exp(-2.0 * (np.pi * sigma) ** 2 * (f[:, None] ** 2 + f[None, :] ** 2))
    return np.real(np.fft.ifft2(np.fft.fft2(image) * gain))


@lru_cache(maxsize=1)
def bit_patterns() -> np.ndarray:
    """(NBITS, TILE, TILE) float32: bit k's cells with their signs, blurred; the tile is their signed sum."""
    rng = np.random.default_rng(KEY)
    bit_of_cell = (rng.permutation(CELLS * CELLS) % NBITS).reshape(CELLS, CELLS)
    sign = rng.choice([-1.0, 1.0], size=(CELLS, CELLS))
    patterns = np.empty((NBITS, TILE, TILE), np.float32)
    for k in range(NBITS):
        cells = np.where(bit_of_cell == k, sign, 0.0)
        patterns[k] = _circular_blur(np.kron(cells, np.ones((CELL, CELL))), BLUR)
    rms = np.sqrt(np.mean(patterns.sum(0) ** 2))
    return patterns / rms


def signs(payload: int) -> np.ndarray:
    """+1 / -1 per bit of the payload and its CRC."""
    return payload_bits(payload).astype(np.float32) * 2.0 - 1.0


def tile(payload: int, gains: np.ndarray | None = None) -> np.ndarray:
    """(TILE, TILE) float32 pattern (unit RMS when every gain is 1) that carries `payload`."""
    weights = (signs(payload) * (1.0 if gains is None else gains)).astype(np.float32)
    # einsum without BLAS: a BLAS product (or tensordot) takes 5-50x longer when its threads compete for busy cores
    return np.einsum("k,kij->ij", weights, bit_patterns())


@lru_cache(maxsize=1)
def pattern_spectra() -> np.ndarray:
    """Conjugate 2-D spectra of the bit patterns, for circular correlation with a folded frame."""
    return np.conj(np.fft.rfft2(bit_patterns())).astype(np.complex64)
