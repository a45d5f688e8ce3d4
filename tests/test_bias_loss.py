"The bias-mitigation loss: properties, gradients, weights, the trainer hook and its errors."
import math
import pytest
import torch
import torch.nn.functional as F
from fairgan_nb.bias_loss import (BIAS_LOSSES, RunningShares, class_weights_complement, class_weights_from_counts,
                                  class_weights_from_shares, expected_batch_relu_loss, get_bias_spec, hard_batch_shares,
                                  kl_to_uniform_loss, linear_share_loss, make_bias_loss, relu_deficit_loss,
                                  reweighted_g_loss, reweighting_extra_loss, soft_batch_shares, squared_deviation_loss)
from fairgan_nb.models import AuxClassifier, DCGenerator

CIFAR_LT = [5000, 3871, 2997, 2320, 1796, 1391, 1077, 834, 645, 500]
TERMS = [relu_deficit_loss, squared_deviation_loss, kl_to_uniform_loss]

def _random_shares(n: int, k: int, seed: int = 0, scale: float = 1.5) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return F.softmax(torch.randn(n, k, generator=g, dtype=torch.float64) * scale, 1)

@pytest.fixture
def w10(): return class_weights_from_counts(CIFAR_LT)

# --- weights -------------------------------------------------------------------------------------------------------

def test_weights_from_cifar10_lt_counts(w10):
    n = torch.tensor(CIFAR_LT, dtype=torch.float64)
    assert torch.allclose(w10, n.sum() / (10 * n))
    assert w10[0] == pytest.approx(20431 / 50000) and w10[-1] == pytest.approx(20431 / 5000)
    assert (w10.diff() > 0).all()                                   # rarer class, larger weight
    assert float(w10.max() / w10.min()) == pytest.approx(10.0)      # the imbalance ratio
    assert float((n / n.sum() * w10).sum()) == pytest.approx(1.0)   # average 1 under the data

def test_weights_from_shares_match_counts_and_need_no_data(w10):
    pi = torch.tensor(CIFAR_LT, dtype=torch.float64) / sum(CIFAR_LT)
    assert torch.allclose(class_weights_from_shares(pi), w10)
    floored = class_weights_from_shares([0.9, 0.1, 0.0], min_share=0.01)
    assert torch.isfinite(floored).all() and float(floored[2]) == pytest.approx(1 / (3 * 0.01))

def test_complement_weights():
    p = torch.tensor([0.655, 0.175, 0.12, 0.03, 0.017, 0.003], dtype=torch.float64)
    w = class_weights_complement(p)
    assert torch.allclose(w, (1 - p) / 5) and float(w.sum()) == pytest.approx(1.0)
    assert int(torch.stack([linear_share_loss(v, w) for v in torch.eye(6, dtype=torch.float64)]).argmin()) == 0

@pytest.mark.parametrize("bad, msg", [([10, 0, 3], "positive count"), ([5], "at least 2"), ([[1, 2], [3, 4]], "at least 2")])
def test_weights_errors(bad, msg):
    with pytest.raises(ValueError, match=msg): class_weights_from_counts(bad)

def test_share_weights_errors():
    with pytest.raises(ValueError, match="sum to 1"): class_weights_from_shares([0.5, 0.6])
    with pytest.raises(ValueError, match="sum to 1"): class_weights_complement([-0.1, 1.1])

# --- shares --------------------------------------------------------------------------------------------------------

def test_hard_shares_count_argmax_and_carry_no_gradient():
    logits = torch.tensor([[2.0, 0.0, 0.0], [0.0, 3.0, 0.0], [1.0, 0.0, 0.5], [0.0, 0.0, 0.1]], requires_grad=True)
    p = hard_batch_shares(logits)
    assert p.tolist() == [0.5, 0.25, 0.25] and not p.requires_grad
    assert not relu_deficit_loss(p).requires_grad

def test_soft_shares_on_simplex_and_temperature_limits():
    logits = torch.randn(50, 4, generator=torch.Generator().manual_seed(1))
    p = soft_batch_shares(logits)
    assert float(p.sum()) == pytest.approx(1.0) and (p > 0).all()
    assert torch.allclose(soft_batch_shares(logits, 1e-4), hard_batch_shares(logits), atol=1e-6)
    assert torch.allclose(soft_batch_shares(logits, 1e5), torch.full((4,), 0.25), atol=1e-4)

