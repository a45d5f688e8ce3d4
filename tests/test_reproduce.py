"End to end: the runner on the smoke profile, and its failure modes."
import json, subprocess, sys
from pathlib import Path
import nbformat, pytest
from fairgan_nb.core import sha256_file
from fairgan_nb.reproduce import main, section_notebooks

BIN = Path(sys.executable).parent

@pytest.fixture(scope="module")
def smoke_run(root, tmp_path_factory):
    run = tmp_path_factory.mktemp("smoke")
    committed = {p.name: sha256_file(p) for p in (root/"figures").glob("*") if p.is_file()}
    r = subprocess.run([BIN/"fairgan-reproduce", "--profile", "smoke", "--run-dir", str(run)], cwd=root,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return run, committed, r

def test_smoke_runs_every_section(root, smoke_run):
    run, _, _ = smoke_run
    man = json.loads((run/"figures"/"manifest.json").read_text())
    assert [n["notebook"] for n in man["notebooks"]] == [p.name for p in section_notebooks(root/"nbs")]
    assert man["profile"] == "smoke" and man["sha256"]
    for n in man["notebooks"]:  # where the time went: the notebook's stages, by heading, within its wall time
        assert n["stages"] and 0 < sum(n["stages"].values()) <= n["wall_s"]
    for name, digest in man["sha256"].items(): assert sha256_file(run/"figures"/name) == digest
    for nb in section_notebooks(root/"nbs"):  # every cell ran, the notebooks' own tests among them (test_notebooks leaves these to this run)
        cells = [c for c in nbformat.read(run/"notebooks"/nb.name, as_version=4).cells if c.cell_type == "code"]
        assert len(cells) > len([c for c in nbformat.read(nb, as_version=4).cells if c.cell_type == "code"]) and all(c.execution_count for c in cells)
    assert (run/"run_info.json").exists()
    assert json.loads((run/"config.json").read_text())["name"] == "smoke"

def test_smoke_leaves_committed_figures_alone(root, smoke_run):
    _, committed, _ = smoke_run
    assert {p.name: sha256_file(p) for p in (root/"figures").glob("*") if p.is_file()} == committed

def test_rerun_skips_finished_notebooks(root, smoke_run):
    run, _, _ = smoke_run
    r = subprocess.run([BIN/"fairgan-reproduce", "--profile", "smoke", "--run-dir", str(run), "--only", "00d_baseline"],
                       cwd=root, capture_output=True, text=True)
    assert r.returncode == 0 and "up to date" in r.stdout

def test_failing_notebook_names_notebook_and_cell(root, tmp_path):
    nbs = tmp_path/"nbs"; nbs.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('profile = "smoke"', metadata={"tags": ["parameters"]}),
                                         nbformat.v4.new_code_cell("1 / 0")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "python3", "language": "python"}
    nbformat.write(nb, nbs/"01_broken.ipynb")
    r = subprocess.run([BIN/"fairgan-reproduce", "--profile", "smoke", "--nbs", str(nbs), "--run-dir", str(tmp_path/"run")],
                       cwd=root, capture_output=True, text=True)
    assert r.returncode == 1
    assert "01_broken.ipynb failed in cell 2" in r.stderr and "ZeroDivisionError" in r.stderr

def test_unknown_profile_is_one_clear_line(root):
    r = subprocess.run([BIN/"fairgan-reproduce", "--profile", "huge"], cwd=root, capture_output=True, text=True)
    assert r.returncode == 2 and "invalid choice: 'huge'" in r.stderr

def test_unknown_notebook(capsys):
    assert main(["--profile", "smoke", "--only", "99_nothing"]) == 1
    assert "unknown notebook(s) 99_nothing" in capsys.readouterr().err

def test_partial_run_keeps_other_entries_of_the_manifest(tmp_path):
    from fairgan_nb.reproduce import write_manifest
    rec = lambda nb, s: dict(notebook=nb, wall_s=s, skipped=False, outputs=[])
    write_manifest(tmp_path, "quick", 0, [rec("01_a.ipynb", 10.0), rec("02_b.ipynb", 20.0)])
    man = json.loads(write_manifest(tmp_path, "quick", 0, [rec("02_b.ipynb", 5.0)]).read_text())
    assert [(r["notebook"], r["wall_s"]) for r in man["notebooks"]] == [("01_a.ipynb", 10.0), ("02_b.ipynb", 5.0)]
    assert man["total_wall_s"] == 15.0
    man = json.loads(write_manifest(tmp_path, "quick", 1, [rec("02_b.ipynb", 5.0)]).read_text())
    assert [r["notebook"] for r in man["notebooks"]] == ["02_b.ipynb"]   # another seed: another run

def _tiny_notebook(path: Path, code: str) -> Path:
    "A section notebook whose parameters cell takes what the runner injects, then runs `code`."
    params = 'profile = "smoke"\nseed = 0\nrun_dir = ""\nfig_dir = ""'
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(params, metadata={"tags": ["parameters"]}),
                                         nbformat.v4.new_code_cell(code)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "python3", "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True); nbformat.write(nb, path)
    return path

