"""Files for the tests, made here: images with EXIF, and other kinds."""

import io

from PIL import Image


def jpeg_with_exif(width: int = 80, height: int = 40, orientation: int = 6) -> bytes:
    """A JPEG `width` x `height` as stored, with EXIF: a camera, a GPS position and an
    orientation (6: to be turned 90° clockwise, so it is `height` x `width` upright)."""
    image = Image.new("RGB", (width, height), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "ParleyCam"  # Make
    exif[0x0112] = orientation
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)}  # GPS IFD
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def png(width: int = 30, height: int = 20) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (width, height), (0, 128, 255, 128)).save(out, format="PNG")
    return out.getvalue()


def png_bomb() -> bytes:
    """A small PNG that declares far more pixels than FILES_MAX_PIXELS."""
    out = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(out, format="PNG")
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
HTML = b"<!doctype html><script>alert(document.cookie)</script>"
