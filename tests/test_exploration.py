"Latent-space exploration on a toy generator and classifier whose classes can be read off the latent."
import io, json, shutil, warnings, zipfile
import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image
from fairgan_nb.core import load_torch, save_torch
from fairgan_nb.bfs import SearchCfg, BFSearch, SearchState, explore_bfs, rejection_sample, class_stream_seed, STATE_FORMAT
from fairgan_nb.metrics import mean_pairwise_distance, near_duplicate_rate
from fairgan_nb.latents import (BalancedLatentSet, LatentSpace, classify_latents, hit_labels, latent_dist, seed_latents,
                                export_stylegan_zip, export_image_folder)
from fairgan_nb import bfs as bfs_module

CLASSES = ["a", "b", "c"]

class ToyG(nn.Module):
    "Shows a 4-d latent as a 1x2x2 image."
    z_dim = 4
    def __init__(self): super().__init__(); self.scale = nn.Parameter(torch.ones(1))
    def sample(self, z): return (z * self.scale).view(len(z), 1, 2, 2)

class ToyStyleG(ToyG):
    "Style-based: w = 2z + 0.5."
    def mapping(self, z): return 2 * z + 0.5
    def synthesis(self, w): return w.view(len(w), 1, 2, 2)

class ToyClf(nn.Module):
    "Class 2 if x1 > 2 (2.3%), else class 1 if x0 > 0.5, else class 0; confidence varies with x3."
    def __init__(self): super().__init__(); self.scale = nn.Parameter(torch.ones(1))
    def forward(self, x):
        f = x.flatten(1) * self.scale
        lab = torch.where(f[:, 1] > 2, 2, torch.where(f[:, 0] > 0.5, 1, 0))
        return F.one_hot(lab, 3).float() * (0.5 + f[:, 3:4].abs())

class Interrupting(ToyClf):
    "Raises KeyboardInterrupt on its `at`-th call."
    def __init__(self, at): super().__init__(); self.n, self.at = 0, at
    def forward(self, x):
        self.n += 1
        if self.n == self.at: raise KeyboardInterrupt
        return super().forward(x)

G, C = ToyG(), ToyClf()
TENSORS = ("latents", "labels", "probs", "root", "parent", "depth", "seeds")

def same_set(a: BalancedLatentSet, b: BalancedLatentSet):
    for k in TENSORS: assert torch.equal(getattr(a, k), getattr(b, k)), k
    for t in a.stats["per_class"]:
        sa, sb = a.stats["per_class"][t], b.stats["per_class"][t]
        assert {k: v for k, v in sa.items() if k != "wall_s"} == {k: v for k, v in sb.items() if k != "wall_s"}

def bfs(quota=25, **kw):
    cfg = SearchCfg(**{k: kw.pop(k) for k in list(kw) if k in SearchCfg.__dataclass_fields__})
    return explore_bfs(kw.pop("G", G), kw.pop("clf", C), CLASSES, quota, cfg=cfg, progress=False, **kw)

def reference_bfs(G, clf, t, quota, cfg, seed_start=0):
    "The paper's pseudo-code, one latent at a time, as a plain loop (Z space, gaussian mutation, no caps)."
    rng, acc, seed = torch.Generator().manual_seed(class_stream_seed(seed_start, t)), [], seed_start
    label = lambda z: int(hit_labels(*classify_latents(LatentSpace(G), clf, z[None]))[0])
    while len(acc) < quota:
        while label(z0 := seed_latents([seed], G.z_dim)[0]) != t: seed += 1
        seed += 1
        queue, first = [z0], True
        while queue and len(acc) < quota:
            z = queue.pop(0)
            if not first and label(z) != t: continue
            first = False
            acc.append(z)
            for c in z + cfg.sigma * torch.randn((cfg.n_children, *z.shape), generator=rng):
                if (c - z0).norm() > (z - z0).norm(): queue.append(c)
    return torch.stack(acc)

@pytest.mark.parametrize("space_g", [G, ToyStyleG()])
def test_batched_search_equals_one_at_a_time(space_g):
    one = bfs(30, G=space_g, batch_size=1)
    for b in (3, 64, 1000): same_set(one, bfs(30, G=space_g, batch_size=b))
    assert one.counts() == [30, 30, 30]
    assert torch.equal(hit_labels(*classify_latents(LatentSpace(space_g), C, one.latents)), one.labels)

