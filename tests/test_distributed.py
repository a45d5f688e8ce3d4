"The multi-process training path on CPU: two gloo processes launched by torchrun."
import subprocess, sys
from pathlib import Path
import torch
from fairgan_nb.models import load_model

BIN = Path(sys.executable).parent

def test_two_process_training_keeps_ranks_in_sync(tmp_path):
    r = subprocess.run([BIN/"torchrun", "--nproc_per_node", "2", "--master_port", "29517", str(Path(__file__).parent/"dist_worker.py"),
                        str(tmp_path)], capture_output=True, text=True, env={"OMP_NUM_THREADS": "1", **__import__("os").environ})
    assert r.returncode == 0, r.stderr[-3000:]
    assert (tmp_path/"sync.txt").read_text().strip() == "world=2 same=True"
    G = load_model(tmp_path/"G_ema.pt", "generator")
    assert G(torch.randn(2, G.z_dim)).shape == (2, 1, 28, 28)
    assert len((tmp_path/"log.jsonl").read_text().splitlines()) == 4  # one writer: rank 0

def test_train_cli_rejects_bad_images(tmp_path):
    torch.save({"y": torch.zeros(3)}, tmp_path/"bad.pt")
    r = subprocess.run([sys.executable, "-m", "fairgan_nb.train", "--images", str(tmp_path/"bad.pt"), "--out", str(tmp_path/"o")],
                       capture_output=True, text=True)
    assert r.returncode == 1 and "must hold a dict with key 'x'" in r.stderr
