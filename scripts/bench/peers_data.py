#!/usr/bin/python3
"""Synthetic data sets in the formats lpa reads, for scripts/bench/ (the benchmarks time steps,
so the values are random; only shapes and sizes matter). Seeded: every call writes the same files.
  peers_data.py cifar10 DIR   CIFAR-10 binary layout: data_batch_1..5.bin (1200 records each),
                              test_batch.bin (256)
  peers_data.py text DIR      DIR/corpus.txt: 1 MB of printable ASCII in lines (a byte corpus)
Run with Debian's /usr/bin/python3 (python3-torch)."""
import os
import sys

import torch


def write_cifar10(root):
    g = torch.Generator().manual_seed(0)

    def write(name, n):
        labels = torch.randint(0, 10, (n, 1), generator=g, dtype=torch.uint8)
        pixels = torch.randint(0, 256, (n, 3072), generator=g, dtype=torch.uint8)
        with open(os.path.join(root, name), "wb") as f:
            f.write(torch.cat([labels, pixels], 1).numpy().tobytes())

    for b in range(1, 6):
        write(f"data_batch_{b}.bin", 1200)
    write("test_batch.bin", 256)


def write_text(root, size=1 << 20, line=80):
    g = torch.Generator().manual_seed(0)
    text = torch.randint(32, 127, (size,), generator=g, dtype=torch.uint8)
    text[line - 1::line] = ord("\n")
    with open(os.path.join(root, "corpus.txt"), "wb") as f:
        f.write(text.numpy().tobytes())


def main():
    writers = {"cifar10": write_cifar10, "text": write_text}
    if len(sys.argv) != 3 or sys.argv[1] not in writers or not os.path.isdir(sys.argv[2]):
        sys.exit(f"usage: peers_data.py {{{'|'.join(writers)}}} EXISTING_DIR")
    writers[sys.argv[1]](sys.argv[2])


if __name__ == "__main__":
    main()
