"""federation.avatar_images: only PNG, JPEG, WebP and GIF within the limits become thumbnails; the rest is refused
before any pixel is decoded, with a code a form can explain."""

import io

import pytest
from PIL import Image

from federation.avatar_images import MAX_BYTES, SIZES, BadImage, thumbnails
from tests.pictures import SVG_WITH_SCRIPT, opened, picture, png_header_only


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "GIF"])
def test_each_accepted_format_becomes_square_webp_thumbnails(fmt):
    made = thumbnails(picture(fmt))
    assert sorted(made.files) == sorted(SIZES)
    for size, data in made.files.items():
        image = opened(data)
        assert (image.format, image.size) == ("WEBP", (size, size))
    assert len(made.digest) == 32 and int(made.digest, 16) >= 0


def test_the_digest_follows_the_picture():
    assert thumbnails(picture()).digest == thumbnails(picture()).digest
    assert thumbnails(picture()).digest != thumbnails(picture(colour=(30, 30, 200))).digest


def test_metadata_of_the_original_is_not_kept():
    exif = Image.Exif()
    exif[0x010E] = "secret description"  # ImageDescription
    exif[0x8825] = {2: (48.0, 51.0, 0.0)}  # GPS latitude
    made = thumbnails(picture("JPEG", exif=exif.tobytes()))
    image = opened(made.files[max(SIZES)])
    assert not image.getexif()
    assert b"secret description" not in made.files[max(SIZES)]


def test_exif_orientation_is_applied():
    """A portrait photo stored sideways with Orientation=6 comes out upright: its left column (red) is on top."""
    image = Image.new("RGB", (200, 100), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 200, 20))  # stored: red band at the top; shown (rotated 90° cw): at the right
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes(), quality=95)
    thumb = opened(thumbnails(out.getvalue()).files[max(SIZES)]).convert("RGB")
    right, left = thumb.getpixel((250, 128)), thumb.getpixel((5, 128))
    assert right[0] > 200 and right[2] < 60
    assert left[2] > 200 and left[0] < 60


def test_an_animated_gif_keeps_its_first_frame():
    frames = [Image.new("RGB", (64, 64), colour) for colour in ((0, 200, 0), (200, 0, 0))]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    thumb = opened(thumbnails(out.getvalue()).files[min(SIZES)]).convert("RGB")
    red, green, _ = thumb.getpixel((40, 40))
    assert green > 150 and red < 60
    assert getattr(thumb, "n_frames", 1) == 1


@pytest.mark.parametrize("data", [
    SVG_WITH_SCRIPT,
    b"<html><body><script>alert(1)</script></body></html>",
    b"GIF89a but not really a picture",
    b"",
    picture("BMP"),  # a picture, of a format we do not take
    picture("TIFF"),
], ids=["svg-with-script", "html", "fake-gif-magic", "empty", "bmp", "tiff"])
def test_anything_but_the_four_formats_is_refused(data):
    with pytest.raises(BadImage) as refused:
        thumbnails(data)
    assert refused.value.code == BadImage.NOT_AN_IMAGE


def test_more_than_one_mebibyte_is_refused_unread():
    data = picture() + b"\0" * (MAX_BYTES + 1 - len(picture()))
    assert len(data) == MAX_BYTES + 1
    with pytest.raises(BadImage) as refused:
        thumbnails(data)
    assert refused.value.code == BadImage.TOO_LARGE


def test_exactly_one_mebibyte_is_not_too_large():
    """The limit is inclusive: a PNG padded (after IEND) to exactly MAX_BYTES still decodes."""
    data = picture()
    made = thumbnails(data + b"\0" * (MAX_BYTES - len(data)))
    assert made.files


@pytest.mark.parametrize("width,height", [(4097, 16), (16, 4097), (100_000, 100_000), (60_000, 60_000)])
def test_huge_dimensions_are_refused_before_decoding(width, height):
    with pytest.raises(BadImage) as refused:
        thumbnails(png_header_only(width, height))
    assert refused.value.code == BadImage.TOO_MANY_PIXELS


def test_a_truncated_picture_is_refused_as_unreadable():
    out = io.BytesIO()
    Image.effect_noise((256, 256), 50).save(out, format="PNG")
    with pytest.raises(BadImage) as refused:
        thumbnails(out.getvalue()[: len(out.getvalue()) // 2])
    assert refused.value.code == BadImage.UNREADABLE
