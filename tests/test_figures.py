"The committed figures and tables as a reader meets them."
import re
import pandas as pd
from PIL import Image
from fairgan_nb.core import MAX_FIGURE_PX

DIGEST = re.compile(r"\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])[0-9a-f]{10,}\b")  # a cache digest in a model's name, not a long number

def test_no_png_wider_than_a_screen(root):
    wide = {p.name: Image.open(p).size[0] for p in (root/"figures").glob("*.png") if Image.open(p).size[0] > MAX_FIGURE_PX}
    assert not wide, f"PNGs wider than {MAX_FIGURE_PX} px: {wide}"

def test_no_digest_names_in_tables(root):
    "Names in tables (the text cells, not the numbers) say what a model is, never which cache it came from."
    named = {}
    for p in (root/"figures").glob("*.csv"):
        t = pd.read_csv(p)
        text = [str(v) for c in t.columns if not pd.api.types.is_numeric_dtype(t[c]) for v in t[c]] + list(map(str, t.columns))
        if hits := sorted({m for v in text for m in DIGEST.findall(v)}): named[p.name] = hits
    assert not named, f"tables naming models by digest: {named}"

def test_readme_glance_follows_the_tables(root, tmp_path):
    "The README's results at a glance are read off figures/: a changed table changes the README."
    import shutil
    from fairgan_nb.reproduce import readme_from_index
    figs = shutil.copytree(root/"figures", tmp_path/"figures")
    t = pd.read_csv(figs/"00_classifiers.csv"); t.loc[t.classifier == "aux", "heldout_accuracy"] = 0.5
    t.to_csv(figs/"00_classifiers.csv", index=False)
    text = readme_from_index(root/"nbs"/"index.ipynb", figs)
    assert "held-out accuracy 50.0% (auxiliary)" in text and text != (root/"README.md").read_text()
