"""Stand-ins of the paper's model files, written in the same formats, for the tests: NVIDIA's StyleGAN2 pickle with a
tiny package in the shape of its code, FairFace's state dict and EQ-Face's two state dicts (random weights)."""
import contextlib, importlib, pickle, sys
from pathlib import Path
import torch
import torch.nn as nn
from fairgan_nb.core import save_torch
from fairgan_nb.eqface import EQFaceBackbone, EQFaceHead
from fairgan_nb.fairface import fairface_resnet34
from fairgan_nb.stylegan2 import _NVIDIA_PKGS

STYLEGAN2_STANDIN_FILES = {
"dnnlib/__init__.py": '''
class EasyDict(dict):
    "Stand-in for NVIDIA's dnnlib.EasyDict."
    def __getattr__(self, k):
        try: return self[k]
        except KeyError: raise AttributeError(k)
''',
"torch_utils/__init__.py": "",
"torch_utils/standin_networks.py": '''
import math, torch, torch.nn as nn, torch.nn.functional as F
import dnnlib

class MappingNetwork(nn.Module):
    def __init__(self, z_dim, w_dim, num_ws):
        super().__init__()
        self.z_dim, self.w_dim, self.num_ws = z_dim, w_dim, num_ws
        self.fc0, self.fc1 = nn.Linear(z_dim, w_dim), nn.Linear(w_dim, w_dim)
        self.register_buffer("w_avg", torch.zeros(w_dim))
    def forward(self, z, c, truncation_psi=1, truncation_cutoff=None, skip_w_avg_update=False):
        x = z * (z.square().mean(1, keepdim=True) + 1e-8).rsqrt()
        ws = self.fc1(F.leaky_relu(self.fc0(x), 0.2)).unsqueeze(1).repeat(1, self.num_ws, 1)
        if truncation_psi != 1:
            n = self.num_ws if truncation_cutoff is None else truncation_cutoff
            ws[:, :n] = self.w_avg.lerp(ws[:, :n], truncation_psi)
        return ws

class SynthesisNetwork(nn.Module):
    def __init__(self, w_dim, img_resolution, img_channels, width=8):
        super().__init__()
        self.n_up = int(math.log2(img_resolution)) - 2
        self.w_dim, self.num_ws, self.img_resolution = w_dim, self.n_up + 2, img_resolution
        self.const = nn.Parameter(torch.randn(width, 4, 4))
        self.affines = nn.ModuleList([nn.Linear(w_dim, width) for _ in range(self.num_ws)])
        self.convs = nn.ModuleList([nn.Conv2d(width, width, 3, padding=1) for _ in range(self.n_up)])
        self.torgb = nn.Conv2d(width, img_channels, 1)
        self.register_buffer("noise_const", torch.randn(1, 1, img_resolution, img_resolution))
    def forward(self, ws, noise_mode="random", force_fp32=False):
        assert ws.shape[1:] == (self.num_ws, self.w_dim), f"ws has shape {tuple(ws.shape)}"
        style = lambda i: 1 + self.affines[i](ws[:, i])[:, :, None, None]
        x = self.const.expand(len(ws), -1, -1, -1) * style(0)
        for i, conv in enumerate(self.convs):
            x = F.leaky_relu(conv(F.interpolate(x, scale_factor=2.0)) * style(i + 1), 0.2)
        noise = {"random": torch.randn_like(x[:, :1]), "const": self.noise_const, "none": torch.zeros(())}[noise_mode]
        return 1.2 * torch.tanh(self.torgb(x * style(self.num_ws - 1)) + 0.3 * noise)

class Generator(nn.Module):
    def __init__(self, z_dim=16, c_dim=0, w_dim=16, img_resolution=32, img_channels=3):
        super().__init__()
        self.init_kwargs = dnnlib.EasyDict(z_dim=z_dim, c_dim=c_dim, w_dim=w_dim, img_resolution=img_resolution, img_channels=img_channels)
        self.z_dim, self.c_dim, self.w_dim = z_dim, c_dim, w_dim
        self.img_resolution, self.img_channels = img_resolution, img_channels
        self.synthesis = SynthesisNetwork(w_dim, img_resolution, img_channels)
        self.num_ws = self.synthesis.num_ws
        self.mapping = MappingNetwork(z_dim, w_dim, self.num_ws)
    def forward(self, z, c, truncation_psi=1, truncation_cutoff=None, **synthesis_kwargs):
        return self.synthesis(self.mapping(z, c, truncation_psi, truncation_cutoff), **synthesis_kwargs)
''',
}

