"Coverage of the interval on F, measured by simulation: a nominal 95% interval must contain the true F about 95% of the time."
import pytest
import torch
from fairgan_nb.metrics import bootstrap_fairness, fairness_coverage
from fairgan_nb.data import longtail_shares

FAIR = torch.full((10,), 0.1, dtype=torch.float64)

# The bar: at least 93% at nominal 95%. 800 replicates with a fixed seed (the Monte Carlo standard error of a 95%
# coverage is 0.8%, this seed gives 0.954, 0.946 and 1.0: clear of the bar, not at its edge). The percentile interval this replaced covers about 83% (long-tailed, n = 100) and 0% (exactly fair).
@pytest.mark.parametrize("shares,n", [(longtail_shares(10), 100), (longtail_shares(10), 1000), (FAIR, 100)],
                         ids=["long-tailed-n100", "long-tailed-n1000", "fair-n100"])
def test_fairness_interval_covers_the_true_f(shares, n):
    cov = fairness_coverage(shares, n, n_rep=800, n_boot=400, seed=0)
    assert cov["bias_corrected"] >= 0.93, cov
    assert cov["width_bias_corrected"] < 2 * cov["width_percentile"], cov  # covering by being uselessly wide is no answer

def test_longtail_shares_by_hand():
    p = longtail_shares(10)
    assert p.sum().item() == pytest.approx(1) and p[0] / p[-1] == pytest.approx(10) and (p[:-1] > p[1:]).all()

def test_fair_sample_interval_includes_zero():
    f, lo, hi = bootstrap_fairness(torch.arange(500) % 10, 10, n_boot=300)
    assert f == lo == 0.0 and 0 < hi < 0.1
