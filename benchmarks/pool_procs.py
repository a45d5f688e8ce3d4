"""Section 4's six GANs on two worker processes against three, side by side in one run.

    python benchmarks/pool_procs.py [--steps 400] [--rounds 2]

`quick` trains six GANs in section 4: for each preset the rebalanced GAN and the oracle, and the bias-loss GAN, whose
steps cost about 1.7 times as much (59 ms against 35 on one thread). The script trains a mix of that shape on the
embedded digits with the `quick` GAN: two jobs of 1.7 x `--steps` first, then four of `--steps`, through `run_jobs`
on two processes and on three, alternating, each time into fresh folders, and prints the best wall time of each and
their ratio. With two processes each job has a core to itself, and the two long jobs, then two short ones each,
fill both cores evenly; a third process can only share the two cores.
"""
import argparse, os, tempfile, time
from dataclasses import replace
from pathlib import Path
from fairgan_nb.config import get_profile
from fairgan_nb.core import save_torch
from fairgan_nb.data import load_mnist
from fairgan_nb.rebalance import TrainJob, run_jobs

if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=400); ap.add_argument("--rounds", type=int, default=2)
    a = ap.parse_args(); p = get_profile("quick")
    times = {2: [], 3: []}
    with tempfile.TemporaryDirectory() as d:
        d = Path(d); save_torch({"x": load_mnist()[0][:2000]}, d/"x.pt")
        def jobs(tag):
            steps = [int(1.7 * a.steps)] * 2 + [a.steps] * 4  # the longest first, as `train_and_score` orders them
            return [TrainJob(f"g{i}", d/"x.pt", d/tag/f"g{i}", replace(p.gan, steps=s, ckpt_every=s), seed=i, bf16=p.compute.bf16)
                    for i, s in enumerate(steps)]
        for r in range(a.rounds):
            for n in (2, 3):
                t0 = time.perf_counter(); run_jobs(jobs(f"r{r}-n{n}"), n); times[n].append(time.perf_counter() - t0)
    best = {n: min(t) for n, t in times.items()}
    print(f"six GANs (two of {int(1.7 * a.steps)} steps, four of {a.steps}), the quick GAN, {os.cpu_count()} cores, "
          f"best of {a.rounds}: two processes {best[2]:.1f} s, three {best[3]:.1f} s; three take {best[3] / best[2]:.2f}x the time of two")
