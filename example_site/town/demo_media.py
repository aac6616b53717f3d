"""A short MP4 for the demo content (and the tests), built box by box.

ffmpeg is not available everywhere the demo and the tests run, so ``mp4()`` writes a minimal ISO BMFF file whose
tracks declare the codecs (avc1 + avcC for H.264, hvc1 for HEVC, mp4a + esds for AAC): enough for MediaInfo to name
them, and for the plugin's checks to pass it as a video WhatsApp plays.
"""

import struct


def _box(kind, *payload):
    data = b"".join(payload)
    return struct.pack(">I", 8 + len(data)) + kind + data


def _full_box(kind, version_flags, *payload):
    return _box(kind, struct.pack(">I", version_flags), *payload)


MATRIX = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)


def _track(track_id, handler, sample_entry):
    is_video = handler == b"vide"
    tkhd = _full_box(
        b"tkhd",
        3,
        struct.pack(">IIIIIQhhhh", 0, 0, track_id, 0, 1000, 0, 0, 0, 0 if is_video else 0x100, 0),
        MATRIX,
        struct.pack(">II", (320 << 16) if is_video else 0, (240 << 16) if is_video else 0),
    )
    mdhd = _full_box(b"mdhd", 0, struct.pack(">IIIIHH", 0, 0, 1000, 1000, 0x55C4, 0))
    hdlr = _full_box(b"hdlr", 0, struct.pack(">I", 0), handler, b"\0" * 12, b"handler\0")
    media_header = _full_box(b"vmhd", 1, b"\0" * 8) if is_video else _full_box(b"smhd", 0, b"\0" * 4)
    dinf = _box(b"dinf", _full_box(b"dref", 0, struct.pack(">I", 1), _full_box(b"url ", 1)))
    stbl = _box(
        b"stbl",
        _full_box(b"stsd", 0, struct.pack(">I", 1), sample_entry),
        _full_box(b"stts", 0, struct.pack(">III", 1, 1, 1000)),
        _full_box(b"stsc", 0, struct.pack(">IIII", 1, 1, 1, 1)),
        _full_box(b"stsz", 0, struct.pack(">III", 0, 1, 4)),
        _full_box(b"stco", 0, struct.pack(">II", 1, 0)),
    )
    return _box(b"trak", tkhd, _box(b"mdia", mdhd, hdlr, _box(b"minf", media_header, dinf, stbl)))


def _video_entry(fourcc):
    if fourcc == b"avc1":
        config = _box(b"avcC", bytes([1, 66, 0, 30, 0xFF, 0xE0, 0]))  # H.264 Baseline
    else:
        config = _box(b"hvcC", b"\1" + b"\0" * 22)
    return _box(
        fourcc,
        b"\0" * 6,
        struct.pack(">H", 1),
        b"\0" * 16,
        struct.pack(">HHIIIH", 320, 240, 0x480000, 0x480000, 0, 1),
        b"\0" * 32,
        struct.pack(">Hh", 24, -1),
        config,
    )


def _audio_entry(fourcc):
    extra = b""
    if fourcc == b"mp4a":  # an esds saying "AAC LC"
        specific = bytes([5, 2, 0x12, 0x10])
        decoder = bytes([4, 13 + len(specific), 0x40, 0x15, 0, 0, 0]) + struct.pack(">II", 128000, 128000) + specific
        extra = _full_box(b"esds", 0, bytes([3, len(decoder) + 6, 0, 2, 0]) + decoder + bytes([6, 1, 2]))
    sound = struct.pack(">HHHHI", 2, 16, 0, 0, 44100 << 16)  # stereo, 16 bit, 44.1 kHz
    return _box(fourcc, b"\0" * 6, struct.pack(">H", 1), b"\0" * 8, sound, extra)


def mp4(video=b"avc1", audio=b"mp4a", total_bytes=0):
    """An MP4 whose video track is ``video`` (avc1 = H.264, hvc1 = HEVC) and audio ``audio`` (mp4a = AAC, Opus...)."""
    mvhd = _full_box(
        b"mvhd", 0, struct.pack(">IIII", 0, 0, 1000, 1000), struct.pack(">IH", 0x10000, 0x100), b"\0" * 10, MATRIX
    )
    tracks = [_track(1, b"vide", _video_entry(video))]
    if audio:
        tracks.append(_track(2, b"soun", _audio_entry(audio)))
    content = (
        _box(b"ftyp", b"isom", struct.pack(">I", 512), b"isomiso2avc1mp41")
        + _box(b"moov", mvhd, *tracks)
        + _box(b"mdat", b"\0\0\0\0")
    )
    if total_bytes > len(content) + 8:
        content += _box(b"free", b"\0" * (total_bytes - len(content) - 8))
    return content


def pdf(title):
    """A one-page PDF showing ``title`` (ASCII letters only, as the standard Helvetica font has no accents)."""
    text = "".join(ch for ch in title if ch.isascii() and ch not in "()\\")
    stream = f"BT /F1 20 Tf 56 780 Td ({text}) Tj ET".encode()
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>",
        b"<</Length %d>>stream\n" % len(stream) + stream + b"\nendstream",
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
    ]
    content, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(content))
        content += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(content)
    content += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    content += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    content += b"trailer<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return content
