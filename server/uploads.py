"""A multipart upload streamed to a temporary file, chunk by chunk, with a size cap on the file part.

Starlette's ``request.form()`` spools files but caps neither their size nor the time spent reading them, so
the photo endpoint reads ``request.stream()`` itself with python-multipart's push parser: the request is
never held in memory, the SHA-256 is computed on the way, and a file over the cap is refused (413) as soon
as it crosses the cap, its partial file removed.
"""

import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from inspection.errors import InvalidInput, TooLarge, Unsupported

MAX_PARTS = 8
MAX_FIELD_BYTES = 1024
MULTIPART_OVERHEAD = 64 * 1024  # boundaries, part headers and the small fields around the file


@dataclass
class SpooledUpload:
    path: Path | None = None  # the file part on disk; the caller deletes it
    size: int = 0
    sha256: str = ""
    filename: str | None = None
    fields: dict[str, str] = field(default_factory=dict)

    def discard(self) -> None:
        if self.path is not None:
            self.path.unlink(missing_ok=True)
            self.path = None


def file_too_large(limit: int) -> TooLarge:
    return TooLarge(f"照片文件过大，上限 {limit / (1024 * 1024):g} MB / photo file over {limit} bytes",
                    code="photo_too_large", details={"max_bytes": limit})


def invalid(message: str, *, loc: str = "body") -> InvalidInput:
    return InvalidInput(f"上传内容不合法 / invalid upload: {message}", code="invalid_upload",
                        details=[{"loc": ["body", loc] if loc != "body" else ["body"], "message": message}])


class _Spooler:
    """python-multipart callbacks: the file part goes to disk, the few text fields to small buffers."""

    def __init__(self, *, directory: Path, file_field: str, text_fields: frozenset[str], max_file_bytes: int
                 ) -> None:
        self.directory = directory
        self.file_field = file_field
        self.text_fields = text_fields
        self.max_file_bytes = max_file_bytes
        self.result = SpooledUpload()
        self.parts = 0
        self.done = False
        self._hash = hashlib.sha256()
        self._out: BinaryIO | None = None
        self._text: bytearray | None = None
        self._name = ""
        self._header_field = bytearray()
        self._header_value = bytearray()
        self._headers: dict[str, bytes] = {}

    def callbacks(self) -> dict[str, object]:
        return {"on_part_begin": self.on_part_begin, "on_part_data": self.on_part_data,
                "on_part_end": self.on_part_end, "on_header_field": self.on_header_field,
                "on_header_value": self.on_header_value, "on_header_end": self.on_header_end,
                "on_headers_finished": self.on_headers_finished, "on_end": self.on_end}

    def on_part_begin(self) -> None:
        self.parts += 1
        if self.parts > MAX_PARTS:
            raise invalid(f"more than {MAX_PARTS} parts")
        self._headers = {}

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        self._headers[self._header_field.decode("latin-1").lower()] = bytes(self._header_value)
        self._header_field.clear()
        self._header_value.clear()

    def on_headers_finished(self) -> None:
        disposition, options = parse_options_header(self._headers.get("content-disposition"))
        name = options.get(b"name", b"").decode("utf-8", "replace")
        if disposition != b"form-data" or not name:
            raise invalid("a part without a form-data name")
        self._name = name
        if name == self.file_field:
            if self.result.path is not None or self._out is not None:
                raise invalid(f"more than one '{name}' part", loc=name)
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(prefix=".upload-", dir=self.directory)
            self.result.path = Path(tmp_name)
            self._out = os.fdopen(fd, "wb")
            filename = options.get(b"filename")
            self.result.filename = filename.decode("utf-8", "replace") if filename else None
        elif name in self.text_fields:
            if name in self.result.fields:
                raise invalid(f"more than one '{name}' part", loc=name)
            self._text = bytearray()
        else:
            raise invalid(f"unknown field '{name}'", loc=name)

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if self._out is not None:
            self.result.size += len(chunk)
            if self.result.size > self.max_file_bytes:
                raise file_too_large(self.max_file_bytes)
            self._out.write(chunk)
            self._hash.update(chunk)
        elif self._text is not None:
            self._text += chunk
            if len(self._text) > MAX_FIELD_BYTES:
                raise invalid(f"field '{self._name}' over {MAX_FIELD_BYTES} bytes", loc=self._name)

    def on_part_end(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None
            self.result.sha256 = self._hash.hexdigest()
        elif self._text is not None:
            try:
                self.result.fields[self._name] = self._text.decode("utf-8").strip()
            except UnicodeDecodeError as exc:
                raise invalid(f"field '{self._name}' is not UTF-8", loc=self._name) from exc
            self._text = None

    def on_end(self) -> None:
        self.done = True

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None


async def spool_upload(request: Request, *, directory: Path, file_field: str, text_fields: frozenset[str],
                       max_file_bytes: int) -> SpooledUpload:
    """Read a multipart/form-data body; the file part lands in ``directory``. Domain errors on bad input."""
    content_type, params = parse_options_header(request.headers.get("content-type"))
    boundary = params.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise Unsupported("请以 multipart/form-data 上传 / send multipart/form-data", code="multipart_required")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_file_bytes + MULTIPART_OVERHEAD:
        raise file_too_large(max_file_bytes)
    spooler = _Spooler(directory=directory, file_field=file_field, text_fields=text_fields,
                       max_file_bytes=max_file_bytes)
    parser = MultipartParser(boundary, spooler.callbacks())  # type: ignore[arg-type]
    try:
        # Small synchronous writes to the page cache, one chunk (<= 64 KiB from the server) at a time.
        async for chunk in request.stream():
            parser.write(chunk)
            if spooler.done:
                break
        parser.finalize()
        if not spooler.done:
            raise invalid("the body ended before the closing boundary")
    except MultipartParseError as exc:
        spooler.close()
        spooler.result.discard()
        raise invalid("malformed multipart body") from exc
    except ClientDisconnect as exc:
        spooler.close()
        spooler.result.discard()
        raise InvalidInput("上传中断 / upload interrupted", code="upload_interrupted") from exc
    except BaseException:
        spooler.close()
        spooler.result.discard()
        raise
    if spooler.result.path is None:
        raise invalid(f"no '{file_field}' part", loc=file_field)
    return spooler.result
