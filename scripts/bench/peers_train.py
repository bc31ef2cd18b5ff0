#!/usr/bin/python3
"""The PyTorch (Python) side of scripts/bench/peers.sh and resnet20_cpu.sh: train the model a
resolved lpa config describes (the YAML `lpa config` prints) with a plain PyTorch loop doing the
work of lpa's step, and time it the way lpa logs it.

Everything comes from the config: model, data shape and batch, objective, optimiser and its
hyper-parameters, learning-rate schedule, gradient clipping, threads, device and train.steps. A
step: the sampler's next indices (a permutation per epoch), the batch gathered from in-memory
tensors (images normalised as lpa does; text windows at random offsets with data.augment),
forward through the blocks with a head at every exit the objective reads, the loss, backward,
clipping, the optimiser step. Steps are timed in windows of train.log_every (lpa's log rows);
the first WARMUP steps are not timed. Prints
  steps_per_s <median over the windows>
  params_at_depth <n_1> ... <n_N>       (as per_depth.csv's params column)
  params_total <every parameter once>

On a GPU the data sits on the device (where lpa is headed), so only the indices move per step.
--e2e-heads: `last` (default) runs only the deepest head under loss.kind e2e, as a plain E2E
script does; `all` runs every head, as lpa's E2E step does on steps that log (on every step,
before issue 11's lean step).
A config whose computation is not mirrored here exits 2 with one line, rather than timing
something else. Run with Debian's /usr/bin/python3 (python3-torch: the LibTorch build lpa links)."""
import argparse
import contextlib
import glob
import math
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F
import yaml

from peers_models import build_model


def refuse_unmirrored(cfg):
    loss, train, data = cfg["loss"], cfg["train"], cfg["data"]
    checks = [
        (loss["kind"] == "lpa" and loss["mode"] != "joint", f"loss.mode: {loss['mode']}"),
        (loss["kind"] == "lpa" and loss["weights"] == "adaptive", "loss.weights: adaptive"),
        (loss["layer_drop"] > 0, "loss.layer_drop > 0"),
        (loss["curriculum"] != "none", f"loss.curriculum: {loss['curriculum']}"),
        (loss["distill_alpha"] > 0, "loss.distill_alpha > 0"),
        (loss["gradient_equilibrium"], "loss.gradient_equilibrium"),
        (loss["e2e_fraction"] > 0, "loss.e2e_fraction > 0"),
        (loss.get("head_gradient", "weighted") != "weighted", f"loss.head_gradient: {loss.get('head_gradient')}"),
        (train["probe_from"] != "", "train.probe_from"),
        (train["steps"] <= 0, "train.steps: 0 (epochs)"),
        (data["type"] == "cifar10" and data["augment"], "data.augment with images (crop + flip)"),
        (data["type"] not in ("surface", "cifar10", "text"), f"data.type: {data['type']}"),
        (train["precision"] not in ("fp32", "tf32", "bf16"), f"train.precision: {train['precision']}"),
    ]
    for bad, what in checks:
        if bad:
            raise ValueError(f"{what} is not mirrored by peers_train.py")


class Sampler:
    """lpa's BatchSampler: a fresh permutation per epoch, consecutive slices of it."""

    def __init__(self, n, batch, seed):
        self.n, self.batch = n, min(batch, n)
        self.gen = torch.Generator().manual_seed(seed)
        self.position, self.perm = n, None

    def next(self):
        if self.position + self.batch > self.n:
            self.perm, self.position = torch.randperm(self.n, generator=self.gen), 0
        idx = self.perm.narrow(0, self.position, self.batch)
        self.position += self.batch
        return idx


def surface_data(d, device):
    x = torch.rand(d["n_train"], d["dim"], device=device)
    y = torch.rand(d["n_train"], 1, device=device)
    spec = {"task": "regression", "input_shape": [d["dim"]], "outputs": 1}
    return spec, d["n_train"], lambda idx: (x.index_select(0, idx), y.index_select(0, idx))


