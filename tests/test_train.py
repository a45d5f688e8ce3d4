"The GAN trainer's resume."
from dataclasses import replace
import math, sys
import torch
from fairgan_nb.config import get_profile
from fairgan_nb.train import read_log, train_gan

def test_torn_last_log_line_does_not_block_resume(tmp_path):
    cfg = replace(get_profile("smoke").gan, steps=6, ckpt_every=3, log_every=1, g_width=8, d_width=8, z_dim=8, batch_size=4)
    x = torch.rand(16, 1, 8, 8) * 2 - 1
    train_gan(x, cfg, tmp_path, stop_after=3, progress=False)
    with open(tmp_path/"log.jsonl", "a") as f: f.write('{"step": 4, "d_lo')   # an append cut short
    train_gan(x, cfg, tmp_path, progress=False)
    assert [r["step"] for r in read_log(tmp_path/"log.jsonl")] == [1, 2, 3, 4, 5, 6]

# --- the device reaches every stage ------------------------------------------------------------------------------------

import torch.nn as nn
from fairgan_nb.bias_loss import make_bias_loss
from fairgan_nb.config import ClassifierCfg, GANCfg
from fairgan_nb.models import AuxClassifier, EvalClassifier
from fairgan_nb.train import evaluate_classifier, load_gan_checkpoint, train_classifier

def _device_arg(args, kwargs):
    "The device a `.to(...)` call asks for, or None when it converts to a dtype or another tensor's device and dtype."
    for a in (*args, kwargs.get("device")):
        if isinstance(a, (str, torch.device)): return torch.device(a)
    return None

def _from_library() -> bool: return "fairgan_nb" in sys._getframe(2).f_code.co_filename

def test_device_reaches_every_stage(tmp_path, monkeypatch):
    """Every `.to(device)` of the library gets the device passed in. `cpu:0` is the CPU but compares unequal to the
    default `cpu`, so a stage that ignored `device` would show up (tensors on it report `cpu`, so torch's own moves
    that follow a parameter's device are left out: only calls from the library are recorded)."""
    dev, seen = torch.device("cpu", 0), []
    module_to, tensor_to = nn.Module.to, torch.Tensor.to
    def spy_module(self, *a, **k):
        if _from_library(): seen.append((type(self).__name__, _device_arg(a, k)))
        return module_to(self, *a, **k)
    def spy_tensor(self, *a, **k):
        if _from_library(): seen.append((f"Tensor{tuple(self.shape)}", _device_arg(a, k)))
        return tensor_to(self, *a, **k)
    monkeypatch.setattr(nn.Module, "to", spy_module); monkeypatch.setattr(torch.Tensor, "to", spy_tensor)
    x, y = torch.rand(32, 1, 28, 28) * 2 - 1, torch.arange(4).repeat(8)
    cfg = GANCfg(steps=4, batch_size=8, g_width=4, d_width=4, z_dim=8, ckpt_every=2, log_every=1)
    hook = make_bias_loss("relu_ema", AuxClassifier(4), coef=1.0, augment=True)
    train_gan(x, cfg, tmp_path/"gan", extra_g_loss=hook, device=dev, progress=False, stop_after=2)
    train_gan(x, cfg, tmp_path/"gan", extra_g_loss=hook, device=dev, progress=False)              # resumed
    train_gan(x, cfg, tmp_path/"gan", device=dev, progress=False)                                 # finished: loaded
    train_classifier(EvalClassifier(4), x[:24], y[:24], ClassifierCfg(batch_size=16), epochs=1, device=dev, progress=False)
    evaluate_classifier(nn.Sequential(nn.Flatten(), nn.Linear(784, 4)), x[:20], y[:20], device=dev, batch_size=16)
    devices = [d for _, d in seen if d is not None]
    assert devices and all(d == dev for d in devices), sorted({(n, str(d)) for n, d in seen if d is not None and d != dev})
    stages = {n for n, d in seen if d == dev}
    assert {"DCGenerator", "DCDiscriminator", "Tensor(32, 1, 28, 28)", "Tensor(8, 8)",   # the GAN, its data, the latents
            "AuxClassifier",                                                            # the hook's classifier
            "EvalClassifier", "Tensor(24, 1, 28, 28)", "Tensor(24,)",                   # training a classifier
            "Sequential", "Tensor(20, 1, 28, 28)"} <= stages, stages                    # evaluating one
    ck = load_gan_checkpoint(tmp_path/"gan"/"ckpt.pt")                                             # written on the CPU
    assert all(v.device == torch.device("cpu") for k in ("G", "D", "G_ema") for v in ck[k].values())

def test_bf16_gives_finite_losses_and_default_precision_is_unchanged(tmp_path):
    x = torch.rand(32, 1, 28, 28, generator=torch.Generator().manual_seed(0)) * 2 - 1
    cfg = GANCfg(steps=6, batch_size=8, g_width=4, d_width=4, z_dim=8, ckpt_every=3, log_every=1, r1_every=2)
    G16 = train_gan(x, cfg, tmp_path/"bf16", bf16=True, tf32=True, progress=False)
    rows = read_log(tmp_path/"bf16"/"log.jsonl")
    assert len(rows) == 6 and all(math.isfinite(r[k]) for r in rows for k in ("d_loss", "g_loss", "r1"))
    G32 = train_gan(x, cfg, tmp_path/"f32", progress=False)
    G32b = train_gan(x, cfg, tmp_path/"f32b", bf16=False, tf32=False, device="cpu", progress=False)
    z = torch.randn(4, 8)
    assert torch.equal(G32(z), G32b(z)) and not torch.equal(G16(z), G32(z))
