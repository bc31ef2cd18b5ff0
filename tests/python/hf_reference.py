#!/usr/bin/env python3
"""A plain-PyTorch reference for Hugging Face GPT-2 / Llama / Qwen2 / Mistral checkpoints.

lpa's `model.pretrained` loads a Hugging Face-layout folder (config.json + safetensors). This
module is the independent yardstick it is checked against, and needs neither `transformers` nor
the `safetensors` package:

  * read_safetensors / write_safetensors: the format itself (8-byte little-endian header length
    N, N bytes of JSON, then the raw little-endian C-ordered bytes; BF16 through torch views);
  * load_checkpoint(dir) -> (config, {name: tensor}): single-file `model.safetensors` or sharded
    `model-0000i-of-0000n.safetensors` + `model.safetensors.index.json`, as save_pretrained writes;
  * write_checkpoint(dir, arch, dtype=, shards=, seed=, **sizes): a tiny random-weight checkpoint
    with Hugging Face's tensor names and config keys (gpt2, llama, qwen2, mistral);
  * per_depth_logits(dir, ids) -> [logits after 1 block, ..., after N blocks], each [B, T, V]:
    the first k decoder blocks, then the final norm and the LM head -- lpa's exit at depth k.
    The forward follows the public definitions in transformers' modeling_gpt2.py and
    modeling_llama.py / modeling_qwen2.py / modeling_mistral.py, in float32 (bf16 / fp16 weights
    are upcast), without dropout, key/value caches or padding masks.

CLI (ids are int64 [B, T]; logits.<k> float32 [B, T, V] for k = 1..N; metadata: arch, depths):
  python3 tests/python/hf_reference.py write --arch gpt2|llama|qwen2|mistral [--dtype fp32|fp16|bf16]
      [--shards N] [--seed S] [--with-buffers] [--no-prefix] --out DIR [--reference FILE]
      [--batch 2] [--seq 12]
  python3 tests/python/hf_reference.py logits --checkpoint DIR --ids FILE --out FILE
  python3 tests/python/hf_reference.py compare A B [--tol 1e-4] [--common]
      (--common: only the depths both have, e.g. a depth-k export against the full model)
Its self-check is tests/python/test_hf_reference.py.
"""
import argparse
import json
import math
import os
import re
import struct
import sys

import torch

# ----------------------------------------------------------------------------------------------
# safetensors (https://huggingface.co/docs/safetensors, "Format")

ST_DTYPES = {
    "F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
    "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8,
    "U8": torch.uint8, "BOOL": torch.bool,
}
ST_NAMES = {v: k for k, v in ST_DTYPES.items()}
# The bytes of a dtype as an integer dtype of the same width (numpy has no bfloat16).
_SAME_WIDTH_INT = {torch.bfloat16: torch.int16, torch.float16: torch.int16}

DTYPE_ARG = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}
TORCH_DTYPE_NAME = {torch.float32: "float32", torch.float16: "float16", torch.bfloat16: "bfloat16"}

assert sys.byteorder == "little", "this reader / writer assumes a little-endian machine"


def tensor_bytes(t):
    """The raw little-endian C-order bytes of a CPU tensor."""
    t = t.detach().cpu().contiguous()
    if t.dtype in _SAME_WIDTH_INT:
        t = t.view(_SAME_WIDTH_INT[t.dtype])
    return t.numpy().tobytes()


