"NVIDIA's StyleGAN2 pickles, on a stand-in saved in the same format (no real weights, no NVIDIA code, no downloads)."
import pickle, shutil
from pathlib import Path
import pytest, torch
from fairgan_nb.models import Generator, is_style_based
from fairgan_nb.stylegan2 import StyleGAN2Generator, load_stylegan2
from standins import isolated_modules, write_stylegan2_standin

@pytest.fixture(scope="module")
def standin(tmp_path_factory):
    d = tmp_path_factory.mktemp("sg2")
    pkl, code = write_stylegan2_standin(d/"sg2", z_dim=8, w_dim=8, img_resolution=16)
    return dict(dir=d, pkl=pkl, code=code)

def test_stylegan2_standin_loads_as_a_generator(standin, clean_imports):
    G = load_stylegan2(standin["pkl"], standin["code"], trust=True, device="cpu")
    assert isinstance(G, Generator) and is_style_based(G)
    z = torch.randn(5, G.z_dim)
    x = G.sample(z)
    assert x.shape == (5, 3, 16, 16) and x.min() >= -1 and x.max() <= 1
    assert torch.equal(G.sample(z), x) and torch.equal(G(z), x), "constant noise makes an image a function of its latent"
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
def test_stylegan2_errors_are_one_clear_line(standin, clean_imports, kw, err, msg):
    d = standin["dir"]
    pkl = d/kw["pkl"] if "pkl" in kw else standin["pkl"]
    code = standin["code"] if "code" not in kw else (None if kw["code"] is None else d/kw["code"])
    with pytest.raises(err) as e: load_stylegan2(pkl, code, trust=kw.get("trust", False))
    assert msg in str(e.value) and "\n" not in str(e.value)

def test_pickle_without_g_ema(standin, clean_imports, tmp_path):
    with open(tmp_path/"d.pkl", "wb") as f: pickle.dump({"G": 1, "D": 2}, f)
    with pytest.raises(ValueError, match="holds no 'G_ema' generator"): load_stylegan2(tmp_path/"d.pkl", standin["code"], trust=True)

def _tf_pickle(standin, tmp_path) -> tuple[Path, Path]:
    "A pickle that refers to NVIDIA's TensorFlow `dnnlib.tflib.network.Network`, and a code folder without tflib."
    code = tmp_path/"code"; shutil.copytree(standin["code"], code)
    tflib = code/"dnnlib"/"tflib"; tflib.mkdir()
    (tflib/"__init__.py").write_text(""); (tflib/"network.py").write_text("class Network: pass\n")
    with isolated_modules(code):
        from dnnlib.tflib.network import Network
        n = Network(); n.static_kwargs = dict(latent_size=8, resolution=16)
        with open(tmp_path/"tf.pkl", "wb") as f: pickle.dump((n, n, n), f)
    shutil.rmtree(tflib)
    return tmp_path/"tf.pkl", code

def test_tensorflow_pickle_needs_legacy(standin, clean_imports, tmp_path):
    pkl, code = _tf_pickle(standin, tmp_path)
    with pytest.raises(ValueError, match="is a TensorFlow StyleGAN2 pickle.*legacy.py"): load_stylegan2(pkl, code, trust=True)

def test_tensorflow_pickle_is_converted_by_legacy(standin, clean_imports, tmp_path):
    pkl, code = _tf_pickle(standin, tmp_path)
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
