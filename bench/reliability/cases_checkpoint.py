"""Checkpoint files, damaged in every way the format can be, through the three commands that read
them: `ebm info X`, `ebm solve sudoku --energy learned --model X`, `ebm eval --solver ar:X`."""
import os
import struct

import checkpoint_files as ckpt
from case import Case
from fixtures import EASY, MODELS, rng
from verify import sudoku_lines_check

SURFACE = "Checkpoint files"
ENERGY = os.path.join(MODELS, "sudoku-energy.ckpt")
AR = os.path.join(MODELS, "sudoku-ar.ckpt")


def read(path):
    with open(path, "rb") as f:
        return f.read()


def readers(kind):
    """The commands that read a checkpoint of `kind` ('energy' or 'ar'), each with X = m.ckpt."""
    yield "info", ["info", "m.ckpt"]
    if kind == "energy":
        yield "solve", ["solve", "sudoku", "--budget-ms", "200", "--energy", "learned", "--model", "m.ckpt", EASY]
    else:
        yield "eval", ["eval", "--task", "sudoku", "--tier", "easy", "--count", "1", "--budget-ms", "200",
                       "--solver", "ar:m.ckpt,decode=greedy"]


def damaged(name, data: bytes, kinds=("energy", "ar"), token="m.ckpt", commands=("info", "solve", "eval")):
    for kind in kinds:
        for command, args in readers(kind):
            if command not in commands:
                continue
            check = sudoku_lines_check([EASY]) if command == "solve" else None
            yield Case(SURFACE, "%s/%s/%s" % (command, kind, name), args, token=token, files={"m.ckpt": data},
                       check=check, stdout_protocol="report" if command == "info" else "")


def byte_damage():
    for kind, path in (("energy", ENERGY), ("ar", AR)):
        data = read(path)
        m, = struct.unpack_from("<Q", data, 12)
        for cut in (0, 8, 20, 28 + m, len(data) // 2, len(data) - 1):
            yield from damaged("truncated-%d" % cut, data[:cut], (kind,))
        r = rng("flip-" + kind)
        for offset in (0, 13, 28 + m + 100, r.randrange(28 + m, len(data) - 16), len(data) - 12):
            flipped = bytearray(data)
            flipped[offset] ^= 0x5A
            yield from damaged("byte-flip-%d" % offset, bytes(flipped), (kind,))
        yield from damaged("trailing-bytes", data + b"extra", (kind,))


def foreign_files():
    yield from damaged("text", b"this is not a checkpoint\n")
    yield from damaged("zip", ckpt.split(read(ENERGY))[2])          # the bare weights archive
    yield from damaged("png", b"\x89PNG\r\n\x1a\n" + bytes(rng("png").randrange(256) for _ in range(200)))
    yield from damaged("csv", b"puzzle,solution\n" + EASY.encode() + b",x\n")
    yield from damaged("magic-only", ckpt.MAGIC)
    yield from damaged("huge-lengths", ckpt.MAGIC + struct.pack("<IQ", 1, 2 ** 63) + b"{}")


def crafted():
    """Damage behind a correct checksum: the loader must check the contents, not only the hash."""
    for kind, path in (("energy", ENERGY), ("ar", AR)):
        data = read(path)
        version, meta, weights = ckpt.split(data)

        def edit(name, change, token="m.ckpt", commands=("info", "solve", "eval")):
            yield from damaged(name, ckpt.with_metadata(data, change), (kind,), token, commands)

        yield from damaged("short-weights", ckpt.assemble(meta, weights[:len(weights) // 2], version), (kind,))
        yield from damaged("weights-garbage", ckpt.assemble(meta, bytes(len(weights)), version), (kind,))
        yield from damaged("metadata-not-json", ckpt.assemble(b"{not json", weights, version), (kind,))
        yield from damaged("metadata-array", ckpt.assemble(b"[]", weights, version), (kind,))
        yield from damaged("version-7", ckpt.assemble(meta, weights, 7), (kind,))
        yield from damaged("nan-weights", ckpt.with_tensor_bytes(data, lambda n: struct.pack("<f", float("nan")) * (n // 4)), (kind,))
        yield from damaged("zero-weights", ckpt.with_tensor_bytes(data, lambda n: bytes(n)), (kind,))
        yield from damaged("huge-weights", ckpt.with_tensor_bytes(data, lambda n: struct.pack("<f", 1e30) * (n // 4)), (kind,))
        yield from edit("layers-2147483648", lambda m: m["architecture"].update(layers=2147483648), "layers")
        yield from edit("layers-negative", lambda m: m["architecture"].update(layers=-1), "layers")
        yield from edit("layers-string", lambda m: m["architecture"].update(layers="four"), "layers")
        # A kind or size that the weights do not fit: only a command that builds the model can tell.
        yield from edit("box-7", lambda m: m["architecture"].update(box=7), "box", ("solve", "eval"))
        yield from edit("architecture-missing", lambda m: m.pop("architecture"), "architecture")
        yield from edit("kind-other", lambda m: m.update(kind="matrix-inverse-energy"), "kind", ("solve", "eval"))
        yield from edit("kind-missing", lambda m: m.pop("kind"), "kind")
        yield from edit("format-other", lambda m: m.update(format="zip"), "format")


def other_models():
    """Sound checkpoints of another task or kind: refused by the commands that need a Sudoku model."""
    for name in ("connectivity-energy", "matrix-inverse-energy", "sudoku-ar", "sudoku4-ar"):
        data = read(os.path.join(MODELS, name + ".ckpt"))
        yield Case(SURFACE, "solve/energy/other-model-" + name, next(
            args for command, args in readers("energy") if command == "solve"), token="m.ckpt",
            files={"m.ckpt": data}, check=sudoku_lines_check([EASY]))
    for name in ("sudoku-energy", "connectivity-ar", "sudoku4-ar"):
        data = read(os.path.join(MODELS, name + ".ckpt"))
        yield Case(SURFACE, "eval/ar/other-model-" + name, next(
            args for command, args in readers("ar") if command == "eval"), token="m.ckpt|model", files={"m.ckpt": data})
    for command, args in list(readers("energy")) + list(readers("ar"))[1:]:
        report = "report" if command == "info" else ""
        yield Case(SURFACE, "%s/missing-file" % command, [a.replace("m.ckpt", "none.ckpt") for a in args],
                   token="none.ckpt", io_error=True, stdout_protocol=report)
        yield Case(SURFACE, "%s/directory" % command, [a.replace("m.ckpt", "modeldir") for a in args],
                   token="modeldir", io_error=True, files={"modeldir/x": b""}, stdout_protocol=report)


def controls():
    for kind, path in (("energy", ENERGY), ("ar", AR)):
        for command, args in readers(kind):
            yield Case(SURFACE, "%s/%s/control" % (command, kind), args, expect="run", files={"m.ckpt": read(path)},
                       check=sudoku_lines_check([EASY]) if command == "solve" else None,
                       stdout_protocol="report" if command == "info" else "")


def cases():
    for family in (byte_damage, foreign_files, crafted, other_models, controls):
        yield from family()
