import os
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("MPLBACKEND", "Agg")
if os.environ.get("PYTEST_XDIST_WORKER"):  # two workers already fill the two cores: each computes on one thread, and so
    os.environ["OMP_NUM_THREADS"] = "1"    # do the runs, kernels and worker processes it starts (a second thread would only
    import torch; torch.set_num_threads(1) # wait on the other worker's core, and spin while it waits)

@pytest.fixture(scope="session")
def root() -> Path: return ROOT

FIRST = ("test_reproduce.py", "test_cifar10_lt.py", "test_folders.py", "test_study.py", "test_experiments.py", "test_notebooks.py")

def pytest_collection_modifyitems(items):
    """The files that run the pipeline end to end first, longest first: with a file per worker (pytest-xdist, in this
    order with --no-loadscope-reorder, where by default it orders files by their number of tests), the long ones do not come last."""
    rank = {name: i for i, name in enumerate(FIRST)}
    items.sort(key=lambda it: rank.get(Path(str(it.fspath)).name, len(FIRST)))  # stable: the rest keep their order

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
