"The adapters for the paper's own models, on stand-ins saved in the same formats (no real weights, no downloads)."
import pickle, shutil, sys
from pathlib import Path
import nbformat, numpy as np, pytest, torch
import torch.nn.functional as F
from fairgan_nb.adapters import (EXPERIMENTS, FFHQ_FILES, RACE_GROUPINGS, FairFaceRaceClassifier, StyleGAN2Generator,
                                 _isolated_modules, check_experiment_files, get_cifar_classifier, load_cifar_classifier,
                                 load_fairface, load_stylegan2, make_cifar10_lt, optional_status, optional_weights,
                                 preset_data, preset_generator, preset_race_classifier, presets_markdown,
                                 write_fairface_standin, write_stylegan2_standin)
from fairgan_nb.core import ClassifierCfg
from fairgan_nb.data import longtail_counts, write_cifar10
from fairgan_nb.models import Generator, generate, is_style_based, predict_proba

@pytest.fixture
def clean_imports():
    "NVIDIA's package names and sys.path as they were before the test."
    path = list(sys.path)
    with _isolated_modules(): yield
    sys.path[:] = path

@pytest.fixture(scope="module")
def standins(tmp_path_factory):
    d = tmp_path_factory.mktemp("standins")
    pkl, code = write_stylegan2_standin(d/"sg2", z_dim=8, w_dim=8, img_resolution=16)
    return dict(dir=d, pkl=pkl, code=code, fairface=write_fairface_standin(d/"fairface.pt"))

def test_stylegan2_standin_loads_as_a_generator(standins, clean_imports):
    G = load_stylegan2(standins["pkl"], standins["code"], trust=True, device="cpu")
    assert isinstance(G, Generator) and is_style_based(G)
    z = torch.randn(5, G.z_dim)
    x = G.sample(z)
    assert x.shape == (5, 3, 16, 16) and x.min() >= -1 and x.max() <= 1
    assert torch.equal(G.sample(z), x), "constant noise makes an image a function of its latent"
    assert torch.allclose(G.synthesis(G.mapping(z)), x)
    G0 = StyleGAN2Generator(G.G, truncation_psi=0.0)
    assert torch.allclose(G0.sample(z), G0.sample(z[:1]).expand_as(x), atol=1e-5), "psi=0 maps every z to w_avg"
    assert not torch.allclose(StyleGAN2Generator(G.G, truncation_psi=1.0).sample(z), x)

@pytest.mark.parametrize("kw, err, msg", [
    (dict(pkl="missing.pkl", trust=True), FileNotFoundError, "StyleGAN2 pickle not found"),
    (dict(), PermissionError, "unpickling runs code stored in the file; pass trust=True"),
    (dict(trust=True, code=None), ModuleNotFoundError, "pass code_path=<folder holding dnnlib/ and torch_utils/>"),
    (dict(trust=True, code="nowhere"), FileNotFoundError, "code folder not found"),
    (dict(trust=True, code="."), FileNotFoundError, "lacks dnnlib/ and torch_utils/"),
])
def test_stylegan2_errors_are_one_clear_line(standins, clean_imports, kw, err, msg):
    d = standins["dir"]
    pkl = d/kw["pkl"] if "pkl" in kw else standins["pkl"]
    code = standins["code"] if "code" not in kw else (None if kw["code"] is None else d/kw["code"])
    with pytest.raises(err) as e: load_stylegan2(pkl, code, trust=kw.get("trust", False))
    assert msg in str(e.value) and "\n" not in str(e.value)

def test_pickle_without_g_ema(standins, clean_imports, tmp_path):
    with open(tmp_path/"d.pkl", "wb") as f: pickle.dump({"G": 1, "D": 2}, f)
    with pytest.raises(ValueError, match="holds no 'G_ema' generator"): load_stylegan2(tmp_path/"d.pkl", standins["code"], trust=True)

def _tf_pickle(standins, tmp_path) -> tuple[Path, Path]:
    "A pickle that refers to NVIDIA's TensorFlow `dnnlib.tflib.network.Network`, and a code folder without tflib."
    code = tmp_path/"code"; shutil.copytree(standins["code"], code)
    tflib = code/"dnnlib"/"tflib"; tflib.mkdir()
    (tflib/"__init__.py").write_text(""); (tflib/"network.py").write_text("class Network: pass\n")
    with _isolated_modules(code):
        from dnnlib.tflib.network import Network
        n = Network(); n.static_kwargs = dict(latent_size=8, resolution=16)
        with open(tmp_path/"tf.pkl", "wb") as f: pickle.dump((n, n, n), f)
    shutil.rmtree(tflib)
    return tmp_path/"tf.pkl", code

def test_tensorflow_pickle_needs_legacy(standins, clean_imports, tmp_path):
    pkl, code = _tf_pickle(standins, tmp_path)
    with pytest.raises(ValueError, match="is a TensorFlow StyleGAN2 pickle.*legacy.py"): load_stylegan2(pkl, code, trust=True)

