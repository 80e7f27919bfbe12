"""Invisible watermark carrying a 32-bit job id (+ CRC-16) in every frame: masked to stay unseen, robust to
re-encoding, downscaling and cropping.

Two layers share one budget: the worst 16x16-block SSIM against the unmarked frame stays at or above 0.98.
- The tiled layer (here): a keyed periodic tile (models.provenance.pattern) added to the luma, scaled per pixel by a
  perceptual mask (models.provenance.masking: strong in texture, under a grey level in flat and dark regions), with
  each bit's gain chosen against the picture's own correlation with it (informed embedding). Reading takes the
  luma's Laplacian of Gaussian weighted by the mask's strength over the detail's local power (a matched filter:
  parts that carry no mark add nothing), folds it modulo the tile (a crop only shifts the phase), finds
  the phase by circular correlation with the 48 bit patterns and reads each bit's sign; frames are read each at
  its own phase (H.264's motion compensation drags the mark) and their votes summed. A resized video is read by
  scaling its frames back by a few common factors (a 50% downscale is 2.0).
- The block layer (models.provenance.qim): QIM in the 16x16 blocks busy enough to hide it; it ignores the picture,
  so it reads small, busy frames where the tiled layer is too weak, but only on the original block grid.
The tiled layer's sign alternates every SEGMENT of the video's time (sign_at); the reader weights a video's frames
by their sign, so the picture's own correlation with the bit patterns, alike in every frame of a still scene and
what limited the reading before (36 frames read no better than 12), cancels.
Measured (python -m bench.watermark: the first 4 s of eight real public-dev clips from 512x512 to 1080x1920,
marked at their times, written by the portal's encoder, attacked, read by extract_video): crf 28, a second crf 28,
a 10% crop + crf 28 and a 50% downscale + crf 23 read on 8 of 8 clips, a 50% downscale + crf 28 on 7 of 8 (not
sadtalker_WDA_BobMenendez_000, 512x512); unmarked copies: no false reading, strongest phase peak 5.30 (that run
read the signs unbalanced, after the constant-sign reading; the final reader read all five on the first clip).
With the sign held constant the same harness read 7, 7, 7, 6 and 5 of 8 (the tiled layer alone).
A stricter SSIM (the 7x7-window map averaged per block) reads 0.91-0.93 at worst, all of it the block layer's
change where a block joins an edge to a flat dark part (the tiled layer alone: 0.994); holding the block layer to
it there too costs the per-frame reading after crf 28 on small frames (tests/models/test_provenance.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations
from pathlib import Path
from typing import Iterable, Iterator, Optional

import numpy as np

from models.provenance import masking, pattern, qim

# factors by which a received frame is enlarged before reading: as marked, 50% and other common downscales,
# a 10% crop that was scaled back up, and an upscale
SCALES = (1.0, 2.0, 1.5, 4 / 3, 1 / 0.9, 1.25)
MAX_PIXELS = 3840 * 2160  # a frame is not enlarged past this (the portal's largest video)
DETAIL = pattern.CELL / 4  # sigma of the Laplacian of Gaussian that takes the detail (whitens a 1/f picture)
NORM_WINDOW, NORM_FLOOR = 0.75 * pattern.CELL, 0.01  # the detail is divided by its local RMS (window sigma, floor)
BOOST = (0.7, 1.35)  # range of the per-bit gain that lifts each bit over the picture's own correlation with it
TARGET = 1.0  # each bit's statistic aimed at after compression, in units of a unit gain's mean response
KEPT = 0.6  # share of the mark's response that H.264 at crf 28 keeps (measured 0.6; 0.8 at crf 23)
MIN_PEAK = 7.0  # robust z-score of the phase peak below which a frame is called unmarked
# A weaker peak also proves a mark when the payload's CRC holds with at most one bit corrected: on 522 readings of
# six frames of 29 unmarked real public-dev clips (crf 28, 50% downscale + crf 28, 10% crop + crf 28; every scale)
# the peak reached at most 5.27 (99th percentile 4.83) and no CRC held; a CRC holds by chance with one flip in
# 49 / 65536 readings.
MIN_PEAK_CHECKED = 5.5
MIN_QUALITY = 3.0  # mean / std of the summed votes' magnitudes (random votes: 1.3) that also proves a mark
CHASE = 12  # least reliable bits among which two may be flipped when the phase peak is strong
MIN_SIDE = pattern.TILE // 2  # frames (after rescaling) smaller than this on a side carry no readable mark
SEGMENT = 0.5  # seconds: the tiled layer's sign alternates every SEGMENT of the video's time
RAMP = 0.16  # seconds over which the sign turns at a segment's edge (no frame-to-frame jump of the pattern)
# offsets (seconds) of the sign's clock that the reader tries: a copy whose time 0 moved (a trim, audio that
# starts first) is read at the nearest; a whole segment's offset is the opposite polarity (read too)
OFFSETS = tuple(k * SEGMENT / 4 for k in range(4))
FRAMES_READ = 16  # frames a video is read from


@dataclass(frozen=True)
class Reading:
    """What the reader found: the payload (None when the CRC fails), the phase peak's z-score (the mean over
    frames), how cleanly the summed votes split from zero, the scale and the phase (of the strongest frame)."""

    payload: Optional[int]
    peak: float
    quality: float
    scale: float
    shift: tuple[int, int]
    corrected: int = 0  # bits the decoder flipped to make the CRC hold

    @property
    def marked(self) -> bool:
        if self.payload is None:
            return False
        return self.peak >= MIN_PEAK or self.quality >= MIN_QUALITY or (
            self.corrected <= 1 and self.peak >= MIN_PEAK_CHECKED)


def _luma(rgb: np.ndarray) -> np.ndarray:
    """BT.601 luma (0.299 R + 0.587 G + 0.114 B) as float32, rounded to whole grey levels by OpenCV's conversion
    (ten times faster than a float product; the half-level rounding is far below what the mark or its reader use)."""
    import cv2

    return cv2.cvtColor(np.ascontiguousarray(rgb[..., :3]), cv2.COLOR_RGB2GRAY).astype(np.float32)


def _tiled(tile: np.ndarray, h: int, w: int) -> np.ndarray:
    reps = (-(-h // tile.shape[0]), -(-w // tile.shape[1]))
    return np.tile(tile, reps)[:h, :w]


@lru_cache(maxsize=2)
def _plain(payload: int, h: int, w: int) -> np.ndarray:
    """The payload's unit-gain pattern tiled over an h x w frame: made once per video (payload and size)."""
    return _tiled(pattern.tile(payload), h, w)


