"""Reads and rewrites ebm checkpoint files (layout in include/ebm/checkpoint.h) so that the probe can craft
damaged ones whose lengths and checksum still agree: header "EBMCKPT\\n", u32 version, u64 M, metadata,
u64 W, weights (a zip archive), u64 FNV-1a 64 of all bytes before it, "\\nEBMEND\\n"."""
import io
import json
import struct
import zipfile

MAGIC, END = b"EBMCKPT\n", b"\nEBMEND\n"


def fnv1a64(data: bytes) -> int:
    h = 0xcbf29ce484222325
    for byte in data:
        h = ((h ^ byte) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def split(data: bytes):
    """(version, metadata text, weights blob) of a well-formed file."""
    version, = struct.unpack_from("<I", data, 8)
    m, = struct.unpack_from("<Q", data, 12)
    meta = data[20:20 + m]
    w, = struct.unpack_from("<Q", data, 20 + m)
    return version, meta, data[28 + m:28 + m + w]


def assemble(meta: bytes, weights: bytes, version: int = 1) -> bytes:
    """A file whose lengths and checksum are right for whatever `meta` and `weights` hold."""
    body = MAGIC + struct.pack("<I", version) + struct.pack("<Q", len(meta)) + meta + struct.pack(
        "<Q", len(weights)) + weights
    return body + struct.pack("<Q", fnv1a64(body)) + END


def with_metadata(data: bytes, change) -> bytes:
    """The file with its metadata JSON passed through change(dict) (which edits in place)."""
    version, meta, weights = split(data)
    parsed = json.loads(meta)
    change(parsed)
    return assemble(json.dumps(parsed).encode(), weights, version)


def with_tensor_bytes(data: bytes, fill) -> bytes:
    """The file with every float tensor record of the weights archive replaced by fill(size) bytes."""
    version, meta, weights = split(data)
    source = zipfile.ZipFile(io.BytesIO(weights))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as target:
        for info in source.infolist():
            payload = source.read(info.filename)
            if "/data/" in info.filename and len(payload) % 4 == 0 and len(payload) > 4:
                payload = fill(len(payload))
            target.writestr(info, payload)
    return assemble(meta, out.getvalue(), version)