def test_matches_the_papers_loop():
    "For one class at a time, the batched search accepts exactly what a literal one-at-a-time loop accepts."
    cfg = SearchCfg(batch_size=16)
    for t in range(3):
        ours = explore_bfs(G, C, CLASSES, 40, targets=[t], cfg=cfg, progress=False)
        assert torch.equal(ours.latents, reference_bfs(G, C, t, 40, cfg))

def test_outward_only():
    s = bfs(60)
    kid = s.parent >= 0
    root_of = {int(r): s.latents[(s.root == r) & ~kid][0] for r in s.root.unique()}
    rl = torch.stack([root_of[int(r)] for r in s.root[kid]])
    assert (latent_dist(s.latents[kid], rl) > latent_dist(s.latents[s.parent[kid]], rl)).all()
    assert (s.depth[kid] == s.depth[s.parent[kid]] + 1).all() and (s.depth[~kid] == 0).all()
    # without the rule, some accepted child is closer to its root than its parent
    s2 = bfs(60, outward=False)
    kid2 = s2.parent >= 0
    rl2 = torch.stack([s2.latents[(s2.root == r) & (s2.parent < 0)][0] for r in s2.root[kid2]])
    assert not (latent_dist(s2.latents[kid2], rl2) > latent_dist(s2.latents[s2.parent[kid2]], rl2)).all()

def test_quota_and_unusable_cap():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a search that fills every quota says nothing
        s = bfs(17)
    assert s.counts() == [17, 17, 17] and all(st["status"] == "full" for st in s.stats["per_class"].values())
    with pytest.warns(UserWarning, match=r"^bfs search left 3 of 3 target classes short of the quota 500: a \d+/500 "
                                         r"\(unusable cap after [\d,]+ generator calls\); b "):
        capped = bfs(500, max_unusable=5, usable=lambda x: x.flatten(1)[:, 2].abs() <= 1)
    for st in capped.stats["per_class"].values():
        assert (st["status"], st["unusable"]) == ("unusable cap", 6) and st["accepted"] < 500

def test_knobs():
    s = bfs(40, max_per_root=5, max_depth=2, max_norm=3.0)
    assert torch.bincount(s.root).max() == 5 and s.depth.max() <= 2
    assert s.latents[s.parent >= 0].norm(dim=1).max() <= 3.0
    conf = bfs(20, confidence=0.8)
    assert (conf.probs.max(1).values >= 0.8).all()
    pcn = bfs(40, mutation="pcn", sigma=0.5)
    assert pcn.counts() == [40, 40, 40]

class Never(ToyClf):
    "A fourth class that never wins."
    def forward(self, x): return F.pad(super().forward(x), (0, 1), value=-30.0)

def test_draw_budget():
    "A search that fills nothing used to return an empty set without a word."
    with pytest.warns(UserWarning, match=r"^bfs search found no latents: d 0/5 \(draw budget after 300 generator calls\); "
                                         r"max_draws=300, max_unusable=20$"):
        s = explore_bfs(G, Never(), CLASSES + ["d"], 5, targets=["d"], cfg=SearchCfg(max_draws=300), progress=False)
    assert len(s) == 0 and s.stats["per_class"][3]["status"] == "draw budget" and s.stats["per_class"][3]["calls"] == 300

def test_partly_filled_search_names_the_empty_classes():
    with pytest.warns(UserWarning, match=r"^bfs search left 1 of 2 target classes short of the quota 5, no latents for d: "
                                         r"d 0/5 \(draw budget after 300 generator calls\); max_draws=300"):
        s = explore_bfs(G, Never(), CLASSES + ["d"], 5, targets=["a", "d"], cfg=SearchCfg(max_draws=300), progress=False)
    assert s.counts() == [5, 0, 0, 0]

def test_rejection_follows_the_seed_stream():
    r = rejection_sample(G, C, CLASSES, 20, cfg=SearchCfg(batch_size=7), progress=False)
    assert r.counts() == [20, 20, 20]
    n = r.stats["per_class"][2]["calls"]
    labels = hit_labels(*classify_latents(LatentSpace(G), C, seed_latents(range(n), 4)))
    for t in range(3):
        first = (labels == t).nonzero().squeeze(1)[:20]
        assert torch.equal(r.seeds[r.labels == t], first)
        assert r.stats["per_class"][t]["calls"] == int(first[-1]) + 1
    s = bfs(20)
    for t in range(3):  # the BFS's roots are the first hits of the same stream
        roots = s.seeds[(s.labels == t) & (s.parent < 0)]
        assert torch.equal(roots, r.seeds[r.labels == t][:len(roots)])

