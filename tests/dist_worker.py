"Run under torchrun by test_distributed.py: train a few steps, then check every rank holds the same weights."
import sys, torch
import torch.distributed as dist
from dataclasses import replace
from fairgan_nb.config import get_profile
from fairgan_nb.data import make_dataset
from fairgan_nb.train import init_distributed, train_gan

out = sys.argv[1]
rank, world, device = init_distributed()
cfg = replace(get_profile("smoke").gan, steps=12, ckpt_every=6, log_every=3, g_width=8, d_width=8)
G = train_gan(make_dataset().x_train, cfg, out, seed=0, progress=False)
flat = torch.cat([p.detach().flatten() for p in G.parameters()])
gathered = [torch.zeros_like(flat) for _ in range(world)]
dist.all_gather(gathered, flat)
if rank == 0:
    same = all(torch.equal(gathered[0], g) for g in gathered)
    open(f"{out}/sync.txt", "w").write(f"world={world} same={same}\n")
dist.barrier()  # no rank tears the group down while another still talks to it (gloo aborts on a vanished peer)
dist.destroy_process_group()
