"""Inference on the CPU in chunks of different sizes: generation, labels and features, side by side in one run.

    python benchmarks/inference_chunk.py [--profile quick] [--run-dir runs/quick-seed0] [--n 5000] [--reps 3]

On the profile's classifiers and baseline generator (trained into the run folder if missing), it times `generate`,
`predict_proba` (auxiliary classifier and evaluator) and `extract_features` (evaluator) on `--n` samples, with the
inputs split into chunks of each size (`CPU_CHUNK` lifted), on one thread: first in one process alone, then in two processes at once (both
cores busy, as when snapshots are scored beside training). It prints the median seconds per size, the speed-up of each
size over 1,000 (the old default), and whether every size returns exactly the tensor that 1,000 returns.
"""
import argparse, statistics, time
import multiprocessing as mp
import torch

SIZES = (64, 128, 256, 512, 1000)

def measure(args) -> dict:
    "In a process: {(what, size): [seconds, ...]} and {(what, size): exact?} on one thread."
    profile, run_dir, n, reps = args
    torch.set_num_threads(1)
    from fairgan_nb.baseline import setup_experiment, get_classifiers, get_baseline_gan, fixed_latents
    import fairgan_nb.models as M
    from fairgan_nb.models import generate, predict_proba, extract_features
    M.CPU_CHUNK = 10**9  # the sizes below as given, not capped
    exp = setup_experiment(profile, 0, run_dir)
    aux, ev = get_classifiers(exp, progress=False); G = get_baseline_gan(exp, progress=False)
    z = fixed_latents(exp, n, G.z_dim, "checkpoint_choice")
    x = generate(G, z, batch_size=1000)
    fns = {"generate": lambda b: generate(G, z, batch_size=b), "labels (auxiliary)": lambda b: predict_proba(aux, x, batch_size=b),
           "labels (evaluator)": lambda b: predict_proba(ev, x, batch_size=b), "features (evaluator)": lambda b: extract_features(ev, x, batch_size=b)}
    ref = {k: f(1000) for k, f in fns.items()}
    times, exact = {}, {}
    for _ in range(reps):
        for k, f in fns.items():
            for b in SIZES:
                t0 = time.perf_counter(); y = f(b); times.setdefault((k, b), []).append(time.perf_counter() - t0)
                exact[(k, b)] = exact.get((k, b), True) and torch.equal(y, ref[k])
    return dict(times=times, exact=exact)

def report(title: str, results: list[dict]):
    print(f"\n{title}: median seconds per {a.n:,} samples (speed-up over 1,000; exact = the same tensor as 1,000)")
    print(f"{'':<22}" + "".join(f"{b:>16}" for b in SIZES))
    for k in results[0]["times"] and dict.fromkeys(k for k, _ in results[0]["times"]):
        med = {b: statistics.median(t for r in results for t in r["times"][(k, b)]) for b in SIZES}
        cells = [f"{med[b]:.2f} ({med[1000] / med[b]:.2f}x){'' if all(r['exact'][(k, b)] for r in results) else ' !'}" for b in SIZES]
        print(f"{k:<22}" + "".join(f"{c:>16}" for c in cells))
    print("every size exact" if all(all(r["exact"].values()) for r in results) else "! marks a size whose output differs")

if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--profile", default="quick"); ap.add_argument("--run-dir", default=None)
    ap.add_argument("--n", type=int, default=5000); ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    run_dir = a.run_dir or f"runs/{a.profile}-seed0"
    job = (a.profile, run_dir, a.n, a.reps)
    measure((a.profile, run_dir, 10, 1))  # trains what is missing, before anything is timed
    with mp.get_context("spawn").Pool(1) as p: report("one process alone", p.map(measure, [job]))
    with mp.get_context("spawn").Pool(2) as p: report("two processes at once", p.map(measure, [job, job]))
