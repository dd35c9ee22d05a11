#!/usr/bin/python3
"""Exports the foreign-model zoo: random-weight torchvision classifiers written by torch.onnx.export,
exactly as a user would bring them (eval mode, default export settings), plus a hand-written
manifest.json per model so that `edgekit quantize --bundle <folder>` takes them as they are.

Usage (Debian python3-torch + python3-torchvision, /usr/bin/python3):
  export_zoo.py OUT [--size 224] [--opsets 13,17] [--models mobilenet_v2,...] [--classes 1000]
  export_zoo.py OUT --fashion-mnist [--epochs 1] [--images 60000] [--data DIR] [--seed 0] [--stem-stride 1] [--threads 2]
      # trains MobileNetV2 0.5 (1-channel stem) on Fashion-MNIST padded to 32x32, as the toolkit feeds it

Each model lands in OUT/<model>-opset<N>-<size>/{model.onnx,manifest.json}; files are written
under a temporary name and renamed. The weights are random (seeded) unless --fashion-mnist.
"""
import argparse
import gzip
import hashlib
import json
import os
import sys
import time

import torch
import torchvision

MODELS = {
    "mobilenet_v2": lambda c: torchvision.models.mobilenet_v2(num_classes=c),
    "mobilenet_v3_small": lambda c: torchvision.models.mobilenet_v3_small(num_classes=c),
    "mobilenet_v3_large": lambda c: torchvision.models.mobilenet_v3_large(num_classes=c),
    "resnet18": lambda c: torchvision.models.resnet18(num_classes=c),
    "shufflenet_v2_x1_0": lambda c: torchvision.models.shufflenet_v2_x1_0(num_classes=c),
    "efficientnet_b0": lambda c: torchvision.models.efficientnet_b0(num_classes=c),
    "squeezenet1_1": lambda c: torchvision.models.squeezenet1_1(num_classes=c),
}

IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]