@pytest.mark.parametrize("at", [2, 20, 28, 36])
def test_resume_after_interrupt(tmp_path, at):
    full = bfs(30, batch_size=4)
    sp = tmp_path/"state.pt"
    with pytest.raises(KeyboardInterrupt):
        explore_bfs(G, Interrupting(at), CLASSES, 30, cfg=SearchCfg(batch_size=4), state_path=sp,
                    checkpoint_every=1e9, progress=False)
    saved = SearchState.from_dict(load_torch(sp)).cls
    assert at < 20 or sum(len(c.acc) for c in saved.values()) > 0
    resumed = explore_bfs(G, C, CLASSES, 30, cfg=SearchCfg(batch_size=9), state_path=sp, progress=False)
    same_set(full, resumed)
    for t, c in saved.items():  # nothing accepted before the interrupt was lost
        assert torch.equal(resumed.latents[resumed.labels == t][:len(c.acc)], c.acc.latents)
    assert not sp.exists()

def test_interrupt_between_children_loses_nothing(tmp_path, monkeypatch):
    "An interrupt while children are being made (mid-step) leaves the state at the last step boundary."
    full = bfs(30, batch_size=4)
    real_mutate, calls = bfs_module.mutate, [0]
    def flaky(*a, **k):
        calls[0] += 1
        if calls[0] == 23: raise KeyboardInterrupt
        return real_mutate(*a, **k)
    monkeypatch.setattr(bfs_module, "mutate", flaky)
    sp = tmp_path/"state.pt"
    with pytest.raises(KeyboardInterrupt):
        explore_bfs(G, C, CLASSES, 30, cfg=SearchCfg(batch_size=4), state_path=sp, checkpoint_every=1e9, progress=False)
    monkeypatch.setattr(bfs_module, "mutate", real_mutate)
    st = SearchState.from_dict(load_torch(sp))
    assert all(len(c.acc) == c.stats.accepted for c in st.cls.values())
    same_set(full, explore_bfs(G, C, CLASSES, 30, cfg=SearchCfg(batch_size=4), state_path=sp, progress=False))

def test_periodic_checkpoint(tmp_path, monkeypatch):
    "With checkpoint_every=0 the state on disk follows every step, so even a hard kill loses at most one step."
    sp, seen = tmp_path/"state.pt", []
    orig = BFSearch.save_state
    def spy(self):
        orig(self); seen.append(sum(len(c.acc) for c in SearchState.from_dict(load_torch(sp)).cls.values()))
    monkeypatch.setattr(BFSearch, "save_state", spy)
    bfs(10, batch_size=4, state_path=sp, checkpoint_every=0)
    assert len(seen) > 5 and seen == sorted(seen) and seen[-1] == 30 and not sp.exists()

def test_resume_refuses_another_search(tmp_path):
    sp = tmp_path/"state.pt"
    with pytest.raises(KeyboardInterrupt):
        explore_bfs(G, Interrupting(25), CLASSES, 30, cfg=SearchCfg(batch_size=4), state_path=sp, progress=False)
    with pytest.raises(ValueError, match="differs in quota"):
        explore_bfs(G, C, CLASSES, 31, state_path=sp, progress=False)
    with pytest.raises(ValueError, match="differs in cfg"):
        explore_bfs(G, C, CLASSES, 30, cfg=SearchCfg(sigma=0.4), state_path=sp, progress=False)
    g2 = ToyG(); g2.scale.data += 1
    with pytest.raises(ValueError, match="differs in generator_fp"):
        explore_bfs(g2, C, CLASSES, 30, state_path=sp, progress=False)

def test_state_file_is_plain_data(tmp_path):
    "The state file holds plain dicts of CPU tensors, numbers and strings that the weights-only loader reads."
    sp = tmp_path/"state.pt"
    with pytest.raises(KeyboardInterrupt):
        explore_bfs(G, Interrupting(20), CLASSES, 30, cfg=SearchCfg(batch_size=4), state_path=sp, progress=False)
    raw = torch.load(sp, weights_only=True)
    assert raw["format"] == STATE_FORMAT and set(raw) == {"format", "key", "scan", "cls", "images"}
    c = raw["cls"][0]
    assert set(c) == {"acc", "roots", "queue", "rng", "stats", "tree_n", "cursor"} and c["acc"]["latents"].device.type == "cpu"
    assert set(c["stats"]) == {"calls", "root_calls", "frontier_calls", "accepted", "roots", "unusable", "wall_s", "status"}

