"""The bias loss's share of a generator step: its classifier in float32 against bfloat16 autocast, side by side in one run.

    python benchmarks/bias_hook.py [--threads 1] [--profile quick] [--loss mi_soft] [--run-dir runs/quick-seed0]

On the profile's auxiliary classifier (trained if missing) and a batch of the GAN's size drawn by an untrained
generator, it times one step of the `rebalanced_bias` row's hook (forward and backward to the images, with its random
shifts and turns) as `g_step` runs it: in float32 with the classifier contiguous, and under bf16 autocast with the
classifier channels-last. It also prints what the generator receives in each case: the term, and the cosine between
the two gradients on the images, on the same batch with the same augmentation draws.
"""
import argparse, copy, time
import torch
import torch.nn.functional as F
from fairgan_nb.baseline import setup_experiment, get_classifiers
from fairgan_nb.bias_loss import make_bias_loss
from fairgan_nb.models import DCGenerator
from fairgan_nb.train import autocast_bf16

def hook_step(hook, fake: torch.Tensor, bf16: bool, seed: int) -> tuple[float, torch.Tensor]:
    "The term and its gradient on `fake`, the augmentation drawn from `seed`."
    hook.rng.manual_seed(seed)
    x = fake.detach().clone().requires_grad_(True)
    with autocast_bf16("cpu", bf16): loss, _ = hook(x)
    loss.backward()
    return float(loss.detach()), x.grad

def ms_per_step(hook, fake: torch.Tensor, bf16: bool, n: int) -> float:
    for i in range(3): hook_step(hook, fake, bf16, i)
    t0 = time.perf_counter()
    for i in range(n): hook_step(hook, fake, bf16, i)
    return (time.perf_counter() - t0) / n * 1000

if __name__ == "__main__":
    ap = argparse.ArgumentParser(); ap.add_argument("--threads", type=int, default=1); ap.add_argument("--profile", default="quick")
    ap.add_argument("--loss", default="mi_soft"); ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--run-dir", default=None, help="a run folder whose classifiers to use (default: the profile's)")
    a = ap.parse_args(); torch.set_num_threads(a.threads)
    exp = setup_experiment(a.profile, 0, a.run_dir)
    aux, _ = get_classifiers(exp, progress=False)
    g = exp.profile.gan
    _, c, h, _ = exp.data.x_train.shape
    with torch.no_grad(): fake = DCGenerator(g.z_dim, channels=c, img_size=h)(torch.randn(g.batch_size, g.z_dim))
    f32 = make_bias_loss(a.loss, copy.deepcopy(aux).to(memory_format=torch.contiguous_format), augment=True)
    f32.classifier.to = lambda *args, **kw: f32.classifier   # keep float32's classifier contiguous
    b16 = make_bias_loss(a.loss, copy.deepcopy(aux), augment=True)
    t32, t16 = ms_per_step(f32, fake, False, a.steps), ms_per_step(b16, fake, True, a.steps)
    (l32, g32), (l16, g16) = hook_step(f32, fake, False, 123), hook_step(b16, fake, True, 123)
    cos = float(F.cosine_similarity(g32.flatten(), g16.flatten(), dim=0))
    print(f"{a.profile}, {a.loss} with augmentation, batch {g.batch_size}, {a.threads} thread(s)")
    print(f"{'':<28}{'float32':>10}{'bf16 CL':>10}")
    print(f"{'ms per step':<28}{t32:>10.1f}{t16:>10.1f}   speed-up {t32 / t16:.2f}x")
    print(f"{'term':<28}{l32:>10.4f}{l16:>10.4f}")
    print(f"gradient on the images: cosine {cos:.4f}, norm ratio {float(g16.norm() / g32.norm()):.4f}")