@contextlib.contextmanager
def isolated_modules(path: Path | None = None, prefixes=_NVIDIA_PKGS):
    "Hide already imported `prefixes` modules (and put `path` on `sys.path`) inside the block; restore both after."
    is_ours = lambda k: k.split(".")[0] in prefixes
    saved = {k: sys.modules.pop(k) for k in [k for k in sys.modules if is_ours(k)]}
    if path is not None: sys.path.insert(0, str(path))
    try: yield
    finally:
        for k in [k for k in sys.modules if is_ours(k)]: del sys.modules[k]
        sys.modules.update(saved)
        if path is not None and str(path) in sys.path: sys.path.remove(str(path))

def write_stylegan2_standin(folder: str | Path, z_dim: int = 16, w_dim: int = 16, img_resolution: int = 32,
                            img_channels: int = 3, seed: int = 0) -> tuple[Path, Path]:
    "Write a stand-in of NVIDIA's code to `folder/code` and a network pickle made with it; return (pickle, code folder)."
    folder = Path(folder); code = folder/"code"
    for rel, src in STYLEGAN2_STANDIN_FILES.items():
        (code/rel).parent.mkdir(parents=True, exist_ok=True); (code/rel).write_text(src.lstrip())
    with isolated_modules(code):
        nets = importlib.import_module("torch_utils.standin_networks")
        torch.manual_seed(seed)
        G = nets.Generator(z_dim, 0, w_dim, img_resolution, img_channels).eval().requires_grad_(False)
        with torch.no_grad(): G.mapping.w_avg.copy_(G.mapping(torch.randn(1000, z_dim), None)[:, 0].mean(0))
        with open(folder/"network.pkl", "wb") as f:
            pickle.dump(dict(G=G, D=None, G_ema=G, augment_pipe=None, training_set_kwargs=None), f)
    return folder/"network.pkl", code

def write_fairface_standin(path: str | Path, n_outputs: int = 18, seed: int = 0) -> Path:
    "Save a randomly initialised FairFace-shaped state dict."
    torch.manual_seed(seed)
    return save_torch(fairface_resnet34(n_outputs).state_dict(), path)

def write_eqface_standin(folder: str | Path, blocks: tuple[int, ...] = (1, 1, 1, 1), seed: int = 0) -> Path:
    "Save randomly initialised EQ-Face-shaped `backbone.pth` and `quality.pth` (keys as `DataParallel` saves them)."
    folder = Path(folder); folder.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    b, h = EQFaceBackbone(blocks), EQFaceHead()
    for m in (b, h):  # non-trivial running statistics, so that eval mode differs from train mode
        for bn in m.modules():
            if isinstance(bn, (nn.BatchNorm1d, nn.BatchNorm2d)): bn.running_var.uniform_(0.5, 2); bn.running_mean.normal_(0, 0.1)
    save_torch({f"module.{k}": v for k, v in b.state_dict().items()}, folder/"backbone.pth")
    save_torch({f"module.{k}": v for k, v in h.state_dict().items()}, folder/"quality.pth")
    return folder

# `--set` sizes for a run through every section at the fewest samples each path takes (seconds a stage)
TINY_SIZES = ("clf.eval_epochs=1", "gan.steps=10", "gan.batch_size=8", "gan.ema_start=2", "gan.ckpt_every=5", "gan.log_every=5",
              "eval.n_samples=100", "eval.n_boot=50", "eval.n_fid=50", "explore.quota=5", "explore.max_draws=100",
              "explore.rejection_draws=100", "explore.n_grid=3", "explore.n_explore=3", "bias.grad_batch=8", "bias.n_eval=50",
              "bias.descent_steps=2", "bias.noise_batches=50", "bias.noise_steps=50", "bias.ft_steps=2", "bias.check_steps=2",
              "bias.n_track=20", "rebalance.n_select=20", "rebalance.n_snapshots=2", "fid.reps=2", "fid.kid_subsets=2",
              "fid.kid_subset_size=20", "fid.n_embed=60", "fid.n_iqa=2")

def set_args(*settings: str) -> list[str]:
    "The runner's command-line arguments that set `settings` ('section.field=value' each)."
    return [a for s in settings for a in ("--set", s)]