def test_older_state_starts_over(tmp_path):
    "A state file of the previous format is not misread: the search says so and starts over, with the same result."
    sp = tmp_path/"state.pt"
    save_torch(dict(format="fairgan_nb.search_state/2", key={}, cls={0: dict(acc={}, stats=dict(accepted=3))}), sp)
    with pytest.warns(UserWarning, match=r"older format \(fairgan_nb.search_state/2\), which is not resumed"):
        s = bfs(12, batch_size=4, state_path=sp)
    same_set(bfs(12, batch_size=4), s)
    assert not sp.exists()

def test_save_load_round_trip(tmp_path):
    s = bfs(12)
    p = s.save(tmp_path/"set.pt")
    raw = torch.load(p, weights_only=True)  # the documented format: plain data, no code
    assert raw["format"] == "fairgan_nb.balanced_set/1" and raw["latents"].shape == (36, 4)
    back = BalancedLatentSet.load(p)
    same_set(s, back)
    assert (back.classes, back.space, back.method, back.params, back.generator_fp, back.classifier_fp) == \
           (s.classes, s.space, s.method, s.params, s.generator_fp, s.classifier_fp)
    back.check_models(G, C)
    with pytest.raises(ValueError, match="searched with classifier"):
        c2 = ToyClf(); c2.scale.data *= 2; back.check_models(G, c2)
    save_torch({"format": "other"}, tmp_path/"x.pt")
    with pytest.raises(ValueError, match="not a fairgan_nb.balanced_set/1 file"): BalancedLatentSet.load(tmp_path/"x.pt")
    with pytest.raises(FileNotFoundError, match="balanced latent set not found"): BalancedLatentSet.load(tmp_path/"none.pt")

def test_stylegan_zip_layout(tmp_path):
    s = bfs(7)
    p = export_stylegan_zip(s, G, tmp_path/"ds.zip")
    with zipfile.ZipFile(p) as zf:
        names = sorted(zf.namelist())
        assert names == sorted([f"00000/img{i:08d}.png" for i in range(21)] + ["dataset.json"])
        # what StyleGAN2-ADA's ImageFolderDataset does with it
        labels = dict(json.loads(zf.read("dataset.json"))["labels"])
        assert [labels[f"00000/img{i:08d}.png"] for i in range(21)] == s.labels.tolist()
        img = Image.open(io.BytesIO(zf.read("00000/img00000004.png")))
        assert img.mode == "L" and img.size == (4, 4)
        want = s.images(G, [4])[0, 0].clamp(-1, 1).add(1).mul(127.5).round()
        assert torch.equal(torch.tensor(np.asarray(img), dtype=torch.float32)[1:3, 1:3], want)
    assert export_stylegan_zip(s, G, tmp_path/"d8.zip", resolution=8).exists()
    with pytest.raises(ValueError, match="power-of-two"): export_stylegan_zip(s, G, tmp_path/"bad.zip", resolution=6)

def test_image_folder(tmp_path):
    s = bfs(5)
    root = export_image_folder(s, G, tmp_path/"imgs")
    assert sorted(p.name for p in root.iterdir()) == CLASSES
    assert all(len(list((root/c).glob("*.png"))) == 5 for c in CLASSES)
    with pytest.raises(FileExistsError): export_image_folder(s, G, root)

@pytest.mark.parametrize("kw,msg", [
    (dict(quota=0), "quota must be an integer >= 1, got 0"), (dict(quota=-3), "quota must be an integer >= 1"),
    (dict(quota=2.5), "quota must be an integer >= 1"), (dict(sigma=0.0), "sigma must be > 0, got 0.0"),
    (dict(sigma=-0.5), "sigma must be > 0"), (dict(mutation="pcn", sigma=1.5), "needs sigma < 1"),
    (dict(targets=["z"]), "unknown class 'z'; classes: a, b, c"), (dict(targets=[5]), "unknown class 5"),
    (dict(confidence=1.5), "confidence must be in"), (dict(n_children=0), "n_children must be >= 1")])
