"The nbdev-ci checks: notebooks clean, library in sync, notebook tests pass, README matches index.ipynb."
import filecmp, shutil, subprocess, sys
from pathlib import Path
from fairgan_nb.reproduce import readme_from_index

BIN = Path(sys.executable).parent

def _copy_project(root: Path, dst: Path) -> Path:
    for name in ("settings.ini", "setup.py", "README.md"): shutil.copy(root/name, dst/name)
    shutil.copytree(root/"nbs", dst/"nbs", ignore=shutil.ignore_patterns(".ipynb_checkpoints", "_*.ipynb"))
    shutil.copytree(root/"fairgan_nb", dst/"fairgan_nb", ignore=shutil.ignore_patterns("__pycache__"))
    return dst

def _changed(a: Path, b: Path, pattern: str) -> list[str]:
    return [p.name for p in sorted(a.glob(pattern)) if not filecmp.cmp(p, b/p.name, shallow=False)]

def test_export_leaves_no_diff(root, tmp_path):
    cp = _copy_project(root, tmp_path)
    subprocess.run([BIN/"nbdev_export"], cwd=cp, check=True, capture_output=True)
    assert _changed(cp/"fairgan_nb", root/"fairgan_nb", "*.py") == [], "run nbdev_export and commit the library"
    assert sorted(p.name for p in (cp/"fairgan_nb").glob("*.py")) == sorted(p.name for p in (root/"fairgan_nb").glob("*.py"))

def test_clean_leaves_no_diff(root, tmp_path):
    cp = _copy_project(root, tmp_path)
    subprocess.run([BIN/"nbdev_clean"], cwd=cp, check=True, capture_output=True)
    assert _changed(cp/"nbs", root/"nbs", "*.ipynb") == [], "run nbdev_clean and commit the notebooks"

def test_readme_matches_index(root):
    assert readme_from_index(root/"nbs"/"index.ipynb") == (root/"README.md").read_text(), \
        "README.md is out of step with nbs/index.ipynb: run fairgan-reproduce --write-readme"

SECTIONS = r"^(00d_|0[1-5]_(?!bfs))"  # the section notebooks: every cell of theirs, tests included, runs in the smoke run (test_reproduce.py)

def test_notebooks(root):
    "Every notebook but the sections' (the smoke run executes those), one at a time."
    r = subprocess.run([BIN/"nbdev_test", "--n_workers", "1", "--timing", "--skip_file_re", f"{SECTIONS}|^[_.]"], cwd=root,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
    assert "00_core" in r.stdout and "01_imbalance" not in r.stdout

def test_environment_installs_settings_requirements(root):
    "environment.yml installs the package itself, so its requirements are those of settings.ini."
    env = (root/"environment.yml").read_text()
    assert "-e .[dev]" in env