def write_safetensors(path, tensors, metadata=None):
    """tensors: {name: tensor} (or pairs). The data are laid out like the Rust library does:
    sorted by item size (largest first, stable), no padding between tensors; the JSON header is
    padded with spaces to a multiple of 8 bytes so the data start aligned."""
    items = list(tensors.items()) if isinstance(tensors, dict) else list(tensors)
    names = [n for n, _ in items]
    assert len(set(names)) == len(names), "duplicate tensor names"
    items.sort(key=lambda nt: -nt[1].element_size())
    header, chunks, at = {}, [], 0
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name, t in items:
        if t.dtype not in ST_NAMES:
            raise ValueError(f"{name}: dtype {t.dtype} has no safetensors name")
        b = tensor_bytes(t)
        header[name] = {"dtype": ST_NAMES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [at, at + len(b)]}
        chunks.append(b)
        at += len(b)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * (-len(h) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in chunks:
            f.write(b)
    os.replace(tmp, path)


def read_safetensors(path):
    """-> ({name: tensor} in file order, metadata dict). Checks the header length, that the header
    is a JSON object, dtypes / shapes / offsets agree, and the offsets tile the buffer exactly."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"{path}: shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", data[:8])
    if 8 + n > len(data):
        raise ValueError(f"{path}: header length {n} runs past the end of the file")
    header = json.loads(data[8:8 + n].decode("utf-8"))
    if not isinstance(header, dict):
        raise ValueError(f"{path}: header is not a JSON object")
    buffer = memoryview(data)[8 + n:]
    metadata = header.pop("__metadata__", None) or {}
    tensors, spans = {}, []
    for name, info in header.items():
        if info["dtype"] not in ST_DTYPES:
            raise ValueError(f"{path}: {name}: unsupported dtype {info['dtype']}")
        dtype = ST_DTYPES[info["dtype"]]
        shape = [int(s) for s in info["shape"]]
        begin, end = (int(x) for x in info["data_offsets"])
        count = math.prod(shape)
        itemsize = torch.empty((), dtype=dtype).element_size()
        if end - begin != count * itemsize or begin < 0 or end > len(buffer):
            raise ValueError(f"{path}: {name}: data_offsets {begin, end} do not fit shape "
                             f"{shape} x {info['dtype']} in a {len(buffer)}-byte buffer")
        if count:
            t = torch.frombuffer(bytearray(buffer[begin:end]), dtype=dtype).reshape(shape)
        else:
            t = torch.empty(shape, dtype=dtype)
        tensors[name] = t
        spans.append((begin, end, name))
    at = 0
    for begin, end, name in sorted(spans):
        if begin != at:
            raise ValueError(f"{path}: {name}: hole or overlap in the byte buffer at {at}")
        at = end
    if at != len(buffer):
        raise ValueError(f"{path}: {len(buffer) - at} bytes after the last tensor")
    order = {name: begin for begin, _, name in spans}
    return dict(sorted(tensors.items(), key=lambda kv: order[kv[0]])), metadata


# ----------------------------------------------------------------------------------------------
# Hugging Face folders

SINGLE_FILE = "model.safetensors"
INDEX_FILE = "model.safetensors.index.json"


def shard_name(i, n):
    return f"model-{i:05d}-of-{n:05d}.safetensors"


def save_tensors(out_dir, tensors, shards=1):
    """Writes {name: tensor} as save_pretrained does: one model.safetensors, or `shards` files
    model-0000i-of-0000n.safetensors (contiguous runs of the state dict of about equal size) and
    model.safetensors.index.json {"metadata": {"total_size": bytes of all tensors}, "weight_map":
    {name: file}} (keys sorted, indent 2). Every file carries metadata {"format": "pt"}."""
    os.makedirs(out_dir, exist_ok=True)
    items = list(tensors.items())
    if shards <= 1:
        write_safetensors(os.path.join(out_dir, SINGLE_FILE), items, {"format": "pt"})
        return
    if shards > len(items):
        raise ValueError(f"{shards} shards for {len(items)} tensors")
    total = sum(t.numel() * t.element_size() for _, t in items)
    groups, at, acc = [[] for _ in range(shards)], 0, 0
    for i, (name, t) in enumerate(items):
        # Move on once this shard has its share, keeping one tensor for each shard still to come.
        left = len(items) - i
        if at < shards - 1 and groups[at] and (acc >= total * (at + 1) / shards or left <= shards - 1 - at):
            at += 1
        groups[at].append((name, t))
        acc += t.numel() * t.element_size()
    weight_map = {}
    for i, group in enumerate(groups):
        fname = shard_name(i + 1, shards)
        write_safetensors(os.path.join(out_dir, fname), group, {"format": "pt"})
        for name, _ in group:
            weight_map[name] = fname
    index = {"metadata": {"total_size": total}, "weight_map": weight_map}
    with open(os.path.join(out_dir, INDEX_FILE), "w") as f:
        f.write(json.dumps(index, indent=2, sort_keys=True) + "\n")


def load_checkpoint(ckpt_dir):
    """-> (config dict, {name: tensor}) from a Hugging Face folder. With an index file, every shard
    it names is read, and each tensor must sit in the file the weight_map names."""
    with open(os.path.join(ckpt_dir, "config.json")) as f:
        config = json.load(f)
    index_path = os.path.join(ckpt_dir, INDEX_FILE)
    tensors = {}
    if os.path.exists(index_path):
        with open(index_path) as f:
            weight_map = json.load(f)["weight_map"]
        for fname in sorted(set(weight_map.values())):
            part, _ = read_safetensors(os.path.join(ckpt_dir, fname))
            for name, t in part.items():
                if weight_map.get(name) != fname:
                    raise ValueError(f"{fname}: {name} is not mapped to this file in {INDEX_FILE}")
                tensors[name] = t
        missing = sorted(set(weight_map) - set(tensors))
        if missing:
            raise ValueError(f"{INDEX_FILE} names tensors no shard holds: {missing[:5]}")
    elif os.path.exists(os.path.join(ckpt_dir, SINGLE_FILE)):
        tensors, _ = read_safetensors(os.path.join(ckpt_dir, SINGLE_FILE))
    else:
        raise FileNotFoundError(f"{ckpt_dir}: neither {SINGLE_FILE} nor {INDEX_FILE}")
    return config, tensors


# ----------------------------------------------------------------------------------------------
# Tiny random checkpoints

DEFAULT_SIZES = {
    "gpt2": dict(vocab_size=97, n_positions=32, n_embd=32, n_layer=3, n_head=4, n_inner=None),
    "llama": dict(vocab_size=101, hidden_size=48, intermediate_size=80, num_hidden_layers=4,
                  num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
                  rms_norm_eps=1e-5, rope_theta=500000.0, attention_bias=False,
                  tie_word_embeddings=False, rope_scaling=None),
    "qwen2": dict(vocab_size=103, hidden_size=32, intermediate_size=64, num_hidden_layers=3,
                  num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
                  rms_norm_eps=1e-6, rope_theta=1000000.0, tie_word_embeddings=True,
                  rope_scaling=None),
    "mistral": dict(vocab_size=99, hidden_size=32, intermediate_size=56, num_hidden_layers=3,
                    num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
                    rms_norm_eps=1e-5, rope_theta=1000000.0, tie_word_embeddings=False,
                    sliding_window=None),
}
DEFAULT_DTYPE = {"gpt2": "fp32", "llama": "bf16", "qwen2": "bf16", "mistral": "bf16"}


def _gpt2_config(s, dtype):
    return {
        "_name_or_path": "lpa-tiny-gpt2", "architectures": ["GPT2LMHeadModel"],
        "model_type": "gpt2", "activation_function": "gelu_new", "attn_pdrop": 0.1,
        "bos_token_id": s["vocab_size"] - 1, "eos_token_id": s["vocab_size"] - 1,
        "embd_pdrop": 0.1, "initializer_range": 0.02, "layer_norm_epsilon": 1e-5,
        "n_ctx": s["n_positions"], "n_embd": s["n_embd"], "n_head": s["n_head"],
        "n_inner": s["n_inner"], "n_layer": s["n_layer"], "n_positions": s["n_positions"],
        "reorder_and_upcast_attn": False, "resid_pdrop": 0.1, "scale_attn_by_inverse_layer_idx": False,
        "scale_attn_weights": True, "summary_activation": None, "summary_first_dropout": 0.1,
        "summary_proj_to_labels": True, "summary_type": "cls_index", "summary_use_proj": True,
        "tie_word_embeddings": True, "torch_dtype": TORCH_DTYPE_NAME[dtype],
        "transformers_version": "4.44.0", "use_cache": True, "vocab_size": s["vocab_size"],
    }


def _llama_like_config(arch, s, dtype):
    h, nh = s["hidden_size"], s["num_attention_heads"]
    c = {
        "_name_or_path": f"lpa-tiny-{arch}",
        "architectures": [{"llama": "LlamaForCausalLM", "qwen2": "Qwen2ForCausalLM",
                           "mistral": "MistralForCausalLM"}[arch]],
        "model_type": arch, "attention_dropout": 0.0, "bos_token_id": 1, "eos_token_id": 2,
        "hidden_act": "silu", "hidden_size": h, "initializer_range": 0.02,
        "intermediate_size": s["intermediate_size"],
        "max_position_embeddings": s["max_position_embeddings"],
        "num_attention_heads": nh, "num_hidden_layers": s["num_hidden_layers"],
        "num_key_value_heads": s["num_key_value_heads"], "rms_norm_eps": s["rms_norm_eps"],
        "rope_theta": s["rope_theta"], "tie_word_embeddings": s["tie_word_embeddings"],
        "torch_dtype": TORCH_DTYPE_NAME[dtype], "transformers_version": "4.44.0",
        "use_cache": True, "vocab_size": s["vocab_size"],
    }
    if arch == "llama":
        c.update({"attention_bias": s["attention_bias"], "head_dim": s.get("head_dim", h // nh),
                  "mlp_bias": False, "pretraining_tp": 1, "rope_scaling": s["rope_scaling"]})
    elif arch == "qwen2":
        c.update({"rope_scaling": s["rope_scaling"], "use_sliding_window": False,
                  "sliding_window": 32768, "max_window_layers": s["num_hidden_layers"],
                  "bos_token_id": s["vocab_size"] - 2, "eos_token_id": s["vocab_size"] - 1})
    else:
        c.update({"sliding_window": s["sliding_window"]})
    return c


def tensor_spec(arch, config):
    """[(name, shape, kind, fan_in)] in the state-dict order of the Hugging Face module, for the
    config; kind is "embed", "pos", "proj", "norm", "bias" or "head". Biases that the config
    leaves optional (Llama's attention_bias, mlp_bias) are listed when the config enables them."""
    spec = []

    def add(name, shape, kind, fan_in=None):
        spec.append((name, list(shape), kind, fan_in))

    if arch == "gpt2":
        e, v, p = config["n_embd"], config["vocab_size"], config["n_positions"]
        inner = config.get("n_inner") or 4 * e
        add("transformer.wte.weight", (v, e), "embed")
        add("transformer.wpe.weight", (p, e), "pos")
        for i in range(config["n_layer"]):
            pre = f"transformer.h.{i}."
            add(pre + "ln_1.weight", (e,), "norm")
            add(pre + "ln_1.bias", (e,), "bias")
            add(pre + "attn.c_attn.weight", (e, 3 * e), "proj", e)  # Conv1D: [in, out]
            add(pre + "attn.c_attn.bias", (3 * e,), "bias")
            add(pre + "attn.c_proj.weight", (e, e), "proj", e)
            add(pre + "attn.c_proj.bias", (e,), "bias")
            add(pre + "ln_2.weight", (e,), "norm")
            add(pre + "ln_2.bias", (e,), "bias")
            add(pre + "mlp.c_fc.weight", (e, inner), "proj", e)
            add(pre + "mlp.c_fc.bias", (inner,), "bias")
            add(pre + "mlp.c_proj.weight", (inner, e), "proj", inner)
            add(pre + "mlp.c_proj.bias", (e,), "bias")
        add("transformer.ln_f.weight", (e,), "norm")
        add("transformer.ln_f.bias", (e,), "bias")
        if not config.get("tie_word_embeddings", True):
            add("lm_head.weight", (v, e), "head")
        return spec
    h, v, f = config["hidden_size"], config["vocab_size"], config["intermediate_size"]
    nh = config["num_attention_heads"]
    nkv = config.get("num_key_value_heads") or nh
    d = config.get("head_dim") or h // nh
    qkv_bias = arch == "qwen2" or config.get("attention_bias", False)
    o_bias = arch != "qwen2" and config.get("attention_bias", False)
    mlp_bias = config.get("mlp_bias", False)
    add("model.embed_tokens.weight", (v, h), "embed")
    for i in range(config["num_hidden_layers"]):
        pre = f"model.layers.{i}."
        for name, out in (("q_proj", nh * d), ("k_proj", nkv * d), ("v_proj", nkv * d)):
            add(pre + f"self_attn.{name}.weight", (out, h), "proj", h)  # nn.Linear: [out, in]
            if qkv_bias:
                add(pre + f"self_attn.{name}.bias", (out,), "bias")
        add(pre + "self_attn.o_proj.weight", (h, nh * d), "proj", nh * d)
        if o_bias:
            add(pre + "self_attn.o_proj.bias", (h,), "bias")
        for name, shape, fan_in in (("gate_proj", (f, h), h), ("up_proj", (f, h), h), ("down_proj", (h, f), f)):
            add(pre + f"mlp.{name}.weight", shape, "proj", fan_in)
            if mlp_bias:
                add(pre + f"mlp.{name}.bias", shape[:1], "bias")
        add(pre + "input_layernorm.weight", (h,), "norm")
        add(pre + "post_attention_layernorm.weight", (h,), "norm")
    add("model.norm.weight", (h,), "norm")
    if not config.get("tie_word_embeddings", False):
        add("lm_head.weight", (v, h), "head")
    return spec


def _random_tensors(arch, config, gen, init="test"):
    """{name: float32 tensor}. init "test": scales keep the residual stream O(1) and every block
    visible in the logits; norm weights are 1 + noise and all biases are non-zero, so a dropped or
    wrongly applied one shows. init "gpt2": GPT-2's own initialisation (N(0, 0.02) weights, zero
    biases, unit norms), a realistic start for fine-tuning a model from scratch."""
    out = {}
    if init == "gpt2":
        for name, shape, kind, fan_in in tensor_spec(arch, config):
            if kind == "norm":
                out[name] = torch.ones(*shape)
            elif kind == "bias" or name.endswith(".bias"):
                out[name] = torch.zeros(*shape)
            else:
                out[name] = torch.randn(*shape, generator=gen) * 0.02
        return out
    std = {"embed": 0.5, "pos": 0.2, "norm": 0.2, "head": 0.5,
           "bias": 0.1 if arch == "gpt2" else 0.2}
    for name, shape, kind, fan_in in tensor_spec(arch, config):
        s = 0.8 / math.sqrt(fan_in) if kind == "proj" else std[kind]
        x = torch.randn(*shape, generator=gen) * s
        out[name] = 1.0 + x if kind == "norm" else x
    return out


def write_checkpoint(out_dir, arch, *, dtype=None, shards=1, seed=0, with_buffers=False,
                     no_prefix=False, init="test", **sizes):
    """Writes config.json and the weights of a tiny random `arch` model into out_dir; returns the
    config. dtype: "fp32" | "fp16" | "bf16" (default: fp32 for gpt2, bf16 otherwise); the values are
    drawn in float32 from `seed` and then rounded, so the same seed gives the same model in every
    dtype and shard count. sizes override DEFAULT_SIZES[arch] (config keys).
    gpt2 only: with_buffers adds the attn.bias ([1, 1, n_positions, n_positions] causal 0/1) and
    attn.masked_bias (scalar -1e4) buffers older transformers saved; no_prefix drops the
    "transformer." prefix, as in the original openai-community/gpt2 files."""
    if arch not in DEFAULT_SIZES:
        raise ValueError(f"unknown arch {arch!r}; known: {sorted(DEFAULT_SIZES)}")
    unknown = set(sizes) - set(DEFAULT_SIZES[arch]) - {"head_dim"}
    if unknown:
        raise ValueError(f"{arch}: unknown size keys {sorted(unknown)}")
    if arch != "gpt2" and (with_buffers or no_prefix):
        raise ValueError("with_buffers / no_prefix are gpt2 variants")
    s = dict(DEFAULT_SIZES[arch], **sizes)
    torch_dtype = DTYPE_ARG[dtype or DEFAULT_DTYPE[arch]]
    config = _gpt2_config(s, torch_dtype) if arch == "gpt2" else _llama_like_config(arch, s, torch_dtype)
    gen = torch.Generator().manual_seed(seed)
    tensors = {k: v.to(torch_dtype) for k, v in _random_tensors(arch, config, gen, init).items()}
    if arch == "gpt2" and with_buffers:
        p = config["n_positions"]
        causal = torch.tril(torch.ones(p, p)).view(1, 1, p, p).to(torch_dtype)
        out = {}
        for name, t in tensors.items():
            out[name] = t
            m = re.match(r"transformer\.h\.(\d+)\.attn\.c_proj\.bias$", name)
            if m:
                out[f"transformer.h.{m.group(1)}.attn.bias"] = causal.clone()
                out[f"transformer.h.{m.group(1)}.attn.masked_bias"] = torch.tensor(-1e4).to(torch_dtype)
        tensors = out
    if no_prefix:
        tensors = {k[len("transformer."):]: v for k, v in tensors.items()}
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        f.write(json.dumps(config, indent=2, sort_keys=True) + "\n")
    save_tensors(out_dir, tensors, shards)
    return config


# ----------------------------------------------------------------------------------------------
# The reference forward

def _act(name):
    if name in ("gelu_new", "gelu_pytorch_tanh", "gelu_fast"):
        # modeling_gpt2 / activations.NewGELUActivation (gelu_fast is the same curve, rearranged)
        return lambda x: 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x.pow(3))))
    if name == "gelu":
        return lambda x: 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))
    if name in ("silu", "swish"):
        return lambda x: x * torch.sigmoid(x)
    if name == "relu":
        return torch.relu
    raise NotImplementedError(f"activation {name!r}")


