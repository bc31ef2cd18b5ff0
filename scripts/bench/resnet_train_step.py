#!/usr/bin/python3
"""The PyTorch (Python) side of scripts/bench/resnet20_cpu.sh: images/s of one training step of
the same network lpa trains (CIFAR ResNet, post-activation BasicBlocks, per-stage pooled linear
heads read after every block, loss on the last exit, SGD with Nesterov momentum), on random
uint8 batches normalised the same way. Prints one line: `images_per_s <float>`.
Run with Debian's /usr/bin/python3 (python3-torch, the same LibTorch build lpa links)."""
import argparse
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.proj = None
        if stride != 1 or cin != cout:
            self.proj = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, 0, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (self.proj(x) if self.proj is not None else x))


class ResNet(nn.Module):
    def __init__(self, stages, widths, classes, in_ch):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(in_ch, widths[0], 3, 1, 1, bias=False),
                                  nn.BatchNorm2d(widths[0]), nn.ReLU())
        blocks, stage_of, cin = [], [], widths[0]
        for s, (n, w) in enumerate(zip(stages, widths)):
            for i in range(n):
                blocks.append(BasicBlock(cin, w, 2 if (s > 0 and i == 0) else 1))
                stage_of.append(s)
                cin = w
        self.blocks = nn.ModuleList(blocks)
        self.stage_of = stage_of
        self.heads = nn.ModuleList(nn.Linear(w, classes) for w in widths)

    def forward_all(self, x):
        h = self.stem(x)
        outs = []
        for b, s in zip(self.blocks, self.stage_of):
            h = b(h)
            outs.append(self.heads[s](h.mean((2, 3))))
        return outs


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--stages", default="3,3,3")
    p.add_argument("--widths", default="16,32,64")
    p.add_argument("--size", type=int, default=32)
    p.add_argument("--channels", type=int, default=3)
    p.add_argument("--classes", type=int, default=10)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = ResNet([int(s) for s in a.stages.split(",")], [int(w) for w in a.widths.split(",")],
                   a.classes, a.channels)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4)
    data = torch.randint(0, 256, (4096, a.channels, a.size, a.size), dtype=torch.uint8)
    labels = torch.randint(0, a.classes, (4096,))
    model.train()

    def step(i):
        idx = torch.randint(0, data.shape[0], (a.batch,))
        x = (data.index_select(0, idx).float() / 255.0 - 0.5) / 0.25
        outs = model.forward_all(x)
        loss = F.cross_entropy(outs[-1], labels[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()

    for i in range(a.warmup):
        step(i)
    t = time.perf_counter()
    for i in range(a.steps):
        step(i)
    dt = time.perf_counter() - t
    print(f"images_per_s {a.steps * a.batch / dt:.2f}")


if __name__ == "__main__":
    main()
