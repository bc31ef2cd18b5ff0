"""lpa's model families written in plain PyTorch, built from a resolved lpa config (the YAML that
`lpa config` prints or a run directory's config.yaml), for the Python side of scripts/bench/.

Each model mirrors src/lpa/models/ module for module, so that parameter counts and the work per
step are lpa's: `forward_all(x, exits)` is DepthwiseModel::forward_all (one pass, a head read
after every block whose exit is wanted) and `params_at_depth(d)` is DepthwiseModel's (stem,
blocks 1..d, the head exit d reads; shared tensors counted once). Initialisation is PyTorch's
default, not lpa's: it changes values, not the work. A config these classes do not mirror is
refused with ValueError rather than timed as something else.
Run with Debian's /usr/bin/python3 (python3-torch: the LibTorch build lpa links)."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

ACTIVATIONS = {"relu": torch.relu, "gelu": F.gelu, "tanh": torch.tanh, "silu": F.silu}
RESNET_PRESETS = {"resnet20": [3, 3, 3], "resnet32": [5, 5, 5], "resnet56": [9, 9, 9]}


class DepthwiseModel(nn.Module):
    """stem / blocks / heads as lpa's DepthwiseModel; `head_of[l]` is the head exit l+1 reads."""

    def forward_all(self, x, exits=None):
        """Predictions at every depth; with `exits` (a set of 1-based depths) only those heads run."""
        h = self.stem(x)
        outs = []
        for l, block in enumerate(self.blocks, 1):
            h = block(h)
            outs.append(self.head(l, h) if exits is None or l in exits else None)
        return outs

    def depth(self):
        return len(self.blocks)

    def params_at_depth(self, d):
        modules = [self.stem_module(), *self.blocks[:d], self.head_module(d)]
        seen = {}
        for m in modules:
            for p in m.parameters():
                seen[id(p)] = p.numel()
        return sum(seen.values())


class MlpBlock(nn.Module):
    def __init__(self, width, activation, layernorm, dropout, init_scale):
        super().__init__()
        self.norm = nn.LayerNorm(width) if layernorm else None
        self.fc1 = nn.Linear(width, width)
        self.fc2 = nn.Linear(width, width)
        self.drop = nn.Dropout(dropout) if dropout > 0 else None
        self.act = ACTIVATIONS[activation]
        with torch.no_grad():
            self.fc2.weight.mul_(init_scale)
            self.fc2.bias.mul_(init_scale)

    def forward(self, h):
        z = self.norm(h) if self.norm is not None else h
        z = self.fc2(self.act(self.fc1(z)))
        if self.drop is not None:
            z = self.drop(z)
        return h + z


class ResidualMlp(DepthwiseModel):
    """src/lpa/models/residual_mlp.cpp."""

    def __init__(self, m, inputs, outputs):
        super().__init__()
        if m["head"] not in ("shared", "per_depth"):
            raise ValueError(f"model.head: {m['head']} is not a residual MLP head")
        self.stem_fc = nn.Linear(inputs, m["width"])
        self.blocks = nn.ModuleList(
            MlpBlock(m["width"], m["activation"], m["norm"] == "layernorm", m["dropout"], m["init_scale"])
            for _ in range(m["depth"]))
        n_heads = 1 if m["head"] == "shared" else m["depth"]
        self.heads = nn.ModuleList(nn.Linear(m["width"], outputs) for _ in range(n_heads))

    def stem(self, x):
        return self.stem_fc(x.flatten(1))

    def stem_module(self):
        return self.stem_fc

    def head_module(self, l):
        return self.heads[0 if len(self.heads) == 1 else l - 1]

    def head(self, l, h):
        return self.head_module(l)(h)


