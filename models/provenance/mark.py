"""The visible label every generated frame carries: "AI-generated" on a semi-transparent box in a corner."""

from __future__ import annotations

import numpy as np

LABEL = "AI-generated"


def visible_mark(frame_rgb: np.ndarray, text: str = LABEL, corner: str = "bottom-right",
                 opacity: float = 0.6) -> np.ndarray:
    """The frame with `text` in white on a dark box whose size follows the frame height."""
    import cv2

    h, w = frame_rgb.shape[:2]
    scale = max(0.4, h / 720.0 * 0.9)
    thick = max(1, int(round(scale * 2)))
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)
    pad = int(8 * scale) + 2
    bw, bh = tw + 2 * pad, th + base + 2 * pad
    x0 = w - bw - pad if "right" in corner else pad
    y0 = h - bh - pad if "bottom" in corner else pad
    x0, y0 = max(0, x0), max(0, y0)
    out = frame_rgb.copy()
    box = out[y0 : y0 + bh, x0 : x0 + bw].astype(np.float32)
    out[y0 : y0 + bh, x0 : x0 + bw] = (box * (1 - opacity)).astype(np.uint8)
    cv2.putText(out, text, (x0 + pad, y0 + pad + th), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), thick,
                cv2.LINE_AA)
    return out
