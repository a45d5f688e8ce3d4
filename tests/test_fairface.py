"FairFace's race classifier, on a stand-in state dict of the released shape (random weights, no downloads)."
import pytest, torch
import torch.nn.functional as F
from fairgan_nb.fairface import FAIRFACE_RACES, RACE_GROUPINGS, FairFaceRaceClassifier, grouping_of, load_fairface
from fairgan_nb.models import generate, predict_proba
from fairgan_nb.stylegan2 import load_stylegan2
from standins import write_fairface_standin, write_stylegan2_standin

@pytest.fixture(scope="module")
def fairface(tmp_path_factory): return write_fairface_standin(tmp_path_factory.mktemp("ff")/"fairface.pt")

def test_fairface_wrong_shape_and_missing_file(tmp_path):
    write_fairface_standin(tmp_path/"seven.pt", n_outputs=7)
    with pytest.raises(ValueError, match=r"fc.weight has shape \(7, 512\), expected \(18, 512\)"): load_fairface(tmp_path/"seven.pt")
    with pytest.raises(FileNotFoundError, match="FairFace weights not found"): load_fairface(tmp_path/"none.pt")

def test_fairface_groups_sum_race_probabilities(fairface):
    clf = load_fairface(fairface, device="cpu", size=64)
    x = torch.rand(3, 3, 40, 40) * 2 - 1
    with torch.inference_mode():
        p7, p6 = F.softmax(clf.race_logits(x), 1), predict_proba(clf, x)
    assert clf.classes == list(RACE_GROUPINGS["paper6"]) and clf.n_classes == 6
    assert torch.allclose(p6[:, clf.classes.index("Asian")], p7[:, 3] + p7[:, 4], atol=1e-6)
    assert torch.allclose(p6.sum(1), torch.ones(3))
    raw = FairFaceRaceClassifier(clf.net, imagenet_norm=False, size=40)
    assert torch.equal(raw.preprocess(x), x), "the authors' variant feeds [-1, 1] images unchanged"

def test_n_classes_is_a_property_that_follows_the_groups(fairface):
    assert isinstance(FairFaceRaceClassifier.n_classes, property)
    assert load_fairface(fairface, grouping_of(FAIRFACE_RACES), device="cpu", size=32).n_classes == 7
    with pytest.raises(ValueError, match=r"unknown race groups \['Asia'\]"): grouping_of(["Asia"])

def test_generate_classify_loop_and_w_mutation(fairface, clean_imports, tmp_path):
    pkl, code = write_stylegan2_standin(tmp_path/"sg2", z_dim=8, w_dim=8, img_resolution=16)
    G = load_stylegan2(pkl, code, trust=True, device="cpu", w_plus=True)
    clf = load_fairface(fairface, device="cpu", size=32)
    g = torch.Generator().manual_seed(0)
    labels = torch.cat([predict_proba(clf, generate(G, torch.randn(6, G.z_dim, generator=g), batch_size=3), batch_size=3).argmax(1)
                        for _ in range(2)])
    assert labels.shape == (12,) and labels.max() < 6
    with torch.inference_mode():
        w = G.mapping(torch.randn(4, G.z_dim, generator=g))
        child = w + torch.empty_like(w).uniform_(-0.3, 0.3, generator=g)
        x = G.synthesis(child)
        assert w.shape == (4, G.num_ws, G.w_dim) and x.shape == (4, 3, 16, 16) and clf(x).shape == (4, 6)
        assert not torch.equal(x, G.synthesis(w))
