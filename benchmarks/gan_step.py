"""One GAN training step against what this machine can do, in one run.

    python benchmarks/gan_step.py [--steps 200] [--threads 1] [--repeats 3] [--profile quick]

Prints, measured side by side:
- the machine's dense GEMM rate (a 1024x1024 matmul) in float32 and bfloat16, on the threads given;
- the FLOPs of one step of `fairgan_nb.train.train_step` (counted by `torch.utils.flop_counter`: D on a real and a
  fake batch, G's update through D; not the lazy R1 term of every 16th step, so the rates are a slight underestimate) and the step's GFLOP/s as a share of
  the GEMM rate;
- the trainer's step (`train_step`: R1, the EMA of G, the batch stream) against a bare PyTorch loop of the same
  networks and optimisers, in both memory layouts and with bfloat16 autocast.
Runs alternate between the variants so that machine noise hits all alike; the best of each is kept.
"""
import argparse, time
import torch
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode
from fairgan_nb.config import get_profile
from fairgan_nb.data import make_dataset
from fairgan_nb.models import DCGenerator, DCDiscriminator
from fairgan_nb.train import init_gan, train_step

def gemm_rate(dtype, n: int = 1024, reps: int = 30) -> float:
    "GFLOP/s of an n x n matmul in `dtype`, best of three rounds."
    a, b = torch.randn(n, n).to(dtype), torch.randn(n, n).to(dtype)
    for _ in range(3): a @ b
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in range(reps): a @ b
        best = min(best, time.perf_counter() - t0)
    return 2 * n ** 3 * reps / best / 1e9

def bare(cfg, x, channels_last: bool):
    "A step function of a plain loop: the non-saturating GAN loss, Adam, nothing else."
    torch.manual_seed(0)
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    G = DCGenerator(cfg.z_dim, cfg.g_width, x.shape[1], x.shape[2]).to(memory_format=fmt)
    D = DCDiscriminator(cfg.d_width, x.shape[1], x.shape[2]).to(memory_format=fmt)
    og, od = (torch.optim.Adam(m.parameters(), cfg.lr, betas=cfg.betas) for m in (G, D))
    def step():
        real, z = x[torch.randint(len(x), (cfg.batch_size,))], torch.randn(cfg.batch_size, cfg.z_dim)
        with torch.no_grad(): fake = G(z)
        d_loss = F.softplus(D(fake)).mean() + F.softplus(-D(real)).mean()
        od.zero_grad(); d_loss.backward(); od.step()
        g_loss = F.softplus(-D(G(z))).mean()
        og.zero_grad(); g_loss.backward(); og.step()
    return step

def trainer(cfg, x, bf16: bool = False):
    "A step function of the trainer's own step (`train_step` on a fresh `init_gan` state)."
    st = init_gan(cfg, x.shape[1], x.shape[2])
    return lambda: train_step(st, x, cfg, bf16=bf16)

def step_flops(cfg, x) -> float:
    "FLOPs of one trainer step without the lazy R1 term (the counter cannot follow its double backward)."
    st = init_gan(cfg, x.shape[1], x.shape[2])
    st.step = 1  # not an R1 step
    with FlopCounterMode(display=False) as fc: train_step(st, x, cfg)
    return fc.get_total_flops()

def seconds_per_step(fn, steps: int) -> float:
    t0 = time.perf_counter()
    for _ in range(steps): fn()
    return (time.perf_counter() - t0) / steps

if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=200); ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=3); ap.add_argument("--profile", default="quick")
    a = ap.parse_args(); torch.set_num_threads(a.threads)
    cfg, x = get_profile(a.profile).gan, make_dataset().x_train
    gemm = {"float32": gemm_rate(torch.float32), "bfloat16": gemm_rate(torch.bfloat16)}
    flops = step_flops(cfg, x)
    variants = {"bare loop, contiguous": bare(cfg, x, False), "bare loop, channels-last": bare(cfg, x, True),
                "trainer (float32)": trainer(cfg, x), "trainer (bf16 autocast)": trainer(cfg, x, bf16=True)}
    for fn in variants.values():
        for _ in range(20): fn()  # warm-up: the first steps allocate and pick kernels
    best = {k: float("inf") for k in variants}
    for _ in range(a.repeats):
        for k, fn in variants.items(): best[k] = min(best[k], seconds_per_step(fn, a.steps))
    print(f"{a.profile} GAN (G width {cfg.g_width}, D width {cfg.d_width}, batch {cfg.batch_size}, {tuple(x.shape[1:])} images), "
          f"{a.threads} thread(s), best of {a.repeats} x {a.steps} steps")
    print(f"GEMM 1024^3: float32 {gemm['float32']:.0f} GFLOP/s, bfloat16 {gemm['bfloat16']:.0f} GFLOP/s")
    print(f"one trainer step: {flops / 1e9:.2f} GFLOP")
    print(f"{'variant':<28}{'ms/step':>9}{'GFLOP/s':>9}{'of fp32 GEMM':>14}{'bare/this':>11}")
    ref = best["bare loop, channels-last"]
    for k, s in best.items():
        print(f"{k:<28}{1000 * s:>9.1f}{flops / s / 1e9:>9.1f}{flops / s / 1e9 / gemm['float32']:>14.2f}{ref / s:>11.2f}")
    print(f"trainer / bare loop (same layout, float32): {ref / best['trainer (float32)']:.2f}")
