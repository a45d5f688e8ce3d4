"The evaluation module against independent closed forms and hand-made cases."
import hashlib, re
from unittest import mock
from pathlib import Path
import numpy as np
import pytest
import scipy.linalg
import torch
import torch.nn as nn
from fairgan_nb import evaluation as ev
from fairgan_nb.quality import no_reference_quality
from fairgan_nb.models import EvalClassifier


def gaussian(n, mu, cov, seed):
    g = torch.Generator().manual_seed(seed)
    mu, cov = torch.as_tensor(mu, dtype=torch.float64), torch.as_tensor(cov, dtype=torch.float64)
    return torch.randn(n, len(mu), generator=g, dtype=torch.float64) @ torch.linalg.cholesky(cov).T + mu


def fid_closed_form(m1, s1, m2, s2):
    "||m1-m2||^2 + Tr(S1 + S2 - 2 (S1 S2)^1/2) with scipy's matrix square root."
    m1, s1, m2, s2 = map(np.asarray, (m1, s1, m2, s2))
    return float(((m1 - m2) ** 2).sum() + np.trace(s1 + s2 - 2 * scipy.linalg.sqrtm(s1 @ s2).real))


def expected_poly_kernel(a, A, b, B):
    "E[(x.y/d + 1)^3] for independent x ~ N(a, A), y ~ N(b, B) (Gaussian moments up to order 3)."
    d, c = len(a), a @ b
    m2 = np.trace((A + np.outer(a, a)) @ (B + np.outer(b, b)))
    m3 = c ** 3 + 3 * c * (a @ B @ a) + 3 * c * (b @ A @ b + np.trace(A @ B)) + 6 * a @ B @ A @ b
    return m3 / d ** 3 + 3 * m2 / d ** 2 + 3 * c / d + 1


def mmd2_closed_form(a, A, b, B):
    return expected_poly_kernel(a, A, a, A) + expected_poly_kernel(b, B, b, B) - 2 * expected_poly_kernel(a, A, b, B)


A = np.array([[1.0, 0.3, 0.0], [0.3, 1.0, 0.0], [0.0, 0.0, 0.5]])
B = np.diag([1.5, 0.5, 1.0])
a, b = np.array([0.5, 0.0, -0.5]), np.array([1.0, 0.5, 0.0])


# FID and KID ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("mu2,cov2", [(b, B), (a, A), (a + 2, 2 * A)])
def test_fid_matches_closed_form_on_gaussians(mu2, cov2):
    fa, fb = gaussian(40_000, a, A, 0), gaussian(40_000, mu2, cov2, 1)
    closed = fid_closed_form(a, A, mu2, cov2)
    assert ev.fid_from_features(fa, fb) == pytest.approx(closed, abs=0.03 + 0.01 * closed)


def test_fid_through_an_identity_feature_module_on_images():
    "fid_kid with a user module: 'images' (N,3,1,1) whose pixels are the Gaussian features."
    class Flatten(nn.Module):
        def forward(self, x): return x.flatten(1)
    fa, fb = gaussian(20_000, a * 0.1, A * 0.01, 2), gaussian(20_000, b * 0.1, B * 0.01, 3)
    r = ev.fid_kid(fa[:, :, None, None].float(), fb[:, :, None, None].float(), features=Flatten(), kid_subsets=5)
    closed = fid_closed_form(a * 0.1, A * 0.01, b * 0.1, B * 0.01)
    assert r["fid"] == pytest.approx(closed, rel=0.05)
    assert r["n_real"] == r["n_fake"] == 20_000 and r["feature_dim"] == 3


def test_frechet_from_stats_equals_torchmetrics_and_closed_form():
    fa, fb = gaussian(500, a, A, 4), gaussian(300, b, B, 5)
    tm = ev.fid_from_features(fa, fb)
    assert ev.frechet_distance_from_stats(*ev.feature_stats(fa), *ev.feature_stats(fb)) == pytest.approx(tm, rel=1e-9)
    assert ev.frechet_distance_from_stats(torch.tensor(a), torch.tensor(A), torch.tensor(b), torch.tensor(B)) == \
        pytest.approx(fid_closed_form(a, A, b, B), rel=1e-9)
    mu, cov = ev.feature_stats(fa)
    assert torch.allclose(cov, torch.tensor(np.cov(fa.numpy().T)))