def layer_norm(x, w, b, eps):
    mean = x.mean(-1, keepdim=True)
    var = (x - mean).pow(2).mean(-1, keepdim=True)  # biased, as nn.LayerNorm
    return (x - mean) / torch.sqrt(var + eps) * w + b


def rms_norm(x, w, eps):
    """LlamaRMSNorm / Qwen2RMSNorm: in float32, x * rsqrt(mean(x^2) + eps), then weight * x."""
    return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def causal_attention(q, k, v, scale):
    """q, k, v: [B, H, T, D] -> [B, H, T, D]; position t attends to 0..t."""
    t = q.shape[-2]
    scores = (q @ k.transpose(-1, -2)) * scale
    mask = torch.ones(t, t, dtype=torch.bool).triu(1)
    scores = scores.masked_fill(mask, float("-inf"))
    return torch.softmax(scores, dim=-1) @ v


def _normalize_names(arch, tensors):
    """Hugging Face also loads checkpoints of the base model (no "transformer." / "model." prefix)."""
    prefix = "transformer." if arch == "gpt2" else "model."
    out = {}
    for k, v in tensors.items():
        if not k.startswith(prefix) and not k.startswith("lm_head."):
            k = prefix + k
        out[k] = v
    return out


def model_arch(config):
    mt = config.get("model_type")
    if mt not in ("gpt2", "llama", "qwen2", "mistral"):
        raise NotImplementedError(f"model_type {mt!r}")
    return mt