def conv(cin, cout, k, stride):
    return nn.Conv2d(cin, cout, k, stride, k // 2, bias=False)


class BasicBlock(nn.Module):
    """Post-activation BasicBlock (src/lpa/models/resnet.cpp, preact: false)."""

    def __init__(self, cin, cout, stride, activation):
        super().__init__()
        self.conv1 = conv(cin, cout, 3, stride)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = conv(cout, cout, 3, 1)
        self.bn2 = nn.BatchNorm2d(cout)
        self.act = ACTIVATIONS[activation]
        self.proj = None
        if stride != 1 or cin != cout:
            self.proj = conv(cin, cout, 1, stride)
            self.proj_bn = nn.BatchNorm2d(cout)

    def forward(self, h):
        y = self.act(self.bn1(self.conv1(h)))
        y = self.bn2(self.conv2(y))
        shortcut = self.proj_bn(self.proj(h)) if self.proj is not None else h
        return self.act(y + shortcut)


class ResNet(DepthwiseModel):
    """CIFAR ResNet with pooled linear heads (src/lpa/models/resnet.cpp): one per stage, per depth,
    or shared (which needs one width)."""

    def __init__(self, m, shape, classes):
        super().__init__()
        if m["preact"]:
            raise ValueError("model.preact: true is not mirrored (per-exit head norms)")
        stages = RESNET_PRESETS.get(m["preset"]) or list(m["stages"])
        widths = [16, 32, 64] if m["preset"] else list(m["widths"])
        self.stem_seq = nn.Sequential(conv(shape[0], widths[0], 3, 1), nn.BatchNorm2d(widths[0]))
        self.act = ACTIVATIONS[m["activation"]]
        blocks, stage_of, cin = [], [], widths[0]
        for s, (n, w) in enumerate(zip(stages, widths)):
            for i in range(n):
                stride = 2 if (s > 0 and i == 0 and not m["isotropic"]) else 1
                blocks.append(BasicBlock(cin, w, stride, m["activation"]))
                stage_of.append(s)
                cin = w
        self.blocks = nn.ModuleList(blocks)
        head_kind = m["head"]
        self.head_of = [l if head_kind == "per_depth" else s if head_kind == "per_stage" else 0
                        for l, s in enumerate(stage_of)]
        head_width = {k: widths[s] for k, s in zip(self.head_of, stage_of)}
        self.heads = nn.ModuleList(nn.Linear(head_width[k], classes) for k in range(self.head_of[-1] + 1))

    def stem(self, x):
        return self.act(self.stem_seq(x))

    def stem_module(self):
        return self.stem_seq

    def head_module(self, l):
        return self.heads[self.head_of[l - 1]]

    def head(self, l, h):
        return self.head_module(l)(h.mean((2, 3)))


def rotary_angles(t, head_dim, device):
    half = head_dim // 2
    inv_freq = torch.pow(10000.0, -torch.arange(0, half, device=device, dtype=torch.float32) * (2.0 / head_dim))
    angle = torch.outer(torch.arange(0, t, device=device, dtype=torch.float32), inv_freq)
    return angle.cos(), angle.sin()


def apply_rotary(x, cos, sin):
    half = x.size(3) // 2
    x1, x2 = x.narrow(3, 0, half), x.narrow(3, half, half)
    return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], 3)


class SelfAttention(nn.Module):
    """Explicit attention, as lpa computes it on LibTorch 1.13 (src/lpa/models/transformer_block.cpp)."""

    def __init__(self, d, heads, dropout):
        super().__init__()
        self.heads, self.head_dim = heads, d // heads
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.attn_drop = nn.Dropout(dropout)

    def forward(self, x, allowed, angles):
        b, t, _ = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4).unbind(0)
        if angles is not None:
            q, k = apply_rotary(q, *angles), apply_rotary(k, *angles)
        scores = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(self.head_dim)
        scores = scores.masked_fill(allowed.logical_not(), float("-inf"))
        att = self.attn_drop(torch.softmax(scores, -1))
        return self.proj(torch.matmul(att, v).transpose(1, 2).reshape(b, t, self.heads * self.head_dim))