def test_kid_matches_closed_form_mmd_on_gaussians():
    closed = mmd2_closed_form(a, A, b, B)
    kid, std = ev.kid_from_features(gaussian(10_000, a, A, 6), gaussian(10_000, b, B, 7), subsets=30, subset_size=1000)
    assert kid == pytest.approx(closed, rel=0.15) and std > 0
    same, _ = ev.kid_from_features(gaussian(10_000, a, A, 8), gaussian(10_000, a, A, 9), subsets=30, subset_size=1000)
    assert abs(same) < 0.05 * closed
    assert mmd2_closed_form(a, A, a, A) == pytest.approx(0, abs=1e-12)


def test_kid_is_seeded_and_caps_the_subset_size():
    fa, fb = gaussian(50, a, A, 10), gaussian(40, b, B, 11)
    assert ev.kid_from_features(fa, fb, 5, 1000, seed=3) == ev.kid_from_features(fa, fb, 5, 1000, seed=3)
    assert ev.kid_from_features(fa, fb, 5, 1000, seed=3) != ev.kid_from_features(fa, fb, 5, 20, seed=4)


# the class-reweighted statistics -------------------------------------------------------------------------------------

MEANS = np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 3.0]])
COVS = np.array([np.eye(2), [[2.0, 0.5], [0.5, 1.0]], 0.5 * np.eye(2)])


def draw_classes(counts, seed):
    f = torch.cat([gaussian(n, MEANS[c], COVS[c], seed * 10 + c) for c, n in enumerate(counts)])
    return f, torch.arange(len(counts)).repeat_interleave(torch.tensor(counts))


def balanced_mixture_moments():
    mu = MEANS.mean(0)
    return mu, sum((COVS[c] + np.outer(MEANS[c] - mu, MEANS[c] - mu)) / 3 for c in range(3))


def test_reweighted_stats_equal_balanced_statistics_in_expectation():
    "Averaged over draws, reweighted statistics of imbalanced samples = plain statistics of balanced samples."
    mu_pop, cov_pop = balanced_mixture_moments()
    rw = [ev.class_reweighted_stats(*draw_classes([600, 120, 40], s), 3) for s in range(100)]
    bal = [ev.feature_stats(draw_classes([254, 253, 253], 1000 + s)[0]) for s in range(100)]
    plain = [ev.feature_stats(draw_classes([600, 120, 40], s)[0]) for s in range(20)]
    mean = lambda stats, i: torch.stack([s[i] for s in stats]).mean(0).numpy()
    for i, target in ((0, mu_pop), (1, cov_pop)):
        assert np.abs(mean(rw, i) - target).max() < 0.03, (i, mean(rw, i), target)
        assert np.abs(mean(rw, i) - mean(bal, i)).max() < 0.04
        assert np.abs(mean(plain, i) - target).max() > 0.3  # the unweighted statistics are far: the test can fail


def test_reweighted_stats_equal_a_balanced_resample_of_the_same_reference():
    "Drawing a balanced sample from the reference itself (m per class) gives the reweighted statistics on average."
    f, y = draw_classes([500, 150, 60], 0)
    mu_w, cov_w = ev.class_reweighted_stats(f, y, 3)
    g = torch.Generator().manual_seed(0)
    idx = [(y == c).nonzero().squeeze(1) for c in range(3)]
    stats = [ev.feature_stats(f[torch.cat([i[torch.randint(len(i), (200,), generator=g)] for i in idx])]) for _ in range(400)]
    assert torch.allclose(torch.stack([s[0] for s in stats]).mean(0), mu_w, atol=0.01)
    assert torch.allclose(torch.stack([s[1] for s in stats]).mean(0), cov_w, atol=0.03)
    assert not torch.allclose(ev.feature_stats(f)[1], cov_w, atol=0.3)


def test_reweighting_a_balanced_reference_is_almost_a_no_op():
    f, y = draw_classes([400, 400, 400], 3)
    fake = draw_classes([100, 300, 50], 4)[0]
    assert ev.reweighted_fid(f, y, fake, 3) == pytest.approx(ev.fid_from_features(f, fake), rel=0.01)


def test_reweighted_fid_removes_the_imbalance_artefact():
    ref, ref_y = draw_classes([1200, 200, 30], 5)
    bal, bal_ref = draw_classes([400, 400, 400], 6)[0], draw_classes([400, 400, 400], 7)[0]
    plain, rw, truth = ev.fid_from_features(ref, bal), ev.reweighted_fid(ref, ref_y, bal, 3), ev.fid_from_features(bal_ref, bal)
    assert plain > 1.0 and abs(rw - truth) < 0.1 * (plain - truth)


