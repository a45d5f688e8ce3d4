"The study over seeds end to end at the stand-ins' tiny sizes: shared instruments, per-seed runs, resuming, the tables."
import json, subprocess, sys
from pathlib import Path
import pandas as pd, pytest, torch
from fairgan_nb.study import ABLATION_GROUPS, CHOICES, SeedRun, study
from fairgan_nb.experiments import experiment_profile
from fairgan_nb.models import load_model
from standins import TINY_SIZES

BIN = Path(sys.executable).parent
NOT_CHOSEN = {m for c in CHOICES.values() for m in c.candidates if m != c.chosen}
SIZES = [*TINY_SIZES, "rebalance.rows=baseline,rebalanced,rebalanced_bias,oracle"]

@pytest.fixture(scope="module")
def tiny_study(tmp_path_factory):
    root = tmp_path_factory.mktemp("study")
    rows, lines = study("smoke", "0-1", "longtail", root/"study", root/"fig", SIZES, n_procs=2, progress=False, ablation_seeds="0-1",
                        choice_seeds="0-1")
    return root, rows, lines

def test_study_writes_the_tables(tiny_study):
    root, rows, lines = tiny_study
    seeds = pd.read_csv(root/"fig"/"04_seeds.csv")
    assert seeds.model.tolist()[:4] == ["baseline", "rebalanced", "rebalanced_bias", "oracle"]
    assert set(seeds.model[4:]) == ({m for g in ABLATION_GROUPS.values() for m in g} | {m for c in CHOICES.values() for m in c.candidates}) - {"baseline"}
    tried = seeds.model.isin(NOT_CHOSEN)  # the candidates seed 0 did not choose: one seed
    assert (seeds[~tried].n_seeds == 2).all() and seeds[~tried].F_lo.notna().all() and (seeds[tried].n_seeds == 1).all()
    diffs = pd.read_csv(root/"fig"/"04_differences.csv")
    assert {("rebalanced_bias", "rebalanced"), ("rebalanced", "oracle")} <= set(zip(diffs.a, diffs.b))
    assert json.loads((root/"fig"/"04_study.json").read_text())["verdicts"] == lines
    assert sorted(rows.seed.unique()) == [0, 1]

def test_ablations_share_the_seeds_baseline_and_keep_curves(tiny_study):
    root, _, _ = tiny_study
    re = pd.read_csv(root/"fig"/"04_reruns.csv")  # the core, ablation and lever units of a seed measure one baseline GAN: no rerun
    assert re.empty
    assert len(list((root/"study"/"longtail"/"seed0"/"models").glob("gan-longtail-baseline-*"))) == 1
    curves = pd.read_csv(root/"fig"/"04_curves.csv")
    assert {"baseline", "rebalanced", "finetune", "oracle_2x"} <= set(curves.model)
    assert set(pd.read_csv(root/"fig"/"04_plateau.csv").reader) == {"evaluator", "auxiliary classifier"}
    assert len(pd.read_csv(root/"fig"/"04_finetune.csv")) == 2
    rd = pd.read_csv(root/"fig"/"04_readers.csv")  # three readers, each row of each seed
    tried = rd.model.isin(NOT_CHOSEN)  # the candidates seed 0 did not choose: one seed
    assert (rd[~tried].n_seeds == 2).all() and (rd[tried].n_seeds == 1).all()
    assert rd.F_third_mean.notna().all() and rd.agree_all_mean.between(0, 1).all()
    assert len(list((root/"study"/"shared").glob("classifiers-*/third.pt"))) == 1
    sel = pd.read_csv(root/"fig"/"04_selection.csv")
    assert set(sel.model) == {"rebalanced", "rebalanced_bias", "rebalanced_bias_relu", "rebalanced_reweight"}

