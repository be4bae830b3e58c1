"""The experiments that back the book's claims, one module each.

- :mod:`~lstm_edu.experiments.adding` -- long time lags: the adding problem (Hochreiter & Schmidhuber 1997)
- :mod:`~lstm_edu.experiments.forget_gate` -- forget-gate bias and continual input streams
- :mod:`~lstm_edu.experiments.exploding` -- exploding gradients and norm clipping
- :mod:`~lstm_edu.experiments.ablation` -- LSTM variants at small scale (Greff et al. 2017)
- :mod:`~lstm_edu.experiments.hyperparameters` -- hidden size, dropout and learning rate

Each module has a config dataclass with a ``reduced()`` size (what the notebooks run in
CI) and a full size (``python -m lstm_edu.experiments NAME --full``, which writes
``book/experiments/results/NAME.json``).
"""