def write_atomic(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def randomize_batchnorm(model, generator):
    """Random-weight models still get BatchNorm statistics that are not all 1/0 (as after training),
    so folding, calibration and parity see realistic per-channel scales."""
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            c = m.num_features
            m.running_mean.copy_(torch.randn(c, generator=generator) * 0.1)
            m.running_var.copy_(torch.rand(c, generator=generator) * 0.5 + 0.75)
            m.weight.data.copy_(torch.rand(c, generator=generator) * 0.5 + 0.75)
            m.bias.data.copy_(torch.randn(c, generator=generator) * 0.1)


def export(model, name, folder, size, channels, opset, classes, mean, std, labels, accuracy=None,
           schema=1, channel_order=None, resize_policy="center-crop"):
    os.makedirs(folder, exist_ok=True)
    model.eval()
    dummy = torch.randn(1, channels, size, size)
    tmp = os.path.join(folder, "model.onnx.tmp")
    torch.onnx.export(model, dummy, tmp, opset_version=opset, input_names=["input"], output_names=["logits"])
    os.replace(tmp, os.path.join(folder, "model.onnx"))
    model_path = os.path.join(folder, "model.onnx")
    with open(model_path, "rb") as f:
        sha256 = hashlib.sha256(f.read()).hexdigest()
    # Written by hand, as a user would: no fileSizeBytes, no parameters/MACs.
    manifest = {
        "schemaVersion": schema,
        "modelFile": "model.onnx",
        "sha256": sha256,
        "architecture": name,
        "precision": "fp32",
        "inputName": "input",
        "outputName": "logits",
        "inputShape": [1, channels, size, size],
        "layout": "NCHW",
        "channelOrder": channel_order or ("RGB" if channels == 3 else "GRAY"),
        "resizePolicy": resize_policy,
        "mean": mean,
        "std": std,
        "labels": labels,
        "provenance": {"exporter": f"torch.onnx.export (torch {torch.__version__}, torchvision {torchvision.__version__}), opset {opset}"},
    }
    if accuracy is not None:
        manifest["accuracy"] = accuracy
    write_atomic(os.path.join(folder, "manifest.json"), (json.dumps(manifest, indent=2) + "\n").encode())
    print(f"{folder}: {os.path.getsize(os.path.join(folder, 'model.onnx')) / 1e6:.2f} MB", flush=True)


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return torch.frombuffer(bytearray(data[4 + 4 * dims:]), dtype=torch.uint8).reshape(shape)


def fashion_mnist(args):
    """MobileNetV2 width 0.5, 1-channel stem, trained on Fashion-MNIST padded to 32x32.

    The padding is the toolkit's own (BatchLoader; manifest resizePolicy "pad"): each 28x28 image is centred
    on black, pixel 0 before normalisation, then (pixel / 255 - 0.5) / 0.5. The manifest says exactly that, so
    the device (ModelInputWriter) feeds the model what training fed it."""
    root = args.data
    def load(split):
        x = read_idx(f"{root}/{split}-images-idx3-ubyte.gz").float().div(255)
        y = read_idx(f"{root}/{split}-labels-idx1-ubyte.gz").long()
        x = torch.nn.functional.pad(x, (2, 2, 2, 2)).unsqueeze(1)  # 28 -> 32, zero pad (resizePolicy "pad")
        return (x - 0.5) / 0.5, y
    x, y = load("train")
    xt, yt = load("t10k")
    x, y = x[: args.images], y[: args.images]
    torch.manual_seed(args.seed)
    model = torchvision.models.mobilenet_v2(num_classes=10, width_mult=0.5)
    stem = model.features[0][0]
    # 1 channel; stride 1 keeps 32x32 maps in the first blocks (stride 2, torchvision's, is 4x cheaper to train).
    model.features[0][0] = torch.nn.Conv2d(1, stem.out_channels, 3, args.stem_stride, 1, bias=False)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=4e-5, nesterov=True)
    steps = args.epochs * ((len(x) + 127) // 128)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=steps)
    start = time.time()
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(len(x))
        for i in range(0, len(x), 128):
            idx = perm[i:i + 128]
            loss = torch.nn.functional.cross_entropy(model(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        print(f"epoch {epoch + 1}/{args.epochs}: loss {loss.item():.3f}, {time.time() - start:.0f} s", flush=True)
    model.eval()
    with torch.no_grad():
        correct = sum((model(xt[i:i + 500]).argmax(1) == yt[i:i + 500]).sum().item() for i in range(0, len(xt), 500))
    acc = correct / len(xt)
    print(f"fp32 PyTorch test accuracy {acc * 100:.2f} % on {len(xt)} images ({len(x)} training images, "
          f"{args.epochs} epochs, seed {args.seed}, {time.time() - start:.0f} s)", flush=True)
    labels = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
    for opset in args.opsets:
        export(model, "torchvision_mobilenet_v2_0.5", os.path.join(args.out, f"fmnist_mobilenet_v2_0.5-opset{opset}"),
               32, 1, opset, 10, [0.5], [0.5], labels, acc, schema=2, channel_order="gray", resize_policy="pad")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out")
    p.add_argument("--size", type=int, default=224)
    p.add_argument("--opsets", default="13,17")
    p.add_argument("--models", default=",".join(MODELS))
    p.add_argument("--classes", type=int, default=1000)
    p.add_argument("--fashion-mnist", action="store_true")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--images", type=int, default=60000)
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist",
                   help="Fashion-MNIST IDX .gz folder (the embedded subset: data/fashion-mnist-subset)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--stem-stride", type=int, default=1, choices=[1, 2])
    p.add_argument("--threads", type=int, default=2,
                   help="torch threads (1 on a shared, loaded machine: idle OpenMP threads spin and waste the other core)")
    args = p.parse_args()
    args.opsets = [int(o) for o in args.opsets.split(",")]
    torch.set_num_threads(args.threads)
    if args.fashion_mnist:
        fashion_mnist(args)
        return
    for name in args.models.split(","):
        if name not in MODELS:
            sys.exit(f"--models: '{name}' is not one of {', '.join(MODELS)}")
        generator = torch.Generator().manual_seed(7)
        torch.manual_seed(7)
        model = MODELS[name](args.classes)
        randomize_batchnorm(model, generator)
        labels = [f"class{i}" for i in range(args.classes)]
        for opset in args.opsets:
            export(model, name, os.path.join(args.out, f"{name}-opset{opset}-{args.size}"), args.size, 3, opset,
                   args.classes, IMAGENET_MEAN, IMAGENET_STD, labels)


if __name__ == "__main__":
    main()
