#!/usr/bin/python3
"""Reference numbers for the trainable GPT (core/include/attn/train.hpp), from PyTorch.

Builds chapter 4's GPTModel (Raschka's names and module order, so that
parameters_to_vector(model.parameters()) is the C++ flat buffer), draws its weights here, and
writes, for a fixed batch: the loss, the logits, every gradient, and two steps of
clip_grad_norm_ + torch.optim.AdamW (loss and weights after each). The C++ test loads the
weights and compares (tests/train_test.cpp).

Run with Debian's torch (not a project dependency; CI has no torch, the output is committed):
    /usr/bin/python3 tools/reference_train.py > tests/data/train_reference.json
"""
import json
import math
import sys

import torch
import torch.nn as nn

torch.set_num_threads(1)


class LayerNorm(nn.Module):
    def __init__(self, emb_dim):
        super().__init__()
        self.eps = 1e-5
        self.scale = nn.Parameter(torch.ones(emb_dim))
        self.shift = nn.Parameter(torch.zeros(emb_dim))

    def forward(self, x):
        mean = x.mean(dim=-1, keepdim=True)
        var = x.var(dim=-1, keepdim=True, unbiased=False)
        return self.scale * (x - mean) / torch.sqrt(var + self.eps) + self.shift


class GELU(nn.Module):
    def forward(self, x):
        return 0.5 * x * (1 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3))))