# PRDC ----------------------------------------------------------------------------------------------------------------

def prdc_reference(real, fake, k):
    "The formulas of clovaai/generative-evaluation-prdc, written with numpy."
    d = lambda x, y: np.sqrt(((x[:, None] - y[None]) ** 2).sum(-1))
    kth = lambda x: np.partition(d(x, x), k, axis=1)[:, k]
    rr, rf, drf = kth(real), kth(fake), d(real, fake)
    return dict(precision=(drf < rr[:, None]).any(0).mean(), recall=(drf < rf[None]).any(1).mean(),
                density=(1 / k) * (drf < rr[:, None]).sum(0).mean(), coverage=(drf.min(1) < rr).mean())


def test_prdc_hand_made_cases():
    r = ev.prdc(torch.arange(5.0)[:, None], torch.tensor([[0.5], [10.0]]), k=1)
    assert r == dict(precision=0.5, recall=1.0, density=1.0, coverage=0.4)
    sq = torch.tensor([[0.0, 0], [1, 0], [0, 1], [1, 1]])
    r = ev.prdc(sq, torch.tensor([[0.5, 0.5], [0.1, 0.0], [5.0, 5.0]]), k=1)  # real radii 1; (0.5,0.5) in all four balls
    assert r["precision"] == pytest.approx(2 / 3) and r["density"] == pytest.approx(2.0)  # (4 + 2 + 0) / 3
    assert r["coverage"] == pytest.approx(1.0)
    x = torch.randn(100, 3, generator=torch.Generator().manual_seed(0))
    assert ev.prdc(x, x + 50) == dict(precision=0.0, recall=0.0, density=0.0, coverage=0.0)
    assert ev.prdc(x, x) == dict(precision=1.0, recall=1.0, density=1.0, coverage=1.0)


@pytest.mark.parametrize("seed", [0, 1])
def test_prdc_matches_the_reference_formulas(seed):
    g = torch.Generator().manual_seed(seed)
    real, fake = torch.randn(300, 4, generator=g), torch.randn(250, 4, generator=g) * 1.3 + 0.4
    ours, ref = ev.prdc(real, fake, k=5, chunk=64), prdc_reference(real.double().numpy(), fake.double().numpy(), 5)
    for key in ref: assert ours[key] == pytest.approx(ref[key], abs=1e-12), key


# inputs --------------------------------------------------------------------------------------------------------------

def test_wrong_ranges_and_shapes_get_clear_errors():
    clf = EvalClassifier().eval()
    x = torch.linspace(-1, 1, 8 * 28 * 28).view(8, 1, 28, 28)  # fixed values: the messages below quote the range
    with pytest.raises(ValueError, match=r"fake images must lie in \[-1, 1\], got values in \[0, 255\]"):
        ev.fid_kid(x, (x + 1) * 127.5, evaluator=clf)
    with pytest.raises(ValueError, match="must be float in \\[-1, 1\\], got torch.uint8"):
        ev.fid_kid(x, ((x + 1) * 127.5).to(torch.uint8), evaluator=clf)
    with pytest.raises(ValueError, match=r"shape \(N,C,H,W\) with N >= 1 and C = 1 or 3, got \(8, 28, 28\)"):
        ev.fid_kid(x[:, 0], x, evaluator=clf)
    with pytest.raises(ValueError, match=r"real images are \(1, 28, 28\) but fake images are \(3, 28, 28\)"):
        ev.fid_kid(x, x.expand(-1, 3, -1, -1), evaluator=clf)
    with pytest.raises(ValueError, match="feature sizes differ: 3 and 4"):
        ev.fid_from_features(torch.randn(5, 3), torch.randn(5, 4))
    with pytest.raises(ValueError, match="must lie in"):
        no_reference_quality(x * 2, ("piqe",))
    with pytest.raises(ValueError, match="class 2 has 0 reference sample"):
        ev.class_reweighted_stats(torch.randn(10, 2), torch.tensor([0] * 5 + [1] * 5), 3)



def _nan_eye():
    s = torch.eye(3, dtype=torch.float64); s[0, 0] = float("nan")
    return s


