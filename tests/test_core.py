"Run-folder helpers: atomic writes."
import os, stat
import pytest
from fairgan_nb.core import save_json

@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_atomic_write_gives_the_usual_mode(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        p = save_json({"a": 1}, tmp_path/"a.json")
        with open(tmp_path/"b.txt", "w") as f: f.write("x")           # what open() would give
    finally: os.umask(old)
    assert stat.S_IMODE(p.stat().st_mode) == stat.S_IMODE((tmp_path/"b.txt").stat().st_mode) == mode