def test_errors(kw, msg):
    quota = kw.pop("quota", 5)
    with pytest.raises(ValueError, match=msg.replace("(", r"\(")): bfs(quota, **kw)
    if "targets" in kw or "sigma" in kw:
        with pytest.raises(ValueError, match=msg.replace("(", r"\(")):
            rejection_sample(G, C, CLASSES, quota, targets=kw.get("targets"),
                             cfg=SearchCfg(**{k: v for k, v in kw.items() if k != "targets"}), progress=False)

def test_diversity_measures():
    f = torch.tensor([[0.0, 0.0], [3.0, 4.0], [0.0, 0.1]])
    assert abs(mean_pairwise_distance(f) - (5 + 0.1 + (9 + 3.9 ** 2) ** 0.5) / 3) < 1e-9
    assert abs(near_duplicate_rate(f, 0.5) - 2 / 3) < 1e-9

def test_get_balanced_set_caches_and_checks(tmp_path):
    from types import SimpleNamespace
    from fairgan_nb.core import RunDir
    from fairgan_nb.config import get_profile, override
    from fairgan_nb.exploration import get_balanced_set, search_cfg, balanced_set_path
    prof = override(get_profile("smoke"), {"explore.quota": 20, "explore.max_draws": 3000})  # a budget the toy runs short of
    exp = SimpleNamespace(run=RunDir(tmp_path/"run"), profile=prof, seed=0, tag="toy", classes=CLASSES,
                          data=SimpleNamespace(classes=CLASSES))
    cfg = search_cfg(exp.profile, batch_size=8)
    s = get_balanced_set(exp, G, C, cfg=cfg, progress=False)
    path = balanced_set_path(exp, cfg=cfg, G=G, clf=C)
    assert s.counts() == [20, 20, 20] and path.exists() and not path.with_suffix(".state.pt").exists()
    # the batch size does not change the set, so it does not change the file either: loaded, not searched
    assert balanced_set_path(exp, cfg=search_cfg(exp.profile, batch_size=64), G=G, clf=C) == path
    mtime = path.stat().st_mtime_ns
    same_set(s, get_balanced_set(exp, G, C, cfg=search_cfg(exp.profile, batch_size=64), progress=False))
    assert path.stat().st_mtime_ns == mtime
    other = search_cfg(exp.profile, sigma=0.3)  # other parameters: another file, never the cached one
    assert balanced_set_path(exp, cfg=other, G=G, clf=C) != path
    assert get_balanced_set(exp, G, C, cfg=other, progress=False).params["sigma"] == 0.3
    g2 = ToyG(); g2.scale.data += 1  # another generator: another file, searched anew
    assert balanced_set_path(exp, cfg=cfg, G=g2, clf=C) != path
    shutil.copy(path, balanced_set_path(exp, cfg=cfg, G=g2, clf=C))  # a file that claims to be g2's but is not
    with pytest.raises(ValueError, match="searched with generator"): get_balanced_set(exp, g2, C, cfg=cfg, progress=False)
    with pytest.warns(UserWarning, match=r"short of the quota 20: c \d+/20 \(draw budget"):  # the toy is rarely 90% sure of c
        default = get_balanced_set(exp, G, C, progress=False)
    assert default.params["mutation"] == "pcn" and default.params["confidence"] == 0.9
    assert (default.probs.max(1).values >= 0.9).all()

def test_explorer_without_frontend():
    import matplotlib, matplotlib.pyplot; matplotlib.use("Agg")
    from fairgan_nb.exploration import latent_explorer, explorer_figure, has_widget_frontend
    s = bfs(6)
    assert not has_widget_frontend()  # plain Python: no widgets, the notebook draws the static figure instead
    fig = explorer_figure(G, C, s, 2, root=0, sigmas=(0.25, 1.0), n=3)
    assert len(fig.axes) == 2 * 4
    matplotlib.pyplot.close(fig)
    w = latent_explorer(G, C, s, n=3)
    cls, root, sigma = w.children[0].children
    assert [o[1] for o in cls.options] == [0, 1, 2]
    cls.value = 2; sigma.value = 0.3  # redraws without error
    with pytest.raises(ValueError, match="no root of class"):
        explorer_figure(G, C, s.subset(torch.nonzero(s.labels < 2).squeeze(1)), 2)
