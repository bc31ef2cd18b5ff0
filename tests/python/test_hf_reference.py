#!/usr/bin/env python3
"""Self-check of tests/python/hf_reference.py, the yardstick lpa's Hugging Face loader is held to.

A wrong reference would make a wrong loader pass, so this checks the reference against things
that do not share its code:
  * safetensors: bytes of a hand-built file; a round trip of every dtype (BF16 / F16 bit-exact,
    NaN / inf / -0 patterns included), scalars and empty tensors; header alignment; bad files
    are refused;
  * checkpoints: sharded (3 files + index.json, weight_map and total_size as save_pretrained
    writes them) == single file; fp16 / bf16 files == the fp32 file rounded; tied heads leave
    lm_head.weight out; GPT-2 buffers (attn.bias, attn.masked_bias) and base-model names
    (no "transformer." prefix) load to the same logits;
  * the forward: a second, independent implementation (per head and per query position in
    Python loops, torch.nn.functional layer_norm / gelu(tanh) / silu / linear, RoPE as complex
    multiplication of (x_i, x_{i+d/2}) pairs, GQA by indexing kv head h // n_rep) agrees at every
    depth for gpt2, llama (GQA, rope_theta 5e5), qwen2 (q/k/v biases, tied) and mistral;
  * GQA: kv heads repeated into a num_key_value_heads == num_attention_heads model give the same
    logits; repeating them in the other order (tile) does not;
  * causality: logits at positions <= t ignore later tokens and do change with earlier ones;
  * RoPE: position 0 is the identity, q_m . k_n depends only on m - n, llama3 / linear scaling;
  * sensitivity: dropping a bias, the tied head's identity, or one block changes the logits;
  * the CLI: write (sharded fp16 gpt2 with buffers) + logits + compare round-trip exactly.
Run by ctest (tests/CMakeLists.txt) as `python3 test_hf_reference.py --lpa PATH` (--lpa unused).
Exit 77 (ctest: skipped) when torch cannot be imported, unless LPA_REQUIRE_ALL=1.
"""
import argparse
import json
import math
import os
import struct
import subprocess
import sys
import tempfile
import time

REQUIRE_ALL = os.environ.get("LPA_REQUIRE_ALL") == "1"

try:
    import torch
    import torch.nn.functional as F
except ImportError as e:  # pragma: no cover - depends on the machine
    if REQUIRE_ALL:  # CI: a skip is a failure
        print(f"FAILED: cannot import torch ({e}) and LPA_REQUIRE_ALL=1", file=sys.stderr)
        sys.exit(1)
    print(f"SKIP: cannot import torch ({e}); install python3-torch", file=sys.stderr)
    sys.exit(77)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import hf_reference as H  # noqa: E402

ARCHS = ("gpt2", "llama", "qwen2", "mistral")


def bits(t):
    """A tensor's bit pattern (as an integer tensor), to compare floats bit-exactly."""
    t = t.contiguous()
    if t.is_floating_point():
        return t.view({8: torch.int64, 4: torch.int32, 2: torch.int16}[t.element_size()])
    return t


def same_bits(a, b):
    return a.dtype == b.dtype and a.shape == b.shape and torch.equal(bits(a), bits(b))


def max_diff(xs, ys):
    assert len(xs) == len(ys), f"{len(xs)} vs {len(ys)} depths"
    return max((x - y).abs().max().item() for x, y in zip(xs, ys))


# ----------------------------------------------------------------------------------------------
# safetensors


