"CIFAR-10 batches are read without running code stored in them; the CIFAR10-LT split."
import os, pickle
import numpy as np, pytest, torch
from fairgan_nb.data import cifar10_lt_counts, load_cifar10, longtail_counts, make_cifar10_lt, write_cifar10

class _Payload:
    "What a crafted batch could hold: unpickling it calls os.system."
    def __init__(self, cmd: str): self.cmd = cmd
    def __reduce__(self): return (os.system, (self.cmd,))

def test_crafted_cifar_batch_runs_nothing(tmp_path):
    rng = np.random.default_rng(0)
    d = write_cifar10(tmp_path/"c", rng.integers(0, 256, (20, 3, 32, 32), dtype=np.uint8), np.repeat(np.arange(10), 2))
    marker = tmp_path/"marker"
    with open(d/"data_batch_1", "wb") as f:
        pickle.dump({b"data": _Payload(f"touch {marker}"), b"labels": [0]}, f)
    with pytest.raises(ValueError) as e: load_cifar10(tmp_path/"c")
    assert not marker.exists()
    msg = str(e.value)
    assert len(msg.splitlines()) == 1 and str(d/"data_batch_1") in msg and "system" in msg

@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_cifar_standin_still_loads(tmp_path, protocol):
    "The project's own writer, and NumPy arrays pickled with the protocols of Python 2 and 3."
    x = np.random.default_rng(1).integers(0, 256, (20, 3, 32, 32), dtype=np.uint8); y = np.repeat(np.arange(10), 2)
    d = write_cifar10(tmp_path/"c", x, y, n_batches=5)
    with open(d/"test_batch", "wb") as f:
        pickle.dump({b"data": x.reshape(20, -1), b"labels": y.tolist(), b"batch_label": b"testing batch 1 of 1",
                     b"filenames": [b"a.png"] * 20}, f, protocol=protocol)
    xt, yt = load_cifar10(tmp_path/"c", train=False)
    xs, ys = load_cifar10(tmp_path/"c", train=True)
    assert xt.shape == (20, 3, 32, 32) and yt.tolist() == y.tolist() and xs.shape == (20, 3, 32, 32)
    assert xt.min() >= -1 and xt.max() <= 1

def test_cifar10_lt_counts_are_the_published_ones():
    assert cifar10_lt_counts() == [5000, 3871, 2997, 2320, 1796, 1391, 1077, 834, 645, 500]  # CIFAR10-LT, rho 10
    assert sum(cifar10_lt_counts()) == 20_431 and cifar10_lt_counts(5000, 100)[-1] == 50

def test_cifar10_lt_from_a_tiny_folder(tmp_path):
    rng = np.random.default_rng(1)
    write_cifar10(tmp_path/"c", rng.integers(0, 256, (100, 3, 32, 32), dtype=np.uint8), np.repeat(np.arange(10), 10))
    d = make_cifar10_lt(tmp_path/"c", n_max=8, seed=3)
    assert torch.bincount(d.y_train, minlength=10).tolist() == d.counts == longtail_counts(8, 10, 10)
    assert torch.bincount(d.y_balanced).tolist() == [sum(d.counts) // 10] * 10
    assert len(d.split.y_heldout) == 100 and d.classes[-1] == "truck"