@pytest.mark.parametrize("sigma,msg", [
    (-torch.eye(3, dtype=torch.float64), r"sigma\d is not positive semi-definite \(smallest eigenvalue -1"),
    (torch.tensor([[1.0, 0.5, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]), r"sigma\d is not symmetric"),
    (_nan_eye(), r"sigma\d contains NaN or inf"),
    (torch.eye(2), r"sigma\d must be \(3, 3\) to match mu\d, got \(2, 2\)"),
])
def test_frechet_from_stats_refuses_invalid_covariances(sigma, msg):
    "A negative-definite covariance used to give a distance of 0; every invalid sigma is now refused, on either side."
    mu, ok = torch.zeros(3), torch.eye(3)
    with pytest.raises(ValueError, match=msg): ev.frechet_distance_from_stats(mu, sigma, mu, ok)
    with pytest.raises(ValueError, match=msg): ev.frechet_distance_from_stats(mu, ok, mu, sigma)


def test_frechet_from_stats_refuses_mismatched_means():
    with pytest.raises(ValueError, match=r"mu1 and mu2 differ in size: 3 and 2"):
        ev.frechet_distance_from_stats(torch.zeros(3), torch.eye(3), torch.zeros(2), torch.eye(2))
    with pytest.raises(ValueError, match=r"mu1 must be a \(D,\) vector, got \(1, 3\)"):
        ev.frechet_distance_from_stats(torch.zeros(1, 3), torch.eye(3), torch.zeros(3), torch.eye(3))


def test_frechet_from_stats_accepts_rounding_and_singular_covariances():
    "Covariances of fewer samples than dimensions are singular; rounding must not make them fail the check."
    f = gaussian(5, np.zeros(8), np.eye(8), 4) * 1e3
    mu, sigma = ev.feature_stats(f)
    assert ev.frechet_distance_from_stats(mu, sigma, mu, sigma) == pytest.approx(0, abs=1e-6 * sigma.trace().item())


@pytest.mark.parametrize("bad", [3, 7, -1])
def test_labels_outside_the_classes_are_refused(bad):
    "Labels >= K (or negative) used to be dropped without a word."
    f, y = draw_classes([20, 20, 20], 11)
    wrong = y.clone(); wrong[:2] = bad
    calls = [lambda: ev.class_reweighted_stats(f, wrong, 3), lambda: ev.reweighted_fid(f, wrong, f, 3),
             lambda: ev.per_class_fid(f, wrong, f, y, 3), lambda: ev.per_class_fid(f, y, f, wrong, 3)]
    for call in calls:
        with pytest.raises(ValueError, match=rf"labels must lie in \[0, 3\), got {bad}$"): call()


def test_labels_must_match_the_features():
    f, y = draw_classes([20, 20, 20], 12)
    with pytest.raises(ValueError, match=r"reference labels must be \(60,\) to match the features, got \(59,\)"):
        ev.class_reweighted_stats(f, y[:59], 3)
    with pytest.raises(ValueError, match=r"real labels must be integers, got torch.float32"):
        ev.per_class_fid(f, y.float(), f, y, 3)


def test_feature_functions_say_a_numpy_array_is_not_a_tensor():
    "A numpy array used to be reported as a wrong shape, '(N, D) tensor, got (10, 4)'."
    a, t = np.zeros((10, 4)), torch.randn(10, 4)
    y = torch.arange(2).repeat(5)
    calls = [lambda: ev.fid_from_features(a, t), lambda: ev.kid_from_features(t, a), lambda: ev.prdc(a, t),
             lambda: ev.feature_stats(a), lambda: ev.reweighted_fid(a, y, t, 2), lambda: ev.reweighted_fid(t, y, a, 2),
             lambda: ev.class_reweighted_stats(a, y, 2), lambda: ev.per_class_fid(a, y, t, y, 2)]
    for call in calls:
        with pytest.raises(TypeError, match=r"must be a torch.Tensor \(N, D\), got a numpy array of shape \(10, 4\); "
                                            r"convert it with torch.from_numpy"): call()


def test_metric_inputs_take_n_classes_for_the_per_class_metrics():
    "metric_inputs(..., n_classes=K) used to raise 'multiple values for n_classes'."
    x = torch.rand(30, 1, 2, 2, generator=torch.Generator().manual_seed(0)) * 2 - 1
    y = torch.arange(3).repeat(10)
    inp = ev.metric_inputs(x, x, nn.Flatten(), real_labels=y, n_classes=3)
    assert inp.n_classes == 3
    res = ev.calc_metric("fid_reweighted", inp)["results"]
    assert res["fid_reweighted"] == pytest.approx(ev.reweighted_fid(inp.real_feats, y, inp.fake_feats, 3))
    with pytest.raises(ValueError, match="needs the evaluator's labels of the fake images"):
        ev.calc_metric("fid_per_class", inp)
    clf = EvalClassifier().eval()
    x28 = torch.rand(20, 1, 28, 28, generator=torch.Generator().manual_seed(1)) * 2 - 1
    inp = ev.metric_inputs(x28, x28, evaluator=clf, real_labels=torch.arange(10).repeat(2), n_classes=10)
    assert sorted(ev.calc_metric("fid_per_class", inp)["results"]) == sorted(f"fid_class{c}" for c in range(10))
    with pytest.raises(ValueError, match="n_classes=5 but the evaluator has 10 classes"):
        ev.metric_inputs(x28, x28, evaluator=clf, n_classes=5)


# unavailable weights -------------------------------------------------------------------------------------------------

@pytest.fixture
def empty_hub(tmp_path, monkeypatch):
    "Torch hub pointed at an empty folder and no weights folder set: nothing cached on this machine is found."
    hub = tmp_path/"hub"; hub.mkdir()
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(hub))
    monkeypatch.delenv("FAIRGAN_WEIGHTS", raising=False)
    return hub


