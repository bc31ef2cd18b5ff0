"""An `lpa export --format safetensors` file as ordinary PyTorch modules, no TorchScript.

    import lpa_torch
    m = lpa_torch.load("model.safetensors")   # nn.Module, eval mode
    y = m(x)                                  # what the TorchScript export of that depth returns

The file holds the model truncated at depth k: tensors `stem.*`, `block1.*` .. `block<k>.*`,
`head.*` (the depth-k exit) and, when exported with `--early-exit`, `exit<l>.*` for l < k (exit
l's head under the names `head.*` would have at depth l). Its `__metadata__["lpa_json"]` is a
JSON document naming the family, the task, the input, the normalisation the caller applies and
the run's whole resolved config ("section.key": value). This file rebuilds each family from
that document plus the tensors' names and shapes, following lpa's TorchScript generators
(src/lpa/export/<family>_script.cpp), which are the reference for what a depth computes in eval
mode. The module's state_dict has exactly the file's tensor names, and loading is strict, so a
rebuilt architecture that does not match the file is an error, not a silently different model.

The modules are plain nn.Modules: trainable (dropout and batch norm behave as in lpa's training
when put in train mode), and `forward` has no data-dependent Python control flow and no
.item(), so torch.jit.trace, torch.onnx.export, torch.compile and torch.export can take it. One
deliberate difference from the TorchScript classifier: that one drops the padding columns the
whole batch shares (int(tokens.ne(pad).sum(1).max()), a data-dependent shape); here every
column is kept and the padding mask alone hides padding, which gives the same logits.

`forward_early_exit(x)` (exports with early exit) is the inference rule, not a graph to
compile: it shrinks the batch as samples exit.

Imports torch and the standard library only (no lpa, safetensors, numpy or yaml).
"""
import json
import math
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

__all__ = ["load", "read_safetensors", "LpaModel"]

FORMAT_NAME = "lpa-export"
FORMAT_VERSION = 1  # the newest lpa_json format_version this file understands
METADATA_KEY = "lpa_json"

# lpa's text vocabulary (data/text_classification_dataset.h, models/transformer.h): bytes
# 0..255, then padding, then [CLS].
PAD_TOKEN = 256
CLS_TOKEN = 257

# The eps LibTorch's LayerNorm and BatchNorm2d default to; lpa never sets another.
NORM_EPS = 1e-5

# models/activation.cpp: the names model.activation takes and the aten op each one is.
ACTIVATIONS = {"relu": F.relu, "gelu": F.gelu, "tanh": torch.tanh, "silu": F.silu}

# safetensors dtype names (https://huggingface.co/docs/safetensors, "Format").
ST_DTYPES = {
    "F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
    "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8,
    "U8": torch.uint8, "BOOL": torch.bool,
}


class ExportError(ValueError):
    """The file is not an lpa export this module can rebuild; the message says why."""


# --------------------------------------------------------------------------------------------
# The file

