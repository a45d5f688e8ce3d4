"""Training throughput of `fairgan_nb.train.train_gan` next to a bare PyTorch loop on the same models, in one run.

    python benchmarks/train_throughput.py [--steps 300] [--threads 2] [--repeats 3]

Both loops train the same DCGenerator/DCDiscriminator on long-tailed MNIST with the same batch size and optimiser.
The bare loop has only the non-saturating GAN step; the trainer adds lazy R1, the EMA of G, logging and checkpoints;
the last modes add section 4's bias loss (`fairgan_nb.rebalance.BIAS`: the auxiliary classifier on every fake batch),
with and without its augmentation of the fakes.
Runs alternate (bare, trainer, trainer + bias loss, ...) so that machine noise hits all alike; the best of each is kept.
"""
import argparse, tempfile, time
from dataclasses import replace
from pathlib import Path
import torch
import torch.nn.functional as F
from fairgan_nb.config import get_profile
from fairgan_nb.data import make_dataset
from fairgan_nb.models import DCGenerator, DCDiscriminator
from fairgan_nb.train import train_gan
from fairgan_nb.bias_loss import make_bias_loss
from fairgan_nb.models import AuxClassifier
from fairgan_nb.rebalance import BIAS

def bare_loop(x, cfg, steps):
    torch.manual_seed(0)
    G, D = DCGenerator(cfg.z_dim, cfg.g_width), DCDiscriminator(cfg.d_width)
    og = torch.optim.Adam(G.parameters(), cfg.lr, betas=cfg.betas); od = torch.optim.Adam(D.parameters(), cfg.lr, betas=cfg.betas)
    t0 = time.perf_counter()
    for _ in range(steps):
        real = x[torch.randint(len(x), (cfg.batch_size,))]
        z = torch.randn(cfg.batch_size, cfg.z_dim)
        with torch.no_grad(): fake = G(z)
        d_loss = F.softplus(D(fake)).mean() + F.softplus(-D(real)).mean()
        od.zero_grad(); d_loss.backward(); od.step()
        g_loss = F.softplus(-D(G(z))).mean()
        og.zero_grad(); g_loss.backward(); og.step()
    return time.perf_counter() - t0

def trainer(x, cfg, steps, bias=False, augment=True):
    extra = make_bias_loss(BIAS["bias_loss"], AuxClassifier(), coef=BIAS["coef"], augment=augment) if bias else None
    with tempfile.TemporaryDirectory() as d:
        c = replace(cfg, steps=steps, ckpt_every=max(steps // 3, 1), log_every=max(steps // 30, 1))
        t0 = time.perf_counter(); train_gan(x, c, Path(d), progress=False, extra_g_loss=extra)
        return time.perf_counter() - t0

if __name__ == "__main__":
    ap = argparse.ArgumentParser(); ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--threads", type=int, default=torch.get_num_threads()); ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args(); torch.set_num_threads(a.threads)
    cfg, x = get_profile("quick").gan, make_dataset().x_train
    bare_loop(x, cfg, 10); trainer(x, cfg, 10)  # warm-up
    t = {"bare": [], "train_gan": [], "train_gan + bias loss": [], "  without augmentation": []}
    for _ in range(a.repeats):
        t["bare"].append(bare_loop(x, cfg, a.steps)); t["train_gan"].append(trainer(x, cfg, a.steps))
        t["train_gan + bias loss"].append(trainer(x, cfg, a.steps, bias=True))
        t["  without augmentation"].append(trainer(x, cfg, a.steps, bias=True, augment=False))
    print(f"quick GAN (G width {cfg.g_width}, D width {cfg.d_width}, batch {cfg.batch_size}), {a.steps} steps, {a.threads} threads")
    print(f"{'loop':<24}{'images/s':>10}{'ms/step':>10}{'vs bare':>9}")
    for k, v in t.items():
        print(f"{k:<24}{a.steps * cfg.batch_size / min(v):>10.0f}{1000 * min(v) / a.steps:>10.1f}{min(t['bare']) / min(v):>9.2f}")
    print(f"bias loss overhead per step: {1000 * (min(t['train_gan + bias loss']) - min(t['train_gan'])) / a.steps:.1f} ms")
