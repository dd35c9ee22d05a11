#!/usr/bin/python3
"""Training throughput (images/s) of the EdgeToolkit architectures in PyTorch, for comparison with
`edgekit bench-train`. Same architectures as src/Training/Models (CIFAR ResNet-20 with the option-A
zero-padding shortcut, ResNet-18 with a 3x3 stride-1 stem, no max-pool and projection shortcuts, MobileNet v1 with the 32x32 stem stride 1, DenseNet-BC-40 k=12), same loss,
optimiser (SGD momentum 0.9, weight decay 5e-4), batch, threads and random 1x32x32 inputs.

Usage: /usr/bin/python3 benchmarks/training/train_throughput.py [--threads 2] [--batch-size 128]
           [--steps 20] [--warmup 3] [--arch resnet20 resnet18 mobilenet_v1 densenet-bc-40] [--alpha 1.0]
Needs Debian's python3-torch (apt-get install python3-torch).
"""
import argparse
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def make_divisible(v, divisor=8):
    rounded = max(divisor, int(v + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * v:
        rounded += divisor
    return rounded


class PadShortcut(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.stride, self.before = stride, (cout - cin) // 2
        self.after = cout - cin - self.before

    def forward(self, x):
        if self.stride != 1:
            x = x[:, :, ::self.stride, ::self.stride]
        return F.pad(x, (0, 0, 0, 0, self.before, self.after))


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride, projection=False):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = (nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
                               if projection else PadShortcut(cin, cout, stride))

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)


class ResNet(nn.Module):
    """CIFAR ResNet-6n+2 (widths 16/32/64, option-A shortcuts) or ResNet-18 for small inputs
    (3x3 stride-1 stem, no max-pool, widths 64/128/256/512, 2 blocks each, projection shortcuts)."""

    def __init__(self, widths, blocks_per_stage, strides, projection, num_classes, in_ch):
        super().__init__()
        self.conv1 = nn.Conv2d(in_ch, widths[0], 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.relu = nn.ReLU(inplace=True)
        stages, cin = [], widths[0]
        for width, n, stride in zip(widths, blocks_per_stage, strides):
            blocks = []
            for b in range(n):
                blocks.append(BasicBlock(cin, width, stride if b == 0 else 1, projection))
                cin = width
            stages.append(nn.Sequential(*blocks))
        self.layers = nn.Sequential(*stages)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x):
        x = self.layers(self.relu(self.bn1(self.conv1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def dw_separable(cin, cout, stride):
    return nn.Sequential(
        nn.Conv2d(cin, cin, 3, stride, 1, groups=cin, bias=False), nn.BatchNorm2d(cin), nn.ReLU(inplace=True),
        nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class MobileNetV1(nn.Module):
    channels = [32, 64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024]
    strides = [2, 1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1]

    def __init__(self, num_classes, alpha, in_ch, size):
        super().__init__()
        ch = [make_divisible(c * alpha) for c in self.channels]
        st = list(self.strides)
        if size <= 64:
            st[0] = 1
        layers = [nn.Sequential(nn.Conv2d(in_ch, ch[0], 3, st[0], 1, bias=False), nn.BatchNorm2d(ch[0]), nn.ReLU(inplace=True))]
        layers += [dw_separable(ch[i - 1], ch[i], st[i]) for i in range(1, len(ch))]
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(ch[-1], num_classes)

    def forward(self, x):
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


class DenseLayer(nn.Module):
    def __init__(self, cin, k):
        super().__init__()
        self.norm1, self.relu1 = nn.BatchNorm2d(cin), nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(cin, 4 * k, 1, bias=False)
        self.norm2, self.relu2 = nn.BatchNorm2d(4 * k), nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(4 * k, k, 3, padding=1, bias=False)

    def forward(self, x):
        return self.conv2(self.relu2(self.norm2(self.conv1(self.relu1(self.norm1(x))))))


class DenseBlock(nn.Module):
    def __init__(self, n, cin, k):
        super().__init__()
        self.layers = nn.ModuleList([DenseLayer(cin + i * k, k) for i in range(n)])

    def forward(self, x):
        for layer in self.layers:
            x = torch.cat([x, layer(x)], 1)
        return x


class DenseNetBC(nn.Module):
    def __init__(self, depth, k, num_classes, in_ch, compression=0.5):
        super().__init__()
        n = (depth - 4) // 6
        ch = 2 * k
        mods = [nn.Conv2d(in_ch, ch, 3, 1, 1, bias=False)]
        for b in range(3):
            mods.append(DenseBlock(n, ch, k))
            ch += n * k
            if b < 2:
                out = int(math.floor(ch * compression))
                mods.append(nn.Sequential(nn.BatchNorm2d(ch), nn.ReLU(inplace=True), nn.Conv2d(ch, out, 1, bias=False), nn.AvgPool2d(2, 2)))
                ch = out
        mods.append(nn.BatchNorm2d(ch))
        self.features = nn.Sequential(*mods)
        self.relu = nn.ReLU(inplace=True)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(ch, num_classes)

    def forward(self, x):
        return self.classifier(torch.flatten(self.avgpool(self.relu(self.features(x))), 1))


def build(arch, alpha, in_ch, size, classes):
    if arch == "resnet18":
        return ResNet([64, 128, 256, 512], [2, 2, 2, 2], [1, 2, 2, 2], True, classes, in_ch)
    if arch.startswith("resnet"):
        n = (int(arch[6:]) - 2) // 6
        return ResNet([16, 32, 64], [n, n, n], [1, 2, 2], False, classes, in_ch)
    if arch == "mobilenet_v1":
        return MobileNetV1(classes, alpha, in_ch, size)
    if arch.startswith("densenet-bc-"):
        return DenseNetBC(int(arch[12:]), 12, classes, in_ch)
    raise SystemExit(f"unknown architecture {arch}")


def measure(arch, alpha, args):
    torch.manual_seed(42)
    model = build(arch, alpha, args.channels, args.input_size, 10)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    x = torch.randn(args.batch_size, args.channels, args.input_size, args.input_size)
    y = torch.randint(0, 10, (args.batch_size,))
    loss_sum = torch.zeros(1, dtype=torch.float64)
    correct = torch.zeros(1, dtype=torch.int64)

    def step():
        opt.zero_grad(set_to_none=True)
        out = model(x)
        loss = F.cross_entropy(out, y)
        loss.backward()
        opt.step()
        with torch.no_grad():
            loss_sum.add_(loss.detach().double() * y.shape[0])
            correct.add_(out.argmax(1).eq(y).sum())

    for _ in range(args.warmup):
        step()
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    loss_sum.item()
    return args.steps * args.batch_size / (time.perf_counter() - start)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--arch", nargs="+", default=["resnet20", "mobilenet_v1", "densenet-bc-40"])
    p.add_argument("--alpha", type=float, default=1.0)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--input-size", type=int, default=32)
    p.add_argument("--channels", type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    for arch in args.arch:
        alpha = args.alpha if arch == "mobilenet_v1" else 1.0
        ips = measure(arch, alpha, args)
        print(f"pytorch {torch.__version__} {arch} alpha {alpha:.2f} batch {args.batch_size} threads {args.threads}: {ips:.1f} images/s", flush=True)


if __name__ == "__main__":
    main()