def test_missing_inception_is_a_one_line_error_naming_where_to_put_it(empty_hub):
    clf = EvalClassifier().eval()
    with pytest.raises(FileNotFoundError) as e: ev.feature_extractor("inception", evaluator=clf)
    msg = str(e.value)
    assert "\n" not in msg and msg.startswith("Inception-v3 weights not found: put torch-fidelity's weights-inception-2015-12-05-6726825d.pth in")
    assert str(empty_hub/"checkpoints") in msg
    assert ev.find_inception_weights() is None
    with pytest.raises(FileNotFoundError, match="Inception weights not found"):
        ev.feature_extractor("inception", inception_weights=empty_hub/"weights-x.pth")


def save_stand_in_inception(path):
    "A randomly initialised FeatureExtractorInceptionV3's state dict, saved as torch-fidelity's file is: nothing downloaded."
    from torch_fidelity import feature_extractor_inceptionv3 as fe
    with mock.patch.object(fe, "load_state_dict_from_url", lambda *a, **k: {}), \
         mock.patch.object(fe.FeatureExtractorInceptionV3, "load_state_dict", lambda self, sd: None):
        net = fe.FeatureExtractorInceptionV3("inception-v3-compat", ["2048"])
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(net.state_dict(), path)
    return net


def test_inception_features_and_fid_from_a_local_weights_file(empty_hub):
    "The loading path with random weights in torch-fidelity's layout (no real weights are needed for this)."
    path = empty_hub/"checkpoints"/ev.INCEPTION_FILE
    net = save_stand_in_inception(path)
    assert ev.find_inception_weights() == path
    ext = ev.feature_extractor("inception")
    assert isinstance(ext, ev.InceptionFeatures)
    x = torch.rand(6, 1, 28, 28, generator=torch.Generator().manual_seed(0)) * 2 - 1
    f = ev.compute_features(ext, x, batch_size=4)
    assert f.shape == (6, 2048) and torch.isfinite(f).all()
    u8 = ((x.expand(-1, 3, -1, -1) + 1) * 127.5).round().to(torch.uint8)
    ref = torch.nn.functional.interpolate(u8.float(), size=(299, 299), mode="bilinear", align_corners=False, antialias=True)
    with torch.no_grad(): direct = torch_fidelity_pool(net, (ref - 128) / 128)
    assert torch.allclose(f, direct.double(), rtol=1e-4, atol=1e-4)  # the saved weights are the ones that ran
    res = ev.fid_kid(x[:3], x[3:], "inception", kid_subset_size=3, kid_subsets=2)
    assert np.isfinite(res["fid"]) and res["fid"] >= 0 and res["feature_dim"] == 2048
    assert ev.inception_record() == dict(inception_net=ev.INCEPTION_NET, inception_weights=ev.INCEPTION_FILE,
                                         inception_sha256=hashlib.sha256(path.read_bytes()).hexdigest()[:12])


def torch_fidelity_pool(net, x):
    "The 2048-d pool features of torch-fidelity's network on already resized, normalised float images."
    for name in ("Conv2d_1a_3x3", "Conv2d_2a_3x3", "Conv2d_2b_3x3", "MaxPool_1", "Conv2d_3b_1x1", "Conv2d_4a_3x3", "MaxPool_2",
                 "Mixed_5b", "Mixed_5c", "Mixed_5d", "Mixed_6a", "Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e",
                 "Mixed_7a", "Mixed_7b", "Mixed_7c", "AvgPool"):
        x = getattr(net, name)(x)
    return x.flatten(1)