@pytest.mark.parametrize("fn", [hard_batch_shares, soft_batch_shares])
def test_empty_batch_and_bad_shapes(fn):
    with pytest.raises(ValueError, match="empty batch"): fn(torch.zeros(0, 3))
    with pytest.raises(ValueError, match=r"shape \(N, K\)"): fn(torch.zeros(3))
    with pytest.raises(ValueError, match="at least 2 classes"): fn(torch.zeros(4, 1))

# --- properties of the terms ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("term", TERMS)
def test_non_negative_and_zero_iff_uniform(term, w10):
    u = torch.full((10,), 0.1, dtype=torch.float64)
    assert float(term(u, w10)) == pytest.approx(0.0, abs=1e-12)
    vals = torch.stack([term(p, w10) for p in _random_shares(300, 10)])
    assert (vals > 0).all()
    near = u + 1e-3 * (torch.eye(10, dtype=torch.float64)[0] - u)   # a little off uniform is already positive
    assert float(term(near, w10)) > 0

def test_all_shares_at_least_uniform_forces_uniform():
    # the deficits equal the surpluses because shares sum to 1: with unit weights the term is half the L1 distance
    P = _random_shares(500, 5, seed=3)
    assert torch.allclose(relu_deficit_loss(P), 0.5 * (P - 0.2).abs().sum(1))
    # it is the sum constraint that does the work: off the simplex, all entries >= 1/K costs nothing
    assert float(relu_deficit_loss(torch.tensor([0.5, 0.2, 0.2, 0.2, 0.2]))) == 0.0

def test_relu_decreases_linearly_toward_uniform(w10):
    u = torch.full((10,), 0.1, dtype=torch.float64)
    for p in _random_shares(50, 10, seed=4):
        for t in (0.1, 0.5, 0.99):
            assert float(relu_deficit_loss(p + t * (u - p), w10)) == pytest.approx((1 - t) * float(relu_deficit_loss(p, w10)))

@pytest.mark.parametrize("term", TERMS)
def test_gradient_points_toward_uniform(term, w10):
    u = torch.full((10,), 0.1, dtype=torch.float64)
    for p in _random_shares(100, 10, seed=5):
        p = p.clone().requires_grad_(True)
        L = term(p, w10)
        (g,) = torch.autograd.grad(L, p)
        g = g - g.mean()                                              # projected on the simplex
        dot = float((-g * (u - p.detach())).sum())
        assert dot >= float(L.detach()) - 1e-12 > 0                            # convexity: <-grad, u - p> >= L(p)

def test_relu_gradient_raises_only_deficit_classes(w10):
    p = _random_shares(1, 10, seed=6)[0].requires_grad_(True)
    (g,) = torch.autograd.grad(relu_deficit_loss(p, w10), p)
    short = p.detach() < 0.1
    assert torch.equal(g, torch.where(short, -w10, torch.zeros_like(w10)))

def test_relu_bound_at_vertices(w10):
    vals = torch.stack([relu_deficit_loss(v, w10) for v in torch.eye(10, dtype=torch.float64)])
    assert float(vals.max()) == pytest.approx(float(w10.sum() - w10.min()) / 10)
    assert (torch.stack([relu_deficit_loss(p, w10) for p in _random_shares(300, 10)]) <= vals.max() + 1e-12).all()

def test_kl_is_entropy_deficit():
    p = _random_shares(1, 6, seed=7)[0]
    assert float(kl_to_uniform_loss(p)) == pytest.approx(math.log(6) + float((p * p.log()).sum()))
    assert float(kl_to_uniform_loss(torch.tensor([1.0, 0.0, 0.0]))) == pytest.approx(math.log(3))

def test_weights_errors_in_terms():
    u = torch.full((4,), 0.25)
    with pytest.raises(ValueError, match=r"expected \(4,\)"): relu_deficit_loss(u, torch.ones(3))
    with pytest.raises(ValueError, match=r"expected \(4,\)"): squared_deviation_loss(u, torch.ones(5))
    with pytest.raises(ValueError, match="must be positive"): relu_deficit_loss(u, torch.tensor([1.0, 0.0, 1.0, 1.0]))

