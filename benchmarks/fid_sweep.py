"""Section 5's imbalance sweep in this process against the same sweep shared among worker processes, side by side.

    python benchmarks/fid_sweep.py [--reps 6] [--procs 2] [--profile quick]

Scores samples of the `quick` sizes (nine sets of `eval.n_fid` 128-dimensional features, a pool of real features with
ten classes) against references of every imbalance ratio of `fid.rhos`, once in this process (its default threads)
and once with the repetitions shared among `--procs` one-thread workers, and prints both times, the speed-up and
the largest relative difference between the two tables (threads sum in another order: floating-point noise only). The features are random: the cost does not depend on what they are.
"""
import argparse, time
import torch
from fairgan_nb.config import get_profile
from fairgan_nb.fid_sensitivity import imbalance_sweep

if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=6); ap.add_argument("--procs", type=int, default=2); ap.add_argument("--profile", default="quick")
    a = ap.parse_args(); p = get_profile(a.profile); K, D = 10, 128
    g = torch.Generator().manual_seed(0)
    y = torch.arange(K).repeat_interleave(500); f = torch.randn(len(y), D, generator=g) + y[:, None] / 4
    samples = {f"set {i}": torch.randn(p.eval.n_fid, D, generator=g) for i in range(9)}
    kw = dict(n_classes=K, rhos=p.fid.rhos, reps=a.reps, n_ref=1000, kid_subsets=p.fid.kid_subsets,
              kid_subset_size=p.fid.kid_subset_size, progress=False)
    times, tables = {}, {}
    for n in (1, a.procs):
        t0 = time.perf_counter(); tables[n] = imbalance_sweep(samples, f, y, y, **kw, n_procs=n); times[n] = time.perf_counter() - t0
    num = tables[1].select_dtypes("number").columns
    rel = ((tables[1][num] - tables[a.procs][num]).abs() / tables[1][num].abs().clip(lower=1e-12)).max().max()
    print(f"{a.profile}: {len(tables[1])} evaluations ({a.reps} repetitions x {len(p.fid.rhos)} ratios x 9 sets)")
    print(f"one process ({torch.get_num_threads()} threads): {times[1]:.1f} s; {a.procs} workers: {times[a.procs]:.1f} s; "
          f"speed-up {times[1] / times[a.procs]:.2f}x; largest relative difference between the tables: {rel:.1e}")
