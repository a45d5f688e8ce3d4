"Model files load with `fairgan_nb.models` alone, the CIFAR ResNet-18 included."
import subprocess, sys
import torch
from fairgan_nb.models import CifarResNet18, save_model

def test_cifar_classifier_loads_in_a_fresh_interpreter(tmp_path):
    m = CifarResNet18(4).eval()
    save_model(m, tmp_path/"r18.pt")
    x = torch.rand(2, 3, 32, 32) * 2 - 1
    with torch.inference_mode(): torch.save(dict(x=x, y=m(x)), tmp_path/"xy.pt")
    code = ("import torch; from fairgan_nb.models import load_model\n"
            f"m = load_model({str(tmp_path/'r18.pt')!r}, 'classifier')\n"
            "assert type(m).__name__ == 'CifarResNet18' and m.n_classes == 4\n"
            f"xy = torch.load({str(tmp_path/'xy.pt')!r})\n"
            "with torch.inference_mode(): assert torch.allclose(m(xy['x']), xy['y'], atol=1e-6)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
