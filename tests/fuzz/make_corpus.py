#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into tests/fuzz/corpus/<target>/: small valid
files and slightly broken ones. Run from the repository root with a built lpa binary, which
trains a tiny run (residual MLP, depth 2, width 4: the model fuzz_checkpoint.cpp loads into) and
exports it, for the seeds only lpa itself can write:
    tests/fuzz/make_corpus.py --lpa build-asan/lpa
Crashing inputs the fuzzers found are kept next to these (named crash-*) and are not rewritten."""
import argparse, json, os, shutil, struct, subprocess, tempfile

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def put(target, name, data):
    os.makedirs(os.path.join(root, target), exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(root, target, name), "wb") as f:
        f.write(data)


def idx(shape, fill=7):
    n = 1
    for d in shape:
        n *= d
    return bytes([0, 0, 8, len(shape)]) + b"".join(struct.pack(">I", d) for d in shape) + bytes([fill]) * n


def safetensors(tensors, metadata=None):
    header, data = {}, b""
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    if metadata:
        header["__metadata__"] = metadata
    h = json.dumps(header).encode()
    return struct.pack("<Q", len(h)) + h + data


def text_seeds():
    put("depth_spec", "all", b"\x0fall")
    put("depth_spec", "range", b"\x0f1..16")
    put("depth_spec", "stride", b"\x0f2..16:2")
    put("depth_spec", "list", b"\x0f1,2,4,8")
    put("depth_spec", "mixed", b"\x0f1,3..5,8..16:4")
    put("depth_spec", "out_of_range", b"\x030,5")
    put("depth_spec", "open", b"\x0f3..")

    src = os.path.join(os.path.dirname(root), "..", "..", "configs")
    for name in ["surface.yaml", "spam_transformer.yaml", "cifar10_resnet.yaml", "lm_small.yaml"]:
        with open(os.path.join(src, name), "rb") as f:
            put("config", name, f.read())
    put("config", "overrides", b"model:\n  depth: 4\n\0train.steps=10\nloss.weights=[1, 2, 3, 4]\nmodel.width=8\n")
    put("config", "bad_indent", b"model:\n  depth: 4\n width: 3\n")
    put("config", "unknown_key", b"model:\n  deepth: 4\n")
    put("config", "anchors", b"model: &m\n  depth: 3\ntrain: *m\n")

    with open(os.path.join(src, "sweeps", "surface_lpa_vs_e2e.yaml"), "rb") as f:
        put("sweep", "surface_lpa_vs_e2e.yaml", f.read())
    put("sweep", "grid", b"base: ../surface.yaml\nset: [train.steps=10]\ngrid:\n  loss.kind: [e2e, lpa]\n"
        b"  model.depth: [2, 4, 8]\nlist:\n  - [loss.mode=joint]\n  - [loss.mode=local, loss.weights=linear]\n"
        b"seeds: [0, 1]\n")
    put("sweep", "bad_seed", b"base: a.yaml\nseeds: [x]\n")
    put("sweep", "unknown", b"base: a.yaml\ngirds: {a.b: [1]}\n")

    put("text_csv", "header", b"text,label\nhello there,ham\n\"buy, now\",spam\n\"say \"\"hi\"\"\",ham\n")
    put("text_csv", "no_header", b"one,a\ntwo,b\r\nthree,a\n")
    put("text_csv", "one_class", b"text,label\nx,a\ny,a\n")
    put("text_csv", "short_row", b"text,label\nx\n")
    put("text_csv", "open_quote", b"text,label\n\"never closed,a\n")

    put("text_folders", "two_labels", b"ham/a.txt\0hello\0ham/b.txt\0hi there\0spam/c.txt\0buy now\0spam/d.md\0skip")
    put("text_folders", "one_label", b"ham/a.txt\0hello")
    put("text_folders", "empty_file", b"ham/a.txt\0\0spam/b.txt\0\xff\xfe invalid utf-8")

    put("train_log", "log", b"step,epoch,lr,loss\n10,0,0.001,0.5\n100,1,0.001,0.25\n110,1,0.001,0.2\n")
    put("train_log", "partial", b"step,epoch,lr,loss\n10,0,0.001,0.5\n100,1,0.0")
    put("train_log", "large_step", b"step,loss\n9223372036854775807,1\n")
    put("train_log", "quoted", b"step,note\n\"5\",\"a,b\"\n7,\"multi\nline\"\n")


def binary_seeds():
    put("idx", "images", idx([2, 3, 3]))
    put("idx", "labels", idx([4], fill=1))
    put("idx", "truncated", idx([2, 3, 3])[:-5])
    put("idx", "trailing", idx([4]) + b"\0")
    put("idx", "bad_magic", b"\0\0\x09\x01" + struct.pack(">I", 1) + b"\0")
    put("idx", "huge_dims", bytes([0, 0, 8, 3]) + struct.pack(">III", 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF))

    put("cifar", "cifar10_record", bytes([3]) + bytes(range(256)) * 12)
    put("cifar", "cifar100_record", bytes([4, 50]) + bytes(range(256)) * 12)
    put("cifar", "bad_label", bytes([200]) + bytes(3072))
    put("cifar", "truncated", bytes([1]) + bytes(100))

    f32 = struct.pack("<4f", 1, 2, 3, 4)
    put("safetensors", "two_tensors", safetensors([("a", "F32", [2, 2], f32), ("b", "I64", [1], struct.pack("<q", 7))],
                                                  {"k": "v"}))
    put("safetensors", "scalar_and_empty", safetensors([("s", "F64", [], struct.pack("<d", 1)), ("e", "U8", [0], b"")]))
    put("safetensors", "truncated", safetensors([("a", "F32", [2, 2], f32)])[:-3])
    put("safetensors", "overlap", struct.pack("<Q", 84) + b'{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},'
        b'"b":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}}' + b"abc")
    put("safetensors", "huge_header", struct.pack("<Q", 1 << 60) + b"{}")


def lpa_seeds(lpa):
    """Seeds written by lpa itself: a checkpoint, an exported safetensors file and its sidecar."""
    tmp = tempfile.mkdtemp(prefix="lpa_corpus_")
    try:
        cfg = os.path.join(tmp, "tiny.yaml")
        with open(cfg, "w") as f:
            f.write("experiment:\n  name: tiny\nmodel:\n  type: residual_mlp\n  depth: 2\n  width: 4\n"
                    "data:\n  type: surface\n  function: sincos\n  n_train: 64\n  n_val: 32\n  n_test: 32\n"
                    "  batch_size: 16\ntrain:\n  steps: 2\n  threads: 1\n  device: cpu\n  log_every: 1\n"
                    "  warmup_steps: 0\neval:\n  every: 2\n")
        run = os.path.join(tmp, "run")
        env = dict(os.environ, OMP_NUM_THREADS="1")
        subprocess.run([lpa, "train", "--config", cfg, "--run-dir", run], check=True, env=env,
                       stdout=subprocess.DEVNULL)
        ckpt_dir = os.path.join(run, "checkpoints")
        ckpt = sorted(os.listdir(ckpt_dir))[-1]
        with open(os.path.join(ckpt_dir, ckpt), "rb") as f:
            data = f.read()
        put("checkpoint", "tiny_run.pt", data)
        put("checkpoint", "truncated.pt", data[: len(data) // 2])
        with open(os.path.join(run, "train_log.csv"), "rb") as f:
            put("train_log", "from_run.csv", f.read())
        out = os.path.join(tmp, "tiny.safetensors")
        subprocess.run([lpa, "export", "--run", run, "--depth", "1", "--format", "safetensors", "-o", out],
                       check=True, env=env, stdout=subprocess.DEVNULL)
        with open(out, "rb") as f:
            put("safetensors", "exported", f.read())
        with open(out + ".yaml", "rb") as f:
            sidecar = f.read()
        put("export_info", "exported.yaml", sidecar)
        put("export_info", "wrong_format", sidecar.replace(b"lpa-export", b"lpa-exprt"))
        put("export_info", "newer_version", sidecar.replace(b"format_version: 1", b"format_version: 9"))
        put("export_info", "shape_not_list", sidecar.replace(b"shape:", b"shape: 3\n  old_shape:"))
    finally:
        shutil.rmtree(tmp)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lpa", required=True, help="the lpa binary")
    args = ap.parse_args()
    text_seeds()
    binary_seeds()
    lpa_seeds(os.path.abspath(args.lpa))


if __name__ == "__main__":
    main()