def read_safetensors(path):
    """(tensors: dict name -> Tensor, metadata: dict str -> str) of a safetensors file.

    Written from the format's specification: an 8-byte little-endian header length N, N bytes of
    JSON ({name: {dtype, shape, data_offsets}}, "__metadata__": {str: str}), then a byte buffer
    the data_offsets cover exactly. Tensors are copies, so they are writable and own their data.
    """
    if sys.byteorder != "little":
        raise ExportError(f"{path}: safetensors data is little-endian; this host is not")
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ExportError(f"{path}: shorter than the 8-byte safetensors header length")
    (n,) = struct.unpack("<Q", data[:8])
    if n > len(data) - 8:
        raise ExportError(f"{path}: safetensors header length {n} exceeds the file size")
    try:
        header = json.loads(data[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise ExportError(f"{path}: safetensors header is not JSON ({e})") from None
    if not isinstance(header, dict):
        raise ExportError(f"{path}: safetensors header is not a JSON object")
    buffer = memoryview(data)[8 + n:]
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise ExportError(f"{path}: __metadata__ must map strings to strings")
    tensors, spans = {}, []
    for name, info in header.items():
        try:
            dtype = ST_DTYPES[info["dtype"]]
            shape = [int(s) for s in info["shape"]]
            begin, end = (int(o) for o in info["data_offsets"])
        except (KeyError, TypeError, ValueError):
            raise ExportError(f"{path}: tensor {name!r} needs a known dtype, a shape and "
                              "data_offsets [begin, end]") from None
        count = math.prod(shape)
        itemsize = torch.empty((), dtype=dtype).element_size()
        if not 0 <= begin <= end <= len(buffer) or end - begin != count * itemsize:
            raise ExportError(f"{path}: tensor {name!r}: data_offsets [{begin}, {end}] do not match "
                              f"shape {shape} and dtype {info['dtype']}")
        if count:
            t = torch.frombuffer(bytearray(buffer[begin:end]), dtype=dtype).reshape(shape)
        else:
            t = torch.empty(shape, dtype=dtype)
        tensors[name] = t
        spans.append((begin, end, name))
    at = 0
    for begin, end, name in sorted(spans):
        if begin != at:
            raise ExportError(f"{path}: tensor {name!r} does not start where the previous one ends")
        at = end
    if at != len(buffer):
        raise ExportError(f"{path}: the tensors do not cover the data buffer exactly")
    return tensors, metadata


def _description(path, metadata):
    if METADATA_KEY not in metadata:
        if "lpa_export" in metadata:
            raise ExportError(f"{path}: an lpa export without {METADATA_KEY!r} metadata (written by an "
                              "older lpa); export it again with this lpa")
        raise ExportError(f"{path}: a safetensors file, but not an lpa export (no {METADATA_KEY!r} metadata)")
    try:
        d = json.loads(metadata[METADATA_KEY])
    except ValueError as e:
        raise ExportError(f"{path}: {METADATA_KEY} is not JSON ({e})") from None
    if not isinstance(d, dict) or d.get("format") != FORMAT_NAME:
        raise ExportError(f"{path}: {METADATA_KEY} is not an {FORMAT_NAME} description")
    if int(d.get("format_version", 0)) > FORMAT_VERSION:
        raise ExportError(f"{path}: export format version {d['format_version']} is newer than this "
                          f"lpa_torch understands ({FORMAT_VERSION})")
    for key in ("model", "depth", "full_depth", "task", "input", "config"):
        if key not in d:
            raise ExportError(f"{path}: {METADATA_KEY} lacks {key!r}")
    return d


# --------------------------------------------------------------------------------------------
# The model: one class per family, sharing the chain and the early-exit rule

class LpaModel(nn.Module):
    """stem -> block1 .. block<k> -> head, with the export's description as attributes.

    A family defines begin(x) -> (h, ctx), run_block(block, h, ctx), run_head(head, h, ctx) and
    select(ctx, keep): ctx is what every block and head of one pass share (the Transformer's
    attention mask), and select() cuts it down to the samples that go on (early exit).
    """

    def __init__(self, description, path=""):
        super().__init__()
        d = description
        self.path = path
        self.description = d
        self.config = d["config"]
        self.family = d["model"]
        self.depth = int(d["depth"])
        self.full_depth = int(d["full_depth"])
        self.task = d["task"]
        self.classes = list(d.get("classes") or [])
        self.output_dim = int(d.get("output_dim", 0))
        self.input_shape = list(d["input"]["shape"])
        self.input_dtype = d["input"]["dtype"]
        self.normalization = d.get("normalization") or None
        self.early_exit = d.get("early_exit") or None
        # Plain tuples of attribute names: iterating them is static Python, which tracing,
        # torch.compile and torch.export unroll, and the state_dict keeps lpa's names.
        self.block_names = tuple(f"block{l}" for l in range(1, self.depth + 1))
        self.exit_names = tuple(f"exit{l}" for l in range(1, self.depth)) if self.early_exit else ()

    def cfg(self, key, default=None):
        if key in self.config:
            return self.config[key]
        if default is None:
            raise ExportError(f"{self.path}: the export's config lacks {key!r}, which a {self.family} needs")
        return default

    def flag(self, key, default=None):
        # The exporter writes booleans as JSON booleans; a "true"/"false" string means the same.
        v = self.cfg(key, default)
        return v.strip().lower() == "true" if isinstance(v, str) else bool(v)

    def forward(self, x):
        h, ctx = self.begin(x)
        for name in self.block_names:
            h = self.run_block(getattr(self, name), h, ctx)
        return self.run_head(self.head, h, ctx)

    def exit_head(self, l):
        """Exit l's head (l = depth: the export's own head)."""
        return self.head if l == self.depth else getattr(self, f"exit{l}")

    @torch.no_grad()  # an inference rule: argmax and thresholds have no useful gradient
    def forward_early_exit(self, x):
        """(prediction int64 [B], sureness float32 [B], exit_depth int64 [B]).

        After block l < k, exit l's logits give the sureness (confidence: max softmax
        probability, exits when >= threshold; entropy: softmax entropy in nats, exits when <=
        threshold); a sample that exits keeps exit l's prediction and later blocks run on the
        others only. Samples that never exit get the depth-k head's. Sureness is computed in
        float64 as lpa's eval does (eval/early_exit.cpp), so a value at the threshold decides
        the same way.
        """
        if not self.early_exit:
            raise RuntimeError(f"{self.path}: exported without --early-exit (no exit heads)")
        if self.task != "classification":
            raise RuntimeError(f"{self.path}: early exit needs a classifier, this is a {self.task} model")
        criterion = self.early_exit["criterion"]
        threshold = float(self.early_exit["threshold"])
        if criterion not in ("confidence", "entropy"):
            raise RuntimeError(f"{self.path}: unknown early-exit criterion {criterion!r}")
        h, ctx = self.begin(x)
        n = h.size(0)
        prediction = torch.zeros(n, dtype=torch.int64, device=h.device)
        sureness = torch.zeros(n, dtype=torch.float32, device=h.device)
        exit_depth = torch.full((n,), self.depth, dtype=torch.int64, device=h.device)
        alive = torch.arange(n, device=h.device)
        for l in range(1, self.depth + 1):
            h = self.run_block(getattr(self, f"block{l}"), h, ctx)
            logits = self.run_head(self.exit_head(l), h, ctx)
            logp = torch.log_softmax(logits.double(), 1)
            if criterion == "confidence":
                s = logp.max(1).values.exp()
                stop = s >= threshold
            else:
                s = -(logp.exp() * logp).sum(1)
                stop = s <= threshold
            if l == self.depth:
                stop = torch.ones_like(stop)
            done = alive[stop]
            prediction[done] = logits[stop].argmax(1)
            sureness[done] = s[stop].float()
            exit_depth[done] = l
            go_on = stop.logical_not()
            alive = alive[go_on]
            if alive.numel() == 0:
                break
            h = h[go_on]
            ctx = self.select(ctx, go_on)
        return prediction, sureness, exit_depth

    def extra_repr(self):
        return f"{self.family}, depth {self.depth} of {self.full_depth}, {self.task}"

    # Families override these.
    def begin(self, x):
        raise NotImplementedError

    def run_block(self, block, h, ctx):
        return block(h)

    def run_head(self, head, h, ctx):
        return head(h)

    def select(self, ctx, keep):
        return ctx


def _pieces(tensors, prefix):
    """The tensors under `prefix.`, without it."""
    p = prefix + "."
    return {k[len(p):]: v for k, v in tensors.items() if k.startswith(p)}


def _need(tensors, name, where):
    if name not in tensors:
        raise ExportError(f"{where}: tensor {name!r} is missing")
    return tensors[name]


def _linear(tensors, name, where):
    w = _need(tensors, name + ".weight", where)
    return nn.Linear(w.shape[1], w.shape[0], bias=(name + ".bias") in tensors)


def _layer_norm(tensors, name, where):
    return nn.LayerNorm(list(_need(tensors, name + ".weight", where).shape), eps=NORM_EPS)


def _batch_norm(tensors, name, where):
    return nn.BatchNorm2d(_need(tensors, name + ".weight", where).shape[0], eps=NORM_EPS)


def _activation(model):
    name = model.cfg("model.activation")
    if name not in ACTIVATIONS:
        raise ExportError(f"{model.path}: model.activation {name!r} is not one of {sorted(ACTIVATIONS)}")
    return ACTIVATIONS[name]


# ---- residual MLP (residual_mlp_script.cpp)
#   stem: linear(flatten(x)); block: h + fc2(act(fc1(norm(h)))); head: linear(h), or with
#   model.exit_width > 0 linear(act(exit_fc(h))), exit_fc being that exit's adapter.

class MlpBlock(nn.Module):
    def __init__(self, t, act, dropout, where):
        super().__init__()
        self.norm = _layer_norm(t, "norm", where) if "norm.weight" in t else None
        self.fc1 = _linear(t, "fc1", where)
        self.fc2 = _linear(t, "fc2", where)
        self.act = act
        self.drop = nn.Dropout(dropout) if dropout > 0 else None

    def forward(self, h):
        z = h if self.norm is None else self.norm(h)
        z = self.fc2(self.act(self.fc1(z)))
        if self.drop is not None:
            z = self.drop(z)
        return h + z


class MlpHead(nn.Linear):
    """The head's linear layer as its own weight and bias (the file's `head.weight`), after this
    exit's adapter `exit_fc` when the file has one."""

    def __init__(self, t, act, where):
        w = _need(t, "weight", where)
        super().__init__(w.shape[1], w.shape[0], bias="bias" in t)
        self.exit_fc = _linear(t, "exit_fc", where) if "exit_fc.weight" in t else None
        self.act = act

    def forward(self, h):
        z = h if self.exit_fc is None else self.act(self.exit_fc(h))
        return F.linear(z, self.weight, self.bias)


class ResidualMlp(LpaModel):
    def __init__(self, d, tensors, path):
        super().__init__(d, path)
        act = _activation(self)
        dropout = float(self.cfg("model.dropout", 0.0))
        self.stem = _linear(tensors, "stem", path)
        for name in self.block_names:
            setattr(self, name, MlpBlock(_pieces(tensors, name), act, dropout, f"{path}: {name}"))
        for name in self.exit_names + ("head",):
            setattr(self, name, MlpHead(_pieces(tensors, name), act, f"{path}: {name}"))

    def begin(self, x):
        return self.stem(torch.flatten(x, 1)), None


# ---- ResNet (resnet_script.cpp)
# Convolutions pad k // 2 (models/resnet.cpp). A block downsamples (stride 2) exactly when it has
# a projection shortcut and the network is not isotropic: resnet.cpp gives the first block of
# every stage after the first stride 2 and a projection, and a projection elsewhere only where
# the width changes in an isotropic network (stride 1).

def _conv(t, name, stride, where):
    w = _need(t, name + ".weight", where)
    return nn.Conv2d(w.shape[1], w.shape[0], tuple(w.shape[2:]), stride=stride,
                     padding=(w.shape[2] // 2, w.shape[3] // 2), bias=(name + ".bias") in t)


class ResNetStem(nn.Module):
    def __init__(self, t, act, where):
        super().__init__()
        self.conv = _conv(t, "conv", 1, where)
        self.bn = _batch_norm(t, "bn", where) if "bn.weight" in t else None  # post-activation only
        self.act = act

    def forward(self, x):
        h = self.conv(x)
        return h if self.bn is None else self.act(self.bn(h))


class BasicBlock(nn.Module):
    def __init__(self, t, act, preact, isotropic, where):
        super().__init__()
        projection = "proj.weight" in t
        stride = 2 if projection and not isotropic else 1
        self.preact = preact
        self.act = act
        self.conv1 = _conv(t, "conv1", stride, where)
        self.bn1 = _batch_norm(t, "bn1", where)
        self.conv2 = _conv(t, "conv2", 1, where)
        self.bn2 = _batch_norm(t, "bn2", where)
        self.proj = _conv(t, "proj", stride, where) if projection else None
        self.proj_bn = _batch_norm(t, "proj_bn", where) if projection and not preact else None

    def forward(self, h):
        if self.preact:
            a = self.act(self.bn1(h))
            shortcut = h if self.proj is None else self.proj(a)
            y = self.conv2(self.act(self.bn2(self.conv1(a))))
            return y + shortcut
        y = self.act(self.bn1(self.conv1(h)))
        y = self.bn2(self.conv2(y))
        shortcut = h if self.proj is None else self.proj_bn(self.proj(h))
        return self.act(y + shortcut)


class ResNetHead(nn.Module):
    """Global average pool + linear; the pre-activation network first applies this exit's
    BatchNorm + activation (its trajectory is not normalised), and with model.exit_width > 0
    the exit's adapter, act(bn(conv3x3)), comes before the pool."""

    def __init__(self, t, act, where):
        super().__init__()
        self.norm = _batch_norm(t, "norm", where) if "norm.weight" in t else None
        self.exit_conv = _conv(t, "exit_conv", 1, where) if "exit_conv.weight" in t else None
        self.exit_bn = _batch_norm(t, "exit_bn", where) if self.exit_conv is not None else None
        self.fc = _linear(t, "fc", where)
        self.act = act

    def forward(self, h):
        z = h if self.norm is None else self.act(self.norm(h))
        if self.exit_conv is not None:
            z = self.act(self.exit_bn(self.exit_conv(z)))
        return self.fc(torch.mean(z, [2, 3]))


class ResNet(LpaModel):
    def __init__(self, d, tensors, path):
        super().__init__(d, path)
        act = _activation(self)
        preact = self.flag("model.preact")
        isotropic = self.flag("model.isotropic", False)
        if preact == ("stem.bn.weight" in tensors):
            raise ExportError(f"{path}: model.preact is {preact} but the stem "
                              f"{'has' if not preact else 'lacks'} the post-activation BatchNorm")
        self.stem = ResNetStem(_pieces(tensors, "stem"), act, f"{path}: stem")
        for name in self.block_names:
            setattr(self, name, BasicBlock(_pieces(tensors, name), act, preact, isotropic, f"{path}: {name}"))
        for name in self.exit_names + ("head",):
            setattr(self, name, ResNetHead(_pieces(tensors, name), act, f"{path}: {name}"))

    def begin(self, x):
        return self.stem(x), None


# ---- Transformer (transformer_script.cpp, models/transformer*.cpp)
# Pre-LayerNorm blocks; language model: causal mask, final LayerNorm + LM head (or the token
# embedding when tied); classifier: [CLS] first, padding masked (and causal if model.causal),
# final LayerNorm, mean or [CLS] pooling, linear head.

def _rotary(x):
    """RoPE at positions 0..T-1 on x [B, H, T, head_dim], the operations of apply_rotary in the
    same order (the angle is a broadcast product rather than torch.outer, which ONNX lacks:
    the same float32 products)."""
    t, dim = x.size(2), x.size(3)
    half = dim // 2
    inv_freq = torch.pow(10000.0, -torch.arange(0, half, dtype=torch.float32, device=x.device) * (2.0 / dim))
    angle = torch.arange(0, t, dtype=torch.float32, device=x.device).unsqueeze(1) * inv_freq.unsqueeze(0)
    cos = angle.cos().to(x.dtype)
    sin = angle.sin().to(x.dtype)
    x1 = x.narrow(3, 0, half)
    x2 = x.narrow(3, half, half)
    return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], 3)


class SelfAttention(nn.Module):
    def __init__(self, t, heads, rotary, dropout, where):
        super().__init__()
        self.qkv = _linear(t, "qkv", where)
        self.proj = _linear(t, "proj", where)
        width = self.qkv.in_features
        if width % heads or self.qkv.out_features != 3 * width:
            raise ExportError(f"{where}: attention of width {width} does not split into {heads} heads "
                              f"(qkv {self.qkv.out_features} x {width})")
        self.heads = heads
        self.head_dim = width // heads
        self.scale = math.sqrt(self.head_dim)
        self.rotary = rotary
        self.attn_drop = nn.Dropout(dropout)

    def forward(self, z, allowed):
        b, t = z.size(0), z.size(1)
        q, k, v = self.qkv(z).view(b, t, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4).unbind(0)
        if self.rotary:
            q = _rotary(q)
            k = _rotary(k)
        scores = torch.matmul(q, k.transpose(2, 3)) / self.scale
        # ~ rather than logical_not(): torch 1.13's ONNX exporter has no symbolic for the latter.
        scores = scores.masked_fill(~allowed, float("-inf"))
        y = torch.matmul(self.attn_drop(torch.softmax(scores, -1)), v)
        return self.proj(y.transpose(1, 2).reshape(b, t, self.heads * self.head_dim))


class TransformerBlock(nn.Module):
    def __init__(self, t, heads, rotary, dropout, where):
        super().__init__()
        self.ln1 = _layer_norm(t, "ln1", where)
        self.attn = SelfAttention(_pieces(t, "attn"), heads, rotary, dropout, f"{where}.attn")
        self.ln2 = _layer_norm(t, "ln2", where)
        self.fc1 = _linear(t, "fc1", where)
        self.fc2 = _linear(t, "fc2", where)
        self.drop = nn.Dropout(dropout)

    def forward(self, h, allowed):
        x = h + self.drop(self.attn(self.ln1(h), allowed))
        return x + self.drop(self.fc2(F.gelu(self.fc1(self.ln2(x)))))


class TransformerEmbedding(nn.Module):
    def __init__(self, t, dropout, where):
        super().__init__()
        w = _need(t, "tokens.weight", where)
        self.tokens = nn.Embedding(w.shape[0], w.shape[1])
        # Learned positions only; rotary positions have no tensor.
        p = t.get("positions.weight")
        self.positions = None if p is None else nn.Embedding(p.shape[0], p.shape[1])
        self.drop = nn.Dropout(dropout)

    def forward(self, tokens):
        h = self.tokens(tokens)
        if self.positions is not None:
            h = h + self.positions(torch.arange(tokens.size(1), device=tokens.device))
        return self.drop(h)


class TransformerHead(nn.Module):
    """Final LayerNorm, then (classifier) pooling and the linear head, or (LM) the projection to
    the vocabulary: its own, or the token embedding handed in when tied."""

    def __init__(self, t, lm, cls_pool, where):
        super().__init__()
        self.ln = _layer_norm(t, "ln", where)
        self.proj = _linear(t, "proj", where) if "proj.weight" in t else None
        self.lm = lm
        self.cls_pool = cls_pool
        if not lm and self.proj is None:
            raise ExportError(f"{where}: a classifier head needs proj.weight")

    def forward(self, h, keep, tied):
        z = self.ln(h)
        if self.lm:
            return F.linear(z, tied) if self.proj is None else self.proj(z)
        if self.cls_pool:
            pooled = z.select(1, 0)
        else:
            m = keep.unsqueeze(-1).to(z.dtype)
            pooled = (z * m).sum(1) / m.sum(1)
        return self.proj(pooled)


class Transformer(LpaModel):
    def __init__(self, d, tensors, path):
        super().__init__(d, path)
        self.lm = self.task == "language_model"
        self.causal = self.flag("model.causal")
        self.cls_pool = self.cfg("model.pool") == "cls"
        rotary = self.cfg("model.positions") == "rotary"
        heads = int(self.cfg("model.heads"))
        dropout = float(self.cfg("model.dropout", 0.0))
        if rotary == ("stem.positions.weight" in tensors):
            raise ExportError(f"{path}: model.positions is {self.cfg('model.positions')!r} but the stem "
                              f"{'has' if rotary else 'lacks'} learned positions")
        self.stem = TransformerEmbedding(_pieces(tensors, "stem"), dropout, f"{path}: stem")
        for name in self.block_names:
            setattr(self, name, TransformerBlock(_pieces(tensors, name), heads, rotary, dropout, f"{path}: {name}"))
        for name in self.exit_names + ("head",):
            setattr(self, name, TransformerHead(_pieces(tensors, name), self.lm, self.cls_pool, f"{path}: {name}"))
        # A head without its own projection reads the token embedding (model.tie_weights): the
        # one Parameter, so training updates both uses, as in lpa.
        self.tied = self.lm and self.head.proj is None

    def begin(self, x):
        tokens = x.to(torch.int64)
        if self.lm:
            pos = torch.arange(tokens.size(1), device=tokens.device)
            allowed = pos.unsqueeze(1) >= pos.unsqueeze(0)
            return self.stem(tokens), (allowed, None)
        tokens = torch.cat([torch.full_like(tokens.narrow(1, 0, 1), CLS_TOKEN), tokens], 1)
        keep = tokens.ne(PAD_TOKEN)
        allowed = keep.view(tokens.size(0), 1, 1, tokens.size(1))
        if self.causal:
            pos = torch.arange(tokens.size(1), device=tokens.device)
            allowed = allowed.logical_and(pos.unsqueeze(1) >= pos.unsqueeze(0))
        return self.stem(tokens), (allowed, keep)

    def run_block(self, block, h, ctx):
        return block(h, ctx[0])

    def run_head(self, head, h, ctx):
        return head(h, ctx[1], self.stem.tokens.weight if head.proj is None else None)

    def select(self, ctx, keep):
        allowed, pad_keep = ctx
        if pad_keep is None:  # the language model's mask is the same for every sample
            return ctx
        return allowed[keep], pad_keep[keep]


FAMILIES = {"residual_mlp": ResidualMlp, "resnet": ResNet, "transformer": Transformer}


def load(path, device="cpu"):
    """The export at `path` as an nn.Module in eval mode (see the module docstring)."""
    tensors, metadata = read_safetensors(path)
    d = _description(path, metadata)
    family = FAMILIES.get(d["model"])
    if family is None:
        raise ExportError(f"{path}: model {d['model']!r} is not one of {sorted(FAMILIES)}")
    model = family(d, tensors, path)
    state = model.state_dict()
    missing = sorted(set(state) - set(tensors))
    unused = sorted(set(tensors) - set(state))
    if missing or unused:
        raise ExportError(f"{path}: the rebuilt {d['model']} does not match the file's tensors "
                          f"(missing {missing}, not used {unused})")
    for name, t in tensors.items():
        if t.shape != state[name].shape or t.dtype != state[name].dtype:
            raise ExportError(f"{path}: tensor {name!r} is {t.dtype} {list(t.shape)}, the rebuilt model "
                              f"needs {state[name].dtype} {list(state[name].shape)}")
    model.load_state_dict(tensors, strict=True)
    return model.to(device).eval()