class TransformerBlock(nn.Module):
    def __init__(self, d, heads, mlp_ratio, dropout):
        super().__init__()
        hidden = max(1, round(d * mlp_ratio))
        self.ln1 = nn.LayerNorm(d)
        self.attn = SelfAttention(d, heads, dropout)
        self.ln2 = nn.LayerNorm(d)
        self.fc1 = nn.Linear(d, hidden)
        self.fc2 = nn.Linear(hidden, d)
        self.drop = nn.Dropout(dropout)

    def forward(self, h, allowed, angles):
        x = h + self.drop(self.attn(self.ln1(h), allowed, angles))
        return x + self.drop(self.fc2(F.gelu(self.fc1(self.ln2(x)))))


class Embedding(nn.Module):
    def __init__(self, vocabulary, context, d, learned_positions, dropout):
        super().__init__()
        self.tokens = nn.Embedding(vocabulary, d)
        self.positions = nn.Embedding(context, d) if learned_positions else None
        self.drop = nn.Dropout(dropout)

    def forward(self, tokens):
        h = self.tokens(tokens)
        if self.positions is not None:
            h = h + self.positions(torch.arange(0, tokens.size(1), device=tokens.device))
        return self.drop(h)


class TransformerHead(nn.Module):
    def __init__(self, d, outputs):
        super().__init__()
        self.ln = nn.LayerNorm(d)
        self.proj = nn.Linear(d, outputs, bias=False) if outputs > 0 else None


class Transformer(DepthwiseModel):
    """Pre-LN byte-level language model (src/lpa/models/transformer.cpp): the final norm and the
    (tied) projection at every exit; the stem builds the causal mask and rotary angles once."""

    def __init__(self, m, seq_len, vocabulary=256):
        super().__init__()
        if not m["causal"]:
            raise ValueError("model.causal: a language model needs causal attention")
        if m["head"] not in ("shared", "per_depth"):
            raise ValueError(f"model.head: {m['head']} is not a Transformer head")
        d = m["width"]
        self.tied = m["tie_weights"]
        self.rotary = m["positions"] == "rotary"
        self.embed = Embedding(vocabulary, seq_len, d, not self.rotary, m["dropout"])
        self.blocks = nn.ModuleList(TransformerBlock(d, m["heads"], m["mlp_ratio"], m["dropout"])
                                    for _ in range(m["depth"]))
        n_heads = 1 if m["head"] == "shared" else m["depth"]
        self.heads = nn.ModuleList(TransformerHead(d, 0 if self.tied else vocabulary) for _ in range(n_heads))
        self.head_dim = d // m["heads"]

    def forward_all(self, x, exits=None):
        t = x.size(1)
        allowed = torch.ones(t, t, dtype=torch.bool, device=x.device).tril()
        angles = rotary_angles(t, self.head_dim, x.device) if self.rotary else None
        h = self.embed(x)
        outs = []
        for l, block in enumerate(self.blocks, 1):
            h = block(h, allowed, angles)
            outs.append(self.head(l, h) if exits is None or l in exits else None)
        return outs

    def stem_module(self):
        return self.embed

    def head_module(self, l):
        return self.heads[0 if len(self.heads) == 1 else l - 1]

    def head(self, l, h):
        hd = self.head_module(l)
        z = hd.ln(h)
        return F.linear(z, self.embed.tokens.weight) if self.tied else hd.proj(z)


def build_model(cfg, spec):
    """The model `cfg` (a resolved lpa config) describes, for data of `spec` (peers_train.py)."""
    m = cfg["model"]
    if m["type"] == "residual_mlp":
        return ResidualMlp(m, math.prod(spec["input_shape"]), spec["outputs"])
    if m["type"] == "resnet":
        return ResNet(m, spec["input_shape"], spec["outputs"])
    if m["type"] == "transformer":
        if spec["task"] != "language_model":
            raise ValueError("model.type: transformer is mirrored for language models only")
        return Transformer(m, spec["input_shape"][0], spec["outputs"])
    raise ValueError(f"model.type: {m['type']} is not mirrored")