def rope_inv_freq(config, head_dim):
    """inv_freq = 1 / theta^(arange(0, d, 2) / d), with the rope_scaling types "linear" and
    "llama3" of transformers' modeling_rope_utils."""
    theta = float(config.get("rope_theta", 10000.0))
    inv = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.int64).float() / head_dim))
    rs = config.get("rope_scaling")
    if not rs:
        return inv
    kind = rs.get("rope_type", rs.get("type"))
    if kind == "default":
        return inv
    if kind == "linear":
        return inv / float(rs["factor"])
    if kind == "llama3":
        factor, lo, hi = float(rs["factor"]), float(rs["low_freq_factor"]), float(rs["high_freq_factor"])
        old = float(rs["original_max_position_embeddings"])
        lo_wavelen, hi_wavelen = old / lo, old / hi
        wavelen = 2 * math.pi / inv
        scaled = torch.where(wavelen > lo_wavelen, inv / factor, inv)
        smooth = (old / wavelen - lo) / (hi - lo)
        smoothed = (1 - smooth) * scaled / factor + smooth * scaled
        medium = ~(wavelen < hi_wavelen) & ~(wavelen > lo_wavelen)
        return torch.where(medium, smoothed, scaled)
    raise NotImplementedError(f"rope_scaling type {kind!r}")