class FeedForward(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        act = GELU() if cfg["activation"] == "gelu" else nn.ReLU()
        self.layers = nn.Sequential(nn.Linear(cfg["emb_dim"], 4 * cfg["emb_dim"]), act,
                                    nn.Linear(4 * cfg["emb_dim"], cfg["emb_dim"]))

    def forward(self, x):
        return self.layers(x)


class MultiHeadAttention(nn.Module):
    def __init__(self, d_in, d_out, context_length, num_heads, qkv_bias):
        super().__init__()
        self.d_out, self.num_heads, self.head_dim = d_out, num_heads, d_out // num_heads
        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_value = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.out_proj = nn.Linear(d_out, d_out)
        self.register_buffer("mask", torch.triu(torch.ones(context_length, context_length), diagonal=1))

    def forward(self, x):
        b, num_tokens, _ = x.shape
        keys = self.W_key(x).view(b, num_tokens, self.num_heads, self.head_dim).transpose(1, 2)  # (B, nh, T, hd)
        queries = self.W_query(x).view(b, num_tokens, self.num_heads, self.head_dim).transpose(1, 2)
        values = self.W_value(x).view(b, num_tokens, self.num_heads, self.head_dim).transpose(1, 2)
        attn_scores = queries @ keys.transpose(2, 3)  # (B, nh, T, T)
        attn_scores.masked_fill_(self.mask.bool()[:num_tokens, :num_tokens], -torch.inf)
        attn_weights = torch.softmax(attn_scores / keys.shape[-1] ** 0.5, dim=-1)
        context_vecs = (attn_weights @ values).transpose(1, 2).reshape(b, num_tokens, self.d_out)  # (B, T, d_out)
        return self.out_proj(context_vecs)


class TransformerBlock(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.att = MultiHeadAttention(cfg["emb_dim"], cfg["emb_dim"], cfg["context_length"], cfg["n_heads"],
                                      cfg["qkv_bias"])
        self.ff = FeedForward(cfg)
        self.norm1 = LayerNorm(cfg["emb_dim"])
        self.norm2 = LayerNorm(cfg["emb_dim"])

    def forward(self, x):
        x = x + self.att(self.norm1(x))
        return x + self.ff(self.norm2(x))


def sinusoid(context_length, emb_dim):
    pe = torch.zeros(context_length, emb_dim, dtype=torch.float64)
    for t in range(context_length):
        for i in range(emb_dim):
            angle = t / 10000.0 ** ((i // 2 * 2) / emb_dim)
            pe[t, i] = math.sin(angle) if i % 2 == 0 else math.cos(angle)
    return pe.float()


class GPTModel(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.tok_emb = nn.Embedding(cfg["vocab_size"], cfg["emb_dim"])
        if cfg["positional"] == "learned":
            self.pos_emb = nn.Embedding(cfg["context_length"], cfg["emb_dim"])
        else:
            self.register_buffer("pos_table", sinusoid(cfg["context_length"], cfg["emb_dim"]))
        self.trf_blocks = nn.Sequential(*[TransformerBlock(cfg) for _ in range(cfg["n_layers"])])
        self.final_norm = LayerNorm(cfg["emb_dim"])
        self.out_head = nn.Linear(cfg["emb_dim"], cfg["vocab_size"], bias=False)

    def forward(self, in_idx):
        T = in_idx.shape[1]
        pos = self.pos_emb.weight[:T] if hasattr(self, "pos_emb") else self.pos_table[:T]
        x = self.tok_emb(in_idx) + pos  # (B, T, C)
        return self.out_head(self.final_norm(self.trf_blocks(x)))  # (B, T, V)


def flat(tensors):
    """Float32 values with 9 significant digits: enough to read back the same float, and no more."""
    return [float("%.9g" % v) for t in tensors for v in t.detach().reshape(-1).tolist()]


def case(name, cfg, batch, T, seed, train):
    torch.manual_seed(seed)
    model = GPTModel(cfg)
    with torch.no_grad():  # weights large enough that every gradient is far from 0
        for pname, p in model.named_parameters():
            if pname.endswith(".scale"):
                p.copy_(1 + 0.3 * torch.randn_like(p))
            else:
                p.copy_(0.3 * torch.randn_like(p))
    weights = flat(model.parameters())
    inputs = torch.randint(0, cfg["vocab_size"], (batch, T))
    targets = torch.randint(0, cfg["vocab_size"], (batch, T))
    targets[0, : T // 2] = -1  # ignored positions
    targets[batch - 1, T - 1] = -1

    def loss_of():
        logits = model(inputs)
        return logits, nn.functional.cross_entropy(logits.flatten(0, 1), targets.flatten(), ignore_index=-1)

    logits, loss = loss_of()
    loss.backward()
    out = {
        "name": name,
        "config": cfg,
        "batch": batch,
        "T": T,
        "inputs": inputs.reshape(-1).tolist(),
        "targets": targets.reshape(-1).tolist(),
        "parameter_names": [n for n, _ in model.named_parameters()],
        "weights": weights,
        "loss": float("%.9g" % float(loss)),
        "logits": flat([logits]),
        "gradients": flat(p.grad for p in model.parameters()),
        "train": train,
        "steps": [],
    }
    optimizer = torch.optim.AdamW(model.parameters(), lr=train["lr"], betas=(train["beta1"], train["beta2"]),
                                  eps=train["eps"], weight_decay=train["weight_decay"], foreach=False)
    for step in range(1, 3):
        if step > 1:
            optimizer.zero_grad()
            _, loss = loss_of()
            loss.backward()
        for group in optimizer.param_groups:  # the linear warm-up
            group["lr"] = train["lr"] * min(1.0, step / train["warmup"])
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), train["clip"])
        optimizer.step()
        out["steps"].append({"loss": float(loss), "grad_norm": float(norm), "weights": flat(model.parameters())})
    return out


def main():
    # float32 numbers written so the C++ reads back the same float (lr = 2^-7 etc. are exact)
    train = {"lr": 0.0078125, "beta1": 0.875, "beta2": 0.9921875, "eps": 1e-8, "weight_decay": 0.125, "clip": 0.5,
             "warmup": 2}
    cases = [
        case("gelu, learned positions, qkv_bias, 2 layers", {
            "vocab_size": 11, "context_length": 8, "emb_dim": 16, "n_heads": 2, "n_layers": 2, "qkv_bias": True,
            "activation": "gelu", "positional": "learned"}, batch=3, T=8, seed=14, train=train),
        case("relu, sinusoidal positions, no qkv_bias, T < context_length", {
            "vocab_size": 7, "context_length": 9, "emb_dim": 12, "n_heads": 3, "n_layers": 1, "qkv_bias": False,
            "activation": "relu", "positional": "sinusoidal"}, batch=2, T=7, seed=15, train=train),
    ]
    json.dump({"generator": "tools/reference_train.py, torch " + torch.__version__, "cases": cases}, sys.stdout,
              separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
