"The fairness metrics of section 1 on hand-made inputs, with values worked out by hand or by an independent solver."
import math
from types import SimpleNamespace
import numpy as np
import pytest
import torch
from fairgan_nb.core import RunDir
from fairgan_nb.config import digest, get_profile, stream
from fairgan_nb.models import DCGenerator, EvalClassifier
from fairgan_nb.train import confusion_matrix
from fairgan_nb.metrics import (class_counts, as_shares, shares_from_counts, fairness_discrepancy, fairness_from_counts,
                                fairness_from_labels, fairness_skipping_missing, split_fairness, check_confusion,
                                bootstrap_correction_draws, percentile_interval,
                                soft_shares, soft_fairness, l1_to_uniform, kl_to_uniform, normalised_entropy,
                                bootstrap_shares, bootstrap_fairness, project_simplex, correct_shares,
                                bootstrap_corrected_shares, expected_sq_fairness_uniform, uniform_fairness_quantile,
                                noise_floor, debiased_fairness_sq, fairness_metrics)
from fairgan_nb.fairness import fairness_report

f64 = lambda x: torch.tensor(x, dtype=torch.float64)

# --- counting -----------------------------------------------------------------------------------------------------

def test_class_counts_keeps_missing_classes():
    assert class_counts(torch.tensor([4, 4, 1]), 6).tolist() == [0, 1, 0, 0, 2, 0]

@pytest.mark.parametrize("labels,msg", [(torch.tensor([0, 3]), "labels must lie in [0, 3)"),
                                        (torch.tensor([-2]), "labels must lie in [0, 3)"),
                                        (torch.tensor([0.0, 1.0]), "labels must be integers"),
                                        (torch.zeros(2, 2, dtype=torch.long), "labels must be 1-D")])
def test_class_counts_bad_labels(labels, msg):
    with pytest.raises((ValueError, TypeError), match=msg.replace("[", r"\[").replace(")", r"\)")): class_counts(labels, 3)

# --- the metric -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("f,x,expected", [
    (fairness_from_counts, [3, 1], math.sqrt(1 / 8)),                    # (3/4, 1/4): 2 * (1/4)^2
    (fairness_from_counts, [2, 1, 1], math.sqrt(1 / 24)),                # (1/2, 1/4, 1/4): 1/36 + 2/144
    (fairness_discrepancy, [0.5, 0.5, 0.0, 0.0], 0.5),                   # 4 * (1/4)^2
    (fairness_from_counts, [9, 0, 0], math.sqrt(2 / 3)),                 # (2/3)^2 + 2 (1/3)^2: a single class, sqrt(1 - 1/K)
    (fairness_discrepancy, [0.7, 0.1, 0.1, 0.1], math.sqrt(0.45 ** 2 + 3 * 0.15 ** 2)),
])
def test_fairness_discrepancy_by_hand(f, x, expected):
    assert f(x) == pytest.approx(expected, abs=1e-15)

@pytest.mark.parametrize("k", [2, 3, 5, 6, 7, 10, 100])
def test_uniform_is_exactly_zero(k):
    assert fairness_from_counts([13] * k) == 0.0
    assert fairness_discrepancy([1 / k] * k) == 0.0
    assert fairness_from_labels(torch.arange(k * 11) % k, k) == 0.0

def test_counts_and_shares_agree():
    assert fairness_from_counts([6, 3, 1]) == pytest.approx(fairness_discrepancy([0.6, 0.3, 0.1]), abs=1e-15)
    assert shares_from_counts(torch.tensor([2., 6.])).tolist() == [0.25, 0.75]  # whole-number floats are counts there

@pytest.mark.parametrize("f,x,msg", [(fairness_from_counts, [3, -1], "non-negative"), (fairness_discrepancy, [1.2, -0.2], "non-negative"),
                                     (fairness_discrepancy, [0.2, 0.3], "shares must sum to 1"), (fairness_discrepancy, [], "non-empty"),
                                     (fairness_from_counts, [0, 0, 0], "empty"), (fairness_discrepancy, [float("nan"), 1.0], "finite"),
                                     (fairness_from_counts, [[1, 2]], "1-D"), (fairness_from_counts, [0.5, 0.5], "whole numbers"),
                                     (fairness_discrepancy, [4.0, 4.0], "counts go through shares_from_counts")])
