"""Photo-like scenes of one kind, for the forgery tests and benchmark: "a factory wall with a fire extinguisher".

Every scene shares the layout (a painted wall over a concrete floor, a red extinguisher on its bracket, a sign,
pipes and boxes) and differs as two photos of such walls differ: the wall's colour and the light, where the
camera stood, the clutter, the sensor grain. Different seeds are different photos of the same kind of place,
so a perceptual hash that matches them is a false alarm; ``variant`` makes the copies a forger would send.
"""

import io
import random

from PIL import Image, ImageDraw, ImageFilter, ImageFont

SIGN_CHARS = "灭火器消防安全出口禁止烟火当心触电配电箱责任人检查记录"


def extinguisher_wall(seed: int, size: tuple[int, int] = (1024, 768)) -> Image.Image:
    rng = random.Random(seed)
    width, height = size
    wall = (rng.randrange(150, 235), rng.randrange(150, 235), rng.randrange(140, 225))
    floor_y = int(height * rng.uniform(0.62, 0.8))
    image = Image.new("RGB", size, wall)
    draw = ImageDraw.Draw(image)
    for x in range(0, width, 4):  # light falling off across the wall
        shade = int(40 * (x / width - 0.5) * rng.choice((-1, 1)))
        draw.line((x, 0, x, floor_y), fill=tuple(max(0, min(255, c + shade)) for c in wall), width=4)
    draw.rectangle((0, floor_y, width, height), fill=(rng.randrange(90, 140),) * 3)
    for _ in range(rng.randrange(2, 6)):  # pipes along the wall
        y = rng.randrange(10, floor_y - 20)
        draw.rectangle((0, y, width, y + rng.randrange(8, 30)), fill=tuple(rng.randrange(40, 200) for _ in range(3)))
    for _ in range(rng.randrange(3, 12)):  # boxes, racks, a cabinet
        w, h = rng.randrange(40, 260), rng.randrange(30, 220)
        x, y = rng.randrange(-40, width), floor_y - h + rng.randrange(0, 40)
        draw.rectangle((x, y, x + w, y + h), fill=tuple(rng.randrange(256) for _ in range(3)), outline=(25, 25, 25),
                       width=3)
    ex = int(width * rng.uniform(0.25, 0.7))  # the extinguisher on its bracket
    ey, eh = floor_y - int(height * rng.uniform(0.35, 0.45)), int(height * rng.uniform(0.22, 0.3))
    draw.rectangle((ex - 20, ey - 10, ex + 90, ey), fill=(60, 60, 60))
    draw.rounded_rectangle((ex, ey, ex + 70, ey + eh), radius=25, fill=(200 + rng.randrange(40), 20, 25))
    draw.rectangle((ex + 25, ey - 30, ex + 45, ey), fill=(30, 30, 30))
    draw.line((ex + 45, ey - 20, ex + 100, ey + eh // 2), fill=(15, 15, 15), width=6)
    font = ImageFont.load_default(size=rng.randrange(18, 34))
    sx, sy = ex + rng.randrange(-150, 150), max(5, ey - rng.randrange(80, 160))
    draw.rectangle((sx, sy, sx + 180, sy + 50), fill=(200, 30, 30))
    draw.text((sx + 8, sy + 8), "".join(rng.choice(SIGN_CHARS) for _ in range(5)), fill=(250, 250, 240), font=font)
    for _ in range(rng.randrange(10, 40)):  # stains, cables, labels
        x, y = rng.randrange(width), rng.randrange(height)
        draw.line((x, y, x + rng.randrange(-120, 120), y + rng.randrange(-60, 60)),
                  fill=tuple(rng.randrange(256) for _ in range(3)), width=rng.randrange(1, 5))
    shift = (rng.randrange(-60, 60), rng.randrange(-40, 40))  # where the camera stood
    image = image.rotate(rng.uniform(-4, 4), resample=Image.Resampling.BILINEAR, translate=shift, fillcolor=wall)
    grain = Image.merge("RGB", [Image.effect_noise(size, rng.randrange(20, 60)) for _ in range(3)])
    return Image.blend(image.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.2))), grain, 0.08)


def jpeg(image: Image.Image, quality: int = 90) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def reencoded(image: Image.Image, quality: int = 60) -> Image.Image:
    return Image.open(io.BytesIO(jpeg(image, quality))).convert("RGB")


def resized(image: Image.Image, factor: float = 0.5) -> Image.Image:
    return reencoded(image.resize((int(image.width * factor), int(image.height * factor)),
                                  Image.Resampling.LANCZOS), 80)


def cropped(image: Image.Image, fraction: float = 0.10, rng: random.Random | None = None) -> Image.Image:
    """Cut ``fraction`` of each dimension away, split at random between the two sides, and re-encode."""
    rng = rng or random.Random(0)
    dx, dy = int(image.width * fraction), int(image.height * fraction)
    left, top = rng.randrange(dx + 1), rng.randrange(dy + 1)
    return reencoded(image.crop((left, top, image.width - (dx - left), image.height - (dy - top))), 85)


def blended(image: Image.Image, other: Image.Image, share: float = 0.25) -> Image.Image:
    """The picture with another showing through: much alike, not a copy."""
    return reencoded(Image.blend(image, other, share), 85)
