"""Avatar images: bytes from a stranger (an upload, a remote icon) in, our own square WebP thumbnails out.

Pure: no ORM, no network, no files. The type is what Pillow decodes (PNG, JPEG, WebP or GIF; the file name and
declared content type are never trusted), the pixel count is checked before any pixel is decoded, and only the
re-encoded thumbnails are ever served, so nothing of the original file (metadata, scripts, extra frames)
reaches a visitor.
"""

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 1024 * 1024  # an upload or a remote icon larger than this is refused unread
MAX_SIDE = 4096  # pixels, either side
MAX_PIXELS = 4096 * 4096  # width x height, checked from the header before decoding (decompression bombs)
ACCEPTED_FORMATS = ("PNG", "JPEG", "WEBP", "GIF")
SIZES = (96, 256)  # square thumbnails kept for every avatar: small for lists, large for host cards and documents
WEBP_QUALITY = 82


class BadImage(ValueError):
    """The bytes are not an avatar we accept: `code` is one of TOO_LARGE, NOT_AN_IMAGE, TOO_MANY_PIXELS or
    UNREADABLE (what a form tells its user), `reason` says why in words an operator can act on (the log)."""

    TOO_LARGE, NOT_AN_IMAGE, TOO_MANY_PIXELS, UNREADABLE = "too_large", "not_an_image", "too_many_pixels", "unreadable"

    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class Thumbnails:
    digest: str  # hex, of the largest thumbnail's bytes: the files' names, so a new picture gets new URLs
    files: dict[int, bytes]  # size in pixels -> WebP bytes


def _opened(data: bytes) -> Image.Image:
    if len(data) > MAX_BYTES:
        raise BadImage(BadImage.TOO_LARGE, f"larger than {MAX_BYTES // 1024} KiB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except UnidentifiedImageError:
        raise BadImage(BadImage.NOT_AN_IMAGE, "not a PNG, JPEG, WebP or GIF image") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise BadImage(BadImage.TOO_MANY_PIXELS, f"more than {MAX_SIDE}x{MAX_SIDE} pixels") from None
    except (OSError, ValueError, SyntaxError) as error:
        raise BadImage(BadImage.UNREADABLE, f"unreadable image: {str(error)[:80]}") from None
    width, height = image.size
    if width < 1 or height < 1 or width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise BadImage(BadImage.TOO_MANY_PIXELS, f"{width}x{height} pixels is more than {MAX_SIDE}x{MAX_SIDE}")
    return image


def _decoded(image: Image.Image) -> Image.Image:
    """The first frame, upright (EXIF orientation applied), in RGBA."""
    try:
        image.seek(0)
        image.load()
        upright = ImageOps.exif_transpose(image)
        return upright.convert("RGBA")
    except (OSError, ValueError, SyntaxError, EOFError) as error:
        raise BadImage(BadImage.UNREADABLE, f"unreadable image: {str(error)[:80]}") from None


def _square(image: Image.Image, size: int) -> bytes:
    thumb = ImageOps.fit(image, (size, size), method=Image.Resampling.LANCZOS)
    out = io.BytesIO()
    thumb.save(out, format="WEBP", quality=WEBP_QUALITY, method=4)
    return out.getvalue()


def thumbnails(data: bytes) -> Thumbnails:
    """Square WebP thumbnails (SIZES) of an accepted image, centre-cropped; BadImage for anything else."""
    image = _decoded(_opened(data))
    files = {size: _square(image, size) for size in SIZES}
    return Thumbnails(digest=hashlib.sha256(files[max(SIZES)]).hexdigest()[:32], files=files)
