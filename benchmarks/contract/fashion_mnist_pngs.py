#!/usr/bin/env python3
"""Writes N Fashion-MNIST test images as raw 28x28 grey PNG files (NNNN.png) and OUT_FOLDER-labels.txt: the same
images `edgekit eval-bundle --limit N` evaluates (spread over the test set: index i * count // N, as its Limit does).

Usage: fashion_mnist_pngs.py OUT_FOLDER [N] [DATASET_FOLDER]
Only the Python standard library: the PNGs are written with zlib, exactly the stored bytes (no resize, no pad).
"""
import gzip, os, struct, sys, zlib


def png(width, height, grey):
    raw = b"".join(b"\x00" + grey[y * width:(y + 1) * width] for y in range(height))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    data = sys.argv[3] if len(sys.argv) > 3 else "/usr/share/datasets/fashion-mnist"
    with gzip.open(os.path.join(data, "t10k-images-idx3-ubyte.gz")) as f:
        magic, count, rows, cols = struct.unpack(">IIII", f.read(16))
        assert magic == 2051, f"{f.name}: not an idx3 image file"
        images = f.read(count * rows * cols)
    with gzip.open(os.path.join(data, "t10k-labels-idx1-ubyte.gz")) as f:
        magic, count = struct.unpack(">II", f.read(8))
        assert magic == 2049, f"{f.name}: not an idx1 label file"
        labels = f.read(count)
    n = min(n, count)
    picked = [i * count // n for i in range(n)]
    os.makedirs(out, exist_ok=True)
    size = rows * cols
    with open(out.rstrip("/") + "-labels.txt", "w") as lf:
        for i, k in enumerate(picked):
            with open(os.path.join(out, f"{i:04d}.png"), "wb") as pf:
                pf.write(png(cols, rows, images[k * size:(k + 1) * size]))
            lf.write(f"{i:04d}.png {labels[k]}\n")
    print(f"{n} PNG files ({cols}x{rows}, grey) in {out}")


if __name__ == "__main__":
    main()