def cifar10_data(d, device):
    files = sorted(glob.glob(os.path.join(d["root"], "data_batch_*.bin")))
    if not files:
        raise ValueError(f"data.root: no data_batch_*.bin in {d['root']!r}")
    records = torch.cat([torch.frombuffer(bytearray(open(f, "rb").read()), dtype=torch.uint8).view(-1, 3073)
                         for f in files])
    n = records.size(0)
    n_val = min(max(round(n * d["val_fraction"]), 0), n - 1)
    n_train = n - n_val if d["train_limit"] <= 0 else min(n - n_val, d["train_limit"])
    images = records[:n_train, 1:].reshape(n_train, 3, 32, 32).contiguous()
    labels = records[:n_train, 0].long()
    # x_norm = x * scale + shift per channel, from the training images' mean and std, as lpa.
    pixels = images.double().transpose(0, 1).reshape(3, -1) / 255.0
    mean, std = pixels.mean(1), pixels.std(1, unbiased=False).clamp_min(1e-8)
    scale = (1.0 / (255.0 * std)).float().view(1, 3, 1, 1).to(device)
    shift = (-mean / std).float().view(1, 3, 1, 1).to(device)
    images, labels = images.to(device), labels.to(device)
    spec = {"task": "classification", "input_shape": [3, 32, 32], "outputs": 10}
    return spec, n_train, lambda idx: (images.index_select(0, idx).float().mul_(scale).add_(shift),
                                       labels.index_select(0, idx))


def text_data(d, device):
    paths = []
    for f in d["files"]:
        if os.path.isdir(f):
            paths += sorted(p for p in glob.glob(os.path.join(f, "**", "*"), recursive=True)
                            if os.path.isfile(p) and os.path.splitext(p)[1] in d["extensions"])
        else:
            paths.append(f)
    corpus = b"\n".join(open(p, "rb").read() for p in paths)
    if not corpus:
        raise ValueError("data.files: the corpus is empty")
    tokens = torch.frombuffer(bytearray(corpus), dtype=torch.uint8).to(device)
    t = d["seq_len"]
    # The whole corpus stands for lpa's training ranges: only its size could matter, and barely.
    starts_total, tiles = tokens.numel() - t, (tokens.numel() - 1) // t
    window = torch.arange(t + 1, device=device)

    def get(idx):
        starts = torch.randint(starts_total, (idx.numel(),), device=device) if d["augment"] else idx * t
        w = tokens[starts.unsqueeze(1) + window].long()
        return w[:, :t], w[:, 1:]

    spec = {"task": "language_model", "input_shape": [t], "outputs": 256}
    return spec, tiles, get


def make_data(d, device):
    return {"surface": surface_data, "cifar10": cifar10_data, "text": text_data}[d["type"]](d, device)


def task_loss(task, pred, y, label_smoothing):
    if task == "regression":
        return F.mse_loss(pred, y.view_as(pred))
    if task == "language_model":
        pred, y = pred.reshape(-1, pred.size(-1)), y.reshape(-1)
    return F.cross_entropy(pred, y, label_smoothing=label_smoothing)


def depth_weights(loss, n, progress):
    """src/lpa/objectives/depth_weights.cpp: depth_weights, then shape_depth_weights."""
    kind = loss["weights"]
    if isinstance(kind, list):
        w = [float(v) for v in kind]
    else:
        w = [{"uniform": 1.0, "linear": float(l), "sqrt": math.sqrt(l), "inverse": 1.0 / l,
              "sdn": 1.0 if l == n else max(0.01, progress) * l / n}[kind] for l in range(1, n + 1)]
    w = [v / sum(w) for v in w]
    others = sum(w[:-1])
    if n > 1 and loss["final_weight"] > 0 and others > 0:
        w[-1] = loss["final_weight"] * others
    if n > 1 and loss["aux_ramp"] > 0:
        scale = min(max(progress / loss["aux_ramp"], 0.01), 1.0)
        w = [v * scale for v in w[:-1]] + [w[-1]]
    return [v / sum(w) for v in w]


