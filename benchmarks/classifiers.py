"""The two classifiers' training: float32 against bfloat16 autocast (channels-last), side by side in one run.

    python benchmarks/classifiers.py [--threads 1] [--profile quick]

Trains the auxiliary and the evaluator classifier of the profile's embedded experiment (same data, seed, epochs and
schedule as `fairgan_nb.baseline.get_classifiers`) once in float32 and once with bf16 autocast, and prints the
training seconds, the speed-up and the held-out accuracy of each (predicted in float32, as the pipeline does).
"""
import argparse, tempfile, time
from dataclasses import replace
import torch
from fairgan_nb.baseline import setup_experiment
from fairgan_nb.models import AuxClassifier, EvalClassifier
from fairgan_nb.train import train_classifier, evaluate_classifier

if __name__ == "__main__":
    ap = argparse.ArgumentParser(); ap.add_argument("--threads", type=int, default=1); ap.add_argument("--profile", default="quick")
    a = ap.parse_args(); torch.set_num_threads(a.threads)
    with tempfile.TemporaryDirectory() as d: exp = setup_experiment(a.profile, 0, d)
    s, cfg = exp.data.split, exp.profile.clf
    print(f"{a.profile}: {len(s.x_pool)} training images, {len(s.x_heldout)} held out, {a.threads} thread(s)")
    print(f"{'classifier':<11}{'epochs':>7}{'float32 s':>11}{'bf16 s':>8}{'speed-up':>10}{'acc float32':>13}{'acc bf16':>10}")
    for name, cls, epochs in (("auxiliary", AuxClassifier, cfg.aux_epochs), ("evaluator", EvalClassifier, cfg.eval_epochs)):
        res = {}
        for bf16 in (False, True):
            torch.manual_seed(0); m = cls(exp.n_classes, *s.x_pool.shape[1:3])
            t0 = time.perf_counter()
            train_classifier(m, s.x_pool, s.y_pool, replace(cfg, bf16=bf16), epochs, seed=0, progress=False, bf16=bf16)
            res[bf16] = (time.perf_counter() - t0, evaluate_classifier(m, s.x_heldout, s.y_heldout, exp.n_classes)["acc"])
        (t32, a32), (t16, a16) = res[False], res[True]
        print(f"{name:<11}{epochs:>7}{t32:>11.1f}{t16:>8.1f}{t32 / t16:>10.2f}{a32:>13.4f}{a16:>10.4f}")