def test_fairness_discrepancy_bad_input(f, x, msg):
    with pytest.raises(ValueError, match=msg): f(x)

def test_labels_are_never_read_as_counts():
    assert fairness_from_labels([1, 0], 2) == 0.0 and fairness_from_counts([1, 0]) == pytest.approx(math.sqrt(1 / 2))
    with pytest.raises(TypeError, match=r"use fairness_from_counts\(counts\) or fairness_from_labels\(labels, n_classes\)"):
        fairness_discrepancy([1, 0], 2)
    with pytest.raises(TypeError, match=r"use shares_from_counts\(counts\) or class_counts\(labels, n_classes\)"):
        as_shares(torch.tensor([1, 0]))
    with pytest.raises(TypeError): l1_to_uniform([1, 0])

def test_k_mismatch():
    with pytest.raises(ValueError, match="K mismatch"): fairness_from_counts([1, 2, 3], n_classes=4)
    with pytest.raises(ValueError, match="K mismatch"): correct_shares([0.5, 0.5], torch.eye(3))

# --- the missing-class bug ------------------------------------------------------------------------------------------

def test_missing_class_counts_in_ours_not_in_reference():
    y = torch.tensor([0, 0, 1, 1])  # K = 4, classes 2 and 3 collapsed
    assert fairness_from_labels(y, 4) == pytest.approx(0.5, abs=1e-15)
    assert fairness_skipping_missing(y, 4) == pytest.approx(math.sqrt(1 / 8), abs=1e-15)

def test_skipping_bias_is_m_over_k_squared():
    g = torch.Generator().manual_seed(0)
    for m in range(5):
        K = 8; y = torch.randint(0, K - m, (500,), generator=g)
        f, f_skip = fairness_from_labels(y, K), fairness_skipping_missing(y, K)
        assert f ** 2 - f_skip ** 2 == pytest.approx(m / K ** 2, abs=1e-12)

# --- splits, companions ---------------------------------------------------------------------------------------------

def test_split_fairness_by_hand():
    y = torch.tensor([0, 0, 0, 1, 0, 1, 0, 1, 1])  # splits (3,1) and (2,2); the 9th label is dropped
    mean, std = split_fairness(y, 2, n_splits=2)
    assert mean == pytest.approx(math.sqrt(1 / 8) / 2, abs=1e-12) and std == pytest.approx(math.sqrt(1 / 8) / 2, abs=1e-12)
    with pytest.raises(ValueError, match="into 10 splits"): split_fairness(torch.tensor([0, 1, 1]), 2)

def test_companions_by_hand():
    p = [0.5, 0.25, 0.25]
    assert l1_to_uniform(p) == pytest.approx(1 / 6 + 2 / 12, abs=1e-15)
    assert kl_to_uniform(p) == pytest.approx(0.5 * math.log(1.5) + 0.5 * math.log(0.75), abs=1e-15)
    assert normalised_entropy(p) == pytest.approx(1.5 * math.log(2) / math.log(3), abs=1e-15)
    assert normalised_entropy([0.0, 1.0, 0.0]) == 0.0 and kl_to_uniform([0.0, 1.0, 0.0]) == pytest.approx(math.log(3))
    assert l1_to_uniform([0.5, 0.5]) == 0 and kl_to_uniform([0.5, 0.5]) == 0 and normalised_entropy([0.5, 0.5]) == 1

def test_soft_shares():
    probs = f64([[1.0, 0.0], [0.5, 0.5]])
    assert soft_shares(probs).tolist() == [0.75, 0.25]
    assert soft_fairness(probs) == pytest.approx(math.sqrt(1 / 8), abs=1e-15)
    with pytest.raises(ValueError, match="rows summing to 1"): soft_fairness(f64([[3.0, -1.0]]))
    with pytest.raises(ValueError, match="rows summing to 1"): soft_fairness(f64([[0.3, 0.3]]))

# --- bootstrap ------------------------------------------------------------------------------------------------------

def test_bootstrap_matches_normal_approximation():
    n = 20_000; y = (torch.arange(n) % 5 == 0).long()  # shares (0.8, 0.2)
    p, lo, hi = bootstrap_shares(y, 2, n_boot=4000, seed=0)
    half = 1.96 * math.sqrt(0.8 * 0.2 / n)
    assert p.tolist() == [0.8, 0.2]
    np.testing.assert_allclose((hi - lo).numpy(), 2 * half, rtol=0.1)
    assert (lo < p).all() and (p < hi).all()

