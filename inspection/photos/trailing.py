"""How many bytes follow the image inside an uploaded file.

Phones append data to photos (motion photos: a video after the JPEG), and so does whoever hides a ZIP or a
script in a "photo" (a polyglot). Both are kept — the original is stored byte for byte — but the count is
recorded, so an office can see which originals carry more than an image.

The end of the image is found by walking the file's own structure, never by searching for a marker (the
appended data may contain any bytes): JPEG segments and entropy-coded scans up to the EOI marker; PNG chunks
up to IEND; the RIFF chunk's declared size for WebP; the top-level ISO-BMFF boxes for HEIF. ``None`` when the
structure cannot be followed (then nothing is claimed either way).
"""

import mmap
from pathlib import Path

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM, RST0-7: markers without a length


def trailing_bytes(source: Path | bytes, fmt: str) -> int | None:
    """Bytes after the end of the ``fmt`` image ("JPEG", "PNG", "WEBP", "HEIF") in ``source``."""
    if isinstance(source, bytes | bytearray | memoryview):
        data = memoryview(source).cast("B")
        end = image_end(data, fmt)
        return None if end is None else len(data) - end
    with open(source, "rb") as fp:
        size = fp.seek(0, 2)
        if size == 0:
            return None
        with mmap.mmap(fp.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            view = memoryview(mapped)
            try:
                end = image_end(view, fmt)
            finally:
                view.release()
    return None if end is None else size - end


def image_end(data: memoryview | bytes, fmt: str) -> int | None:
    """The offset just past the image's last byte, or None when its structure cannot be followed."""
    finder = {"JPEG": _jpeg_end, "PNG": _png_end, "WEBP": _webp_end, "HEIF": _bmff_end}.get(fmt)
    try:
        return finder(data) if finder else None
    except IndexError:
        return None


def _jpeg_end(data: memoryview | bytes) -> int | None:
    size = len(data)
    if size < 4 or data[0] != 0xFF or data[1] != 0xD8:
        return None
    pos = 2
    while pos < size:
        if data[pos] != 0xFF:
            return None
        while pos < size and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= size:
            return None
        marker = data[pos]
        pos += 1
        if marker == 0xD9:  # EOI
            return pos
        if marker in _JPEG_STANDALONE:
            continue
        if pos + 2 > size:
            return None
        length = (data[pos] << 8) | data[pos + 1]
        if length < 2:
            return None
        pos += length
        if marker == 0xDA:  # SOS: entropy-coded data until a marker other than a stuffed 0x00 or a restart
            pos = _scan_end(data, pos)
            if pos is None:
                return None
    return None


def _scan_end(data: memoryview | bytes, pos: int) -> int | None:
    """Where the entropy-coded data starting at ``pos`` ends: the next 0xFF that is neither a stuffed 0x00, a
    restart marker nor a fill byte."""
    raw = data.obj if isinstance(data, memoryview) else data  # bytes and mmap both search in C
    size = len(data)
    while True:
        pos = raw.find(b"\xff", pos, size)
        if pos < 0 or pos + 1 >= size:
            return None
        following = data[pos + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7:
            pos += 2
        elif following == 0xFF:
            pos += 1
        else:
            return pos


def _png_end(data: memoryview | bytes) -> int | None:
    size = len(data)
    if bytes(data[:8]) != _PNG_SIGNATURE:
        return None
    pos = 8
    while pos + 12 <= size:
        length = int.from_bytes(data[pos:pos + 4], "big")
        kind = bytes(data[pos + 4:pos + 8])
        if length > 0x7FFFFFFF or not kind.isalpha():
            return None
        pos += 12 + length
        if kind == b"IEND":
            return pos if pos <= size else None
    return None


def _webp_end(data: memoryview | bytes) -> int | None:
    if len(data) < 12 or bytes(data[:4]) != b"RIFF" or bytes(data[8:12]) != b"WEBP":
        return None
    end = 8 + int.from_bytes(data[4:8], "little")
    end += end % 2  # RIFF chunks are padded to an even length
    return end if end <= len(data) else None


def _bmff_end(data: memoryview | bytes) -> int | None:
    """After the last well-formed top-level box (ftyp, meta, mdat, …)."""
    size = len(data)
    pos = 0
    while pos + 8 <= size:
        box = int.from_bytes(data[pos:pos + 4], "big")
        kind = bytes(data[pos + 4:pos + 8])
        header = 8
        if box == 1:  # a 64-bit size follows the type
            if pos + 16 > size:
                break
            box, header = int.from_bytes(data[pos + 8:pos + 16], "big"), 16
        elif box == 0:  # to the end of the file
            return size
        if box < header or pos + box > size or not all(0x20 <= c <= 0x7E for c in kind):
            break
        pos += box
    return pos or None
