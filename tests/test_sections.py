"The section notebooks' own tests, in order: they share the default smoke run folder (a file of their own, so that
`pytest -n 2 --dist loadfile` runs them beside the other notebooks)."
from test_notebooks import SECTIONS, nbdev_test

def test_sections(root):
    out = nbdev_test(root, "--file_re", SECTIONS)
    assert all(n in out for n in ("00d_baseline", "02_exploration", "05_fid_sensitivity")) and "02_bfs" not in out
