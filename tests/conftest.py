import os
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("MPLBACKEND", "Agg")

@pytest.fixture(scope="session")
def root() -> Path: return ROOT

@pytest.fixture
def no_notebooks(monkeypatch):
    "Make running any notebook a test failure: the arguments must be refused before."
    import fairgan_nb.reproduce as r
    def ran(nb, *a, **k): raise AssertionError(f"{nb.name} ran")
    monkeypatch.setattr(r, "run_notebook", ran)

@pytest.fixture
def clean_imports():
    "NVIDIA's package names (the stand-in's) and sys.path as they were before the test."
    import sys
    from standins import isolated_modules
    path = list(sys.path)
    with isolated_modules(): yield
    sys.path[:] = path