def learning_rate(t, step):
    """src/lpa/train/optimizer.cpp: learning_rate_at over the whole run (one window)."""
    warm, lr = t["warmup_steps"], t["lr"]
    if warm > 0 and step < warm:
        return lr * (step + 1) / warm
    if t["schedule"] == "constant":
        return lr
    if t["schedule"] == "step":
        return lr * t["gamma"] ** ((step - warm) // t["step_size"])
    frac = min(1.0, (step - warm) / max(1, t["steps"] - warm))
    return t["min_lr"] + 0.5 * (lr - t["min_lr"]) * (1.0 + math.cos(math.pi * frac))


def make_optimizer(t, params):
    o = torch.optim
    if t["optimizer"] == "sgd":
        return o.SGD(params, lr=t["lr"], momentum=t["momentum"], weight_decay=t["weight_decay"],
                     nesterov=t["nesterov"] and t["momentum"] > 0)
    kind = o.AdamW if t["optimizer"] == "adamw" else o.Adam
    return kind(params, lr=t["lr"], betas=(t["beta1"], t["beta2"]), weight_decay=t["weight_decay"])


def precision_context(precision, device):
    """lpa's train.precision: tf32 matmuls and convolutions (CUDA), or the forward pass under
    bfloat16 autocast; fp32 turns TF32 off, as lpa does."""
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = precision == "tf32"
        torch.backends.cudnn.allow_tf32 = precision == "tf32"
    if precision == "bf16":
        return lambda: torch.autocast(device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext


def device_of(name):
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("config", help="a resolved lpa config (lpa config --config FILE --set ... > it)")
    p.add_argument("--warmup", type=int, default=10, help="untimed first steps (default 10)")
    p.add_argument("--e2e-heads", choices=["last", "all"], default="last")
    a = p.parse_args()
    with open(a.config) as f:
        cfg = yaml.safe_load(f)
    try:
        refuse_unmirrored(cfg)
        train, loss = cfg["train"], cfg["loss"]
        device = device_of(train["device"])
        if train["threads"] > 0:
            torch.set_num_threads(train["threads"])
        torch.manual_seed(train["seed"])
        spec, n_train, get_batch = make_data(cfg["data"], device)
        model = build_model(cfg, spec).to(device)
    except ValueError as e:
        print(f"peers_train.py: {e}", file=sys.stderr)
        sys.exit(2)
    depth, task = model.depth(), spec["task"]
    sampler = Sampler(n_train, cfg["data"]["batch_size"], train["seed"])
    params = list(model.parameters())
    opt = make_optimizer(train, params)
    steps, window = train["steps"], train["log_every"]
    e2e_exits = {depth} if a.e2e_heads == "last" else None
    smoothing = loss["label_smoothing"]
    autocast = precision_context(train["precision"], device)
    model.train()

    def step(i):
        x, y = get_batch(sampler.next().to(device))
        for g in opt.param_groups:
            g["lr"] = learning_rate(train, i)
        opt.zero_grad(set_to_none=True)
        # Predictions leave the forward pass in float32 (lpa's forward_all); the losses are float32.
        with autocast():
            outs = model.forward_all(x, e2e_exits if loss["kind"] == "e2e" else None)
        if loss["kind"] == "e2e":
            total = task_loss(task, outs[-1].float(), y, smoothing)
        else:
            total = None
            for w, out in zip(depth_weights(loss, depth, i / steps), outs):
                if w == 0:
                    continue
                term = task_loss(task, out.float(), y, smoothing) * w
                total = term if total is None else total + term
        total.backward()
        if train["grad_clip"] > 0:
            torch.nn.utils.clip_grad_norm_(params, train["grad_clip"])
        opt.step()
        return total

    def now():
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        return time.perf_counter()

    rates, start = [], None
    for i in range(steps):
        if i == a.warmup:
            start = now()
        total = step(i)
        done = i + 1
        if done > a.warmup and (done % window == 0 or done == steps):
            total.item()  # the loss a log line would print
            t = now()
            rates.append((done - max(a.warmup, (done - 1) // window * window)) / (t - start))
            start = t
    if not rates:
        print(f"peers_train.py: train.steps {steps} leaves no timed step after {a.warmup} of warm-up",
              file=sys.stderr)
        sys.exit(2)
    print(f"steps_per_s {statistics.median(rates):.4f}")
    print("params_at_depth", *(model.params_at_depth(d) for d in range(1, depth + 1)))
    print(f"params_total {sum(q.numel() for q in params)}")


if __name__ == "__main__":
    main()
