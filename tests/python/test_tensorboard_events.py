#!/usr/bin/env python3
"""TensorBoard event files of a run that was killed (SIGKILL) and resumed.

The reader here is written from the format's description, not from lpa's code: a file is a
sequence of records (uint64 length, uint32 masked CRC-32C of the length, data, uint32 masked
CRC-32C of the data, little-endian); each record's data is a serialized tensorflow `Event`
protobuf (wall_time = 1 double, step = 2 int64, file_version = 3 string, summary = 5: Summary,
whose repeated field 1 is a Value with tag = 1 string and simple_value = 2 float).

Checks: every CRC valid; the first record is file_version "brain.Event:2"; every (tag, step)
appears exactly once; the values equal train_log.csv (train/loss, train/loss_d<l>, train/lr,
train/samples_per_s) and curves.csv (val/<metric>/d<l>) to float32's rounding, row for row, and
nothing else is there.

Run by ctest (tests/CMakeLists.txt); by hand:
  python3 tests/python/test_tensorboard_events.py --lpa build/lpa
Needs only the standard library.
"""
import argparse
import csv
import glob
import os
import signal
import struct
import subprocess
import sys
import tempfile
import time


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def masked(data):
    c = crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def varint(buf, i):
    shift = value = 0
    while True:
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return value, i


