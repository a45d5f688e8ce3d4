"""One thread against two for the small networks here, alone and beside a busy process, side by side in one run.

    python benchmarks/threads_beside_load.py [--n 5000] [--steps 40] [--reps 3]

Why the test suite runs each pytest-xdist worker, and everything it starts, on one thread: with two workers on two
cores, each worker's work always has the other worker's process beside it. This times two workloads of the pipeline,
with untrained networks of the embedded default's shapes (the time does not depend on the weights): the evaluator's
labels of `--n` generated images (`predict_proba`), and `--steps` GAN training steps (`train_step` in bf16, batch 64). Each
runs on one thread and on two, first with the machine to itself, then beside a spawned process that multiplies
matrices on one thread (as the other worker does). It prints the median wall time and the CPU time of the measuring
process (all its threads), and the ratios of two threads to one.
"""
import argparse, resource, statistics, time
import multiprocessing as mp
import torch

def busy(stop):
    "The other worker: matrix products on one thread until `stop` is set."
    torch.set_num_threads(1)
    a = torch.randn(256, 256)
    while not stop.is_set(): a = torch.tanh(a @ a)

def cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime

def workloads(n: int, steps: int) -> dict:
    from fairgan_nb.config import GANCfg
    from fairgan_nb.models import EvalClassifier, predict_proba
    from fairgan_nb.train import init_gan, train_step
    torch.manual_seed(0)
    ev = EvalClassifier(10, 1, 28)
    x = torch.rand(n, 1, 28, 28) * 2 - 1
    cfg = GANCfg(batch_size=64)
    real = torch.rand(64, 1, 28, 28) * 2 - 1
    def gan():
        s = init_gan(cfg, 1, 28, seed=0)
        for _ in range(steps): train_step(s, real, cfg, bf16=True)
    return {f"evaluator labels of {n:,} images": lambda: predict_proba(ev, x), f"{steps} GAN steps (batch 64)": gan}

def measure(fns: dict, threads: int, reps: int) -> dict:
    torch.set_num_threads(threads)
    out = {}
    for k, f in fns.items():
        f()  # warm-up
        walls, cpus = [], []
        for _ in range(reps):
            c0, t0 = cpu_s(), time.perf_counter(); f(); walls.append(time.perf_counter() - t0); cpus.append(cpu_s() - c0)
        out[k] = (statistics.median(walls), statistics.median(cpus))
    return out

if __name__ == "__main__":
    ap = argparse.ArgumentParser(); ap.add_argument("--n", type=int, default=5000); ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    fns = workloads(a.n, a.steps)
    res = {"alone": {t: measure(fns, t, a.reps) for t in (1, 2)}}
    ctx = mp.get_context("spawn"); stop = ctx.Event(); p = ctx.Process(target=busy, args=(stop,)); p.start()
    try:
        time.sleep(2)  # the busy process is running
        res["beside a busy process"] = {t: measure(fns, t, a.reps) for t in (1, 2)}
    finally: stop.set(); p.join()
    print(f"{'':<38}{'':<24}{'1 thread':>18}{'2 threads':>18}{'2 / 1':>14}")
    print(f"{'':<38}{'':<24}{'wall s  cpu s':>18}{'wall s  cpu s':>18}{'wall   cpu':>14}")
    for where, r in res.items():
        for k in fns:
            (w1, c1), (w2, c2) = r[1][k], r[2][k]
            print(f"{k:<38}{where:<24}{w1:>9.2f}{c1:>7.2f}  {w2:>9.2f}{c2:>7.2f}  {w2 / w1:>7.2f}{c2 / c1:>7.2f}")
