#!/usr/bin/env python3
"""Make the embedded Fashion-MNIST subset: the first N images of each class, in file order.

Source: Debian package `dataset-fashion-mnist` (apt-get install -y dataset-fashion-mnist), which
installs /usr/share/datasets/fashion-mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz.
Output: fashion-mnist-subset/ next to this script, IDX files gzip-compressed with mtime=0 so that
reruns are byte-identical. Standard library only.

usage: python3 data/make-fashion-mnist-subset.py [--source DIR] [--out DIR] [--train-per-class 600] [--test-per-class 100]
"""
import argparse
import gzip
import os
import struct
import sys

IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801
CLASSES = 10


def read_idx(path, magic, dims):
    with gzip.open(path, "rb") as f:
        data = f.read()
    header = 4 + 4 * dims
    found, *shape = struct.unpack(">" + "I" * (1 + dims), data[:header])
    if found != magic:
        sys.exit(f"{path}: bad magic number 0x{found:08X} (expected 0x{magic:08X})")
    return shape, data[header:]


def write_idx_gz(path, magic, shape, payload):
    header = struct.pack(">" + "I" * (1 + len(shape)), magic, *shape)
    with open(path, "wb") as raw:
        # filename="" and mtime=0 keep the gzip header free of anything that changes between runs.
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as f:
            f.write(header + payload)


def subset(source, out, prefix, per_class):
    (count, rows, cols), pixels = read_idx(os.path.join(source, f"{prefix}-images-idx3-ubyte.gz"), IMAGES_MAGIC, 3)
    (label_count,), labels = read_idx(os.path.join(source, f"{prefix}-labels-idx1-ubyte.gz"), LABELS_MAGIC, 1)
    if count != label_count:
        sys.exit(f"{prefix}: {count} images but {label_count} labels")
    size = rows * cols
    taken = [0] * CLASSES
    chosen = []
    for i, label in enumerate(labels):
        if taken[label] < per_class:
            taken[label] += 1
            chosen.append(i)
    if any(t < per_class for t in taken):
        sys.exit(f"{prefix}: not enough images per class: {taken}")
    images = b"".join(pixels[i * size:(i + 1) * size] for i in chosen)
    chosen_labels = bytes(labels[i] for i in chosen)
    write_idx_gz(os.path.join(out, f"{prefix}-images-idx3-ubyte.gz"), IMAGES_MAGIC, (len(chosen), rows, cols), images)
    write_idx_gz(os.path.join(out, f"{prefix}-labels-idx1-ubyte.gz"), LABELS_MAGIC, (len(chosen),), chosen_labels)
    print(f"{prefix}: {len(chosen)} images ({per_class} per class) of {count}")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--out", default=os.path.join(here, "fashion-mnist-subset"))
    parser.add_argument("--train-per-class", type=int, default=600)
    parser.add_argument("--test-per-class", type=int, default=100)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    subset(args.source, args.out, "train", args.train_per_class)
    subset(args.source, args.out, "t10k", args.test_per_class)


if __name__ == "__main__":
    main()