def test_bootstrap_is_seeded_and_degenerate_cases_are_exact():
    y = torch.arange(300) % 3
    assert torch.equal(bootstrap_shares(y, 3, 100, seed=4)[1], bootstrap_shares(y, 3, 100, seed=4)[1])
    assert not torch.equal(bootstrap_shares(y, 3, 100, seed=4)[1], bootstrap_shares(y, 3, 100, seed=5)[1])
    f, lo, hi = bootstrap_fairness(torch.zeros(50, dtype=torch.long), 4, 100)
    assert f == lo == hi == pytest.approx(math.sqrt(3 / 4), abs=1e-15)

# --- correction -----------------------------------------------------------------------------------------------------

C5 = f64([[.8, .1, .05, .05, 0], [.1, .7, .1, .05, .05], [0, .1, .8, .1, 0], [.05, 0, .15, .75, .05],
          [.02, .02, .02, .04, .9]])
Q5 = f64([0.45, 0.3, 0.15, 0.1, 0.0])

def test_projection_onto_simplex_by_hand():
    got = project_simplex(f64([[0.2, 0.3, 0.5], [3.0, 1.0, 0.0], [0.5, 0.5, 0.5], [-1.0, 0.0, 2.0]]))
    np.testing.assert_allclose(got.numpy(), [[0.2, 0.3, 0.5], [1, 0, 0], [1 / 3, 1 / 3, 1 / 3], [0, 0, 1]], atol=1e-15)

def test_correction_recovers_known_shares():
    np.testing.assert_allclose(correct_shares(C5.T @ Q5, C5).numpy(), Q5.numpy(), atol=1e-12)
    np.testing.assert_allclose(correct_shares(C5.T @ Q5, (C5 * 200).round()).numpy(), Q5.numpy(), atol=1e-12)

def test_correction_two_classes_by_hand():
    C = f64([[0.9, 0.1], [0.2, 0.8]])  # p0 = 0.2 + 0.7 q0
    np.testing.assert_allclose(correct_shares([0.34, 0.66], C).numpy(), [0.2, 0.8], atol=1e-12)
    np.testing.assert_allclose(correct_shares([0.1, 0.9], C).numpy(), [0.0, 1.0], atol=1e-12)   # q0 = -1/7, clamped
    np.testing.assert_allclose(correct_shares([0.95, 0.05], C).numpy(), [1.0, 0.0], atol=1e-12)  # q0 = 15/14, clamped

def test_correction_matches_an_independent_solver():
    from scipy.optimize import minimize
    rng = np.random.default_rng(0)
    for _ in range(5):
        K = 6
        C = rng.dirichlet(np.full(K, 0.5), size=K) + np.eye(K) * rng.uniform(0, 2); C /= C.sum(1, keepdims=True)
        p = rng.dirichlet(np.ones(K))
        ref = minimize(lambda q: ((C.T @ q - p) ** 2).sum(), np.full(K, 1 / K), method="SLSQP", bounds=[(0, 1)] * K,
                       constraints=[dict(type="eq", fun=lambda q: q.sum() - 1)], options=dict(ftol=1e-16, maxiter=1000))
        ours = correct_shares(torch.from_numpy(p), torch.from_numpy(C)).numpy()
        assert ours.min() >= 0 and ours.sum() == pytest.approx(1, abs=1e-12)
        assert ((C.T @ ours - p) ** 2).sum() <= ref.fun + 1e-12
        np.testing.assert_allclose(ours, ref.x, atol=1e-6)

def test_correction_bad_input():
    with pytest.raises(ValueError, match="non-negative"): correct_shares([0.5, 0.5], -torch.eye(2))
    with pytest.raises(ValueError, match="must be square"): correct_shares([0.5, 0.5], torch.ones(2, 3))
    with pytest.raises(ValueError, match="sums to 0"): correct_shares([0.5, 0.5], f64([[1, 0], [0, 0]]))
    with pytest.raises(ValueError, match="must be counts"): bootstrap_corrected_shares(torch.tensor([0, 1]), 2, f64([[.9, .1], [.2, .8]]))

