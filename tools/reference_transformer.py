#!/usr/bin/python3
"""Reference numbers for the transformer block's mechanisms (tests/data/transformer_reference.json).

Builds the modules of chapter 4 of Raschka's book in PyTorch (LayerNorm with scale and shift, GELU in
the tanh approximation, FeedForward, MultiHeadAttention, TransformerBlock, GPTModel), extended with
the switches the lessons turn (post-norm, no residuals, non-causal attention, ReLU, sinusoidal or no
positions, weight tying). Inputs and weights are drawn here and written into each case as a request
of the JSON contract (docs/api.md), in the math orientation (W = nn.Linear.weight transposed), with
the outputs PyTorch computes; tests/transformer_test.cpp sends each request to the core and compares
within 1e-5.

Run by hand (PyTorch is not a project dependency; Debian's python3-torch):
    /usr/bin/python3 tools/reference_transformer.py
"""
import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float32)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "transformer_reference.json")


from book_modules import FeedForward, GPTModel, LayerNorm, TransformerBlock, sinusoidal


# ---- writing the weights as the contract takes them ----

def rows(t):
    return t.detach().to(torch.float32).tolist()


def linear_w(layer):
    return rows(layer.weight.T)


def norm_json(norm):
    return {"scale": rows(norm.scale), "shift": rows(norm.shift)}


def ff_json(ff):
    first, last = ff.layers[0], ff.layers[2]
    return {"W1": linear_w(first), "b1": rows(first.bias), "W2": linear_w(last), "b2": rows(last.bias)}


def att_json(att):
    out = {"W_query": linear_w(att.W_query), "W_key": linear_w(att.W_key), "W_value": linear_w(att.W_value),
           "W_out": linear_w(att.out_proj), "b_out": rows(att.out_proj.bias)}
    if att.W_query.bias is not None:
        out.update(b_query=rows(att.W_query.bias), b_key=rows(att.W_key.bias), b_value=rows(att.W_value.bias))
    return out


def block_json(block):
    return {"att": att_json(block.att), "ff": ff_json(block.ff), "norm1": norm_json(block.norm1),
            "norm2": norm_json(block.norm2)}


def randomize_norms(module):
    """Layer norms start at scale 1, shift 0; other values test that both are used."""
    for m in module.modules():
        if isinstance(m, LayerNorm):
            with torch.no_grad():
                m.scale.copy_(1 + 0.3 * torch.randn_like(m.scale))
                m.shift.copy_(0.2 * torch.randn_like(m.shift))


cases = []


def case(name, request, expected):
    cases.append({"name": name, "request": request, "expected": expected})


@torch.no_grad()
def layer_norm_cases():
    torch.manual_seed(1)
    x = torch.randn(5, 6) * 3 + 1
    x[2] = 0.75  # a row of equal entries: variance 0, the output is shift exactly
    norm = LayerNorm(6)
    randomize_norms(norm)
    y = norm(x)
    torch_ln = nn.LayerNorm(6, eps=1e-5)
    torch_ln.weight.copy_(norm.scale)
    torch_ln.bias.copy_(norm.shift)
    assert torch.allclose(y, torch_ln(x), atol=1e-6)
    case("layer_norm", {"mechanism": "layer_norm", "inputs": rows(x), "weights": norm_json(norm), "steps": True},
         {"outputs": rows(y), "mean": rows(x.mean(-1)), "var": rows(x.var(-1, unbiased=False)),
          "steps": {"norm_x": rows((x - x.mean(-1, keepdim=True)) / torch.sqrt(x.var(-1, keepdim=True, unbiased=False) + 1e-5))}})
    x2 = torch.randn(4, 5)
    case("layer_norm_default_weights", {"mechanism": "layer_norm", "inputs": rows(x2)},
         {"outputs": rows(F.layer_norm(x2, (5,), eps=1e-5))})


@torch.no_grad()
def positional_cases():
    for T, d in ((7, 6), (7, 5), (50, 16)):
        case(f"sinusoidal_T{T}_d{d}", {"mechanism": "positional_encoding", "kind": "sinusoidal", "T": T, "emb_dim": d},
             {"pos_encoding": rows(sinusoidal(T, d))})
    torch.manual_seed(2)
    x = torch.randn(4, 6)
    case("sinusoidal_added", {"mechanism": "positional_encoding", "inputs": rows(x)},
         {"outputs": rows(x + sinusoidal(4, 6)), "pos_encoding": rows(sinusoidal(4, 6))})
    pos_emb = nn.Embedding(8, 6)
    case("learned_added", {"mechanism": "positional_encoding", "kind": "learned", "inputs": rows(x), "context_length": 8,
                           "weights": {"pos_emb": rows(pos_emb.weight)}},
         {"outputs": rows(x + pos_emb(torch.arange(4))), "pos_encoding": rows(pos_emb(torch.arange(4)))})


@torch.no_grad()
def feed_forward_cases():
    torch.manual_seed(3)
    x = torch.randn(5, 6)
    for activation, d_ff in (("gelu", 24), ("relu", 10)):
        ff = FeedForward(6, d_ff, activation)
        reference = F.gelu if activation == "gelu" else F.relu
        hidden = ff.layers[0](x)
        if activation == "gelu":
            assert torch.allclose(ff.layers[1](hidden), F.gelu(hidden, approximate="tanh"), atol=1e-6)
        request = {"mechanism": "feed_forward", "inputs": rows(x), "activation": activation, "weights": ff_json(ff),
                   "steps": True}
        if d_ff != 24:
            request["d_ff"] = d_ff
        case(f"feed_forward_{activation}", request,
             {"outputs": rows(ff(x)), "steps": {"hidden": rows(hidden), "activated": rows(ff.layers[1](hidden))}})


