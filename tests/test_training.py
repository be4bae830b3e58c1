"""lstm_edu.training: determinism, clipping, NaN handling, evaluation and early stopping."""
from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from lstm_edu.models import SequenceModel  # noqa: E402
from lstm_edu.training import TrainConfig, grad_norm, seed_everything, train  # noqa: E402


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


def _copy_task(rng, batch=8, length=6):
    """Predict the first input at the end: (x, y) with x (B, T, 1), y (B, 1)."""
    x = torch.as_tensor(rng.uniform(-1, 1, size=(batch, length, 1)), dtype=torch.float32)
    return x, x[:, 0].clone()


def _fresh_model(cell="lstm", seed=0, **kwargs):
    seed_everything(seed)
    return SequenceModel(cell, 1, 8, 1, **kwargs)


def test_two_runs_with_the_same_seed_are_identical():
    config = TrainConfig(steps=30, lr=1e-2, seed=3)
    first = train(_fresh_model(), _copy_task, torch.nn.MSELoss(), config)
    second = train(_fresh_model(), _copy_task, torch.nn.MSELoss(), config)
    assert first.loss == second.loss
    assert first.grad_norm == second.grad_norm
    third = train(_fresh_model(), _copy_task, torch.nn.MSELoss(), TrainConfig(steps=30, lr=1e-2, seed=4))
    assert third.loss != first.loss


def test_training_reduces_the_loss():
    result = train(_fresh_model(), _copy_task, torch.nn.MSELoss(), TrainConfig(steps=150, lr=1e-2))
    assert np.mean(result.loss[-10:]) < 0.25 * np.mean(result.loss[:10])
    assert result.steps_done == 150 and len(result.loss) == 150 and not result.diverged


def test_grad_norm_is_recorded_before_clipping_and_clipping_rescales():
    """The recorded norm is the unclipped one; the applied step uses the clipped gradient."""
    model = _fresh_model()
    x, y = _copy_task(np.random.default_rng(0))
    loss = torch.nn.MSELoss()(model(x), y)
    loss.backward()
    expected = math.sqrt(sum(float(p.grad.double().pow(2).sum()) for p in model.parameters()))
    assert grad_norm(model.parameters()) == pytest.approx(expected, rel=1e-12)

    clip = expected / 10
    model = _fresh_model()
    before = [p.detach().clone() for p in model.parameters()]
    result = train(model, lambda rng: (x, y), torch.nn.MSELoss(),
                   TrainConfig(steps=1, lr=0.1, clip_norm=clip, optimizer="sgd"))
    assert result.grad_norm[0] == pytest.approx(expected, rel=1e-6)
    assert result.clipped == [True]
    step = math.sqrt(sum(float((p.detach() - b).double().pow(2).sum())
                         for p, b in zip(model.parameters(), before)))
    assert step == pytest.approx(0.1 * clip, rel=1e-4)  # SGD step = lr * clipped gradient


def test_no_clipping_below_threshold():
    result = train(_fresh_model(), _copy_task, torch.nn.MSELoss(), TrainConfig(steps=5, clip_norm=1e6))
    assert result.clipped == [False] * 5


def test_nan_loss_stops_and_is_recorded():
    """A loss that turns NaN at step 4 ends training there instead of raising."""
    calls = {"n": 0}

    def loss_fn(output, target):
        calls["n"] += 1
        loss = torch.nn.functional.mse_loss(output, target)
        return loss * float("nan") if calls["n"] == 4 else loss

    result = train(_fresh_model(), _copy_task, loss_fn, TrainConfig(steps=10))
    assert result.diverged and result.diverged_at == 4 and result.steps_done == 4
    assert math.isnan(result.loss[-1]) and all(math.isfinite(v) for v in result.loss[:3])


def test_exploding_gradient_is_recorded_as_divergence():
    """An RNN with huge recurrent weights and a huge learning rate blows up; train() records it."""
    model = _fresh_model("rnn")
    with torch.no_grad():
        model.layers[0].weight_hh_l0.mul_(50.0)
    result = train(model, lambda rng: _copy_task(rng, length=40), torch.nn.MSELoss(),
                   TrainConfig(steps=200, lr=1e6, optimizer="sgd"))
    assert result.diverged
    assert not (math.isfinite(result.loss[-1]) and math.isfinite(result.grad_norm[-1]))


def test_eval_and_stop_fn():
    evaluations = []

    def eval_fn(model):
        assert not model.training and not torch.is_grad_enabled()
        evaluations.append(len(evaluations))
        return len(evaluations)

    result = train(_fresh_model(), _copy_task, torch.nn.MSELoss(), TrainConfig(steps=100, eval_every=10),
                   eval_fn=eval_fn, stop_fn=lambda value: value >= 3)
    assert result.eval_steps == [10, 20, 30]
    assert result.eval_values == [1, 2, 3]
    assert result.stopped_at == 30 and result.steps_done == 30 and result.criterion_met


def test_lengths_are_passed_to_the_model():
    seen = {}

    class Recorder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.ones(1))

        def forward(self, x, lengths=None):
            seen["lengths"] = lengths
            return x[:, 0] * self.w

    train(Recorder(), lambda rng: (torch.ones(2, 3, 1), torch.zeros(2, 1), [3, 2]), torch.nn.MSELoss(),
          TrainConfig(steps=1))
    assert seen["lengths"] == [3, 2]


def test_progress_text_and_quiet(capsys):
    train(_fresh_model(), _copy_task, torch.nn.MSELoss(), TrainConfig(steps=4, log_every=2))
    assert capsys.readouterr().out == ""
    train(_fresh_model(), _copy_task, torch.nn.MSELoss(), TrainConfig(steps=4, log_every=2), progress="text")
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split()[1] for line in lines] == ["2/4", "4/4"]
    seen = []
    train(_fresh_model(), _copy_task, torch.nn.MSELoss(), TrainConfig(steps=4, log_every=2),
          progress=lambda step, loss: seen.append(step))
    assert seen == [2, 4]


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"steps": 0}, ValueError, "steps"),
        ({"batch_size": 1.5}, TypeError, "batch_size"),
        ({"lr": -1.0}, ValueError, "lr"),
        ({"clip_norm": 0.0}, ValueError, "clip_norm"),
        ({"optimizer": "lbfgs"}, ValueError, "optimizer"),
        ({"seed": -1}, ValueError, "seed"),
    ],
)
def test_bad_config(kwargs, error, match):
    with pytest.raises(error, match=match):
        TrainConfig(**kwargs)


def test_bad_train_arguments():
    model = _fresh_model()
    with pytest.raises(TypeError, match="model"):
        train("model", _copy_task, torch.nn.MSELoss(), TrainConfig())
    with pytest.raises(TypeError, match="config"):
        train(model, _copy_task, torch.nn.MSELoss(), {"steps": 3})
    with pytest.raises(ValueError, match="progress"):
        train(model, _copy_task, torch.nn.MSELoss(), TrainConfig(), progress="fancy")
    with pytest.raises(ValueError, match="stop_fn"):
        train(model, _copy_task, torch.nn.MSELoss(), TrainConfig(), stop_fn=lambda v: True)
    with pytest.raises(TypeError, match="batch_fn"):
        train(model, lambda rng: torch.zeros(3), torch.nn.MSELoss(), TrainConfig(steps=1))
    with pytest.raises(TypeError, match="seed"):
        seed_everything(1.0)