def test_bootstrap_correction_covers_the_truth():
    labels = torch.repeat_interleave(torch.arange(5), (C5.T @ Q5 * 20_000).round().long())
    q, lo, hi = bootstrap_corrected_shares(labels, 5, (C5 * 1000).round().long(), n_boot=300, seed=0)
    np.testing.assert_allclose(q.numpy(), Q5.numpy(), atol=2e-3)
    assert ((lo - 1e-9 <= Q5) & (Q5 <= hi + 1e-9)).all()
    assert (hi - lo).max() < 0.06

CM3 = torch.tensor([[45, 5, 0], [3, 40, 7], [0, 10, 40]])  # 50 held-out images per true class

def test_transposed_confusion_is_refused_where_it_can_be_told():
    assert torch.equal(check_confusion(CM3, true_counts=[50, 50, 50]), CM3.double() / 50)
    with pytest.raises(ValueError, match="looks transposed"): correct_shares([0.5, 0.3, 0.2], CM3.T, true_counts=[50, 50, 50])
    with pytest.raises(ValueError, match="looks transposed"):
        bootstrap_correction_draws(torch.tensor([5, 3, 2]), CM3.T, 10, true_counts=torch.tensor([50, 50, 50]))
    with pytest.raises(ValueError, match="must sum to the held-out class counts"): check_confusion(CM3, true_counts=[50, 40, 60])

@pytest.mark.parametrize("cm", [torch.ones(3, 3), f64([[50, 50], [49, 51]]), f64([[0.5, 0.5], [0.5, 0.5]])])
def test_ill_conditioned_confusion_warns_with_the_number(cm):
    with pytest.warns(UserWarning, match=r"condition number (inf|[0-9.e+]+) > 100"):
        correct_shares(torch.full((len(cm),), 1 / len(cm), dtype=torch.float64), cm)

def test_well_conditioned_confusion_does_not_warn():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error"); correct_shares([0.5, 0.3, 0.2], CM3); check_confusion(C5)

@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_non_finite_confusion_is_named(bad):
    cm = f64([[40, 10], [5, bad]])
    for f in (lambda: correct_shares([0.5, 0.5], cm), lambda: bootstrap_correction_draws(torch.tensor([5, 5]), cm, 10),
              lambda: fairness_metrics(f64([[1, 0], [0, 1]]), cm, n_splits=1, n_boot=10)):
        with pytest.raises(ValueError, match=r"^the confusion matrix has non-finite entries \(NaN or inf\)$"): f()

def test_zero_confusion_cells_are_uncertain():
    raw, corr = bootstrap_correction_draws(torch.tensor([500, 300, 200]), torch.eye(3).long() * 50, n_boot=300)
    lo, hi = percentile_interval(corr - raw)
    assert (hi - lo).min() > 1e-3  # 50 correct of 50 does not make an error rate known to be 0
    assert (corr.sum(1) - 1).abs().max() < 1e-12 and (corr >= 0).all()

def test_corrected_fairness_interval_reaches_zero():
    probs = torch.nn.functional.one_hot(torch.arange(3000) % 3, 3).double()  # exactly fair labels
    r = fairness_metrics(probs, (torch.eye(3) * 180 + 10).long(), n_splits=3, n_boot=200)
    assert r["F_corr"] == pytest.approx(0, abs=1e-9) and r["F_corr_lo"] == 0 and 0 < r["F_corr_hi"] < 0.1
    assert r["F"] == 0 and r["F_lo"] == 0 < r["F_hi"]

@pytest.mark.parametrize("y_true,y_pred,msg", [
    (torch.tensor([0, 1]), torch.tensor([12, 0]), r"y_pred must lie in \[0, 10\), got values in \[0, 12\]"),
    (torch.tensor([0, 12]), torch.tensor([1, 0]), r"y_true must lie in \[0, 10\)"),
    (torch.tensor([-1, 2]), torch.tensor([1, 0]), r"y_true must lie in \[0, 10\)"),
    (torch.tensor([0, 1, 2]), torch.tensor([1, 0]), "differ in length: 3 and 2"),
    (torch.tensor([0.0, 1.0]), torch.tensor([1, 0]), "y_true must be a 1-D integer tensor"),
    (torch.tensor([0, 1]), [1, 0], "y_pred must be a 1-D integer tensor"),
    (torch.tensor([[0, 1]]), torch.tensor([1, 0]), "y_true must be a 1-D integer tensor")])
def test_confusion_matrix_validates_labels(y_true, y_pred, msg):
    with pytest.raises((ValueError, TypeError), match=msg): confusion_matrix(y_true, y_pred, 10)

