"The GAN trainer's resume."
from dataclasses import replace
import torch
from fairgan_nb.core import get_profile
from fairgan_nb.train import read_log, train_gan

def test_torn_last_log_line_does_not_block_resume(tmp_path):
    cfg = replace(get_profile("smoke").gan, steps=6, ckpt_every=3, log_every=1, g_width=8, d_width=8, z_dim=8, batch_size=4)
    x = torch.rand(16, 1, 8, 8) * 2 - 1
    train_gan(x, cfg, tmp_path, stop_after=3, progress=False)
    with open(tmp_path/"log.jsonl", "a") as f: f.write('{"step": 4, "d_lo')   # an append cut short
    train_gan(x, cfg, tmp_path, progress=False)
    assert [r["step"] for r in read_log(tmp_path/"log.jsonl")] == [1, 2, 3, 4, 5, 6]
