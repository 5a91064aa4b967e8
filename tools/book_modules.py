"""Chapter 4's modules of Raschka's book in PyTorch, with the switches the lessons turn.

LayerNorm with scale and shift (biased variance, eps 1e-5), GELU in the tanh approximation,
FeedForward, MultiHeadAttention, TransformerBlock (pre-norm as GPT-2 or post-norm as the 2017
paper, residuals and the causal mask switchable), GPTModel (learned, sinusoidal or no positions,
weight tying), with the book's names, so that parameters() is in the core's flat layout.
Shared by the reference scripts (reference_transformer.py, reference_train.py).
"""
import torch
import torch.nn as nn

class LayerNorm(nn.Module):
    def __init__(self, emb_dim):
        super().__init__()
        self.eps = 1e-5
        self.scale = nn.Parameter(torch.ones(emb_dim))
        self.shift = nn.Parameter(torch.zeros(emb_dim))

    def forward(self, x):
        mean = x.mean(dim=-1, keepdim=True)
        var = x.var(dim=-1, keepdim=True, unbiased=False)
        norm_x = (x - mean) / torch.sqrt(var + self.eps)
        return self.scale * norm_x + self.shift


class GELU(nn.Module):
    def forward(self, x):
        return 0.5 * x * (1 + torch.tanh(torch.sqrt(torch.tensor(2.0 / torch.pi)) * (x + 0.044715 * torch.pow(x, 3))))


class FeedForward(nn.Module):
    def __init__(self, emb_dim, d_ff, activation="gelu"):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(emb_dim, d_ff), GELU() if activation == "gelu" else nn.ReLU(),
                                    nn.Linear(d_ff, emb_dim))

    def forward(self, x):
        return self.layers(x)


class MultiHeadAttention(nn.Module):
    def __init__(self, d_in, d_out, context_length, num_heads, qkv_bias=False, causal=True):
        super().__init__()
        assert d_out % num_heads == 0
        self.d_out, self.num_heads, self.head_dim, self.causal = d_out, num_heads, d_out // num_heads, causal
        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_value = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.out_proj = nn.Linear(d_out, d_out)
        self.register_buffer("mask", torch.triu(torch.ones(context_length, context_length), diagonal=1))
        self.last_attn_weights = None

    def forward(self, x):
        b, num_tokens, _ = x.shape
        keys = self.W_key(x).view(b, num_tokens, self.num_heads, self.head_dim).transpose(1, 2)
        queries = self.W_query(x).view(b, num_tokens, self.num_heads, self.head_dim).transpose(1, 2)
        values = self.W_value(x).view(b, num_tokens, self.num_heads, self.head_dim).transpose(1, 2)
        attn_scores = queries @ keys.transpose(2, 3)
        if self.causal:
            attn_scores.masked_fill_(self.mask.bool()[:num_tokens, :num_tokens], -torch.inf)
        attn_weights = torch.softmax(attn_scores / keys.shape[-1] ** 0.5, dim=-1)
        self.last_attn_weights = attn_weights
        context_vec = (attn_weights @ values).transpose(1, 2).contiguous().view(b, num_tokens, self.d_out)
        return self.out_proj(context_vec)


class TransformerBlock(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.att = MultiHeadAttention(cfg["emb_dim"], cfg["emb_dim"], cfg["context_length"], cfg["n_heads"],
                                      cfg["qkv_bias"], cfg.get("causal", True))
        self.ff = FeedForward(cfg["emb_dim"], cfg.get("d_ff", 4 * cfg["emb_dim"]), cfg.get("activation", "gelu"))
        self.norm1 = LayerNorm(cfg["emb_dim"])
        self.norm2 = LayerNorm(cfg["emb_dim"])
        self.norm_first = cfg.get("norm_first", True)
        self.residual = cfg.get("residual", True)
        self.record = {}

    def forward(self, x):
        r = self.residual
        if self.norm_first:  # GPT-2: h = x + att(norm1(x)); y = h + ff(norm2(h))
            n1 = self.norm1(x)
            a = self.att(n1)
            h = x + a if r else a
            n2 = self.norm2(h)
            f = self.ff(n2)
            y = h + f if r else f
        else:  # 2017: h = norm1(x + att(x)); y = norm2(h + ff(h))
            a = self.att(x)
            h = n1 = self.norm1(x + a if r else a)
            f = self.ff(h)
            y = n2 = self.norm2(h + f if r else f)
        self.record = {"norm1": n1, "att": a, "norm2": n2, "ff": f}
        if r:
            self.record["residual1"] = x + a
            self.record["residual2"] = h + f
        return y


def sinusoidal(T, d):
    pos = torch.arange(T, dtype=torch.float64)[:, None]
    i = torch.arange(d, dtype=torch.float64)[None, :]
    angle = pos / torch.pow(10000.0, 2 * torch.div(i, 2, rounding_mode="floor") / d)
    pe = torch.where(i.long() % 2 == 0, torch.sin(angle), torch.cos(angle))
    return pe.to(torch.float32)


class GPTModel(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.tok_emb = nn.Embedding(cfg["vocab_size"], cfg["emb_dim"])
        self.positional = cfg.get("positional", "learned")
        if self.positional == "learned":
            self.pos_emb = nn.Embedding(cfg["context_length"], cfg["emb_dim"])
        self.trf_blocks = nn.Sequential(*[TransformerBlock(cfg) for _ in range(cfg["n_layers"])])
        self.final_norm = LayerNorm(cfg["emb_dim"])
        self.out_head = nn.Linear(cfg["emb_dim"], cfg["vocab_size"], bias=False)
        if cfg.get("weight_tying", False):
            self.out_head.weight = self.tok_emb.weight

    def forward(self, in_idx):
        _, T = in_idx.shape
        x = self.tok_emb(in_idx)
        if self.positional == "learned":
            x = x + self.pos_emb(torch.arange(T))
        elif self.positional == "sinusoidal":
            x = x + sinusoidal(T, self.cfg["emb_dim"])
        x = self.trf_blocks(x)
        return self.out_head(self.final_norm(x))
