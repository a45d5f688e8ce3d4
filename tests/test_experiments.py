"The paper's experiments through the same runner and notebooks, on stand-in files that the tests write."
import shutil, subprocess, sys
from dataclasses import replace
from pathlib import Path
import nbformat, pandas as pd, pytest, torch
from fairgan_nb.baseline import get_baseline_gan, get_classifiers, setup_experiment
from fairgan_nb.experiments import (EXPERIMENTS, FFHQ_FILES, check_experiment_files, optional_status, preset_generator,
                                    preset_race_classifier, presets_markdown)
from fairgan_nb.fairface import FAIRFACE_RACES
from fairgan_nb.models import generate, predict_proba
from fairgan_nb.weights import optional_weights
from fairgan_nb.reproduce import main
from standins import TINY_SIZES, set_args, write_eqface_standin, write_fairface_standin, write_stylegan2_standin

BIN = Path(sys.executable).parent

def _ffhq_standin(root: Path) -> Path:
    "A stand-in StyleGAN2 pickle with its code folder and a random FairFace state dict, where the preset expects them."
    w = root/"weights"; w.mkdir(parents=True)
    pkl, code = write_stylegan2_standin(root/"sg2", z_dim=8, w_dim=8, img_resolution=16)
    shutil.move(pkl, w/"ffhq.pkl"); shutil.move(code, w/"stylegan2-ada-pytorch")
    write_fairface_standin(w/"fairface_res34.pt")
    write_eqface_standin(w/"eqface")  # optional: section 1 then scores face quality by group
    return root

def test_missing_files_are_all_listed(tmp_path):
    with pytest.raises(FileNotFoundError) as e: check_experiment_files("ffhq_race", tmp_path)
    msg = str(e.value)
    assert "needs 3 missing file(s)" in msg and all(f.path in msg for f in FFHQ_FILES)
    code = tmp_path/"weights"/"stylegan2-ada-pytorch"
    (code/"dnnlib").mkdir(parents=True)                                  # an empty folder is no package
    with pytest.raises(FileNotFoundError) as e: check_experiment_files("ffhq_race", tmp_path)
    assert "stylegan2-ada-pytorch/torch_utils/__init__.py" in str(e.value) and "stylegan2-ada-pytorch/dnnlib/__init__.py" in str(e.value)
    (code/"dnnlib"/"__init__.py").write_text("")
    with pytest.raises(FileNotFoundError) as e: check_experiment_files("ffhq_race", tmp_path)
    assert "stylegan2-ada-pytorch/torch_utils/__init__.py" in str(e.value) and "stylegan2-ada-pytorch/dnnlib" not in str(e.value)
    with pytest.raises(FileNotFoundError, match="data/cifar10/cifar-10-batches-py/"): check_experiment_files("cifar10_lt", tmp_path)

def test_optional_weights_report_where_to_put_them(tmp_path, capsys):
    assert optional_weights("inception", tmp_path) is None
    assert "inception unavailable: put the FID Inception-v3 weights at weights/weights-inception" in capsys.readouterr().out
    st = optional_status("ffhq_race", tmp_path)
    assert set(st) == {"inception", "eqface"} and all(v.startswith("unavailable: put ") for v in st.values())

def test_presets_table_in_notebook_is_current(root):
    nb = nbformat.read(root/"nbs"/"00ca_experiments.ipynb", as_version=4)
    assert presets_markdown().strip() in [c.source.strip() for c in nb.cells if c.cell_type == "markdown"]

def test_cifar10_lt_preset_counts_are_the_published_ones():
    p = EXPERIMENTS["cifar10_lt"]
    assert p.counts == (5000, 3871, 2997, 2320, 1796, 1391, 1077, 834, 645, 500) and dict(p.sizes)["explore.quota"] == 2043
    assert p.source_shares == tuple(c / 20_431 for c in p.counts)

@pytest.fixture(scope="module")
def ffhq_files(tmp_path_factory): return _ffhq_standin(tmp_path_factory.mktemp("ffhq_files"))

def test_missing_files_and_trust_are_one_clear_line(tmp_path, capsys, ffhq_files):
    assert main(["--experiment", "cifar10_lt", "--profile", "smoke", "--files", str(tmp_path), "--run-dir", str(tmp_path/"r")]) == 1
    err = capsys.readouterr().err
    assert "experiment 'cifar10_lt' needs data/cifar10/cifar-10-batches-py/ under" in err and len(err.strip().splitlines()) == 1
    assert main(["--experiment", "nope"]) == 1
    assert "unknown experiment 'nope'" in capsys.readouterr().err
    exp = setup_experiment("smoke", 0, tmp_path/"run", experiment="ffhq_race", root=ffhq_files, trust=False)
    with pytest.raises(PermissionError, match="trust"): get_baseline_gan(exp)

def test_ffhq_preset_loads_standins_from_their_places(ffhq_files, clean_imports):
    assert check_experiment_files("ffhq_race", ffhq_files) == ffhq_files
    with pytest.raises(PermissionError): preset_generator("ffhq_race", ffhq_files)
    G = preset_generator("ffhq_race", ffhq_files, trust=True, device="cpu")
    clf = preset_race_classifier("ffhq_race", ffhq_files, device="cpu", size=32)
    assert G.truncation_psi == EXPERIMENTS["ffhq_race"].truncation_psi == 0.7
    assert predict_proba(clf, generate(G, torch.randn(2, G.z_dim))).shape == (2, 6)

