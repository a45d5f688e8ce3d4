"Your own data: an image folder through every section, from Python, and each way a folder can be wrong."
import json, subprocess, sys
from pathlib import Path
import pytest
from PIL import Image
from fairgan_nb.data import load_mnist
from fairgan_nb.folders import load_image_folder, image_folder_data
from fairgan_nb.reproduce import main
from standins import TINY_SIZES, set_args

BIN = Path(sys.executable).parent
NAMES = ("zero", "one", "two", "three")

def write_digits(root: Path, counts, size: int = 36, offset: int = 0, mode: str = "L") -> Path:
    "Real MNIST digits as PNG files at another size: `counts[c]` of class `c` in `root/<name>/`."
    x, y = load_mnist()
    for c, n in enumerate(counts):
        (root/NAMES[c]).mkdir(parents=True, exist_ok=True)
        for i, img in enumerate(x[y == c][offset:offset + n]):
            a = ((img[0] + 1) * 127.5).round().clamp(0, 255).byte().numpy()
            Image.fromarray(a).convert(mode).resize((size, size), Image.BICUBIC).save(root/NAMES[c]/f"{i:04d}.png")
    return root

@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    "An imbalanced folder the project has never seen: 4 digit classes, 160/80/40/20 training images, 30 held out each."
    root = tmp_path_factory.mktemp("digits")
    write_digits(root/"train", (160, 80, 40, 20))
    write_digits(root/"heldout", (30, 30, 30, 30), offset=300)
    return root

def test_folder_runs_every_section(root, digits, tmp_path):
    run = tmp_path/"run"
    sizes = set_args(*TINY_SIZES)
    r = subprocess.run([BIN/"fairgan-reproduce", "--experiment", "folder", "--files", str(digits), "--profile", "smoke",
                        "--run-dir", str(run), *sizes], cwd=root, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    man = json.loads((run/"figures"/"manifest.json").read_text())
    assert [n["notebook"][:2] for n in man["notebooks"]] == ["00", "01", "02", "03", "04", "05"]
    shares = (run/"figures"/"01_baseline_shares.csv").read_text()
    assert all(name in shares for name in NAMES)  # classes named by their folders
    cfg = json.loads((run/"config.json").read_text())
    assert cfg["data"]["img_size"] == 0 and (run/"figures"/"04_results.csv").exists()

def test_from_python_folder_and_tensors(digits, tmp_path):
    from fairgan_nb.baseline import setup_experiment
    e = setup_experiment("smoke", 0, tmp_path/"run", data=digits)
    assert (e.preset, e.classes, e.data.counts, tuple(e.data.x_train.shape[1:])) == ("folder", sorted(NAMES), [80, 20, 40, 160], (1, 28, 28))
    x, y, classes = load_image_folder(digits/"train", 32, channels=3)
    t = setup_experiment("smoke", 0, tmp_path/"run", data=(x, y, classes), overrides={"data.heldout_per_class": 10})
    assert t.data.split.x_heldout.shape == (40, 3, 32, 32) and t.data.counts == [70, 10, 30, 150]
    assert t.key(t.data.x_train) != e.key(e.data.x_train)  # two datasets never share a cache entry

def _fails(args, msg, capsys):
    assert main(["--profile", "smoke", "--experiment", "folder", *args]) == 1
    err = capsys.readouterr().err
    assert msg in err and len(err.strip().splitlines()) == 1, err

def test_one_class_and_empty_class_are_one_line(tmp_path, capsys, no_notebooks):
    write_digits(tmp_path/"one"/"train", (5,))
    _fails(["--files", str(tmp_path/"one")], "holds 1 class folder(s); the method needs at least 2", capsys)
    write_digits(tmp_path/"empty"/"train", (5, 5)); (tmp_path/"empty"/"train"/"zz").mkdir()
    _fails(["--files", str(tmp_path/"empty")], "class folder(s) without .png/.jpg images", capsys)
    _fails(["--files", str(tmp_path/"nothing")], "needs train/ under", capsys)

def test_heldout_with_other_classes_is_one_line(tmp_path, capsys, no_notebooks):
    write_digits(tmp_path/"d"/"train", (5, 5, 5)); write_digits(tmp_path/"d"/"heldout", (3, 3))
    _fails(["--files", str(tmp_path/"d")], "its classes differ from train/'s", capsys)

def test_bad_images_are_named(tmp_path):
    write_digits(tmp_path/"d"/"train", (120, 120))
    bad = tmp_path/"d"/"train"/"one"/"0003.png"
    bad.write_bytes(bad.read_bytes()[:60])  # truncated
    with pytest.raises(ValueError, match=r"unreadable or truncated image: .*one/0003.png"): image_folder_data(tmp_path/"d")
    bad.write_bytes(b"not an image")
    with pytest.raises(ValueError, match=r"unreadable or truncated image: .*one/0003.png"): image_folder_data(tmp_path/"d")

def test_too_few_images_for_the_heldout_split(tmp_path):
    write_digits(tmp_path/"d"/"train", (150, 60))
    with pytest.raises(ValueError, match=r"one \(60\) have no more images than the held-out split takes per class \(100\)"):
        image_folder_data(tmp_path/"d")

def test_mixed_channels_warn_and_read_as_colour(tmp_path):
    write_digits(tmp_path/"d"/"train", (5, 5)); write_digits(tmp_path/"d"/"train", (0, 3), offset=50, mode="RGB")
    with pytest.warns(UserWarning, match="3 colour images; all are read as colour"):
        x, _, _ = load_image_folder(tmp_path/"d"/"train", 32)
    assert x.shape == (10, 3, 32, 32)