# --- gradients -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("term", TERMS)
def test_gradcheck_soft_version(term, w10):
    logits = torch.randn(16, 10, generator=torch.Generator().manual_seed(8), dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda l: term(soft_batch_shares(l, 0.7), w10), (logits,))

def test_gradcheck_running_estimate(w10):
    logits = torch.randn(16, 10, generator=torch.Generator().manual_seed(9), dtype=torch.float64, requires_grad=True)
    past = soft_batch_shares(torch.randn(16, 10, generator=torch.Generator().manual_seed(10), dtype=torch.float64))
    def f(l):
        rs = RunningShares(0.9); rs(past)
        return relu_deficit_loss(rs(soft_batch_shares(l)), w10)
    assert torch.autograd.gradcheck(f, (logits,))

def test_gradcheck_reweighted_loss():
    g = torch.Generator().manual_seed(11)
    fake = torch.randn(12, generator=g, dtype=torch.float64, requires_grad=True)
    cls = torch.randn(12, 4, generator=g, dtype=torch.float64)
    w = torch.tensor([0.5, 1.0, 2.0, 4.0], dtype=torch.float64)
    assert torch.autograd.gradcheck(lambda f: reweighted_g_loss(f, cls, w), (fake,))

def test_hard_version_has_zero_gradient_to_generator(w10):
    torch.manual_seed(0)
    G, clf = DCGenerator(z_dim=8, width=4).eval(), AuxClassifier(10).eval()
    z = torch.randn(32, 8)
    L = relu_deficit_loss(hard_batch_shares(clf(G(z))), w10)
    assert not L.requires_grad                                        # autograd finds no path
    grads = torch.autograd.grad(L + 0 * G(z).sum(), list(G.parameters()), allow_unused=True)
    assert all(g is None or (g == 0).all() for g in grads)
    d = [torch.randn_like(p) for p in G.parameters()]
    with torch.no_grad():                                             # finite differences: no decision flips
        base = relu_deficit_loss(hard_batch_shares(clf(G(z))), w10)
        for p, di in zip(G.parameters(), d): p.add_(di, alpha=1e-5)
        assert float(relu_deficit_loss(hard_batch_shares(clf(G(z))), w10)) == float(base)

def test_soft_version_gradient_matches_finite_differences(w10):
    torch.manual_seed(0)
    G, clf = DCGenerator(z_dim=8, width=4).double().eval(), AuxClassifier(10).double().eval()
    z = torch.randn(32, 8, dtype=torch.float64)
    params = list(G.parameters())
    loss = lambda: relu_deficit_loss(soft_batch_shares(clf(G(z)), temperature=0.05), w10)
    with torch.no_grad(): p = soft_batch_shares(clf(G(z)), temperature=0.05)
    assert (p - 0.1).abs().min() > 1e-3                               # away from the kinks of the relu
    grads = torch.autograd.grad(loss(), params)
    d = [torch.randn_like(p) for p in params]
    norm = torch.cat([di.flatten() for di in d]).norm(); d = [di / norm for di in d]
    analytic = sum(float((g * di).sum()) for g, di in zip(grads, d))
    assert abs(analytic) > 0
    eps = 1e-6
    with torch.no_grad():
        for p, di in zip(params, d): p.add_(di, alpha=eps)
        lp = float(loss())
        for p, di in zip(params, d): p.add_(di, alpha=-2 * eps)
        lm = float(loss())
    # not exact: ties in the networks' ReLU + max-pooling make them only piecewise smooth
    assert (lp - lm) / (2 * eps) == pytest.approx(analytic, rel=5e-3)

# --- batch-size behaviour ------------------------------------------------------------------------------------------

def test_expected_batch_loss_matches_monte_carlo(w10):
    p = torch.tensor(CIFAR_LT, dtype=torch.float64) / sum(CIFAR_LT)
    g = torch.Generator().manual_seed(12)
    x = torch.multinomial(p.float(), 32 * 20000, replacement=True, generator=g).view(20000, 32)
    shares = torch.zeros(20000, 10, dtype=torch.float64).scatter_add_(1, x, torch.ones(20000, 32, dtype=torch.float64)) / 32
    mc = relu_deficit_loss(shares, w10)
    assert float(expected_batch_relu_loss(32, w10, p)) == pytest.approx(float(mc.mean()), abs=4 * float(mc.std()) / math.sqrt(20000))

