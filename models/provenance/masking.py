"""Perceptual masking: how strong the watermark may be at each pixel, from local texture and luminance.

SSIM's contrast-structure term for a signal x plus an independent pattern of variance s2 is
(2 var(x) + C2) / (2 var(x) + C2 + s2). Choosing the pattern's local amplitude ALPHA * sqrt(2 var(x) + C2)
keeps that term near 1 - ALPHA**2 everywhere: strong in texture, under one grey level in flat regions.
Very dark and very bright regions get less still (banding shows there first and clipping would bias the mean).
"""

from __future__ import annotations

import numpy as np

ALPHA = 0.1  # base amplitude; the embedder raises a bit up to watermark.BOOST times (SSIM >= 1 - 0.135**2)
C2 = (0.03 * 255) ** 2  # SSIM's stabiliser for 8-bit images
FLAT = C2 / 2  # the floor used instead of C2: flat regions get 0.7 of the amplitude SSIM alone would allow
WINDOW = 2.0  # sigma (px) of the Gaussian window for local statistics: texture a few pixels away masks nothing
DARK, BRIGHT = 48.0, 224.0  # luma below / above which the strength tapers


def blur(image: np.ndarray, sigma: float) -> np.ndarray:
    import cv2

    return cv2.GaussianBlur(image, (0, 0), sigma, borderType=cv2.BORDER_REFLECT)


def local_stats(luma: np.ndarray, sigma: float = WINDOW) -> tuple[np.ndarray, np.ndarray]:
    """Local mean and variance of a float32 luma image under a Gaussian window."""
    mean = blur(luma, sigma)
    var = np.maximum(blur(luma * luma, sigma) - mean * mean, 0.0)
    return mean, var


def luminance_factor(mean: np.ndarray) -> np.ndarray:
    """1 in mid-tones, tapering to 0 at black and at white (where clipping would shift the mean: SSIM's l term)."""
    dark = np.sqrt(np.clip(mean / DARK, 0.0, 1.0))
    bright = np.sqrt(np.clip((255.0 - mean) / (255.0 - BRIGHT), 0.0, 1.0))
    return dark * bright


_LEVELS = np.arange(256, dtype=np.float32)
_FACTOR_LUT = luminance_factor(_LEVELS).astype(np.float32)


def _luminance_factor_fast(mean: np.ndarray) -> np.ndarray:
    """luminance_factor by table lookup on the nearest grey level (a frame's worth in a fraction of a ms)."""
    import cv2

    return cv2.LUT(np.clip(mean + 0.5, 0, 255).astype(np.uint8), _FACTOR_LUT)


def strength(luma: np.ndarray, alpha: float = ALPHA) -> np.ndarray:
    """Per-pixel amplitude (grey levels) for a unit-RMS pattern: follows texture, tapers in dark and bright.
    The same arithmetic as local_stats and luminance_factor, in OpenCV's element-wise operations writing in place
    (fewer passes over the frame than numpy's temporaries)."""
    import cv2

    mean = blur(luma, WINDOW)
    var = blur(cv2.multiply(luma, luma), WINDOW)
    var = cv2.max(cv2.subtract(var, cv2.multiply(mean, mean), dst=var), 0.0, dst=var)
    # the minimum over a small neighbourhood keeps texture from lending strength to the flat pixels beside it
    var = _erode(var)
    amplitude = cv2.sqrt(cv2.addWeighted(var, 2.0, var, 0.0, FLAT, dst=var), dst=var)
    return cv2.multiply(amplitude, _luminance_factor_fast(mean), dst=amplitude, scale=alpha)


def _erode(var: np.ndarray, size: int = 9) -> np.ndarray:
    import cv2

    return cv2.erode(var, np.ones((size, size), np.uint8))