def test_confusion_matrix_by_hand():
    assert confusion_matrix(torch.tensor([0, 0, 1, 2]), torch.tensor([0, 1, 1, 2]), 3).tolist() == [[1, 1, 0], [0, 1, 0], [0, 0, 1]]
    assert confusion_matrix(torch.tensor([], dtype=torch.long), torch.tensor([], dtype=torch.long), 2).tolist() == [[0, 0], [0, 0]]

# --- noise floor ----------------------------------------------------------------------------------------------------

def test_noise_floor_closed_forms():
    assert expected_sq_fairness_uniform(10, 5000) == pytest.approx(0.9 / 5000)
    assert expected_sq_fairness_uniform(2, 4) == pytest.approx(1 / 8)
    # K = 2, n = 4: F = |n_0/4 - 1/2| * sqrt(2); n_0 ~ Bin(4, 1/2): E[F^2] = 2 * Var(n_0/4) = 2 * 1/16
    nf = noise_floor(10, [200, 5000], n_sim=5000, seed=1)
    np.testing.assert_allclose(nf.F2_mean, nf.F2_expected, rtol=0.05)
    np.testing.assert_allclose(nf.F_q95, [uniform_fairness_quantile(10, 200), uniform_fairness_quantile(10, 5000)], rtol=0.05)

def test_debiased_fairness_is_unbiased():
    sims = torch.from_numpy(np.random.default_rng(2).multinomial(40, [0.6, 0.3, 0.1], size=4000))
    truth = fairness_discrepancy([0.6, 0.3, 0.1]) ** 2
    assert np.mean([debiased_fairness_sq(s) for s in sims]) == pytest.approx(truth, abs=3e-3)
    assert np.mean([fairness_from_counts(s) ** 2 for s in sims]) - truth > 0.01  # the naive estimate is biased up

# --- the report -----------------------------------------------------------------------------------------------------

def test_fairness_metrics_on_constructed_probabilities():
    labels = torch.tensor([0, 0, 0, 1] * 25)  # shares (3/4, 1/4, 0), in every one of 5 splits of 20 as well
    probs = torch.nn.functional.one_hot(labels, 3).double()
    r = fairness_metrics(probs, torch.eye(3).long() * 50, n_splits=5, n_boot=50)
    expected = math.sqrt((3 / 4 - 1 / 3) ** 2 + (1 / 4 - 1 / 3) ** 2 + (1 / 3) ** 2)
    assert r["F"] == pytest.approx(expected) and r["F_mean"] == pytest.approx(expected) and r["F_std"] == pytest.approx(0)
    assert r["F_corr"] == pytest.approx(expected) and r["missing"] == 1
    assert r["F_skip"] == pytest.approx(math.sqrt((3 / 4 - 1 / 3) ** 2 + (1 / 4 - 1 / 3) ** 2))
    assert r["F_soft"] == pytest.approx(expected) and r["noise"] == pytest.approx(math.sqrt(2 / 3 / 100))

def test_fairness_report_end_to_end(tmp_path):
    torch.manual_seed(0)
    G, E = DCGenerator(z_dim=8, width=4).eval(), EvalClassifier(n_classes=3).eval()
    x = torch.rand(30, 1, 28, 28) * 2 - 1; y = torch.arange(30) % 3
    exp = SimpleNamespace(profile=get_profile("smoke"), seed=0, run=RunDir(tmp_path/"run"), n_classes=3,
                          data=SimpleNamespace(split=SimpleNamespace(x_heldout=x, y_heldout=y)),
                          stream=lambda name: stream(0, name), key=lambda *parts: digest(0, *parts), device=torch.device("cpu"))
    with pytest.warns(UserWarning, match="condition number"):  # an untrained evaluator cannot tell the classes apart
        r = fairness_report(G, E, exp, n_samples=200, model="toy")
    assert r["model"] == "toy" and r["n"] == 200 and 0 <= r["F"] <= math.sqrt(2 / 3) + 1e-12
    assert r["F_lo"] <= r["F"] + 1e-12 and "F_corr" in r
    assert len(list((tmp_path/"run"/"cache").glob("01_probs-*.pt"))) == 1
    with pytest.warns(UserWarning, match="condition number"):
        assert fairness_report(G, E, exp, n_samples=200, model="toy") == r  # cached labels, seeded bootstrap
