"""What an uploaded file is, found from its bytes; its name, checked; an image's thumbnail.

The client's claims (its Content-Type, the name's extension) decide nothing but a
refusal: a file that says it is an image and is not one is refused ("type_mismatch").
Images are JPEG, PNG, GIF and WebP that Pillow identifies, verifies and decodes within
settings.FILES_MAX_PIXELS (decompression bombs refused); a few other kinds are known by
their magic bytes, UTF-8 text without NUL is text/plain, and everything else is
application/octet-stream. No upload is ever labelled HTML, SVG or anything else a
browser would run (docs/files.md).

HEIC is not accepted as an image: pillow-heif ships libheif and codecs in its wheels and
Pillow's own HEIF support is not in a release yet; a HEIC upload is stored as a file.
"""

import io
import unicodedata
import warnings
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError

from parley.core.errors import ErrorCode, ParleyError
from parley.core.validation import check_text

IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}
_IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".gif", ".webp"}
# Magic bytes of a few kinds worth naming (first match wins); the rest is binary.
_MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
    (b"\x1f\x8b", "application/gzip"),
)
GENERIC = "application/octet-stream"
# Characters that reorder the text around them: "invoice\u202efdp.exe" shows as
# "invoiceexe.pdf". (Other format characters, such as emoji's zero-width joiner, pass.)
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
_SNIFF_TEXT_BYTES = 64 * 1024


def refused(code: str, message: str, field: str = "file") -> ParleyError:
    """An upload refused: 400 with `code` in `reason`, so a client can tell kinds apart."""
    return ParleyError(ErrorCode.INVALID, message, field=field, reason=code)


def check_name(name: str) -> str:
    """A file name as it may be stored and shown: refused if empty, longer than
    settings.FILES_MAX_NAME_CHARS, path-like (a / or \\, ".", ".."), or holding control
    characters (NUL, newlines), lone surrogates or bidirectional controls. NFC-normalised."""
    check_text(name, "name")  # NUL, lone surrogates: invalid_text
    name = unicodedata.normalize("NFC", name).strip()
    if not name or name in {".", ".."}:
        raise refused("bad_name", "A file needs a name.", "name")
    if len(name) > settings.FILES_MAX_NAME_CHARS:
        raise refused(
            "bad_name",
            f"A file name may be at most {settings.FILES_MAX_NAME_CHARS} characters.",
            "name",
        )
    if "/" in name or "\\" in name:
        raise refused("bad_name", "A file name may not be a path (no / or \\).", "name")
    if any(unicodedata.category(c) == "Cc" or c in _BIDI_CONTROLS for c in name):
        raise refused(
            "bad_name", "A file name may not hold control or direction characters.", "name"
        )
    return name


@dataclass(frozen=True)
class Detected:
    content_type: str
    thumbnail: bytes | None = None  # WebP, for images
    width: int | None = None
    height: int | None = None


def detect(file: IO[bytes], name: str, claimed_type: str | None) -> Detected:
    """What `file` is (see the module's docstring); raises the refusal a lie gets."""
    file.seek(0)
    head = file.read(_SNIFF_TEXT_BYTES)
    says_image = (claimed_type or "").lower().startswith("image/") or any(
        name.lower().endswith(ext) for ext in _IMAGE_EXTENSIONS
    )
    image = _open_image(file)
    if image is None:
        if says_image:
            raise refused(
                "type_mismatch",
                "That file says it is an image but is not a JPEG, PNG, GIF or WebP Parley "
                "can read. Rename it, or send it as a file of its own type.",
            )
        return Detected(_kind(head))
    try:
        thumbnail, width, height = _thumbnail(image)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise refused("not_an_image", "That image could not be decoded.") from exc
    assert image.format is not None
    return Detected(IMAGE_TYPES[image.format], thumbnail, width, height)


def _kind(head: bytes) -> str:
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if b"\0" not in head:
        try:
            # A multi-byte character cut at the end of the sample is still text.
            head.decode("utf-8") if len(head) < _SNIFF_TEXT_BYTES else head[:-4].decode()
            return "text/plain"
        except UnicodeDecodeError:
            pass
    return GENERIC


def _open_image(file: IO[bytes]) -> Image.Image | None:
    """The image in `file` if it is one Parley accepts, checked whole; None if it is no
    image at all. Refuses a decompression bomb or too many pixels."""
    file.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(file, formats=list(IMAGE_TYPES))
            if probe.width * probe.height > settings.FILES_MAX_PIXELS:
                raise _too_many_pixels()
            probe.verify()  # reads it all: truncated or corrupt data fails here
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise _too_many_pixels() from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None
    file.seek(0)
    return Image.open(file, formats=list(IMAGE_TYPES))  # verify() spent the first one


def _too_many_pixels() -> ParleyError:
    limit = settings.FILES_MAX_PIXELS // 1_000_000
    return refused("too_many_pixels", f"That image is larger than {limit} megapixels.")


def _thumbnail(image: Image.Image) -> tuple[bytes, int, int]:
    """A WebP of at most FILES_THUMBNAIL_SIZE on its longer side, and the upright width
    and height: the first frame, turned upright by its EXIF orientation, re-encoded
    without EXIF or any other metadata."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image.seek(0)
        upright = ImageOps.exif_transpose(image)
        mode = "RGBA" if "A" in upright.getbands() or "transparency" in upright.info else "RGB"
        width, height = upright.size
        small = upright.convert(mode)
        size = settings.FILES_THUMBNAIL_SIZE
        small.thumbnail((size, size), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        small.save(out, format="WEBP", quality=80, method=4)  # no exif= : none is written
    return out.getvalue(), width, height