def check_safetensors(work):
    # A file built by hand from the format's description.
    path = os.path.join(work, "hand.safetensors")
    H.write_safetensors(path, {"a": torch.tensor([1.0, -2.0]), "b": torch.tensor([[7]], dtype=torch.int16)},
                        {"k": "v"})
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    assert n % 8 == 0 and raw[8:9] == b"{", "header not padded to 8 bytes / not a JSON object"
    header = json.loads(raw[8:8 + n])
    assert header == {"__metadata__": {"k": "v"},
                      "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                      "b": {"dtype": "I16", "shape": [1, 1], "data_offsets": [8, 10]}}, header
    assert raw[8 + n:] == struct.pack("<ff", 1.0, -2.0) + struct.pack("<h", 7)

    # Every dtype; special float bit patterns; scalar and empty shapes.
    g = torch.Generator().manual_seed(3)
    special = torch.tensor([0.0, -0.0, float("inf"), float("-inf"), float("nan"), 1e-40, 65504.0, -3.5])
    tensors = {}
    for dt in (torch.float64, torch.float32, torch.float16, torch.bfloat16):
        tensors[f"x_{dt}"] = torch.cat([special, torch.randn(37, generator=g)]).to(dt).view(5, 9)
    # A bf16 NaN with a payload survives only a bitwise copy.
    tensors["bf16_payload_nan"] = torch.tensor([0x7FC1, -0x0040, 0x0001], dtype=torch.int16).view(torch.bfloat16)
    for dt in (torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8):
        info = torch.iinfo(dt)
        tensors[f"i_{dt}"] = torch.tensor([info.min, info.max, 0, 1], dtype=dt).view(2, 2)
    tensors["bool"] = torch.tensor([[True, False, True]])
    tensors["scalar"] = torch.tensor(-1e4)
    tensors["empty"] = torch.empty(0, 3, dtype=torch.bfloat16)
    path = os.path.join(work, "all.safetensors")
    H.write_safetensors(path, tensors, {"format": "pt"})
    back, meta = H.read_safetensors(path)
    assert meta == {"format": "pt"}, meta
    assert set(back) == set(tensors), set(back) ^ set(tensors)
    for k, t in tensors.items():
        assert same_bits(back[k], t), f"{k}: round trip not bit-exact"
    # Data sorted by item size, as the Rust library writes them (8-byte ones first).
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    sizes = [torch.empty((), dtype=H.ST_DTYPES[v["dtype"]]).element_size()
             for _, v in sorted(((v["data_offsets"][0], v) for k, v in header.items() if k != "__metadata__"),
                                key=lambda x: x[0])]
    assert sizes == sorted(sizes, reverse=True), sizes

    # Refused: truncated data, a header length past the end, a hole.
    for name, data in (("short", raw[:-1]), ("long_header", struct.pack("<Q", 10 ** 9) + raw[8:]),
                       ("hole", _with_hole())):
        bad = os.path.join(work, f"bad_{name}.safetensors")
        with open(bad, "wb") as f:
            f.write(data)
        try:
            H.read_safetensors(bad)
        except ValueError:
            continue
        raise AssertionError(f"a {name} file was accepted")
    return f"{len(tensors)} tensors, every dtype bit-exact"


def _with_hole():
    h = json.dumps({"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}).encode()
    return struct.pack("<Q", len(h)) + h + b"\0" * 8


# ----------------------------------------------------------------------------------------------
# checkpoints


def check_checkpoints(work):
    notes = []
    for arch in ARCHS:
        single = os.path.join(work, f"{arch}_1")
        sharded = os.path.join(work, f"{arch}_3")
        cfg1 = H.write_checkpoint(single, arch, dtype="fp32", seed=5)
        cfg3 = H.write_checkpoint(sharded, arch, dtype="fp32", seed=5, shards=3)
        assert cfg1 == cfg3
        c1, t1 = H.load_checkpoint(single)
        c3, t3 = H.load_checkpoint(sharded)
        assert c1 == c3 == cfg1
        assert list(t1) == sorted(t1, key=list(t1).index) and set(t1) == set(t3)
        for k in t1:
            assert same_bits(t1[k], t3[k]), f"{arch}: {k} differs between sharded and single"
        files = sorted(os.listdir(sharded))
        want = ["config.json", H.INDEX_FILE] + [H.shard_name(i, 3) for i in (1, 2, 3)]
        assert files == sorted(want), files
        index = json.load(open(os.path.join(sharded, H.INDEX_FILE)))
        assert set(index) == {"metadata", "weight_map"}
        assert index["metadata"]["total_size"] == sum(t.numel() * 4 for t in t1.values())
        assert set(index["weight_map"]) == set(t1)
        assert set(index["weight_map"].values()) == {H.shard_name(i, 3) for i in (1, 2, 3)}
        for i in (1, 2, 3):
            part, meta = H.read_safetensors(os.path.join(sharded, H.shard_name(i, 3)))
            assert meta == {"format": "pt"}
            assert set(part) == {k for k, v in index["weight_map"].items() if v == H.shard_name(i, 3)}
        # Names and config keys.
        H.check_shapes(c1, t1)
        tied = c1["tie_word_embeddings"]
        assert ("lm_head.weight" in t1) == (not tied), f"{arch}: lm_head.weight with tied={tied}"
        if arch == "gpt2":
            assert tied and c1["architectures"] == ["GPT2LMHeadModel"] and c1["n_inner"] is None
            assert list(t1["transformer.h.0.attn.c_attn.weight"].shape) == [c1["n_embd"], 3 * c1["n_embd"]]
            assert list(t1["transformer.h.0.mlp.c_fc.weight"].shape) == [c1["n_embd"], 4 * c1["n_embd"]]
        else:
            assert c1["num_key_value_heads"] < c1["num_attention_heads"]
            has_qkv_bias = "model.layers.0.self_attn.q_proj.bias" in t1
            assert has_qkv_bias == (arch == "qwen2"), f"{arch}: q_proj.bias {has_qkv_bias}"
            assert "model.layers.0.self_attn.o_proj.bias" not in t1
        if arch == "llama":
            assert c1["rope_theta"] == 500000.0 and c1["rope_scaling"] is None and not tied
            assert c1["attention_bias"] is False and c1["hidden_act"] == "silu"
        if arch == "qwen2":
            assert c1["rope_theta"] == 1000000.0 and tied
        # Biases non-zero, norm weights not all one: a dropped one would show.
        for k, t in t1.items():
            if k.endswith(".bias"):
                assert t.abs().min() > 0 or t.numel() > 8 and (t != 0).float().mean() > 0.9, k
            if ("norm" in k or "ln_" in k) and k.endswith(".weight"):
                assert (t - 1).abs().mean() > 0.05, f"{k}: norm weight too close to 1"

        # fp16 / bf16: the fp32 values rounded, same names, torch_dtype set.
        for dt in ("fp16", "bf16"):
            d = os.path.join(work, f"{arch}_{dt}")
            cfg = H.write_checkpoint(d, arch, dtype=dt, seed=5)
            assert cfg["torch_dtype"] == {"fp16": "float16", "bf16": "bfloat16"}[dt]
            _, td = H.load_checkpoint(d)
            assert set(td) == set(t1)
            for k in t1:
                assert same_bits(td[k], t1[k].to(H.DTYPE_ARG[dt])), f"{arch} {dt}: {k}"
        notes.append(f"{arch} {len(t1)}")
    # GPT-2 variants: buffers; base-model names; both; sharded fp16 with buffers.
    ids = torch.randint(0, 97, (2, 9), generator=torch.Generator().manual_seed(0))
    base = H.per_depth_logits(os.path.join(work, "gpt2_1"), ids)
    for kw in (dict(with_buffers=True), dict(no_prefix=True), dict(with_buffers=True, no_prefix=True)):
        d = os.path.join(work, "gpt2_" + "_".join(kw))
        H.write_checkpoint(d, "gpt2", dtype="fp32", seed=5, **kw)
        _, t = H.load_checkpoint(d)
        if kw.get("with_buffers"):
            k = [n for n in t if n.endswith(".attn.bias")]
            assert len(k) == 3 and list(t[k[0]].shape) == [1, 1, 32, 32], k
            assert torch.equal(t[k[0]][0, 0], torch.ones(32, 32).tril()), "attn.bias is not the causal mask"
            assert sum(n.endswith(".attn.masked_bias") and t[n].dim() == 0 for n in t) == 3
        if kw.get("no_prefix"):
            assert "wte.weight" in t and not any(n.startswith("transformer.") for n in t)
        assert max_diff(H.per_depth_logits(d, ids), base) == 0.0, kw
    return "tensors per arch: " + ", ".join(notes)


# ----------------------------------------------------------------------------------------------
# An independent second forward


def rope_complex(x, positions, inv_freq):
    """x: [T, D] for one head. Pairs (x_i, x_{i+D/2}) are complex numbers rotated by pos * f_i."""
    d = x.shape[-1] // 2
    z = torch.complex(x[:, :d].double(), x[:, d:].double())
    angle = positions.double()[:, None] * inv_freq.double()[None, :]
    z = z * torch.polar(torch.ones_like(angle), angle)
    return torch.cat([z.real, z.imag], dim=-1).float()


def loop_attention(q_heads, k_heads, v_heads, kv_of_head, scale):
    """Per head and per query position: softmax over keys 0..t of q_t . k_s * scale."""
    out = []
    for h, q in enumerate(q_heads):
        k, v = k_heads[kv_of_head(h)], v_heads[kv_of_head(h)]
        rows = []
        for t in range(q.shape[0]):
            w = torch.softmax(torch.stack([q[t] @ k[s] for s in range(t + 1)]) * scale, dim=0)
            rows.append(sum(w[s] * v[s] for s in range(t + 1)))
        out.append(torch.stack(rows))
    return torch.cat(out, dim=-1)  # [T, H * D]


def second_gpt2(config, t, seq):
    e, nh = config["n_embd"], config["n_head"]
    d = e // nh
    eps = config["layer_norm_epsilon"]
    w = {k: v.float() for k, v in t.items()}
    x = w["transformer.wte.weight"][seq] + w["transformer.wpe.weight"][: len(seq)]
    out = []
    for i in range(config["n_layer"]):
        p = f"transformer.h.{i}."
        a = F.layer_norm(x, (e,), w[p + "ln_1.weight"], w[p + "ln_1.bias"], eps)
        qkv = F.linear(a, w[p + "attn.c_attn.weight"].t(), w[p + "attn.c_attn.bias"])
        q, k, v = qkv[:, :e], qkv[:, e:2 * e], qkv[:, 2 * e:]
        split = lambda z: [z[:, j * d:(j + 1) * d] for j in range(nh)]  # noqa: E731
        o = loop_attention(split(q), split(k), split(v), lambda h: h, d ** -0.5)
        x = x + F.linear(o, w[p + "attn.c_proj.weight"].t(), w[p + "attn.c_proj.bias"])
        m = F.layer_norm(x, (e,), w[p + "ln_2.weight"], w[p + "ln_2.bias"], eps)
        m = F.gelu(F.linear(m, w[p + "mlp.c_fc.weight"].t(), w[p + "mlp.c_fc.bias"]), approximate="tanh")
        x = x + F.linear(m, w[p + "mlp.c_proj.weight"].t(), w[p + "mlp.c_proj.bias"])
        y = F.layer_norm(x, (e,), w["transformer.ln_f.weight"], w["transformer.ln_f.bias"], eps)
        out.append(F.linear(y, w["transformer.wte.weight"]))
    return out


def second_llama(config, t, seq):
    h, nh, nkv = config["hidden_size"], config["num_attention_heads"], config["num_key_value_heads"]
    d = h // nh
    eps = config["rms_norm_eps"]
    w = {k: v.float() for k, v in t.items()}
    inv_freq = torch.tensor([config["rope_theta"] ** (-2.0 * i / d) for i in range(d // 2)])
    pos = torch.arange(len(seq))

    def rms(x, weight):
        return weight * x / torch.sqrt((x * x).sum(-1, keepdim=True) / x.shape[-1] + eps)

    def lin(x, name):
        return F.linear(x, w[name + ".weight"], w.get(name + ".bias"))

    x = w["model.embed_tokens.weight"][seq]
    head = w["model.embed_tokens.weight"] if config["tie_word_embeddings"] else w["lm_head.weight"]
    out = []
    for i in range(config["num_hidden_layers"]):
        p = f"model.layers.{i}.self_attn."
        a = rms(x, w[f"model.layers.{i}.input_layernorm.weight"])
        q, k, v = lin(a, p + "q_proj"), lin(a, p + "k_proj"), lin(a, p + "v_proj")
        qh = [rope_complex(q[:, j * d:(j + 1) * d], pos, inv_freq) for j in range(nh)]
        kh = [rope_complex(k[:, j * d:(j + 1) * d], pos, inv_freq) for j in range(nkv)]
        vh = [v[:, j * d:(j + 1) * d] for j in range(nkv)]
        o = loop_attention(qh, kh, vh, lambda j: j // (nh // nkv), 1 / math.sqrt(d))
        x = x + lin(o, p + "o_proj")
        m = rms(x, w[f"model.layers.{i}.post_attention_layernorm.weight"])
        pm = f"model.layers.{i}.mlp."
        x = x + lin(F.silu(lin(m, pm + "gate_proj")) * lin(m, pm + "up_proj"), pm + "down_proj")
        out.append(F.linear(rms(x, w["model.norm.weight"]), head))
    return out


def check_second_forward(work):
    lines = []
    for arch in ARCHS:
        cfg, t = H.load_checkpoint(os.path.join(work, f"{arch}_bf16" if arch != "gpt2" else f"{arch}_1"))
        ids = H.random_ids(cfg, batch=2, seq=10, seed=11)
        ref = H.per_depth_logits_from(cfg, t, ids)
        second = second_gpt2 if arch == "gpt2" else second_llama
        with torch.no_grad():
            other = [torch.stack(z) for z in zip(*[second(cfg, t, ids[b]) for b in range(ids.shape[0])])]
        diff = max_diff(ref, other)
        assert diff < 2e-4, f"{arch}: reference vs second forward {diff:.3g}"
        assert all(torch.isfinite(z).all() for z in ref)
        spread = min((ref[k + 1] - ref[k]).abs().mean().item() for k in range(len(ref) - 1))
        assert spread > 0.1, f"{arch}: consecutive depths barely differ ({spread:.3g})"
        lines.append(f"{arch} {diff:.1g}")
    return "max abs diff " + ", ".join(lines)


# ----------------------------------------------------------------------------------------------
# Properties


def check_gqa(work):
    src = os.path.join(work, "llama_bf16")
    cfg, t = H.load_checkpoint(src)
    nh, nkv = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    d, rep = cfg["hidden_size"] // nh, nh // nkv
    ids = H.random_ids(cfg, seed=4)
    ref = H.per_depth_logits_from(cfg, t, ids)
    mha_cfg = dict(cfg, num_key_value_heads=nh)
    for order, expect_same in (("repeat", True), ("tile", False)):
        mha = dict(t)
        for k in t:
            if k.endswith(("k_proj.weight", "v_proj.weight")):
                blocks = t[k].view(nkv, d, -1)
                idx = [h // rep for h in range(nh)] if order == "repeat" else [h % nkv for h in range(nh)]
                mha[k] = blocks[idx].reshape(nh * d, -1)
        diff = max_diff(ref, H.per_depth_logits_from(mha_cfg, mha, ids))
        if expect_same:
            assert diff < 1e-5, f"GQA vs repeated-kv MHA: {diff:.3g}"
            same = diff
        else:
            assert diff > 1e-2, f"a tiled kv layout gives the same logits ({diff:.3g}): GQA untested"
    return f"repeated kv MHA diff {same:.1g}; tiled kv differs"


def check_causal(work):
    out = []
    for arch in ARCHS:
        cfg, t = H.load_checkpoint(os.path.join(work, f"{arch}_1"))
        ids = H.random_ids(cfg, batch=2, seq=12, seed=8)
        ref = H.per_depth_logits_from(cfg, t, ids)
        cut = 6
        changed = ids.clone()
        changed[:, cut + 1:] = (changed[:, cut + 1:] + 1 + torch.arange(12 - cut - 1)) % cfg["vocab_size"]
        other = H.per_depth_logits_from(cfg, t, changed)
        for a, b in zip(ref, other):
            assert torch.equal(a[:, : cut + 1], b[:, : cut + 1]) or (a[:, : cut + 1] - b[:, : cut + 1]).abs().max() < 1e-6, \
                f"{arch}: a later token changed an earlier position"
            assert (a[:, cut + 1:] - b[:, cut + 1:]).abs().max() > 1e-3
        # and an earlier token does change later positions (attention is not the identity)
        early = ids.clone()
        early[:, 0] = (early[:, 0] + 1) % cfg["vocab_size"]
        other = H.per_depth_logits_from(cfg, t, early)
        assert (ref[-1][:, 1:] - other[-1][:, 1:]).abs().max() > 1e-3, f"{arch}: no mixing over positions"
        out.append(arch)
    return ", ".join(out)


def check_rope():
    g = torch.Generator().manual_seed(2)
    d = 16
    cfg = {"rope_theta": 500000.0}
    q, k = torch.randn(d, generator=g), torch.randn(d, generator=g)
    cos, sin = H.rope_cos_sin(cfg, d, torch.arange(40))
    rq = H.apply_rope(q.expand(40, d), cos, sin)
    rk = H.apply_rope(k.expand(40, d), cos, sin)
    assert torch.allclose(rq[0], q) and torch.allclose(rk[0], k), "position 0 must leave q / k alone"
    for m, n, s in ((5, 2, 7), (3, 9, 20), (0, 0, 33)):
        a, b = rq[m] @ rk[n], rq[m + s] @ rk[n + s]
        assert abs(a - b) < 1e-4, f"q_{m}.k_{n} = {a:.6g} but q_{m + s}.k_{n + s} = {b:.6g}"
    assert abs(rq[5] @ rk[2] - rq[2] @ rk[5]) > 1e-4, "rotation has no direction"
    assert torch.allclose(rq.norm(dim=-1), q.norm().expand(40), atol=1e-5), "rotation changes norms"
    # layout: dims i and i + d/2 rotate together at frequency theta^(-2i/d)
    inv = H.rope_inv_freq(cfg, d)
    assert torch.allclose(inv, torch.tensor([500000.0 ** (-2 * i / d) for i in range(d // 2)]))
    assert torch.allclose(rq[7], rope_complex(q.expand(40, d), torch.arange(40), inv)[7], atol=1e-5)
    # scaling: linear divides every frequency; llama3 keeps high frequencies, divides low ones
    lin = H.rope_inv_freq(dict(cfg, rope_scaling={"rope_type": "linear", "factor": 4.0}), d)
    assert torch.allclose(lin, inv / 4)
    l3 = H.rope_inv_freq(dict(cfg, rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                                 "high_freq_factor": 4.0, "original_max_position_embeddings": 64}), d)
    wavelen = 2 * math.pi / inv
    assert torch.allclose(l3[wavelen < 16], inv[wavelen < 16]) and torch.allclose(l3[wavelen > 64], inv[wavelen > 64] / 8)
    mid = (wavelen >= 16) & (wavelen <= 64)
    assert ((l3[mid] < inv[mid]) & (l3[mid] > inv[mid] / 8)).all()
    return "identity at 0, relative, complex-pair layout, linear / llama3 scaling"


def check_sensitivity(work):
    cfg, t = H.load_checkpoint(os.path.join(work, "qwen2_bf16"))
    ids = H.random_ids(cfg, seed=6)
    ref = H.per_depth_logits_from(cfg, t, ids)
    found = []
    for name in ("model.layers.0.self_attn.q_proj.bias", "model.layers.0.self_attn.v_proj.bias"):
        cut = {k: v for k, v in t.items() if k != name}
        diff = max_diff(ref, H.per_depth_logits_from(cfg, cut, ids))
        assert diff > 1e-2, f"dropping {name} changes the logits by only {diff:.3g}"
        found.append(f"-{name.split('.')[-2]}.bias {diff:.2g}")
    # Tied: a stray lm_head.weight must not replace the embedding.
    stray = dict(t, **{"lm_head.weight": torch.zeros_like(t["model.embed_tokens.weight"])})
    assert max_diff(ref, H.per_depth_logits_from(cfg, stray, ids)) == 0.0
    # Untied llama: the head is lm_head, not the embedding.
    cl, tl = H.load_checkpoint(os.path.join(work, "llama_1"))
    ids = H.random_ids(cl, seed=6)
    tied = dict(tl, **{"lm_head.weight": tl["model.embed_tokens.weight"]})
    assert max_diff(H.per_depth_logits_from(cl, tl, ids), H.per_depth_logits_from(cl, tied, ids)) > 0.1
    # eps is read from the config (a large eps changes the result)
    big = dict(cl, rms_norm_eps=1.0)
    assert max_diff(H.per_depth_logits_from(cl, tl, ids), H.per_depth_logits_from(big, tl, ids)) > 1e-2
    # Missing tensors and wrong shapes are refused.
    for bad in ({k: v for k, v in tl.items() if k != "model.layers.1.mlp.up_proj.weight"},
                dict(tl, **{"model.norm.weight": torch.ones(3)})):
        try:
            H.per_depth_logits_from(cl, bad, ids)
        except ValueError:
            continue
        raise AssertionError("a broken checkpoint was accepted")
    return ", ".join(found) + "; tied / untied heads; eps; broken files refused"


def check_cli(work):
    script = os.path.join(HERE, "hf_reference.py")
    ck, ref, again = (os.path.join(work, n) for n in ("cli_ckpt", "cli_ref.safetensors", "cli_again.safetensors"))

    def run(*args):
        r = subprocess.run([sys.executable, script, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        return r.returncode, r.stdout

    rc, out = run("write", "--arch", "gpt2", "--dtype", "fp16", "--shards", "2", "--seed", "3",
                  "--with-buffers", "--out", ck, "--reference", ref)
    assert rc == 0, out
    t, meta = H.read_safetensors(ref)
    cfg, _ = H.load_checkpoint(ck)
    assert meta == {"arch": "gpt2", "depths": str(cfg["n_layer"])}, meta
    assert t["ids"].dtype == torch.int64 and list(t["ids"].shape) == [2, 12]
    assert sorted(t) == ["ids"] + [f"logits.{k}" for k in range(1, cfg["n_layer"] + 1)]
    assert all(t[f"logits.{k}"].dtype == torch.float32 and list(t[f"logits.{k}"].shape) == [2, 12, cfg["vocab_size"]]
               for k in range(1, cfg["n_layer"] + 1))
    assert max_diff([t[f"logits.{k}"] for k in range(1, 4)], H.per_depth_logits(ck, t["ids"])) == 0.0
    rc, out = run("logits", "--checkpoint", ck, "--ids", ref, "--out", again)
    assert rc == 0, out
    rc, out = run("compare", ref, again, "--tol", "0")
    assert rc == 0 and "logits.3: max abs diff 0" in out, out
    rc, out = run("compare", ref, os.path.join(work, "all.safetensors"))
    assert rc == 1, out
    # A depth-2 folder (what `lpa export` writes at depth 2: the first two blocks, n_layer 2)
    # gives the full model's logits.1 and logits.2.
    cut = os.path.join(work, "cli_depth2")
    cfg, tensors = H.load_checkpoint(ck)
    keep = {k: v for k, v in tensors.items() if not k.startswith("transformer.h.2.")}
    os.makedirs(cut)
    with open(os.path.join(cut, "config.json"), "w") as f:
        json.dump(dict(cfg, n_layer=2), f)
    H.save_tensors(cut, keep)
    cut_ref = os.path.join(work, "cli_depth2.safetensors")
    rc, out = run("logits", "--checkpoint", cut, "--ids", ref, "--out", cut_ref)
    assert rc == 0, out
    rc, out = run("compare", ref, cut_ref, "--tol", "0")
    assert rc == 1 and "different depths" in out, out
    rc, out = run("compare", ref, cut_ref, "--tol", "0", "--common")
    assert rc == 0 and "logits.2: max abs diff 0" in out and "logits.3" not in out, out
    return "write / logits / compare (--common on a depth-2 folder)"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lpa", help="ignored: this test needs only torch")
    ap.parse_args()
    torch.set_num_threads(1)
    failures = 0
    with tempfile.TemporaryDirectory(prefix="hf_reference_") as work:
        checks = [("safetensors", lambda: check_safetensors(work)),
                  ("checkpoints", lambda: check_checkpoints(work)),
                  ("second forward", lambda: check_second_forward(work)),
                  ("gqa", lambda: check_gqa(work)),
                  ("causal", lambda: check_causal(work)),
                  ("rope", check_rope),
                  ("sensitivity", lambda: check_sensitivity(work)),
                  ("cli", lambda: check_cli(work))]
        for name, fn in checks:
            start = time.time()
            try:
                print(f"ok   {name}: {fn()} ({time.time() - start:.1f} s)")
            except Exception as e:  # report every check, then fail
                failures += 1
                print(f"FAIL {name}: {type(e).__name__}: {e}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
