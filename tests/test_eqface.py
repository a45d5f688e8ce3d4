"EQ-Face's face quality, on stand-in state dicts of the released layout (random weights, no downloads)."
import torch
from fairgan_nb.eqface import eqface_scores, load_eqface
from standins import write_eqface_standin

def test_eqface_scores_from_the_files_folder(tmp_path):
    write_eqface_standin(tmp_path/"weights"/"eqface", blocks=(1, 2, 1, 1))
    faces = torch.rand(5, 3, 48, 48, generator=torch.Generator().manual_seed(1)) * 2 - 1
    s, note = eqface_scores(faces, tmp_path, batch_size=2)
    assert s.shape == (5,) and s.dtype == torch.float64 and ((s > 0) & (s < 1)).all() and "weights" in note
    net = load_eqface(tmp_path/"weights"/"eqface")
    assert len(net.backbone.layer2) == 2
    with torch.inference_mode(): assert torch.allclose(net(faces).double(), s, atol=1e-6)

def test_eqface_unavailable_is_one_line(tmp_path):
    s, why = eqface_scores(torch.zeros(2, 3, 16, 16), tmp_path)
    assert s is None and why.startswith("unavailable: put EQ-Face's face-quality model") and "weights/eqface/" in why
