#!/usr/bin/env python3
"""GPU pretraining of tsfm: the architecture of crates/demandcast-neural/src/model.rs in PyTorch,
fed by the Rust data mixture (examples/pretrain_stream.rs) through pipes.

Why PyTorch here: the GPU machines lent to this project carry CUDA, PyTorch and no Rust toolchain,
and candle's CUDA build needs nvcc at build time; the model is small and its ops are plain (linear,
layer norm, softmax attention, GELU, softplus, cumsum), so a port is short and is checked against
candle on a fixed reference batch (--reference, from `pretrain_stream reference`). The weights it
writes use candle's names and shapes: `demandcast forecast --models tsfm` loads them as they are.
The data are the Rust loop's own windows (same generators, same collate), only many more.

Usage (on the GPU machine, from the repository root):
  python3 scripts/gpu/pretrain_gpu.py --stream target/release/examples/pretrain_stream \
      --config models/tsfm/pretrain_gpu.json --data-dir .gpu/data --out OUT --minutes 6.5 \
      --streams 3 --threads 5 --reference .gpu/reference.bin

Also runs on CPU (slowly) for a smoke test: --device cpu --minutes 0.3.
"""
import argparse
import json
import math
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

MAGIC = 0x54534642
N_FREQ_IDS = 8


# ---------------------------------------------------------------- model (mirrors model.rs / nn.rs)
def lin(i, o):
    m = nn.Linear(i, o)
    nn.init.normal_(m.weight, 0.0, (1.0 / i) ** 0.5)
    nn.init.zeros_(m.bias)
    return m


class ResMlp(nn.Module):
    def __init__(self, i, h, o):
        super().__init__()
        self.hidden, self.out, self.skip = lin(i, h), lin(h, o), lin(i, o)

    def forward(self, x, p):
        return self.out(F.dropout(F.gelu(self.hidden(x)), p, self.training)) + self.skip(x)


class Layer(nn.Module):
    def __init__(self, d, dff):
        super().__init__()
        self.n1, self.n2 = nn.LayerNorm(d, eps=1e-5), nn.LayerNorm(d, eps=1e-5)
        self.q, self.k, self.v, self.o = lin(d, d), lin(d, d), lin(d, d), lin(d, d)
        self.ff1, self.ff2 = lin(d, dff), lin(dff, d)


