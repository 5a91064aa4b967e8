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
import sys

import torch
import torch.nn as nn

from book_modules import GPTModel

torch.set_num_threads(1)


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