def block_cfg(**kw):
    cfg = {"emb_dim": 8, "context_length": 16, "n_heads": 2, "d_ff": 32, "qkv_bias": False}
    cfg.update(kw)
    return cfg


@torch.no_grad()
def block_cases():
    variants = [
        ("block_pre_norm", {}),
        ("block_post_norm", {"norm_first": False}),
        ("block_pre_norm_no_residual", {"residual": False}),
        ("block_post_norm_no_residual", {"norm_first": False, "residual": False}),
        ("block_qkv_bias_relu", {"qkv_bias": True, "activation": "relu", "n_heads": 4}),
        ("block_not_causal", {"causal": False}),
    ]
    for i, (name, kw) in enumerate(variants):
        torch.manual_seed(10 + i)
        cfg = block_cfg(**kw)
        block = TransformerBlock(cfg)
        randomize_norms(block)
        x = torch.randn(1, 5, 8)
        y = block(x)
        request = {"mechanism": "transformer_block", "inputs": rows(x[0]), "n_heads": cfg["n_heads"], "d_ff": 32,
                   "weights": block_json(block), "steps": True}
        for key in ("qkv_bias", "norm_first", "residual", "causal", "activation"):
            if key in kw:
                request[key] = kw[key]
        expected_steps = {k: rows(v[0]) for k, v in block.record.items()}
        case(name, request, {"outputs": rows(y[0]), "attn_weights": rows(block.att.last_attn_weights[0]),
                             "steps": expected_steps})
    # with sinusoidal positions added to the inputs first
    torch.manual_seed(20)
    block = TransformerBlock(block_cfg())
    x = torch.randn(1, 6, 8)
    y = block(x + sinusoidal(6, 8))
    case("block_sinusoidal", {"mechanism": "transformer_block", "inputs": rows(x[0]), "n_heads": 2, "d_ff": 32,
                              "positional": "sinusoidal", "weights": block_json(block)},
         {"outputs": rows(y[0])})


def gpt_request(cfg, model, token_ids, **extra):
    weights = {"tok_emb": rows(model.tok_emb.weight), "trf_blocks": [block_json(b) for b in model.trf_blocks],
               "final_norm": norm_json(model.final_norm)}
    if cfg.get("positional", "learned") == "learned":
        weights["pos_emb"] = rows(model.pos_emb.weight)
    if not cfg.get("weight_tying", False):
        weights["out_head"] = linear_w(model.out_head)
    request = {"mechanism": "gpt", "token_ids": token_ids}
    for key in ("vocab_size", "context_length", "emb_dim", "n_heads", "n_layers", "d_ff", "qkv_bias", "weight_tying",
                "positional", "norm_first", "activation"):
        if key in cfg:
            request[key] = cfg[key]
    request.update(extra)
    request["weights"] = weights
    return request


@torch.no_grad()
def gpt_cases():
    variants = [
        ("gpt_learned", {}, 1.0),
        ("gpt_tied_qkv_bias_sinusoidal", {"weight_tying": True, "qkv_bias": True, "positional": "sinusoidal"}, 0.7),
        ("gpt_post_norm_no_positions", {"norm_first": False, "positional": "none", "n_layers": 1}, 2.0),
    ]
    for i, (name, kw, temperature) in enumerate(variants):
        torch.manual_seed(30 + i)
        cfg = {"vocab_size": 20, "context_length": 8, "emb_dim": 8, "n_heads": 2, "n_layers": 2, "d_ff": 32,
               "qkv_bias": False}
        cfg.update(kw)
        model = GPTModel(cfg)
        randomize_norms(model)
        token_ids = torch.randint(0, cfg["vocab_size"], (1, 6))
        targets = torch.randint(0, cfg["vocab_size"], (1, 6))
        targets[0, 1] = -1
        targets[0, 4] = -1
        logits = model(token_ids)
        loss = F.cross_entropy(logits.flatten(0, 1), targets.flatten(), ignore_index=-1)
        probas = torch.softmax(logits / temperature, dim=-1)
        request = gpt_request(cfg, model, token_ids[0].tolist(), targets=targets[0].tolist(), temperature=temperature,
                              steps=True)
        attn = [rows(b.att.last_attn_weights[0]) for b in model.trf_blocks]
        n_params = sum(p.numel() for p in model.parameters())  # a tied out_head is counted once
        case(name, request, {"logits": rows(logits[0]), "probas": rows(probas[0]), "loss": loss.item(),
                             "attn_weights": attn, "next_token_id": int(logits[0, -1].argmax()),
                             "parameter_count": n_params})


@torch.no_grad()
def parameter_counts():
    """The book's figures for GPT-2 small, counted by PyTorch on the real modules (no forward pass)."""
    out = {}
    for qkv_bias in (False, True):
        cfg = {"vocab_size": 50257, "context_length": 1024, "emb_dim": 768, "n_heads": 12, "n_layers": 12,
               "d_ff": 3072, "qkv_bias": qkv_bias}
        block = TransformerBlock(cfg)
        model = GPTModel(cfg)
        total = sum(p.numel() for p in model.parameters())
        out[f"qkv_bias_{str(qkv_bias).lower()}"] = {
            "trf_block": sum(p.numel() for p in block.parameters()),
            "untied": total,
            "tied": total - model.out_head.weight.numel(),
        }
    return out


layer_norm_cases()
positional_cases()
feed_forward_cases()
block_cases()
gpt_cases()
data = {"generator": "tools/reference_transformer.py", "torch": torch.__version__, "tolerance": 1e-5, "cases": cases,
        "gpt2_small_parameter_counts": parameter_counts()}
with open(OUT, "w") as f:
    json.dump(data, f, separators=(",", ":"))
    f.write("\n")
print(f"wrote {len(cases)} cases to {os.path.relpath(OUT)}")