def test_tensorflow_pickle_is_converted_by_legacy(standins, clean_imports, tmp_path):
    pkl, code = _tf_pickle(standins, tmp_path)
    (code/"legacy.py").write_text(
        "import pickle\n"
        "class _Stub(dict): pass\n"
        "class _Unpickler(pickle.Unpickler):\n"
        "    def find_class(self, module, name):\n"
        "        return _Stub if (module, name) == ('dnnlib.tflib.network', 'Network') else super().find_class(module, name)\n"
        "def load_network_pkl(f):\n"
        "    from torch_utils.standin_networks import Generator\n"
        "    G, D, Gs = _Unpickler(f).load()\n"
        "    kw = Gs.__dict__['static_kwargs']\n"
        "    return dict(G=None, D=None, G_ema=Generator(z_dim=kw['latent_size'], w_dim=8, img_resolution=kw['resolution']))\n")
    G = load_stylegan2(pkl, code, trust=True, device="cpu")
    assert G.z_dim == 8 and G.sample(torch.randn(2, 8)).shape == (2, 3, 16, 16)

def test_fairface_wrong_shape_and_missing_file(standins, tmp_path):
    write_fairface_standin(tmp_path/"seven.pt", n_outputs=7)
    with pytest.raises(ValueError, match=r"fc.weight has shape \(7, 512\), expected \(18, 512\)"): load_fairface(tmp_path/"seven.pt")
    with pytest.raises(FileNotFoundError, match="FairFace weights not found"): load_fairface(tmp_path/"none.pt")

def test_fairface_groups_sum_race_probabilities(standins):
    clf = load_fairface(standins["fairface"], device="cpu", size=64)
    x = torch.rand(3, 3, 40, 40) * 2 - 1
    with torch.inference_mode():
        p7, p6 = F.softmax(clf.race_logits(x), 1), predict_proba(clf, x)
    assert clf.classes == list(RACE_GROUPINGS["paper6"])
    assert torch.allclose(p6[:, clf.classes.index("Asian")], p7[:, 3] + p7[:, 4], atol=1e-6)
    assert torch.allclose(p6.sum(1), torch.ones(3))
    raw = FairFaceRaceClassifier(clf.net, imagenet_norm=False, size=40)
    assert torch.equal(raw.preprocess(x), x), "the authors' variant feeds [-1, 1] images unchanged"

def test_generate_classify_loop_and_w_mutation(standins, clean_imports):
    G = load_stylegan2(standins["pkl"], standins["code"], trust=True, device="cpu", w_plus=True)
    clf = load_fairface(standins["fairface"], device="cpu", size=32)
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

def test_cifar10_lt_and_resnet18_from_a_tiny_folder(tmp_path):
    rng = np.random.default_rng(1)
    write_cifar10(tmp_path/"c", rng.integers(0, 256, (100, 3, 32, 32), dtype=np.uint8), np.repeat(np.arange(10), 10))
    d = make_cifar10_lt(tmp_path/"c", n_max=8, seed=3)
    assert torch.bincount(d.y_train, minlength=10).tolist() == longtail_counts(8, 10, 10)
    assert torch.bincount(d.y_balanced).tolist() == [sum(d.counts) // 10] * 10
    m = get_cifar_classifier(tmp_path/"r18.pt", d.x_train, d.y_train, epochs=1, cfg=ClassifierCfg(batch_size=8), device="cpu", progress=False)
    with torch.inference_mode(): assert torch.allclose(load_cifar_classifier(tmp_path/"r18.pt")(d.x_train[:2]), m(d.x_train[:2]), atol=1e-5)

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
    with pytest.raises(FileNotFoundError, match="data/cifar10/cifar-10-batches-py/"): preset_data("cifar10_lt", tmp_path)

def test_ffhq_preset_loads_standins_from_their_places(standins, clean_imports, tmp_path):
    (tmp_path/"weights").mkdir()
    shutil.copy(standins["pkl"], tmp_path/"weights"/"ffhq.pkl")
    shutil.copytree(standins["code"], tmp_path/"weights"/"stylegan2-ada-pytorch")
    shutil.copy(standins["fairface"], tmp_path/"weights"/"fairface_res34.pt")
    assert check_experiment_files("ffhq_race", tmp_path) == tmp_path
    with pytest.raises(PermissionError): preset_generator("ffhq_race", tmp_path)
    G = preset_generator("ffhq_race", tmp_path, trust=True, device="cpu")
    clf = preset_race_classifier("ffhq_race", tmp_path, device="cpu", size=32)
    assert G.truncation_psi == EXPERIMENTS["ffhq_race"].truncation_psi == 0.7
    assert predict_proba(clf, generate(G, torch.randn(2, G.z_dim))).shape == (2, 6)

def test_optional_weights_report_where_to_put_them(tmp_path, capsys):
    assert optional_weights("inception", tmp_path) is None
    assert "inception unavailable: put the FID Inception-v3 weights at weights/weights-inception" in capsys.readouterr().out
    st = optional_status("ffhq_race", tmp_path)
    assert set(st) == {"inception", "eqface"} and all(v.startswith("unavailable: put ") for v in st.values())

def test_presets_table_in_notebook_is_current(root):
    nb = nbformat.read(root/"nbs"/"00f_adapters.ipynb", as_version=4)
    assert presets_markdown().strip() in [c.source.strip() for c in nb.cells if c.cell_type == "markdown"]