def rope_cos_sin(config, head_dim, positions):
    inv = rope_inv_freq(config, head_dim)
    freqs = positions.float()[:, None] * inv[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)  # [T, D]: the rotate_half layout
    return emb.cos(), emb.sin()


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def apply_rope(x, cos, sin):
    """x: [..., T, D]; cos / sin: [T, D]."""
    return x * cos + rotate_half(x) * sin


def repeat_kv(x, n_rep):
    """[B, KV, T, D] -> [B, KV * n_rep, T, D]; query head h uses key/value head h // n_rep."""
    b, kv, t, d = x.shape
    return x[:, :, None].expand(b, kv, n_rep, t, d).reshape(b, kv * n_rep, t, d)


def _linear(x, t, name):
    y = x @ t[name + ".weight"].t()
    if name + ".bias" in t:
        y = y + t[name + ".bias"]
    return y


def _gpt2_hidden(config, t, ids):
    e, nh = config["n_embd"], config["n_head"]
    d = e // nh
    eps = float(config.get("layer_norm_epsilon", 1e-5))
    act = _act(config.get("activation_function", "gelu_new"))
    b, tt = ids.shape
    if tt > config["n_positions"]:
        raise ValueError(f"{tt} tokens > n_positions {config['n_positions']}")
    x = t["transformer.wte.weight"][ids] + t["transformer.wpe.weight"][torch.arange(tt)]
    hidden = []
    for i in range(config["n_layer"]):
        p = f"transformer.h.{i}."
        a = layer_norm(x, t[p + "ln_1.weight"], t[p + "ln_1.bias"], eps)
        qkv = a @ t[p + "attn.c_attn.weight"] + t[p + "attn.c_attn.bias"]  # Conv1D: x @ W + b
        q, k, v = (z.view(b, tt, nh, d).transpose(1, 2) for z in qkv.split(e, dim=-1))
        scale = 1.0 / math.sqrt(d) if config.get("scale_attn_weights", True) else 1.0
        if config.get("scale_attn_by_inverse_layer_idx"):
            scale /= float(i + 1)
        o = causal_attention(q, k, v, scale).transpose(1, 2).reshape(b, tt, e)
        x = x + (o @ t[p + "attn.c_proj.weight"] + t[p + "attn.c_proj.bias"])
        m = layer_norm(x, t[p + "ln_2.weight"], t[p + "ln_2.bias"], eps)
        m = act(m @ t[p + "mlp.c_fc.weight"] + t[p + "mlp.c_fc.bias"])
        x = x + (m @ t[p + "mlp.c_proj.weight"] + t[p + "mlp.c_proj.bias"])
        hidden.append(x)
    w_f, b_f = t["transformer.ln_f.weight"], t["transformer.ln_f.bias"]
    head = t.get("lm_head.weight") if not config.get("tie_word_embeddings", True) else None
    head = t["transformer.wte.weight"] if head is None else head
    return hidden, lambda h: layer_norm(h, w_f, b_f, eps) @ head.t()


