"The CIFAR10-LT preset end to end, on a stand-in in CIFAR-10's layout: every section at the fewest samples each path takes."
import json, pickle, subprocess, sys
from pathlib import Path
import numpy as np, pytest, torch
import torch.nn.functional as F
from fairgan_nb.data import load_mnist, write_cifar10
from standins import TINY_SIZES, set_args

BIN = Path(sys.executable).parent

def _cifar_standin(root: Path, train_per_class: int = 40, test_per_class: int = 20) -> Path:
    "MNIST digits tinted and padded to 32 px, in CIFAR-10's folder layout: ten classes, few images (ResNet-18 costs 14 ms each)."
    x, y = load_mnist()
    tint = torch.rand(10, 3, 1, 1, generator=torch.Generator().manual_seed(0)) * 0.6 + 0.4  # one colour per class
    u8 = (F.pad((x + 1) / 2, (2, 2, 2, 2)) * tint[y] * 255).round().to(torch.uint8).numpy()  # (5000,3,32,32)
    order = np.argsort(y.numpy(), kind="stable").reshape(10, -1)                            # 500 per class
    tr, te = order[:, :train_per_class].ravel(), order[:, train_per_class:train_per_class + test_per_class].ravel()
    d = write_cifar10(root/"data"/"cifar10", u8[tr], y.numpy()[tr])
    with open(d/"test_batch", "wb") as f: pickle.dump({b"data": u8[te].reshape(len(te), -1), b"labels": y.numpy()[te].tolist()}, f)
    return root

@pytest.fixture(scope="module")
def cifar_files(tmp_path_factory): return _cifar_standin(tmp_path_factory.mktemp("cifar_files"))

def test_cifar_standin_is_in_torchvision_layout(cifar_files):
    from fairgan_nb.data import load_cifar10
    x, y = load_cifar10(cifar_files/"data"/"cifar10", train=True)
    xt, yt = load_cifar10(cifar_files/"data"/"cifar10", train=False)
    assert x.shape == (400, 3, 32, 32) and xt.shape == (200, 3, 32, 32)
    assert torch.bincount(y).tolist() == [40] * 10 and torch.bincount(yt).tolist() == [20] * 10

@pytest.fixture(scope="module")
def cifar_run(root, cifar_files, tmp_path_factory):
    "Every section on the stand-in, at the fewest samples each path takes: the long tail of 40 to 4 the stand-in holds."
    run = tmp_path_factory.mktemp("cifar_run")
    sizes = set_args(*TINY_SIZES, "data.n_max=40")
    r = subprocess.run([BIN/"fairgan-reproduce", "--experiment", "cifar10_lt", "--profile", "smoke", "--files", str(cifar_files),
                        "--run-dir", str(run), *sizes], cwd=root, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return run

def test_cifar10_lt_runs_every_section(root, cifar_run):
    man = json.loads((cifar_run/"figures"/"manifest.json").read_text())
    assert [n["notebook"][:2] for n in man["notebooks"]] == ["00", "01", "02", "03", "04", "05"]
    [aux] = cifar_run.glob("models/classifiers-*/aux.pt")  # one classifier folder, keyed by what made it
    clf = torch.load(aux, weights_only=True)
    assert clf["arch"] == "CifarResNet18"
    assert (cifar_run/"figures"/"04_results.csv").exists()
    assert not (root/"runs"/"cifar10_lt-smoke-seed0").exists()   # the run folder given was used
