#!/usr/bin/python3
"""What an lpa run directory says about its training speed and its model, in peers_train.py's
format, for scripts/bench/:
  peers_lpa_run.py RUN_DIR WARMUP
  steps_per_s <median over train_log.csv rows after step WARMUP of samples_per_s / batch>
  params_at_depth <n_1> ... <n_N>       (per_depth.csv's params column, by depth)
Each train_log.csv row's samples_per_s covers the steps since the row before, so with WARMUP a
multiple of train.log_every the rates kept are of timed steps only.
Run with Debian's /usr/bin/python3."""
import csv
import os
import statistics
import sys

import yaml


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: peers_lpa_run.py RUN_DIR WARMUP")
    run, warmup = sys.argv[1], int(sys.argv[2])
    with open(os.path.join(run, "config.yaml")) as f:
        batch = yaml.safe_load(f)["data"]["batch_size"]
    with open(os.path.join(run, "train_log.csv")) as f:
        rates = [float(r["samples_per_s"]) / batch for r in csv.DictReader(f) if int(r["step"]) > warmup]
    if not rates:
        sys.exit(f"peers_lpa_run.py: {run}/train_log.csv has no row after step {warmup}")
    with open(os.path.join(run, "per_depth.csv")) as f:
        params = sorted((int(r["depth"]), int(r["params"])) for r in csv.DictReader(f))
    print(f"steps_per_s {statistics.median(rates):.4f}")
    print("params_at_depth", *(n for _, n in params))


if __name__ == "__main__":
    main()
