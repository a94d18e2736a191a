"""Photo pipeline benchmark: our make_variants against a naive Pillow pipeline and a plain decode.

Run from the repository root:  python tests/bench/bench_photos.py [--runs 7]
(or python -m tests.bench.bench_photos; a runner can call main([]))
Not collected by pytest (pytest runs with --ignore=tests/bench). Results go in tests/bench/README.md by hand.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps, features

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script, the repository root is not on the path
    sys.path.insert(0, str(ROOT))

import pillow_heif  # noqa: E402

from inspection import fonts  # noqa: E402
from inspection.photos import pipeline as photos  # noqa: E402
from inspection.photos import stamp  # noqa: E402

SIGN_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789- "
WIDTH, HEIGHT = 4032, 3024  # a 12 MP phone sensor, stored landscape
ORIENTATION_PORTRAIT = 6  # held upright: the viewer rotates 90° clockwise
NAIVE_DISPLAY_SIDE = photos.DISPLAY_SIDE
NAIVE_THUMB_SIDE = photos.THUMB_SIDE
HEIC_QUALITY = 50  # about 1.7 MB for 12 MP, the size of an iPhone HEIC
TARGET_VS_NAIVE = 0.25
TARGET_VS_DECODE = 1.5

STAMP = stamp.Stamp(
    captured_at=datetime(2026, 11, 25, 6, 3, tzinfo=UTC),
    enterprise="常州市安达精细化工有限公司",
    inspector="王建国",
    lat=31.8101,
    lng=119.9741,
    verify_code="7K3QX9PA",
)


def phone_scene(seed: int = 2026) -> Image.Image:
    """Structured content like a site photo: gradients, machinery shapes, signage text, sensor noise."""
    rng = random.Random(seed)
    ramp = Image.linear_gradient("L").resize((WIDTH, HEIGHT))
    image = Image.merge(
        "RGB",
        (
            ramp.point(lambda v: 70 + v // 3),
            ramp.point(lambda v: 110 + v // 4),
            ramp.point(lambda v: 190 - v // 3),
        ),
    )
    draw = ImageDraw.Draw(image)
    for _ in range(260):  # tanks, pipes, racks
        x, y = rng.randrange(-200, WIDTH), rng.randrange(HEIGHT // 4, HEIGHT)
        w, h = rng.randrange(40, 700), rng.randrange(20, 500)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        shape = rng.choice(("rectangle", "ellipse", "line"))
        if shape == "rectangle":
            draw.rectangle((x, y, x + w, y + h), fill=colour, outline=(20, 20, 20), width=3)
        elif shape == "ellipse":
            draw.ellipse((x, y, x + w, y + h), fill=colour)
        else:
            draw.line((x, y, x + w, y + rng.randrange(-300, 300)), fill=colour, width=rng.randrange(2, 18))
    sign = ImageFont.load_default(size=36)
    for _ in range(120):  # labels and warning signs: fine, high-contrast detail
        x, y = rng.randrange(WIDTH - 400), rng.randrange(HEIGHT - 60)
        text = "".join(rng.choice(SIGN_CHARS) for _ in range(rng.randrange(6, 22)))
        draw.text((x, y), text, fill=rng.choice(((250, 250, 240), (20, 20, 20), (200, 30, 30))), font=sign)
    grain = Image.merge("RGB", [Image.effect_noise((WIDTH, HEIGHT), 48) for _ in range(3)])
    return Image.blend(image, grain, 0.10)


def phone_jpeg(scene: Image.Image) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = ORIENTATION_PORTRAIT
    exif.get_ifd(0x8769)[0x9003] = "2026:11:25 14:03:00"
    out = io.BytesIO()
    scene.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def phone_heic(scene: Image.Image) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = ORIENTATION_PORTRAIT
    out = io.BytesIO()
    scene.save(out, "HEIF", quality=HEIC_QUALITY, exif=exif)
    return out.getvalue()


def pipeline(data: bytes) -> None:
    photos.make_variants(data, stamp=STAMP)


def naive(data: bytes) -> None:
    """What one writes first: decode everything, orient, Lanczos twice (thumb from the display), save."""
    image = Image.open(io.BytesIO(data))
    image.load()
    image = ImageOps.exif_transpose(image).convert("RGB")
    display = image.resize(photos.fit_within(image.size, NAIVE_DISPLAY_SIDE), Image.Resampling.LANCZOS)
    thumb = display.resize(photos.fit_within(display.size, NAIVE_THUMB_SIDE), Image.Resampling.LANCZOS)
    for variant in (display, thumb):
        variant.save(io.BytesIO(), "JPEG", quality=photos.QUALITY)


def plain_decode(data: bytes) -> None:
    Image.open(io.BytesIO(data)).load()


Case = tuple[str, str, Callable[[bytes], None], bytes]


def median_ms(cases: list[Case], runs: int) -> list[float]:
    """Median wall time of each case; rounds interleave the cases so background load hits them alike."""
    for _, _, work, data in cases:
        work(data)  # warm-up: font loading, plugin imports, caches
    timings: list[list[float]] = [[] for _ in cases]
    for _ in range(runs):
        for index, (_, _, work, data) in enumerate(cases):
            start = time.perf_counter()
            work(data)
            timings[index].append((time.perf_counter() - start) * 1000)
    return [statistics.median(case_timings) for case_timings in timings]


def verdict(ratio: float, target: float) -> str:
    return f"(target <= {target}: {'ok' if ratio <= target else 'MISSED'})"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)

    scene = phone_scene()
    jpeg, heic = phone_jpeg(scene), phone_heic(scene)
    font = fonts.find_cjk_font()
    print(
        f"Python {platform.python_version()}, Pillow {Image.__version__} "
        f"(libjpeg-turbo {features.version('libjpeg_turbo')}), pillow-heif {pillow_heif.__version__} "
        f"(libheif {pillow_heif.libheif_version()}), {os.cpu_count()} CPUs, {platform.machine()}"
    )
    print(f"stamp font: {font or 'none (ASCII stamp)'}")
    print(f"input: {WIDTH}x{HEIGHT}, EXIF orientation {ORIENTATION_PORTRAIT}; ", end="")
    print(f"JPEG q90 {len(jpeg) / 1e6:.2f} MB, HEIC q{HEIC_QUALITY} {len(heic) / 1e6:.2f} MB; ", end="")
    print(f"median of {args.runs} runs after 1 warm-up")
    print()

    cases: list[Case] = [
        ("JPEG", "pipeline (make_variants)", pipeline, jpeg),
        ("JPEG", "naive Pillow (full decode, Lanczos)", naive, jpeg),
        ("JPEG", "plain full decode", plain_decode, jpeg),
        ("HEIC", "pipeline (make_variants)", pipeline, heic),
        ("HEIC", "plain full decode", plain_decode, heic),
    ]
    rows = [(fmt, what, ms) for (fmt, what, _, _), ms in zip(cases, median_ms(cases, args.runs), strict=True)]
    print("| input | what | median ms |")
    print("|---|---|---:|")
    for fmt, what, ms in rows:
        print(f"| {fmt} | {what} | {ms:.0f} |")
    ours, naive_ms, decode_ms, heic_ours, heic_decode = (ms for _, _, ms in rows)
    print()
    vs_naive, vs_decode = ours / naive_ms, ours / decode_ms
    print(f"JPEG pipeline / naive:        {vs_naive:.2f}  {verdict(vs_naive, TARGET_VS_NAIVE)}")
    print(f"JPEG pipeline / plain decode: {vs_decode:.2f}  {verdict(vs_decode, TARGET_VS_DECODE)}")
    print(f"HEIC pipeline / plain decode: {heic_ours / heic_decode:.2f} (no target: HEVC has no draft)")


if __name__ == "__main__":
    main()