def test_inception_weights_that_are_not_plain_tensors_are_refused(empty_hub):
    path = empty_hub/"checkpoints"/ev.INCEPTION_FILE; path.parent.mkdir()
    torch.save({"net": Path("not a tensor")}, path)
    with pytest.raises(Exception, match="Weights only load failed"):
        ev.feature_extractor("inception")


# the registry --------------------------------------------------------------------------------------------------------

def test_every_registered_metric_cites_a_paper_and_an_implementation():
    for name in ev.list_metrics():
        doc = ev._METRICS[name].__doc__
        assert re.search(r"(19|20)\d\d", doc) and ";" in doc, name


def test_calc_metrics_on_labelled_features():
    f, y = draw_classes([50, 50, 50], 9)
    fake, fy = draw_classes([100, 30, 20], 10)
    inp = ev.MetricInputs(f, fake, y, fy, 3, kid_subset_size=20, kid_subsets=5)
    res = ev.calc_metrics(["fid", "kid", "fid_per_class", "fid_reweighted", "prdc5"], inp)
    assert res["fid"] == pytest.approx(ev.fid_from_features(f, fake))
    assert res["fid_class1"] == pytest.approx(ev.fid_from_features(f[y == 1], fake[fy == 1]))
    assert res["fid_reweighted"] == pytest.approx(ev.reweighted_fid(f, y, fake, 3))
    with pytest.raises(ValueError, match="unknown metric 'fid50k'"):
        ev.calc_metric("fid50k", inp)


def test_fairness_is_registered_with_its_interval():
    f, y = torch.randn(10, 2), torch.tensor([0] * 60 + [1] * 30 + [2] * 10)
    inp = ev.MetricInputs(f, f, fake_labels=y, n_classes=3, n_boot=300, seed=4)
    r = ev.calc_metric("fairness", inp)["results"]
    by_hand = ((0.6 - 1 / 3) ** 2 + (0.3 - 1 / 3) ** 2 + (0.1 - 1 / 3) ** 2) ** 0.5
    assert r["F"] == pytest.approx(by_hand, abs=1e-12) and r["F_lo"] < r["F"] < r["F_hi"]
    assert ev.calc_metric("fairness", inp)["results"] == r  # seeded
    with pytest.raises(ValueError, match="fairness needs the evaluator's labels of the fake images"):
        ev.calc_metric("fairness", ev.MetricInputs(f, f, real_labels=y[:10], n_classes=3))


def test_the_device_reaches_every_stage(monkeypatch):
    "A spy on the device each stage receives: feature extraction, PRDC and the quality networks."
    seen, cf, pr, nr = [], ev.compute_features, ev.prdc, ev.no_reference_scores
    monkeypatch.setattr(ev, "compute_features", lambda e, x, b=500, device=None: seen.append(("features", device)) or cf(e, x, b, device))
    monkeypatch.setattr(ev, "prdc", lambda r, f, k=5, device=None: seen.append(("prdc", device)) or pr(r, f, k, device=device))
    monkeypatch.setattr(ev, "no_reference_scores", lambda *a, device=None, **k: seen.append(("quality", device)) or nr(*a, device=device, **k))
    clf, x = EvalClassifier().eval(), torch.rand(12, 1, 28, 28, generator=torch.Generator().manual_seed(0)) * 2 - 1
    dev = torch.device("cpu")
    inp = ev.metric_inputs(x, x, evaluator=clf, device=dev)
    res = ev.calc_metrics(["prdc5", "piqe"], inp)
    assert seen == [("features", dev), ("features", dev), ("prdc", dev), ("quality", dev)]
    assert res["precision"] == 1.0 and np.isfinite(res["piqe"])
    seen.clear(); ev.fid_kid(x, x, evaluator=clf, kid_subset_size=6, device=dev)
    assert seen == [("features", dev), ("features", dev)]
    seen.clear(); ev.calc_metrics(["prdc5"], ev.metric_inputs(x, x, evaluator=clf))
    assert seen == [("features", None), ("features", None), ("prdc", None)]


def test_inception_weights_in_the_experiment_files_folder_are_found(empty_hub, tmp_path, monkeypatch):
    monkeypatch.setattr(ev, "files_root", lambda: tmp_path/"files")
    assert ev.find_inception_weights() is None
    w = tmp_path/"files"/"weights"; w.mkdir(parents=True); (w/ev.INCEPTION_FILE).write_bytes(b"")
    assert ev.find_inception_weights() == w/ev.INCEPTION_FILE