@pytest.mark.parametrize("args, msg", [
    (["--seed", "-1"], "seed must be a non-negative integer"),
    (["--files", "."], "--files"),
    (["--experiment", "ffhq_race", "--only", "03_bias_loss"], "03_bias_loss"),
    (["--set", "gan.stepz=40"], "unknown setting 'gan.stepz'; valid settings: data.heldout_per_class"),
    (["--set", "gan.steps=many"], "gan.steps: expected int, got 'many'"),
    (["--set", "gan.steps"], "section.field=value"),
    (["--device", "tpu"], "unknown device 'tpu'"),
])
def test_bad_arguments_stop_before_the_first_notebook(tmp_path, capsys, no_notebooks, args, msg):
    assert main(["--profile", "smoke", "--run-dir", str(tmp_path/"run"), *args]) == 1
    err = capsys.readouterr().err
    assert msg in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path/"run").exists()

def test_dead_kernel_is_one_line(tmp_path):
    from fairgan_nb.reproduce import NotebookFailed, run_notebook
    nb = _tiny_notebook(tmp_path/"nbs"/"01_dead.ipynb", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
    params = dict(profile="smoke", seed=0, run_dir=str(tmp_path), fig_dir=str(tmp_path/"fig"))
    with pytest.raises(NotebookFailed) as e: run_notebook(nb, tmp_path/"out", params)
    msg = str(e.value)
    assert len(msg.splitlines()) == 1 and "01_dead.ipynb" in msg and "kernel died" in msg
    assert str(tmp_path/"out"/"01_dead.ipynb") in msg

def test_dead_kernel_is_one_line_on_the_terminal(root, tmp_path):
    _tiny_notebook(tmp_path/"nbs"/"01_dead.ipynb", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
    r = subprocess.run([BIN/"fairgan-reproduce", "--profile", "smoke", "--nbs", str(tmp_path/"nbs"), "--run-dir", str(tmp_path/"run")],
                       cwd=root, capture_output=True, text=True, timeout=300)
    assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "01_dead.ipynb" in r.stderr and "kernel died" in r.stderr

def test_ctrl_c_is_one_line(root, tmp_path):
    import os, signal, time
    _tiny_notebook(tmp_path/"nbs"/"01_sleep.ipynb", "import time\nopen('started', 'w').close()\ntime.sleep(120)")
    p = subprocess.Popen([BIN/"fairgan-reproduce", "--profile", "smoke", "--nbs", str(tmp_path/"nbs"), "--run-dir", str(tmp_path/"run")],
                         cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # as from a terminal, whatever the parent ignores
    t0 = time.time()
    while not (tmp_path/"nbs"/"started").exists() and time.time() - t0 < 120: time.sleep(0.2)  # a busy machine starts kernels slowly
    os.killpg(p.pid, signal.SIGINT)                                        # what Ctrl-C in a terminal does
    _, err = p.communicate(timeout=120)
    assert p.returncode == 130 and len(err.strip().splitlines()) == 1, err
    assert "interrupted in 01_sleep.ipynb" in err and str(tmp_path/"run"/"notebooks"/"01_sleep.ipynb") in err

def test_corrupt_done_record_reruns_the_notebook(tmp_path):
    from fairgan_nb.reproduce import run_notebook
    nb = _tiny_notebook(tmp_path/"nbs"/"01_ok.ipynb", "x = 1")
    params = dict(profile="smoke", seed=0, run_dir=str(tmp_path), fig_dir=str(tmp_path/"fig"))
    assert not run_notebook(nb, tmp_path/"out", params)["skipped"]
    assert run_notebook(nb, tmp_path/"out", params)["skipped"]
    (tmp_path/"out"/"01_ok.done.json").write_text('{"notebook": "01_ok.ipy')
    assert not run_notebook(nb, tmp_path/"out", params)["skipped"]

def test_rerun_with_nothing_to_do_keeps_the_timings(tmp_path):
    from fairgan_nb.reproduce import write_manifest
    rec = lambda nb, s, skipped: dict(notebook=nb, wall_s=s, skipped=skipped, outputs=[])
    write_manifest(tmp_path, "quick", 0, [rec("01_a.ipynb", 10.0, False), rec("02_b.ipynb", 20.0, False)])
    man = json.loads(write_manifest(tmp_path, "quick", 0, [rec("01_a.ipynb", 10.0, True), rec("02_b.ipynb", 20.0, True)]).read_text())
    assert man["total_wall_s"] == 30.0 and [r["wall_s"] for r in man["notebooks"]] == [10.0, 20.0]

def test_set_is_recorded_and_a_changed_setting_retrains(root, tmp_path):
    "The issue's check: --set reaches config.json and the trainer, and another value trains another GAN."
    run = tmp_path/"run"
    def go(steps):
        assert main(["--profile", "smoke", "--only", "00d_baseline", "--device", "cpu", "--set", f"gan.steps={steps}",
                     "--set", "rebalance.presets=longtail", "--run-dir", str(run)]) == 0  # one preset is enough here
        cfg = json.loads((run/"config.json").read_text())
        assert cfg["gan"]["steps"] == steps and cfg["compute"]["device"] == "cpu"
        return {p.parent: json.loads(p.read_text().splitlines()[-1])["step"] for p in run.glob("models/gan-longtail-baseline-*/log.jsonl")}
    first = go(40)
    assert list(first.values()) == [40]
    second = go(30)
    assert len(second) == 2 and sorted(second.values()) == [30, 40]  # a new GAN for 30 steps; the 40-step one untouched
    assert go(40) == second  # back to 40: the cached GAN, nothing trained
