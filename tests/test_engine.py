"The engine: one configuration reaches every stage, on the configured device, and caches follow their inputs."
import json
import pytest, torch
from fairgan_nb import baseline, rebalance
from fairgan_nb.baseline import setup_experiment, get_classifiers, get_gan, gan_dir
from fairgan_nb.models import DCGenerator

@pytest.fixture
def meta_exp(tmp_path):
    "A smoke experiment configured for the 'meta' device: a device no stage would pick by itself."
    return setup_experiment("smoke", 0, tmp_path/"run", overrides={"compute.device": "meta", "compute.bf16": True})

def test_device_and_precision_reach_the_trainers(meta_exp, monkeypatch):
    seen = []
    def fake_classifier(model, x, y, cfg, epochs, **kw): seen.append(("classifier", kw["device"], kw["bf16"]))
    def fake_gan(x, cfg, out, **kw):
        seen.append(("gan", kw["device"], kw["bf16"])); return DCGenerator(z_dim=cfg.z_dim, width=4)
    monkeypatch.setattr(baseline, "train_classifier", fake_classifier)
    monkeypatch.setattr(baseline, "train_gan", fake_gan)
    monkeypatch.setattr(torch.nn.Module, "to", lambda self, *a, **k: self)  # nothing can live on 'meta' here
    get_classifiers(meta_exp, progress=False)
    get_gan(meta_exp, "baseline", progress=False)
    assert seen == [("classifier", torch.device("meta"), True)] * 2 + [("gan", torch.device("meta"), True)]

def test_jobs_carry_the_device(meta_exp, monkeypatch):
    monkeypatch.setattr(rebalance, "fingerprint", lambda m: "f")
    monkeypatch.setattr(rebalance, "load_model", lambda *a, **k: None)
    spec = rebalance.plan(meta_exp.profile, ["rebalanced_bias"])[0]
    job = rebalance.make_job(meta_exp, spec, meta_exp.data.x_train[:8], None)
    assert (job.device, job.bf16) == ("meta", True)
    assert job.coef == meta_exp.profile.rebalance.bias_coef

def test_the_bias_coefficient_travels_from_the_command_line_to_the_job(tmp_path, monkeypatch):
    monkeypatch.setattr(rebalance, "fingerprint", lambda m: "f")
    monkeypatch.setattr(rebalance, "load_model", lambda *a, **k: None)
    def job(*changes):
        exp = setup_experiment("smoke", 0, tmp_path/"run", overrides=["compute.device=cpu", *changes])
        return exp, rebalance.make_job(exp, rebalance.plan(exp.profile, ["rebalanced_bias"])[0], exp.data.x_train[:8], None)
    _, one = job("rebalance.bias_coef=2.5")
    assert json.loads((tmp_path/"run"/"config.json").read_text())["rebalance"]["bias_coef"] == 2.5
    _, other = job()
    assert one.coef == 2.5 and other.coef == 1.0  # the default
    assert one.out != other.out  # another coefficient, another GAN folder: never the cached one

def test_caches_follow_their_inputs(tmp_path):
    a = setup_experiment("smoke", 0, tmp_path/"run")
    b = setup_experiment("smoke", 0, tmp_path/"run", imbalance="extreme")
    c = setup_experiment("smoke", 0, tmp_path/"run", overrides=["data.rho=5"])
    clf = {k: baseline.classifier_path(e, "aux").parent for k, e in dict(a=a, b=b, c=c).items()}
    assert clf["a"] != clf["b"]   # other classes, other training data: other classifiers
    assert clf["a"] == clf["c"]   # the classifiers learn the balanced pool, which rho does not change: shared
    assert gan_dir(a, "baseline") != gan_dir(c, "baseline")  # the biased GAN's data does change