def test_choices_are_made_on_seed_0_and_judged_on_the_others(tiny_study):
    root, rows, _ = tiny_study
    for name, c in CHOICES.items():
        sel = pd.read_csv(root/"fig"/f"04_{name}s.csv")  # seed 0: every candidate beside the reference, ranked by the auxiliary classifier
        assert set(sel.model) == set(c.rows) and sel["rank"].tolist() == list(range(1, len(c.rows) + 1))
        later = set(rows[rows.seed == 1].model)  # seed 1 trains the chosen candidate only
        assert (c.chosen in later if c.chosen else True) and not later & (set(c.candidates) - {c.chosen})
        note = json.loads((root/"fig"/"04_study.json").read_text())[name]
        assert note.startswith(f"on seed 0 alone the {c.what}") and ("on the other seeds" in note or "not been trained" in note)
    wide = next((root/"study"/"longtail"/"seed0"/"models").glob("gan-longtail-rebalanced_wide-*"))
    assert load_model(wide/"G_ema.pt", "generator").config["width"] == 2 * load_model(
        next((root/"study"/"longtail"/"seed0"/"models").glob("gan-longtail-rebalanced-*"))/"G_ema.pt", "generator").config["width"]

def test_seeds_share_data_and_classifiers_not_models(tiny_study):
    root, rows, _ = tiny_study
    shared = [p for p in (root/"study"/"shared").glob("classifiers-*") if p.is_dir()]
    assert len(shared) == 1 and (shared[0]/"aux.pt").exists()
    assert not list((root/"study"/"longtail").glob("seed*/models/classifiers-*"))  # no seed trains its own
    cfg = experiment_profile("smoke", "mnist_lt", SIZES)
    e0, e1 = (SeedRun(cfg, "longtail", s, root/"study").experiment() for s in (0, 1))
    assert torch.equal(e0.data.x_train, e1.data.x_train)
    g = [load_model(next((root/"study"/"longtail"/f"seed{s}"/"models").glob("gan-longtail-baseline-*"))/"G_ema.pt", "generator")
         for s in (0, 1)]
    assert not torch.equal(next(g[0].parameters()), next(g[1].parameters()))  # each seed trains its own baseline

def test_study_resumes_and_aggregates(tiny_study):
    root, rows, _ = tiny_study
    done = sorted((root/"study").glob("longtail/seed*/rows-*.json"))
    stamps = [p.stat().st_mtime_ns for p in done]
    again, _ = study("smoke", "0-1", "longtail", root/"study", root/"fig2", SIZES, progress=False, ablation_seeds="0-1",
                     choice_seeds="0-1")  # finished seeds are read back
    assert [p.stat().st_mtime_ns for p in done] == stamps
    pd.testing.assert_frame_equal(again, rows)
    one, _ = study("smoke", "0", "longtail", root/"study", root/"fig3", SIZES, aggregate_only=True, ablation_seeds=None, choice_seeds=None)
    assert one.seed.unique().tolist() == [0] and pd.read_csv(root/"fig3"/"04_seeds.csv").F_lo.isna().all()  # one seed: no interval

def test_committed_aggregate_is_a_ledger(tiny_study):
    "A study whose units are in the aggregate (the committed figures) runs nothing, even without its run folders."
    root, rows, lines = tiny_study
    again, lines2 = study("smoke", "0-1", "longtail", root/"elsewhere", root/"fig", SIZES, progress=False, ablation_seeds="0-1",
                          choice_seeds="0-1")
    assert not (root/"elsewhere"/"longtail").exists() and lines2 == lines
    pd.testing.assert_frame_equal(again.reset_index(drop=True), rows.reset_index(drop=True), check_dtype=False)

def test_cli_refuses_bad_input_in_one_line(tmp_path):
    for args, msg in ((["--presets", "flat"], "unknown preset"), (["--seeds", "4-2"], "not a range"),
                      (["--aggregate", "--root", str(tmp_path)], "no finished seeds")):
        r = subprocess.run([BIN/"fairgan-study", "--profile", "smoke", *args], capture_output=True, text=True)
        assert r.returncode == 1 and msg in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
