"""The benchmark signals, and which of them chose the defaults (tuning) and which did not.

Tuning signals (the defaults were chosen on these): DIV2K 0803, 0804 and 0805 (48x48 LR
crops for super-resolution, 0803 at 256x256 for image fits) and a 0.5 s excerpt of
``gt_counting`` at 16 kHz for audio. Held-out signals: the other 8 DIV2K images; the
bundled astronaut and scikit-image's ``coffee``, ``chelsea`` and ``rocket`` photographs
(scikit-image is needed for the last three: ``pip install scikit-image``); 0.5 s excerpts
of ``gt_bach`` and ``gt_movie``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from sirenkit.io import load_audio, load_sample_image

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
TUNING_DIV2K = ("0803", "0804", "0805")
HELD_OUT_PHOTOS = ("astronaut", "coffee", "chelsea", "rocket")
TUNING_CLIP, HELD_OUT_CLIPS = "gt_counting", ("gt_bach", "gt_movie")


def _square(image: np.ndarray, size: int) -> np.ndarray:
    """The centre square of ``image`` (uint8 or [0, 1]), bicubic-resized to ``size``."""
    if image.dtype != np.uint8:
        image = np.round(np.clip(image, 0, 1) * 255).astype(np.uint8)
    pil = Image.fromarray(image).convert("RGB")
    w, h = pil.size
    side = min(w, h)
    box = ((w - side) // 2, (h - side) // 2, (w - side) // 2 + side, (h - side) // 2 + side)
    return np.asarray(pil.crop(box).resize((size, size), Image.BICUBIC), np.float32) / 255


def photo(name: str, size: int = 256) -> np.ndarray:
    """A square RGB photograph in [0, 1]: a DIV2K HR image ("0803") or a named one."""
    if name.isdigit():
        return _square(np.asarray(Image.open(DATA / "div2k_subset" / "HR" / f"{name}.png")), size)
    if name == "astronaut":
        return _square(load_sample_image("astronaut"), size)
    import skimage.data

    return _square(getattr(skimage.data, name)(), size)


def speech_excerpt(name: str, seconds: float = 0.5, rate: int = 16000) -> np.ndarray:
    """The loudest ``seconds`` of a clip (first channel), resampled to ``rate``."""
    from scipy.signal import resample_poly

    clip, clip_rate = load_audio(DATA / "audio" / f"{name}.wav")
    clip = clip if clip.ndim == 1 else clip[:, 0]
    clip = resample_poly(clip, rate, clip_rate)
    n, hop = int(seconds * rate), int(seconds * rate) // 2
    energy = [np.var(clip[i : i + n]) for i in range(0, len(clip) - n, hop)]
    start = hop * int(np.argmax(energy))
    return clip[start : start + n].astype(np.float32)
