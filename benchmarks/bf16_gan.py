"""Does bfloat16 autocast change what a GAN learns? The `quick` baseline trained in float32 and in bf16, over seeds.

    python benchmarks/bf16_gan.py [--seeds 0 1] [--procs 2] [--out benchmarks/bf16_gan.md]

Each (seed, precision) baseline GAN is trained once into `runs/quick-seed<seed>/` (the run folders of the main job, so a
`quick` run's float32 baseline is reused), one process per core. All are measured by the same instruments, seed 0's
classifiers: the fairness metric F (mean over 10 splits of the `quick` sample count, evaluator labels), FID in evaluator
features against the held-out split, and the wall time of training. The float32 seeds give the run-to-run spread that
bf16's difference is read against. Writes a Markdown table to `--out`.
"""
import argparse, json, time
from concurrent.futures import ProcessPoolExecutor
import pandas as pd
import torch

def train(seed: int, bf16: bool) -> dict:
    "Train (or load) one baseline on one thread; its folder and training seconds."
    torch.set_num_threads(1)
    from fairgan_nb.baseline import setup_experiment, get_baseline_gan, gan_dir
    exp = setup_experiment("quick", seed, overrides={"compute.bf16": bf16})
    log = gan_dir(exp, "baseline")/"log.jsonl"
    t0 = time.time(); get_baseline_gan(exp, progress=False)
    rows = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return dict(seed=seed, bf16=bf16, dir=str(gan_dir(exp, "baseline")), train_s=rows[-1]["sec"] if rows else time.time() - t0)

if __name__ == "__main__":
    ap = argparse.ArgumentParser(); ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    ap.add_argument("--procs", type=int, default=2); ap.add_argument("--out", default="benchmarks/bf16_gan.md")
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
    text = df.to_markdown(index=False, floatfmt=".4f")
    print(text); open(a.out, "w").write(text + "\n")