def test_preset_race_classifier_follows_the_preset_groups(ffhq_files):
    ffhq = EXPERIMENTS["ffhq_race"]
    x = torch.rand(3, 3, 32, 32) * 2 - 1
    seven = preset_race_classifier(replace(ffhq, groups=FAIRFACE_RACES, source_shares=(1 / 7,) * 7), ffhq_files, device="cpu", size=32)
    assert seven.classes == list(FAIRFACE_RACES) and seven.n_classes == 7
    six = preset_race_classifier(ffhq, ffhq_files, device="cpu", size=32)
    flipped = preset_race_classifier(replace(ffhq, groups=ffhq.groups[::-1]), ffhq_files, device="cpu", size=32)
    assert flipped.classes == six.classes[::-1]
    assert torch.allclose(predict_proba(flipped, x), predict_proba(six, x).flip(1), atol=1e-6)

def test_ffhq_experiment_objects(tmp_path, ffhq_files, clean_imports):
    exp = setup_experiment("smoke", 0, tmp_path/"run", experiment="ffhq_race", root=ffhq_files, trust=True)
    assert not exp.has_data and exp.n_classes == 6 and exp.tag == "ffhq_race" and abs(sum(exp.source_shares) - 1) < 1e-9
    aux, ev = get_classifiers(exp)
    G = get_baseline_gan(exp)
    with torch.inference_mode(): p = aux(G.sample(torch.randn(2, G.z_dim)))
    assert aux is ev and p.shape == (2, 6)

def test_ffhq_race_runs_its_sections(root, ffhq_files, tmp_path):
    run = tmp_path/"run"
    r = subprocess.run([BIN/"fairgan-reproduce", "--experiment", "ffhq_race", "--profile", "smoke", "--files", str(ffhq_files),
                        "--run-dir", str(run), "--only", "00d_baseline", "01_imbalance"], cwd=root, capture_output=True, text=True)
    assert r.returncode == 1 and "trust" in r.stderr                       # the pickle needs the flag
    r = subprocess.run([BIN/"fairgan-reproduce", "--experiment", "ffhq_race", "--profile", "smoke", "--files", str(ffhq_files),
                        "--run-dir", str(run), "--only", "00d_baseline", "01_imbalance", "--trust-pickles", *set_args(*TINY_SIZES)],
                       cwd=root, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert (run/"figures"/"01_baseline_fairness.csv").exists() and (run/"figures"/"00_baseline.png").exists()
    assert not (run/"figures"/"00_classifiers.csv").exists()              # no labelled data to test FairFace on
    q = pd.read_csv(run/"figures"/"01_face_quality.csv")                  # EQ-Face's (stand-in) weights were found
    assert list(q.columns[:4]) == ["group", "count", "mean", "std"] and q["mean"].dropna().between(0, 1).all() and q["count"].sum() > 0

def test_readme_lists_the_presets_as_defined(root):
    assert presets_markdown() in (root/"README.md").read_text()

def test_ffhq_exploration_on_standins(tmp_path, ffhq_files, clean_imports):
    "Section 2's library calls on the ffhq_race stand-ins: BFS in Z and in W and rejection sampling of RGB faces, exported for StyleGAN2-ADA."
    from fairgan_nb.bfs import explore_bfs, rejection_sample
    from fairgan_nb.exploration import search_cfg
    from fairgan_nb.latents import export_stylegan_zip
    exp = setup_experiment("smoke", 0, tmp_path/"run", experiment="ffhq_race", root=ffhq_files, trust=True)
    aux, _ = get_classifiers(exp)
    G = get_baseline_gan(exp)
    cfg, quota = search_cfg(exp.profile, max_draws=64, batch_size=32), 3  # FairFace's ResNet-34 reads each face at 224 px
    for space in ("z", "w"):
        bfs = explore_bfs(G, aux, exp.classes, quota, cfg=cfg, space=space, progress=False)
        assert bfs.space == space and bfs.classes == exp.classes and len(bfs) > 0
        assert torch.bincount(bfs.labels, minlength=6).max() <= quota
        x = bfs.images(G)
        assert x.shape == (len(bfs), 3, 16, 16) and x.abs().max() <= 1
        with torch.inference_mode(): agree = (aux(x).argmax(1) == bfs.labels).sum().item()
        assert agree >= len(bfs) - 1                                     # accepted faces are of their group (one near-tie may flip)
    rej = rejection_sample(G, aux, exp.classes, quota, cfg=replace(cfg, max_draws=32), progress=False)
    assert rej.method == "rejection" and torch.bincount(rej.labels, minlength=6).max() <= quota
    assert export_stylegan_zip(bfs, G, tmp_path/"faces.zip").stat().st_size > 0

def test_ffhq_trust_and_code_folder_are_checked_before_the_first_notebook(tmp_path, capsys, ffhq_files, no_notebooks):
    args = ["--experiment", "ffhq_race", "--profile", "smoke", "--run-dir", str(tmp_path/"run")]
    assert main([*args, "--files", str(ffhq_files)]) == 1
    err = capsys.readouterr().err
    assert "--trust-pickles" in err and len(err.strip().splitlines()) == 1, err
    files = tmp_path/"files"; shutil.copytree(ffhq_files, files)
    code = files/"weights"/"stylegan2-ada-pytorch"
    for d in ("dnnlib", "torch_utils"): shutil.rmtree(code/d); (code/d).mkdir()   # empty folders are no checkout
    assert main([*args, "--files", str(files), "--trust-pickles"]) == 1
    err = capsys.readouterr().err
    assert "stylegan2-ada-pytorch/dnnlib/__init__.py" in err and "stylegan2-ada-pytorch/torch_utils/__init__.py" in err
    assert not (tmp_path/"run").exists()
