"""Avatar photos: check an upload and re-encode it into square WebP sizes.

Only real raster images pass (JPEG, PNG, GIF, WebP): Pillow must identify and decode
them, so SVG, HTML or anything renamed to .png is refused. Re-encoding drops EXIF
(location, camera) and anything hidden after the image data.
"""

import io
import secrets
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def _open_checked(upload: UploadedFile) -> Image.Image:
    if upload.size is not None and upload.size > settings.AVATAR_MAX_BYTES:
        raise _refuse(
            f"That file is {upload.size / 1_048_576:.1f} MB; a photo may be at most "
            f"{settings.AVATAR_MAX_BYTES // 1_048_576} MB.",
            "too_large",
        )
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload)
            image.verify()  # reads the whole file: catches truncated or corrupt data
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise _refuse(
            "That file is not a photo Parley can read. Upload a JPEG, PNG, GIF or WebP image.",
            "not_an_image",
        ) from exc
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise _too_many_pixels() from exc
    if image.format not in ACCEPTED_FORMATS:
        raise _refuse(
            f"{image.format} images are not accepted. Upload a JPEG, PNG, GIF or WebP image.",
            "unsupported_format",
        )
    if image.width * image.height > settings.AVATAR_MAX_PIXELS:
        raise _too_many_pixels()
    upload.seek(0)
    return Image.open(upload)  # verify() leaves the image unusable; open it again


def _too_many_pixels() -> ValidationError:
    limit = settings.AVATAR_MAX_PIXELS // 1_000_000
    return _refuse(f"That image is larger than {limit} megapixels.", "too_many_pixels")


def _encode_square(image: Image.Image, size: int) -> bytes:
    square = ImageOps.fit(image, (size, size), method=Image.Resampling.LANCZOS)
    out = io.BytesIO()
    square.save(out, format="WEBP", quality=85, method=4)
    return out.getvalue()


def process_avatar(upload: UploadedFile) -> dict[int, ContentFile[bytes]]:
    """Check `upload` and return {size: WebP file} for each of settings.AVATAR_SIZES.

    Raises ValidationError with a message for the person uploading. Each file has an
    unguessable name, so a URL to it reveals nothing and caches never go stale.
    """
    image = _open_checked(upload)
    try:
        image.seek(0)  # first frame of an animation
        image = ImageOps.exif_transpose(image)
        image = image.convert(
            "RGBA" if "A" in image.getbands() or "transparency" in image.info else "RGB"
        )
    except (OSError, ValueError) as exc:
        raise _refuse("That image could not be decoded.", "not_an_image") from exc
    token = secrets.token_urlsafe(18)
    return {
        size: ContentFile(_encode_square(image, size), name=f"{token}-{size}.webp")
        for size in settings.AVATAR_SIZES
    }