def test_expected_batch_loss_shrinks_like_inverse_sqrt_n():
    vals = [float(expected_batch_relu_loss(n, 10)) for n in (64, 256, 1024, 4096)]
    assert all(a > b for a, b in zip(vals, vals[1:]))
    assert vals[-1] * math.sqrt(4096) == pytest.approx(10 * math.sqrt(0.09) / math.sqrt(2 * math.pi), rel=0.01)

def test_expected_batch_loss_is_minimised_away_from_uniform_with_unequal_weights(w10):
    u = torch.full((10,), 0.1, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(expected_batch_relu_loss(64, w10, u), u)
    g = g - g.mean()
    assert g.norm() > 1e-3 and g[-1] < 0 < g[0]                      # descent raises the rare class, lowers the common
    u2 = u.detach().clone().requires_grad_(True)
    (g1,) = torch.autograd.grad(expected_batch_relu_loss(64, 10, u2), u2)
    assert torch.allclose(g1 - g1.mean(), torch.zeros(10, dtype=torch.float64), atol=1e-12)  # unit weights: uniform is stationary

def test_running_shares_reduce_variance():
    g = torch.Generator().manual_seed(13)
    rs, est, raw = RunningShares(0.9), [], []
    for t in range(3000):
        p = torch.binomial(torch.tensor([64.0]), torch.tensor([0.1]), generator=g).double() / 64
        q = rs(p)
        if t > 100: est.append(float(q)); raw.append(float(p))
    ratio = torch.tensor(est).var() / torch.tensor(raw).var()
    assert float(ratio) == pytest.approx(0.1 / 1.9, rel=0.2)

def test_running_shares_gradient_scale_and_state():
    rs = RunningShares(0.8)
    rs(torch.tensor([0.5, 0.5]))
    b = torch.tensor([1.0, 0.0], requires_grad=True)
    p = rs(b)
    assert torch.allclose(p.detach(), torch.tensor([0.6, 0.4]))
    (g,) = torch.autograd.grad(p[0], b)
    assert torch.allclose(g, torch.tensor([0.2, 0.0]))
    rs2 = RunningShares(); rs2.load_state_dict(rs.state_dict())
    assert rs2.beta == 0.8 and torch.equal(rs2.ema, rs.ema)
    with pytest.raises(ValueError, match=r"beta must be in \[0, 1\)"): RunningShares(-0.1)

# --- the trainer hook and the registry -----------------------------------------------------------------------------

def test_registry_names():
    for t in ("relu", "squared", "kl"):
        for s in ("hard", "soft", "ema"): assert f"{t}_{s}" in BIAS_LOSSES
    assert "reweight" in BIAS_LOSSES and get_bias_spec("relu_soft").term is relu_deficit_loss
    with pytest.raises(ValueError, match="unknown bias loss 'relu_argmax'"): get_bias_spec("relu_argmax")

@pytest.mark.parametrize("name", sorted(BIAS_LOSSES))
def test_hook_signature_and_gradient(name):
    torch.manual_seed(0)
    G, clf = DCGenerator(z_dim=8, width=4), AuxClassifier(5)
    hook = make_bias_loss(name, clf, weights=torch.linspace(0.5, 2.0, 5), coef=2.0)
    fake = G(torch.randn(16, 8))
    out = hook(fake, 0, fake_logits=fake.mean((1, 2, 3)))  # as the trainer calls it
    loss, logs = out
    assert loss.shape == () and torch.isfinite(loss)
    assert {"bias_term", "bias_p0", "bias_p4", "bias_hard_min"} <= set(logs)
    assert float(loss.detach()) == pytest.approx(2.0 * logs["bias_term"], rel=1e-5, abs=1e-7)
    assert loss.requires_grad == (BIAS_LOSSES[name].shares != "hard")
    assert not any(p.requires_grad for p in clf.parameters()) and not clf.training

def test_hook_errors():
    clf = AuxClassifier(4)
    x = torch.randn(6, 1, 28, 28)
    with pytest.raises(ValueError, match="unknown bias loss"): make_bias_loss("nope", clf)
    with pytest.raises(ValueError, match=r"expected \(4,\)"): make_bias_loss("relu_soft", clf, weights=torch.ones(10))
    with pytest.raises(ValueError, match="must be positive"): make_bias_loss("relu_soft", clf, weights=torch.tensor([1.0, 0, 1, 1]))
    with pytest.raises(ValueError, match="temperature"): make_bias_loss("relu_soft", clf, temperature=0.0)
    with pytest.raises(ValueError, match="needs weights"): make_bias_loss("reweight", clf)
    with pytest.raises(ValueError, match="fake_logits"): make_bias_loss("reweight", clf, torch.ones(4))(x, 0)
    with pytest.raises(ValueError, match="empty batch"): make_bias_loss("relu_soft", clf)(x[:0], 0)

def test_ema_hook_state_round_trip():
    torch.manual_seed(0)
    clf = AuxClassifier(3)
    a, b = make_bias_loss("relu_ema", clf, beta=0.5), make_bias_loss("relu_ema", clf, beta=0.5)
    x1, x2 = torch.randn(8, 1, 28, 28), torch.randn(8, 1, 28, 28)
    a(x1, 0); b.load_state_dict(a.state_dict())
    assert a(x2, 1)[1] == b(x2, 1)[1]

def test_reweighting_extra_is_the_difference():
    g = torch.Generator().manual_seed(14)
    fake, cls = torch.randn(10, generator=g), torch.randn(10, 3, generator=g)
    w = torch.tensor([0.5, 1.0, 3.0])
    assert float(reweighting_extra_loss(fake, cls, w) + F.softplus(-fake).mean()) == pytest.approx(float(reweighted_g_loss(fake, cls, w)))
    assert float(reweighted_g_loss(fake, cls, torch.ones(3))) == pytest.approx(float(F.softplus(-fake).mean()))
    with pytest.raises(ValueError, match=r"expected \(10,\)"): reweighted_g_loss(fake[:5], cls, w)

def test_trainer_resumes_a_stateful_hook_exactly(tmp_path):
    "An interrupted run with the running-shares loss resumes its running estimate from the checkpoint."
    from fairgan_nb.config import GANCfg
    from fairgan_nb.train import train_gan
    torch.manual_seed(0)
    x = torch.rand(64, 1, 28, 28) * 2 - 1
    aux = AuxClassifier(10)
    cfg = GANCfg(steps=12, batch_size=8, g_width=8, d_width=8, ema_start=2, ckpt_every=3, log_every=3)
    def hook(): return make_bias_loss("relu_ema", aux, coef=5.0, augment=True)  # running shares and augmentation rng
    ha, hb = hook(), hook()
    Ga = train_gan(x, cfg, tmp_path/"a", seed=1, progress=False, extra_g_loss=ha)
    train_gan(x, cfg, tmp_path/"b", seed=1, progress=False, extra_g_loss=hb, stop_after=6)
    hc = hook()                                  # a fresh process: the hook starts without a running estimate
    Gb = train_gan(x, cfg, tmp_path/"b", seed=1, progress=False, extra_g_loss=hc)
    z = torch.randn(4, cfg.z_dim)
    assert torch.allclose(Ga(z), Gb(z), atol=1e-6)
    assert torch.allclose(ha.running.ema, hc.running.ema)

def test_mi_variant_prefers_confident_balanced_batches_to_ambiguous_ones():
    "A soft-share term is blind to ambiguity; the `mi_*` variants are not."
    k = 4
    class Fixed(torch.nn.Module):
        n_classes = k                                    # a Classifier: logits and the number of classes
        def __init__(self): super().__init__(); self.w = torch.nn.Parameter(torch.ones(1))
        def forward(self, x): return x.flatten(1)[:, :k] * self.w
    confident = torch.eye(k).repeat(4, 1) * 20          # 16 samples, 4 per class, each sure of its class
    ambiguous = torch.zeros(16, k)                       # every sample 1/k of every class
    for name, want_gap in (("kl_soft", False), ("mi_soft", True)):
        hook = make_bias_loss(name, Fixed())
        lc, la = hook(confident.view(16, 1, 1, k), 0)[0], hook(ambiguous.view(16, 1, 1, k), 0)[0]
        assert float(lc) == pytest.approx(0, abs=1e-6)
        assert (float(la) > float(lc) + 1.0) == want_gap   # mean entropy log 4 = 1.39 for the ambiguous batch
    assert float(make_bias_loss("mi_soft", Fixed())(ambiguous.view(16, 1, 1, k), 0)[0]) == pytest.approx(math.log(k), abs=1e-6)