def _llama_hidden(arch, config, t, ids):
    h, nh = config["hidden_size"], config["num_attention_heads"]
    nkv = config.get("num_key_value_heads") or nh
    d = config.get("head_dim") or h // nh
    eps = float(config.get("rms_norm_eps", 1e-6))  # LlamaConfig / Qwen2Config / MistralConfig default
    act = _act(config.get("hidden_act", "silu"))
    b, tt = ids.shape
    window = None
    if arch == "mistral" or (arch == "qwen2" and config.get("use_sliding_window")):
        window = config.get("sliding_window")
    if window is not None and tt > window:
        raise NotImplementedError(f"{tt} tokens > sliding_window {window}")
    cos, sin = rope_cos_sin(config, d, torch.arange(tt))
    x = t["model.embed_tokens.weight"][ids]
    hidden = []
    for i in range(config["num_hidden_layers"]):
        p = f"model.layers.{i}."
        a = rms_norm(x, t[p + "input_layernorm.weight"], eps)
        q = _linear(a, t, p + "self_attn.q_proj").view(b, tt, nh, d).transpose(1, 2)
        k = _linear(a, t, p + "self_attn.k_proj").view(b, tt, nkv, d).transpose(1, 2)
        v = _linear(a, t, p + "self_attn.v_proj").view(b, tt, nkv, d).transpose(1, 2)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        k, v = repeat_kv(k, nh // nkv), repeat_kv(v, nh // nkv)
        o = causal_attention(q, k, v, 1.0 / math.sqrt(d)).transpose(1, 2).reshape(b, tt, nh * d)
        x = x + _linear(o, t, p + "self_attn.o_proj")
        m = rms_norm(x, t[p + "post_attention_layernorm.weight"], eps)
        m = act(_linear(m, t, p + "mlp.gate_proj")) * _linear(m, t, p + "mlp.up_proj")
        x = x + _linear(m, t, p + "mlp.down_proj")
        hidden.append(x)
    w_f = t["model.norm.weight"]
    if config.get("tie_word_embeddings", False):
        head = t["model.embed_tokens.weight"]
    elif "lm_head.weight" in t:
        head = t["lm_head.weight"]
    else:
        raise ValueError("tie_word_embeddings is false but there is no lm_head.weight")
    return hidden, lambda z: rms_norm(z, w_f, eps) @ head.t()


def check_shapes(config, tensors):
    """Raises on a missing tensor or a shape that disagrees with the config. Extra tensors (GPT-2's
    attn.bias / attn.masked_bias buffers, a rotary inv_freq) are ignored as Hugging Face does;
    an lm_head.weight in a tied model is ignored too (the embedding is the head)."""
    arch = model_arch(config)
    t = _normalize_names(arch, tensors)
    for name, shape, kind, _ in tensor_spec(arch, config):
        if kind == "bias" and arch != "gpt2" and name not in t:
            continue  # e.g. attention_bias missing from an old config: the file decides
        if name not in t:
            raise ValueError(f"missing tensor {name}")
        if list(t[name].shape) != shape:
            raise ValueError(f"{name}: shape {list(t[name].shape)}, config says {shape}")


def per_depth_logits_from(config, tensors, ids):
    """[B, T] int64 ids -> [logits at depth 1, ..., depth N], each float32 [B, T, V]."""
    arch = model_arch(config)
    check_shapes(config, tensors)
    t = {k: v.float() for k, v in _normalize_names(arch, tensors).items()}
    ids = torch.as_tensor(ids, dtype=torch.int64)
    if ids.dim() != 2:
        raise ValueError("ids must be [B, T]")
    with torch.no_grad():
        if arch == "gpt2":
            hidden, head = _gpt2_hidden(config, t, ids)
        else:
            hidden, head = _llama_hidden(arch, config, t, ids)
        return [head(x) for x in hidden]


def per_depth_logits(ckpt_dir, ids):
    config, tensors = load_checkpoint(ckpt_dir)
    return per_depth_logits_from(config, tensors, ids)


def random_ids(config, batch=2, seq=12, seed=1):
    vocab = config["vocab_size"]
    return torch.randint(0, vocab, (batch, seq), generator=torch.Generator().manual_seed(seed))


def write_reference(path, ckpt_dir, ids):
    config, tensors = load_checkpoint(ckpt_dir)
    logits = per_depth_logits_from(config, tensors, ids)
    out = {"ids": torch.as_tensor(ids, dtype=torch.int64)}
    for k, z in enumerate(logits, start=1):
        out[f"logits.{k}"] = z.float().contiguous()
    write_safetensors(path, out, {"arch": model_arch(config), "depths": str(len(logits))})
    return logits


# ----------------------------------------------------------------------------------------------
# CLI

def _main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("write", help="write a tiny random checkpoint (and its reference logits)")
    w.add_argument("--arch", required=True, choices=sorted(DEFAULT_SIZES))
    w.add_argument("--dtype", choices=sorted(DTYPE_ARG))
    w.add_argument("--shards", type=int, default=1)
    w.add_argument("--seed", type=int, default=0)
    w.add_argument("--with-buffers", action="store_true", help="gpt2: add attn.bias / attn.masked_bias")
    w.add_argument("--no-prefix", action="store_true", help="gpt2: names without 'transformer.'")
    w.add_argument("--out", required=True, help="checkpoint folder")
    w.add_argument("--reference", help="also write ids + logits.<k> here (safetensors)")
    w.add_argument("--batch", type=int, default=2)
    w.add_argument("--seq", type=int, default=12)
    w.add_argument("--size", action="append", default=[], metavar="KEY=INT",
                   help="override a config size, e.g. vocab_size=50257 (repeatable)")
    w.add_argument("--init", choices=["test", "gpt2"], default="test",
                   help="test: scales that make every piece visible in the logits; gpt2: GPT-2's own init")
    w.add_argument("--rope-scaling", metavar="JSON",
                   help='llama family: config.json\'s rope_scaling, e.g. {"rope_type": "llama3", ...}')
    l = sub.add_parser("logits", help="reference logits of any Hugging Face folder")
    l.add_argument("--checkpoint", required=True)
    l.add_argument("--ids", required=True, help="safetensors file with an int64 'ids' [B, T]")
    l.add_argument("--out", required=True)
    c = sub.add_parser("compare", help="max abs diff of logits.<k> between two files")
    c.add_argument("a")
    c.add_argument("b")
    c.add_argument("--tol", type=float, default=1e-4)
    c.add_argument("--common", action="store_true",
                   help="compare the depths both files have (e.g. a depth-k export vs the full model)")
    a = ap.parse_args(argv)
    if a.cmd == "write":
        sizes = {}
        for item in a.size:
            key, _, value = item.partition("=")
            sizes[key] = int(value)
        if a.rope_scaling:
            sizes["rope_scaling"] = json.loads(a.rope_scaling)
        config = write_checkpoint(a.out, a.arch, dtype=a.dtype, shards=a.shards, seed=a.seed,
                                  with_buffers=a.with_buffers, no_prefix=a.no_prefix, init=a.init, **sizes)
        if a.reference:
            write_reference(a.reference, a.out, random_ids(config, a.batch, a.seq, seed=a.seed + 1))
        return 0
    if a.cmd == "logits":
        tensors, _ = read_safetensors(a.ids)
        write_reference(a.out, a.checkpoint, tensors["ids"])
        return 0
    ta, _ = read_safetensors(a.a)
    tb, _ = read_safetensors(a.b)
    if "ids" in ta and "ids" in tb and not torch.equal(ta["ids"], tb["ids"]):
        print("ids differ")
        return 1
    ka = sorted(k for k in ta if k.startswith("logits."))
    kb = sorted(k for k in tb if k.startswith("logits."))
    if a.common:
        ka = kb = sorted(set(ka) & set(kb))
    if ka != kb or not ka:
        print(f"different depths: {ka} vs {kb}")
        return 1
    worst = 0.0
    for k in sorted(ka, key=lambda s: int(s.split(".")[1])):
        d = (ta[k].float() - tb[k].float()).abs().max().item()
        worst = max(worst, d)
        print(f"{k}: max abs diff {d:.3g}")
    return 0 if worst <= a.tol else 1


if __name__ == "__main__":
    sys.exit(_main())