def sign_at(t: float) -> float:
    """The tiled layer's sign at time t (seconds from the video's first frame): +1 and -1 in turn each SEGMENT,
    turning linearly over RAMP at each edge. Time 0 is the middle of a + segment (a still picture is marked +1)."""
    position = t / SEGMENT + 0.5
    parity = 1.0 if int(np.floor(position)) % 2 == 0 else -1.0
    edge = min(position % 1.0, 1.0 - position % 1.0) * SEGMENT  # seconds to the nearest segment edge
    return parity * min(1.0, 2.0 * edge / RAMP)


def embed(frame_rgb: np.ndarray, payload: int, t: float = 0.0) -> np.ndarray:
    """The frame shown at time t (seconds from the video's first frame) with `payload` (0 .. 2**32-1) embedded;
    the same change on R, G and B (a pure luma change).

    The tiled layer's sign alternates over time (sign_at): a reader that weights each frame by its sign sums the
    mark and cancels the picture's own correlation with the bit patterns, which is the same in every frame of a
    still scene and, before, limited what a video's frames read together."""
    h, w = frame_rgb.shape[:2]
    if min(h, w) < MIN_SIDE:
        return frame_rgb
    luma = _luma(frame_rgb)
    strength = masking.strength(luma)
    sign = sign_at(t)
    polarity = 1.0 if sign >= 0 else -1.0
    plain = strength * _plain(payload, h, w)
    gains = _bit_gains(_statistics(luma), _statistics(luma + polarity * plain), polarity * pattern.signs(payload))
    delta = sign * strength * _tiled(pattern.tile(payload, gains), h, w)
    blocks = qim.embed_luma_delta(luma + delta, luma, payload)
    out = _add(frame_rgb, delta + blocks)
    too_visible = qim.block_ssim(luma, _luma(out)) < qim.MIN_SSIM  # after rounding and clipping
    if too_visible.any():
        mask = qim.block_mask(too_visible, (h, w))
        out[mask] = _add(frame_rgb, delta)[mask]
    return out