class Tsfm(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        d, p = c["d_model"], c["patch_len"]
        self.nc, self.nf = c["context_len"] // p, c["horizon_len"] // p
        self.nq = len(c["quantiles"])
        k = c["n_step_features"]
        self.embed = ResMlp(p * (2 + k), c["d_ff"], d)
        self.pos = nn.Parameter(torch.randn(1 + self.nc + self.nf, d) * 0.02)
        self.statics = nn.Embedding(c["n_static_buckets"], d)
        self.freq = nn.Embedding(N_FREQ_IDS, d)
        for e in (self.statics, self.freq):
            nn.init.normal_(e.weight, 0.0, 0.02)
        self.text = lin(c["text_dim"], d)
        self.scale = lin(1, d)
        self.layers = nn.ModuleList([Layer(d, c["d_ff"]) for _ in range(c["n_layers"])])
        self.norm = nn.LayerNorm(d, eps=1e-5)
        self.head = ResMlp(d, c["d_ff"], p * (self.nq + 1))

    def forward(self, y, mask, feats, statics, freq, log_scale, text=None):
        c, nc, nf = self.c, self.nc, self.nf
        p, d, nh = c["patch_len"], c["d_model"], c["n_heads"]
        drop = c["dropout"] if self.training else 0.0
        b = y.shape[0]
        z = y.new_zeros(b, nf * p)
        tok = torch.cat(
            [torch.cat([y, z], 1).view(b, nc + nf, p), torch.cat([mask, z], 1).view(b, nc + nf, p),
             feats.reshape(b, nc + nf, -1)], 2)
        patches = self.embed(tok, drop)
        if text is None:
            text = y.new_zeros(b, c["text_dim"])
        st = self.statics(statics).sum(1) + self.freq(freq) + self.text(text) + self.scale(log_scale)
        h = torch.cat([st[:, None], patches], 1) + self.pos
        h = F.dropout(h, drop, self.training)
        ctx_valid = mask.view(b, nc, p).amax(-1)
        one = y.new_ones(b, 1)
        valid = torch.cat([one, ctx_valid, one.expand(b, nf)], 1)
        bias = ((valid - 1.0) * 1e4).view(b, 1, 1, -1)
        t, dh = h.shape[1], d // nh
        for L in self.layers:
            x = L.n1(h)
            q, k_, v = (m(x).view(b, t, nh, dh).transpose(1, 2) for m in (L.q, L.k, L.v))
            a = F.scaled_dot_product_attention(q, k_, v, attn_mask=bias, dropout_p=drop)
            h = h + L.o(a.transpose(1, 2).reshape(b, t, d))
            f = L.ff2(F.dropout(F.gelu(L.ff1(L.n2(h))), drop, self.training))
            h = h + F.dropout(f, drop, self.training)
        h = self.norm(h)
        out = self.head(h[:, 1 + nc:], drop).reshape(b, nf * p, self.nq + 1)
        raw = out[..., : self.nq]
        qs = torch.cat([raw[..., :1], F.softplus(raw[..., 1:])], -1).cumsum(-1).relu()
        return qs, F.softplus(out[..., self.nq])


def candle_names(model):
    """state_dict with candle's tensor names (LayerNorm and Linear already match)."""
    return {k: v.detach().float().contiguous().cpu() for k, v in model.state_dict().items()}


def loss_fn(qs, mean, target, tmask, q):
    diff = target[..., None] - qs
    pin = diff * q + (-diff).relu()
    n = tmask.sum() + 1e-6
    pin = (pin * tmask[..., None]).sum() / (n * q.numel())
    se = ((target.clamp(0, 10.0) - mean) ** 2 * tmask).sum() / n
    return pin + 0.25 * se


# ---------------------------------------------------------------- the Rust stream
def read_exact(f, n):
    buf = bytearray(n)
    view, got = memoryview(buf), 0
    while got < n:
        r = f.readinto(view[got:])
        if not r:
            raise EOFError("stream ended")
        got += r
    return buf


def read_batch(f, c, extra=False):
    head = np.frombuffer(read_exact(f, 8), dtype="<u4")
    if head[0] != MAGIC:
        raise ValueError(f"bad magic {head[0]:#x}")
    b = int(head[1])
    C, H, K = c["context_len"], c["horizon_len"], c["n_step_features"]
    S, Q = c["n_static_slots"], len(c["quantiles"])
    shapes = [("y", "<f4", (b, C)), ("mask", "<f4", (b, C)), ("feats", "<f4", (b, C + H, K)),
              ("statics", "<u4", (b, S)), ("freq", "<u4", (b,)), ("log_scale", "<f4", (b, 1)),
              ("target", "<f4", (b, H)), ("tmask", "<f4", (b, H))]
    if extra:
        shapes += [("ref_q", "<f4", (b, H, Q)), ("ref_mean", "<f4", (b, H))]
    out = {}
    for name, dt, shp in shapes:
        n = int(np.prod(shp)) * 4
        a = np.frombuffer(read_exact(f, n), dtype=dt).reshape(shp)
        out[name] = torch.from_numpy(a.astype(np.int64) if dt == "<u4" else a.copy())
    return out


def to_dev(bt, dev):
    return {k: v.to(dev, non_blocking=True) for k, v in bt.items()}


def forward(model, bt):
    return model(bt["y"], bt["mask"], bt["feats"], bt["statics"], bt["freq"], bt["log_scale"])


class Streams:
    """Round-robin reader over several `pretrain_stream stream` processes (stream j writes
    steps start+j, start+j+n, ...), each read by a thread into a bounded queue."""

    def __init__(self, exe, cfg_path, c, batch, n, threads):
        self.c, self.procs, self.qs = c, [], []
        self.val = None
        for j in range(n):
            p = subprocess.Popen([exe, "stream", cfg_path, str(batch), str(j), str(threads), str(n)],
                                 stdout=subprocess.PIPE, bufsize=1 << 24)
            qq = queue.Queue(maxsize=6)
            val = read_batch(p.stdout, c)
            if j == 0:
                self.val = val
            threading.Thread(target=self._pump, args=(p, qq), daemon=True).start()
            self.procs.append(p)
            self.qs.append(qq)
        self.i = 0

    def _pump(self, p, qq):
        try:
            while True:
                bt = read_batch(p.stdout, self.c)
                qq.put({k: v.pin_memory() if torch.cuda.is_available() else v for k, v in bt.items()})
        except Exception as e:  # noqa: BLE001 - the trainer closing the pipe ends the thread
            qq.put(e)

    def next(self, block=True):
        """The next batch in step order; with block=False, None when it is not ready yet."""
        try:
            bt = self.qs[self.i % len(self.qs)].get(block=block)
        except queue.Empty:
            return None
        self.i += 1
        if isinstance(bt, Exception):
            raise bt
        return bt

    def close(self):
        for p in self.procs:
            p.kill()


# ---------------------------------------------------------------- training
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stream", required=True)
    ap.add_argument("--config", required=True)
    ap.add_argument("--data-dir")
    ap.add_argument("--out", required=True)
    ap.add_argument("--minutes", type=float, default=6.0)
    ap.add_argument("--max-steps", type=int, default=10**9)
    ap.add_argument("--batch", type=int, default=1024)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--warmup", type=int, default=300)
    ap.add_argument("--streams", type=int, default=3)
    ap.add_argument("--threads", type=int, default=5)
    ap.add_argument("--reference")
    ap.add_argument("--init", help="safetensors to start from (candle names)")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--max-reuse", type=int, default=1, help="extra steps on a batch while the next is not ready")
    ap.add_argument("--val-every", type=float, default=20.0, help="seconds between validations")
    a = ap.parse_args()
    t0 = time.time()
    os.makedirs(a.out, exist_ok=True)
    run = json.load(open(a.config))
    if a.data_dir:
        run["data_dir"] = a.data_dir
    c = dict(json.load(open("models/tsfm/config.json")))
    c.update(run["model"])
    run["model"] = c
    tmp = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
    json.dump(run, tmp)
    tmp.close()
    dev = torch.device(a.device)
    torch.manual_seed(run.get("train", {}).get("seed", 42))
    torch.backends.cuda.matmul.allow_tf32 = False  # keep f32 semantics: candle runs f32
    torch.backends.cudnn.allow_tf32 = False
    log = open(os.path.join(a.out, "train.log"), "w")

    def say(*m):
        s = " ".join(str(x) for x in m)
        print(s, flush=True)
        log.write(s + "\n")
        log.flush()

    say(f"device {dev} {torch.cuda.get_device_name(0) if dev.type == 'cuda' else ''} torch {torch.__version__}")
    # Parity: the shipped weights on the reference batch, against candle's outputs.
    if a.reference:
        ref_model = Tsfm(json.load(open("models/tsfm/config.json"))).to(dev).eval()
        ref_model.load_state_dict({k: v for k, v in load_file("models/tsfm/model.safetensors").items()})
        with open(a.reference, "rb") as f:
            rb = read_batch(f, ref_model.c, extra=True)
        with torch.no_grad():
            qs, mean = forward(ref_model, to_dev(rb, dev))
        dq = (qs.cpu() - rb["ref_q"]).abs().max().item()
        dm = (mean.cpu() - rb["ref_mean"]).abs().max().item()
        say(f"parity vs candle: max |dq| {dq:.3e}  max |dmean| {dm:.3e}  (q range {rb['ref_q'].max().item():.2f})")
    model = Tsfm(c).to(dev)
    if a.init:
        model.load_state_dict(load_file(a.init))
    n_params = sum(p.numel() for p in model.parameters())
    say(f"model: {n_params} parameters")
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    tr = run.get("train", {})
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": tr.get("weight_decay", 0.01)},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=a.lr, betas=(0.9, 0.98), eps=1e-8,
                            fused=dev.type == "cuda")
    qv = torch.tensor(c["quantiles"], device=dev).view(1, 1, -1)
    streams = Streams(a.stream, tmp.name, c, a.batch, a.streams, a.threads)
    val = to_dev(streams.val, dev)
    say(f"streams up after {time.time() - t0:.1f}s; {streams.val['y'].shape[0]} validation windows")
    if a.reference:
        with torch.no_grad():
            tot = 0.0
            for s0 in range(0, val["y"].shape[0], 1024):
                part = {k: v[s0:s0 + 1024] for k, v in val.items()}
                qs, mean = forward(ref_model, part)
                tot += loss_fn(qs, mean, part["target"], part["tmask"], qv).item() * part["y"].shape[0]
        say(f"shipped model's validation loss on these windows: {tot / val['y'].shape[0]:.4f}")

    def validate():
        model.eval()
        with torch.no_grad():
            tot, n = 0.0, val["y"].shape[0]
            for s in range(0, n, 1024):
                part = {k: v[s:s + 1024] for k, v in val.items()}
                qs, mean = forward(model, part)
                tot += loss_fn(qs, mean, part["target"], part["tmask"], qv).item() * part["y"].shape[0]
        model.train()
        return tot / n

    budget = a.minutes * 60.0
    t_train = time.time()
    step, run_loss, run_n, last_val = 0, 0.0, 0, time.time()
    curve, best = [], float("inf")
    min_ratio = tr.get("min_lr_ratio", 0.05)
    clip = tr.get("grad_clip", 1.0)
    wait, reused, n_reused, bt = 0.0, 0, 0, None
    model.train()
    while True:
        el = time.time() - t_train
        if el >= budget or step >= a.max_steps:
            break
        # Schedule by elapsed time (the number of steps the budget buys is not known up front).
        prog = min(1.0, el / budget)
        if step < a.warmup:
            lr = a.lr * (step + 1) / a.warmup
        else:
            lr = a.lr * (min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * prog)))
        for g in opt.param_groups:
            g["lr"] = lr
        tw = time.time()
        nxt = streams.next(block=reused >= a.max_reuse)
        if nxt is None:
            # The generators are behind: one more step on the last batch (new dropout masks)
            # instead of idling; at most --max-reuse times per batch.
            reused += 1
            n_reused += 1
        else:
            bt, reused = to_dev(nxt, dev), 0
        wait += time.time() - tw
        qs, mean = forward(model, bt)
        loss = loss_fn(qs, mean, bt["target"], bt["tmask"], qv)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
        step += 1
        run_loss += loss.item() if step % 10 == 0 else 0.0
        run_n += 1 if step % 10 == 0 else 0
        if time.time() - last_val >= a.val_every:
            v = validate()
            tl = run_loss / max(run_n, 1)
            curve.append((step, tl, v))
            say(f"step {step} t {time.time() - t_train:.0f}s lr {lr:.2e} train {tl:.4f} val {v:.4f} "
                f"data-wait {wait:.0f}s")
            run_loss, run_n, last_val = 0.0, 0, time.time()
            if v < best:
                best = v
                save_file(candle_names(model), os.path.join(a.out, "model.safetensors"))
    v = validate()
    curve.append((step, run_loss / max(run_n, 1), v))
    say(f"done: {step} steps, {step * a.batch} windows, {time.time() - t_train:.0f}s training, "
        f"final val {v:.4f}, best {min(best, v):.4f}, data wait {wait:.0f}s, "
        f"{n_reused} steps on a reused batch")
    if v <= best:
        save_file(candle_names(model), os.path.join(a.out, "model.safetensors"))
    streams.close()
    with open(os.path.join(a.out, "loss.csv"), "w") as f:
        f.write("step,train_loss,val_loss\n")
        for s, t, vv in curve:
            f.write(f"{s},{t:.5f},{vv:.5f}\n")
    # Outputs of the saved weights on the reference batch, for the candle check back home.
    if a.reference:
        m2 = Tsfm(c).to(dev).eval()
        m2.load_state_dict(load_file(os.path.join(a.out, "model.safetensors")))
        with torch.no_grad():
            qs, mean = forward(m2, to_dev(rb, dev))
        np.save(os.path.join(a.out, "ref_q.npy"), qs.cpu().numpy())
        np.save(os.path.join(a.out, "ref_mean.npy"), mean.cpu().numpy())
    json.dump({"steps": step, "reused_steps": n_reused, "batch": a.batch, "windows": step * a.batch, "lr": a.lr,
               "warmup": a.warmup, "minutes": a.minutes, "params": n_params,
               "device": str(dev), "wall_s": time.time() - t0, "best_val": min(best, v),
               "run": run}, open(os.path.join(a.out, "gpu_run.json"), "w"), indent=1)
    # Inference timing of the architecture on this device: 6,098 series (M5 CA_1 + TX_2's count).
    mt = Tsfm(c).to(dev).eval()
    n = 6098
    vb = {k: v[:1].expand(n, *v.shape[1:]).contiguous() for k, v in val.items()}
    with torch.no_grad():
        for _ in range(3):
            forward(mt, vb)
        if dev.type == "cuda":
            torch.cuda.synchronize()
        ti = time.time()
        for _ in range(10):
            forward(mt, vb)
        if dev.type == "cuda":
            torch.cuda.synchronize()
        dt = (time.time() - ti) / 10
    say(f"inference, {n} series x context {c['context_len']} -> {c['horizon_len']} steps, f32: "
        f"{dt * 1000:.1f} ms a pass, {n / dt:,.0f} series/s")
    say(f"total wall {time.time() - t0:.0f}s")


if __name__ == "__main__":
    sys.exit(main())
