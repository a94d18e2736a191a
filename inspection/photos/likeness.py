"""Perceptual hashes of a photo, to tell the same picture sent again (re-encoded, resized, cropped) from a new one.

Each photo gets nineteen 64-bit pHashes (``imagehash.phash``, DCT of a 32×32 grey copy) of its thumbnail: one of
the whole picture (window 0), nine of windows covering 90% of each side at offsets 0, 5 and 10% (windows 1-9) and
nine covering 95% at offsets 0, 2.5 and 5% (windows 10-18). A copy of a photo, re-encoded or resized, has a
whole-picture hash within a few bits of the original's; a copy with up to a tenth of each side cut away has a
whole-picture hash within a few bits of one of the original's windows.
Different photos of the same kind of place (another wall, another extinguisher) mostly lie 8 bits or more
apart, but not always: among a thousand such photos a few pairs came within 4-6 bits, which is why the "same
picture" limit is 4 and not more (tests/bench/README.md, "Forged rectification evidence").

Lookup is multi-index hashing: each hash is split into four 16-bit bands, each stored in an indexed column. Two
hashes within 3 bits of each other agree exactly on at least one band, so the rows sharing a band with the new
photo's hash are the only candidates to measure; larger distances are found when one band survives (most of
the time, not always). Imagehash's crop-resistant hash was measured too: ~0.5 s a photo and, on photos of one
kind of scene, as many segment matches between different photos as between a photo and its crop.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import imagehash
from PIL import Image

WINDOW_GRIDS = ((0.90, (0.0, 0.05, 0.10)), (0.95, (0.0, 0.025, 0.05)))  # (side, offsets) as fractions
WINDOWS = 1 + sum(len(offsets) ** 2 for _, offsets in WINDOW_GRIDS)
BANDS = 4
BAND_BITS = 64 // BANDS
SAME_PICTURE_BITS = 4  # at most this many bits apart: the same picture (refused as evidence)
NEAR_MATCH_BITS = 8  # at most this many: a near match (flagged to the reviewer)
_MASK = (1 << 64) - 1


def photo_hashes(image: Image.Image) -> list[int]:
    """The nineteen unsigned 64-bit pHashes of a (small, oriented, unstamped) image: whole picture, then windows."""
    width, height = image.size
    hashes = [_phash(image)]
    for side, offsets in WINDOW_GRIDS:
        for fx in offsets:
            for fy in offsets:
                box = (round(width * fx), round(height * fy), round(width * (fx + side)), round(height * (fy + side)))
                hashes.append(_phash(image.crop(box)))
    return hashes


def _phash(image: Image.Image) -> int:
    bits = imagehash.phash(image).hash.flatten()
    value = 0
    for bit in bits:
        value = (value << 1) | int(bit)
    return value


def bands(value: int) -> tuple[int, ...]:
    """The four 16-bit bands of an unsigned 64-bit hash, most significant first."""
    return tuple((value >> (BAND_BITS * (BANDS - 1 - i))) & ((1 << BAND_BITS) - 1) for i in range(BANDS))


def to_signed(value: int) -> int:
    """An unsigned 64-bit hash as the signed integer a BIGINT column holds."""
    return value - (1 << 64) if value >= 1 << 63 else value


def to_unsigned(value: int) -> int:
    return value & _MASK


def distance(a: int, b: int) -> int:
    return ((a ^ b) & _MASK).bit_count()


@dataclass(frozen=True)
class Match:
    photo_id: int
    distance: int  # bits between the new photo's whole-picture hash and the closest hash of ``photo_id``
    window: int  # 0: the whole picture; 1-18: the new photo matches a window (it is a crop of ``photo_id``)

    @property
    def same_picture(self) -> bool:
        return self.distance <= SAME_PICTURE_BITS

    @property
    def near(self) -> bool:
        return self.distance <= NEAR_MATCH_BITS


def closest(whole: int, stored: Iterable[tuple[int, int, int]]) -> dict[int, Match]:
    """For each stored photo, its closest hash to ``whole`` (a new photo's whole-picture hash), if a near match.

    ``stored``: ``(photo_id, window, hash)`` rows, hashes signed or unsigned."""
    best: dict[int, Match] = {}
    for photo_id, window, value in stored:
        bits = distance(whole, value)
        if bits <= NEAR_MATCH_BITS and (photo_id not in best or bits < best[photo_id].distance):
            best[photo_id] = Match(photo_id, bits, window)
    return best


def rows(hashes: Sequence[int]) -> list[tuple[int, int, tuple[int, ...]]]:
    """``(window, signed hash, bands)`` for storing each hash of a photo."""
    return [(window, to_signed(value), bands(value)) for window, value in enumerate(hashes)]