def fields(buf):
    """(field number, wire type, value) of one protobuf message."""
    i = 0
    while i < len(buf):
        key, i = varint(buf, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            v, i = varint(buf, i)
        elif wire == 1:
            v, i = buf[i:i + 8], i + 8
        elif wire == 5:
            v, i = buf[i:i + 4], i + 4
        elif wire == 2:
            n, i = varint(buf, i)
            v, i = buf[i:i + n], i + n
        else:
            raise ValueError("wire type %d" % wire)
        yield field, wire, v


def read_events(path):
    data = open(path, "rb").read()
    events, i = [], 0
    while i < len(data):
        check(len(data) - i >= 12, "%s: a record header cut off at byte %d" % (path, i))
        (length,) = struct.unpack("<Q", data[i:i + 8])
        (length_crc,) = struct.unpack("<I", data[i + 8:i + 12])
        check(length_crc == masked(data[i:i + 8]), "%s: bad length CRC at byte %d" % (path, i))
        body = data[i + 12:i + 12 + length]
        check(len(body) == length and len(data) >= i + 16 + length, "%s: record cut off at byte %d" % (path, i))
        (body_crc,) = struct.unpack("<I", data[i + 12 + length:i + 16 + length])
        check(body_crc == masked(body), "%s: bad data CRC at byte %d" % (path, i))
        i += 16 + length
        event = {"step": 0, "values": []}
        for f, w, v in fields(body):
            if f == 1 and w == 1:
                (event["wall_time"],) = struct.unpack("<d", v)
            elif f == 2 and w == 0:
                event["step"] = v
            elif f == 3 and w == 2:
                event["file_version"] = v.decode()
            elif f == 5 and w == 2:
                for sf, sw, sv in fields(v):
                    if sf != 1 or sw != 2:
                        continue
                    tag, value = None, None
                    for vf, vw, vv in fields(sv):
                        if vf == 1 and vw == 2:
                            tag = vv.decode()
                        elif vf == 2 and vw == 5:
                            (value,) = struct.unpack("<f", vv)
                    event["values"].append((tag, value))
        events.append(event)
    return events


def f32(x):
    return struct.unpack("<f", struct.pack("<f", float(x)))[0]


def check(cond, what):
    if not cond:
        print("FAILED:", what, file=sys.stderr)
        sys.exit(1)


CONFIG = """experiment:
  name: tb_resume
model:
  type: residual_mlp
  depth: 6
  width: 128
data:
  type: surface
  function: sincos
  n_train: 4096
  n_val: 256
  n_test: 256
  batch_size: 256
loss:
  kind: lpa
  mode: joint
  weights: uniform
train:
  steps: %d
  lr: 0.003
  threads: 1
  device: cpu
  log_every: 5
  checkpoint_every: 40
  warmup_steps: 0
eval:
  every: 20
"""


def logged_step(path):
    try:
        lines = open(path).read().splitlines()
    except OSError:
        return 0
    for line in reversed(lines[1:]):
        cell = line.split(",")[0]
        if cell.isdigit():
            return int(cell)
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lpa", required=True)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cfg = os.path.join(tmp, "c.yaml")
        run = os.path.join(tmp, "run")
        steps = 600
        open(cfg, "w").write(CONFIG % steps)
        cmd = [a.lpa, "train", "--config", cfg, "--run-dir", run]
        log = open(os.path.join(tmp, "first.log"), "w")
        p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        # Killed between checkpoints (every 40 steps), so rows and events past the last one exist.
        target = 95
        deadline = time.time() + 300
        while logged_step(os.path.join(run, "train_log.csv")) < target and p.poll() is None and time.time() < deadline:
            time.sleep(0.002)
        check(p.poll() is None, "the run ended before step %d; make it longer" % target)
        p.send_signal(signal.SIGKILL)
        p.wait()
        tb = os.path.join(run, "tb")
        files = glob.glob(os.path.join(tb, "events.out.tfevents.*"))
        check(len(files) == 1, "one event file after the kill, found %s" % files)
        killed_at = logged_step(os.path.join(run, "train_log.csv"))
        check(killed_at >= target, "killed at step %d" % killed_at)
        # What the killed process wrote reads back up to its last whole record at least.
        data = open(files[0], "rb").read()
        check(len(data) > 0, "event file empty after the kill")

        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        check(r.returncode == 0, "resume failed:\n" + r.stdout)
        check("resumed from" in r.stdout, "the second start did not resume:\n" + r.stdout)

        files = glob.glob(os.path.join(tb, "events.out.tfevents.*"))
        check(len(files) == 1, "one event file after the resume, found %s" % files)
        check(os.path.basename(files[0]).split(".")[-1] != "", "host in the file name")
        events = read_events(files[0])
        check(events[0].get("file_version") == "brain.Event:2", "first record is not file_version brain.Event:2")
        check(all("file_version" not in e for e in events[1:]), "file_version appears twice")
        seen = {}
        for e in events[1:]:
            for tag, value in e["values"]:
                key = (tag, e["step"])
                check(key not in seen, "%s at step %d appears twice" % key)
                seen[key] = value

        want = {}
        with open(os.path.join(run, "train_log.csv")) as f:
            rows = list(csv.DictReader(f))
        check(int(rows[-1]["step"]) == steps, "train_log.csv ends at step %s" % rows[-1]["step"])
        check(len(rows) == steps // 5, "train_log.csv has %d rows" % len(rows))
        for row in rows:
            s = int(row["step"])
            want[("train/loss", s)] = row["loss"]
            want[("train/lr", s)] = row["lr"]
            want[("train/samples_per_s", s)] = row["samples_per_s"]
            for l in range(1, 7):
                want[("train/loss_d%d" % l, s)] = row["loss_d%d" % l]
        with open(os.path.join(run, "curves.csv")) as f:
            curves = list(csv.DictReader(f))
        metrics = [k for k in curves[0] if k not in ("step", "epoch", "split", "depth")]
        check("mse" in metrics, "curves.csv metrics: %s" % metrics)
        for row in curves:
            for m in metrics:
                want[("val/%s/d%s" % (m, row["depth"]), int(row["step"]))] = row[m]
        missing = sorted(set(want) - set(seen))
        extra = sorted(set(seen) - set(want))
        check(not missing, "in the CSVs but not in the events: %s" % missing[:5])
        check(not extra, "in the events but not in the CSVs: %s" % extra[:5])
        # The CSV has 9 significant digits of the double, the event its float32: they agree to
        # float32's rounding (one unit in the last place).
        for key, cell in want.items():
            ok = abs(seen[key] - f32(cell)) <= abs(f32(cell)) * 2.0 ** -23
            check(ok, "%s at step %d: event %r, CSV %s" % (key[0], key[1], seen[key], cell))
        steps_in_events = sorted({e["step"] for e in events[1:]})
        check(steps_in_events[-1] == steps, "events end at step %d" % steps_in_events[-1])
        print("ok: %d events, %d scalars, killed at step %d, every CRC valid, each (tag, step) once"
              % (len(events), len(seen), killed_at))


if __name__ == "__main__":
    main()
