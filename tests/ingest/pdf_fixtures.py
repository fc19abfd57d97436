"""Small PDFs written by hand for the tests: text pages, an image-only page, decompression bombs."""

from __future__ import annotations

import zlib


def _literal(text: str) -> bytes:
    raw = text.encode("cp1252")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _stream(data: bytes, extra: bytes = b"", compress: bool = False) -> bytes:
    if compress:
        data, extra = zlib.compress(data), extra + b" /Filter /FlateDecode"
    return b"<< /Length %d%s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def build_pdf(pages: list[bytes], resources: bytes = b"", info: dict[str, str] | None = None,
              streams: list[bytes] | None = None) -> bytes:
    """A PDF file from ready content streams (one object each), with the catalog, page tree and xref around them.

    `streams` are extra objects numbered after the pages; a page content may be `b"[n 0 R ...]"` to use them.
    """
    count = len(pages)
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % (5 + 2 * i) for i in range(count)), count),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< " + b" ".join(b"/%s %s" % (k.encode(), _literal(v)) for k, v in (info or {}).items()) + b" >>",
    ]
    for i, content in enumerate(pages):
        contents = content if content.startswith(b"[") else b"%d 0 R" % (6 + 2 * i)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %s "
            b"/Resources << /Font << /F1 3 0 R >> %s >> >>" % (contents, resources)
        )
        objects.append(content if not content.startswith(b"[") else b"null")
    objects.extend(streams or [])
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 4 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def text_page(lines: list[str], compress: bool = False) -> bytes:
    """A content stream that writes the lines top-down in Helvetica 11; "" is an empty line."""
    body = b"BT /F1 11 Tf 14 TL 50 800 Td " + b" T* ".join(_literal(line or " ") + b" Tj" for line in lines) + b" ET"
    return _stream(body, compress=compress)


def text_pdf(pages: list[list[str]], info: dict[str, str] | None = None, compress: bool = False) -> bytes:
    """A PDF with one page per list of lines."""
    return build_pdf([text_page(lines, compress) for lines in pages], info=info)


def image_only_pdf(pages: int = 2) -> bytes:
    """Pages that only paint an image (a 'scan'): there is no text to extract."""
    pixels = bytes(range(256)) * 16  # 64 x 64 grey
    image = _stream(pixels, b" /Type /XObject /Subtype /Image /Width 64 /Height 64 /ColorSpace /DeviceGray"
                            b" /BitsPerComponent 8", compress=True)
    content = _stream(b"q 400 0 0 400 100 300 cm /Im1 Do Q")
    number = 4 + 2 * pages + 1
    return build_pdf([content] * pages, resources=b"/XObject << /Im1 %d 0 R >>" % number, streams=[image])


def flate_bomb(size: int, pattern: bytes = b" ") -> bytes:
    """A FlateDecode stream object that inflates to `size` bytes of `pattern` (about size / 1000 compressed).

    Blocks of 16 MB are compressed once and repeated (a full flush makes them independent); only the
    checksum is computed over the whole output.
    """
    chunk = pattern * ((1 << 24) // len(pattern))
    compressor = zlib.compressobj(9)
    first = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    blocks = size // len(chunk)
    checksum = 1
    for _ in range(blocks):
        checksum = zlib.adler32(chunk, checksum)
    end = compressor.flush()[:-4] + checksum.to_bytes(4, "big")  # the final empty block, then Adler-32
    data = first + block * (blocks - 1) + end
    return b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"


def content_bomb_pdf(gigabytes: int = 4) -> bytes:
    """One page whose content stream inflates to several GB: pypdf's own output limit stops it."""
    return build_pdf([flate_bomb(gigabytes << 30)])


def inline_image_bomb_pdf(pages: int = 40, megabytes: int = 64) -> bytes:
    """Pages whose content is one inline image of `megabytes` (compressed ~1000x, under pypdf's per-stream limit).

    Each page is small on disk but big in memory once decoded and parsed, and pypdf keeps what it parsed:
    together the pages need several GB, so the worker's memory limit stops it.
    """
    compressor = zlib.compressobj(9)
    head = b"BI /W %d /H 1024 /BPC 8 /CS /G ID " % (megabytes * 1024)
    body = [compressor.compress(head)]
    body += [compressor.compress(b"\x00" * (1 << 20)) for _ in range(megabytes)]
    data = b"".join(body) + compressor.compress(b" EI BT /F1 11 Tf 50 800 Td (Tekst) Tj ET") + compressor.flush()
    stream = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"
    return build_pdf([stream] * pages)