def _add(frame_rgb: np.ndarray, delta: np.ndarray) -> np.ndarray:
    """The frame plus a luma change on each of R, G and B, rounded and clipped to 8 bits (OpenCV's saturating
    add of the positive part and subtract of the negative part)."""
    import cv2

    change = np.rint(delta)
    up = cv2.merge([np.clip(change, 0, 255).astype(np.uint8)] * 3)
    down = cv2.merge([np.clip(-change, 0, 255).astype(np.uint8)] * 3)
    return cv2.subtract(cv2.add(np.ascontiguousarray(frame_rgb[..., :3]), up), down)


def _statistics(luma: np.ndarray) -> np.ndarray:
    """(NBITS,) the reader's correlation of each bit pattern with the frame at the frame's own phase, estimated on
    the frame at half size (a quarter of the work; the informed gains need only the ratio of the picture's
    correlation to the mark's, which agrees with the full-size one to a few percent)."""
    import cv2

    h, w = (s // 2 * 2 for s in luma.shape)
    half = cv2.resize(luma[:h, :w], (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    folded = _fold(_whitened(half, 0.5), pattern.TILE // 2)
    return np.einsum("kij,ij->k", _half_patterns(), folded)  # einsum: no BLAS (see pattern.tile)


@lru_cache(maxsize=1)
def _half_patterns() -> np.ndarray:
    import cv2

    t = pattern.TILE // 2
    return np.stack([cv2.resize(p, (t, t), interpolation=cv2.INTER_AREA) for p in pattern.bit_patterns()])


def _bit_gains(host: np.ndarray, marked: np.ndarray, signs: np.ndarray) -> np.ndarray:
    """Informed embedding: each bit's gain so that it clears the picture's own correlation with its pattern."""
    response = np.maximum(signs * (marked - host), 1e-6)  # what a unit gain adds to each bit's statistic
    return np.clip((TARGET * response.mean() - signs * host) / (KEPT * response), *BOOST)


def _norm(detail: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """Local RMS of the detail (a box window: several times faster than a Gaussian, as good for a scale)."""
    import cv2

    side = int(2 * NORM_WINDOW * scale) | 1
    return np.sqrt(cv2.boxFilter(detail * detail, -1, (side, side), borderType=cv2.BORDER_REFLECT) + NORM_FLOOR)


def _whitened(luma: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """The fine detail of the luma divided by its local RMS: the pattern stands out evenly from the picture
    (`scale`: the luma's size relative to the marked frame's)."""
    import cv2

    detail = -cv2.Laplacian(masking.blur(luma, DETAIL * scale), cv2.CV_32F, ksize=3)
    return detail / _norm(detail, scale)


def _fold(image: np.ndarray, t: int = pattern.TILE) -> np.ndarray:
    """Sum of the image's t x t tiles (zero-padded at the right and bottom)."""
    h, w = image.shape
    padded = np.zeros((-(-h // t) * t, -(-w // t) * t), np.float32)
    padded[:h, :w] = image
    return padded.reshape(padded.shape[0] // t, t, padded.shape[1] // t, t).sum(axis=(0, 2))


def _scaled_luma(frame_rgb: np.ndarray, scale: float) -> Optional[np.ndarray]:
    import cv2

    luma = _luma(frame_rgb)
    h, w = luma.shape
    if h * w * scale * scale > MAX_PIXELS:
        return None
    if scale != 1.0:
        luma = cv2.resize(luma, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_CUBIC)
    return luma if min(luma.shape) >= MIN_SIDE else None


def _matched(luma: np.ndarray) -> np.ndarray:
    """The reader's detail: each pixel weighted by the mark it should carry over the picture's own detail there
    (a matched filter: the perceptual mask's strength, estimated on the received luma, over the detail's local
    power). The whitened detail (_whitened) weights every pixel alike, so dark, bright and flat parts, where the
    embedder put little or no mark, add only the picture's correlation; this weighting reads a 50% downscale +
    crf 23, a second crf 28 and a 10% crop on more real clips. The embedder's informed gains keep the whitened
    statistic (_statistics): its cost stays the same."""
    import cv2

    detail = -cv2.Laplacian(masking.blur(luma, DETAIL), cv2.CV_32F, ksize=3)
    norm = _norm(detail)
    return detail * masking.strength(luma) / (norm * norm)


def _correlations(luma: np.ndarray) -> np.ndarray:
    """(NBITS, TILE, TILE) circular correlation of the folded, matched-filtered frame with each bit pattern."""
    t = pattern.TILE
    return np.fft.irfft2(np.fft.rfft2(_fold(_matched(luma)))[None] * pattern.pattern_spectra(), s=(t, t))


def _standardised(score: np.ndarray) -> np.ndarray:
    """A phase score map as robust z-scores (median 0, MAD-based spread 1)."""
    median = float(np.median(score))
    return (score - median) / (1.4826 * float(np.median(np.abs(score - median))) or 1e-9)


def _phase(corr: np.ndarray) -> tuple[tuple[int, int], float, float]:
    """The phase where the bit patterns correlate most, its robust z-score and the noise level of the score."""
    score = np.abs(corr).sum(axis=0)
    best = np.unravel_index(int(np.argmax(score)), score.shape)
    median = float(np.median(score))
    spread = 1.4826 * float(np.median(np.abs(score - median))) or 1e-9
    return (int(best[0]), int(best[1])), (float(score[best]) - median) / spread, spread


def _payload(votes: np.ndarray, strong: bool) -> tuple[Optional[int], int]:
    """The payload of the votes' signs and the number of bits flipped to find it. One wrong bit is always
    corrected (the CRC's Hamming distance is 4); when the phase peak is strong, also two among the CHASE least
    reliable bits (Chase decoding). Read in both polarities: frames of a marked video read a segment off their
    clock carry the opposite sign."""
    for polarity in (1.0, -1.0):
        found, flips = _payload_of(polarity * votes, strong)
        if found is not None:
            return found, flips
    return None, 0


def _payload_of(votes: np.ndarray, strong: bool) -> tuple[Optional[int], int]:
    bits = votes > 0
    order = np.argsort(np.abs(votes))
    flips = [()] + [(k,) for k in order]
    if strong:
        flips += list(combinations(order[:CHASE], 2))
    for flip in flips:
        trial = bits.copy()
        trial[list(flip)] = ~trial[list(flip)]
        found = pattern.bits_payload(trial)
        if found is not None:
            return found, len(flip)
    return None, 0


def _frame_correlations(frames: list[np.ndarray], scale: float) -> list[Optional[tuple[np.ndarray, float]]]:
    """Each frame's (correlation maps, noise level of its phase score) at one scale; None for a frame too small."""
    out = []
    for frame in frames:
        luma = _scaled_luma(frame, scale)
        if luma is None:
            out.append(None)
            continue
        corr = _correlations(luma).astype(np.float32)
        out.append((corr, _phase(corr)[2]))
    return out


def _unsigned_votes(found: list[tuple[np.ndarray, float]]) -> tuple[np.ndarray, float, tuple[int, int]]:
    """The votes of frames that all carry the mark with the same sign (a still picture, a video marked before the
    sign alternated). The mark sits at the same place in every frame (only a crop moves it, for all frames alike),
    so the frames' phase scores are summed before the phase is chosen: a weak mark that each frame alone places
    a pixel or two off (noise, the half pixel of a rescale) is found together. The peak is the robust z-score of
    the summed map (the same scale as one frame's)."""
    total = sum(_standardised(np.abs(corr).sum(axis=0)) for corr, _ in found)
    dy, dx = (int(v) for v in np.unravel_index(int(np.argmax(total)), total.shape))
    votes = sum(corr[:, dy, dx].astype(np.float64) / spread for corr, spread in found)
    return votes, float(_standardised(total)[dy, dx]), (dy, dx)


def _signed_votes(found: list[tuple[np.ndarray, float]], weights: list[float]) -> tuple[np.ndarray, float, tuple]:
    """The votes of a video's frames, each weighted by the sign its time gives the mark: the picture's own
    correlation, alike in frames of either sign, cancels; the phase is chosen on the weighted sum."""
    summed = sum(w * corr / spread for (corr, spread), w in zip(found, weights))
    score = np.abs(summed).sum(axis=0)
    dy, dx = (int(v) for v in np.unravel_index(int(np.argmax(score)), score.shape))
    return summed[:, dy, dx].astype(np.float64), float(_standardised(score)[dy, dx]), (dy, dx)


def _readings(frames: list[np.ndarray], times: Optional[list[float]], scale: float) -> Iterator[Reading]:
    """The readings at one scale: for a video's frames with their times, the alternating sign on each of the clock
    offsets; then frames of one sign (a still picture, a video marked before the sign alternated)."""
    pairs = [(c, t) for c, t in zip(_frame_correlations(frames, scale), times or [0.0] * len(frames)) if c]
    if not pairs:
        return
    found = [c for c, _ in pairs]
    for offset in OFFSETS if times is not None and len(found) > 1 else ():
        weights = _balanced([sign_at(t + offset) for _, t in pairs])
        if weights is not None:
            yield _reading(*_signed_votes(found, weights), scale)
    yield _reading(*_unsigned_votes(found), scale)


def _balanced(signs: list[float]) -> Optional[list[float]]:
    """The frames' signs scaled so that the + and the - frames weigh the same (a still picture's own correlation
    then cancels exactly, however many frames of each sign were sampled); None without enough of either."""
    positive, negative = sum(w for w in signs if w > 0), -sum(w for w in signs if w < 0)
    if positive < 1.0 or negative < 1.0:
        return None
    total = positive + negative
    return [w * total / (2 * (positive if w > 0 else negative)) for w in signs]


def _reading(votes: np.ndarray, peak: float, shift: tuple[int, int], scale: float) -> Reading:
    quality = float(np.abs(votes).mean() / (np.abs(votes).std() or 1e-9))
    payload, corrected = _payload(votes, peak >= MIN_PEAK)
    return Reading(payload, peak, quality, scale, shift, corrected)


def read_frames(frames: Iterable[np.ndarray], scales: Iterable[float] = SCALES,
                times: Optional[Iterable[float]] = None) -> Optional[Reading]:
    """The reading of the frames together (`times`: each frame's seconds in its video) at each scale in turn: the
    first that holds a mark, else the strongest."""
    frames = list(frames)
    times = None if times is None else list(times)
    best: Optional[Reading] = None
    for scale in scales:
        for reading in _readings(frames, times, scale):
            if reading.marked:
                return reading
            if best is None or reading.peak > best.peak:
                best = reading
    return best


def extract(frame_rgb: np.ndarray) -> Optional[int]:
    """The payload of one frame, or None when the frame carries no readable mark."""
    return extract_frames([frame_rgb])


def _read_blocks(frames: list[np.ndarray]) -> Optional[int]:
    """The block layer: the payload most frames agree on, else that of their summed votes."""
    votes = [v for v in (qim.soft_bits(_luma(f)) for f in frames) if v is not None]
    found: dict[int, int] = {}
    for value in (qim.decode(v) for v in votes):
        if value is not None:
            found[value] = found.get(value, 0) + 1
    if found:
        best, count = max(found.items(), key=lambda kv: kv[1])
        if count >= max(1, len(votes) // 3):
            return best
    return qim.decode(sum(votes) / len(votes)) if votes else None


def extract_frames(frames: Iterable[np.ndarray], times: Optional[Iterable[float]] = None) -> Optional[int]:
    """The payload that the frames carry (`times`: each frame's seconds in its video): the block layer (as marked
    and re-encoded), else the tiled layer (cropped or resized too); None when they carry none."""
    frames = list(frames)
    value = _read_blocks(frames)
    if value is not None:
        return value
    reading = read_frames(frames, times=times)
    return reading.payload if reading is not None and reading.marked else None


def extract_video(path: Path, frames: int = FRAMES_READ) -> Optional[int]:
    """The job id watermarked in a video (read from `frames` sampled frames together, with their times), or None."""
    from models.media import sample_frames

    sampled = sample_frames(Path(path), frames)
    return extract_frames([rgb for _, _, rgb in sampled], [t for _, t, _ in sampled])
