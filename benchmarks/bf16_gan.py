"""Does bfloat16 autocast change what a GAN learns? The `quick` baseline trained in float32 and in bf16, over seeds.

    python benchmarks/bf16_gan.py [--seeds 0 1] [--procs 2] [--out benchmarks/bf16_gan.md]

Each (seed, precision) baseline GAN is trained on seed 0's long-tailed data with its own training seed, into
`runs/quick-seed0/models/` (seed 0 in float32 is the main job's baseline, reused), one process per core. All are measured by the same instruments, seed 0's
classifiers: the fairness metric F (mean over 10 splits of the `quick` sample count, evaluator labels), FID in evaluator
features against the held-out split, and the wall time of training. The float32 seeds give the run-to-run spread that
bf16's difference is read against. Writes the table to `--out`.
"""
import argparse, json, time
from concurrent.futures import ProcessPoolExecutor
import pandas as pd
import torch

def train(seed: int, bf16: bool) -> dict:
    "Train (or load) one baseline of seed 0's data with the training seed `seed`, on one thread; its folder and seconds."
    torch.set_num_threads(1)
    from fairgan_nb.baseline import setup_experiment, gan_dir
    from fairgan_nb.config import stream_seed
    from fairgan_nb.train import train_gan
    exp = setup_experiment("quick", 0)  # the data stays seed 0's: only the GAN's own randomness changes
    out = gan_dir(exp, "baseline") if (seed, bf16) == (0, False) else exp.run.models/f"bf16check-seed{seed}-{'bf16' if bf16 else 'fp32'}"
    t0 = time.time()
    train_gan(exp.data.x_train, exp.profile.gan, out, seed=stream_seed(seed, "train"), progress=False, bf16=bf16)
    rows = [json.loads(line) for line in (out/"log.jsonl").read_text().splitlines()] if (out/"log.jsonl").exists() else []
    return dict(seed=seed, bf16=bf16, dir=str(out), train_s=rows[-1]["sec"] if rows else time.time() - t0)

if __name__ == "__main__":
    ap = argparse.ArgumentParser(); ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    ap.add_argument("--procs", type=int, default=2); ap.add_argument("--out", default="benchmarks/bf16_gan.txt")
    a = ap.parse_args()
    from fairgan_nb.baseline import setup_experiment, get_classifiers
    from fairgan_nb.models import load_model
    from fairgan_nb.rebalance import evaluate_model
    ref = setup_experiment("quick", 0)
    _, evaluator = get_classifiers(ref)
    todo = [(s, b) for s in a.seeds for b in (False, True)]
    with ProcessPoolExecutor(a.procs) as ex: runs = list(ex.map(train, *zip(*todo)))
    rows = []
    for r in runs:
        G = load_model(f"{r['dir']}/G_ema.pt", "generator")
        m = evaluate_model(ref, f"bf16check-{r['seed']}-{int(r['bf16'])}", G, evaluator)
        rows.append(dict(seed=r["seed"], precision="bf16" if r["bf16"] else "float32", F=m["F_mean"], F_std=m["F_std"],
                         fid=m["fid"], train_s=r["train_s"]))
    df = pd.DataFrame(rows).sort_values(["precision", "seed"])
    text = df.round(4).to_string(index=False)
    print(text); open(a.out, "w").write(text + "\n")
