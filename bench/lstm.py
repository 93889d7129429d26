"""LSTM forward + backward (input 32, hidden 128, 1 layer, sequence 35, batch 16, float32):
ember should be within 1.5x of PyTorch (ratio <= 1.5)."""
from __future__ import annotations

import numpy as np

import common  # noqa: F401
from common import interleaved, report

import ember
import torch

SEQUENCE, BATCH, INPUT, HIDDEN = 35, 16, 32, 128


def _step(lstm, x):
    def run():
        for p in lstm.parameters():
            p.grad = None
        output, (h_n, c_n) = lstm(x)
        (output.sum() + h_n.sum() + c_n.sum()).backward()
    return run


def main() -> None:
    torch.manual_seed(0)
    t_lstm = torch.nn.LSTM(INPUT, HIDDEN)
    e_lstm = ember.nn.LSTM(INPUT, HIDDEN)
    e_lstm.load_state_dict({k: ember.from_numpy(v.detach().numpy().copy())
                            for k, v in t_lstm.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((SEQUENCE, BATCH, INPUT), dtype=np.float32)
    t_x = torch.from_numpy(x).requires_grad_()
    e_x = ember.from_numpy(x.copy()).requires_grad_()
    e, t = interleaved(_step(e_lstm, e_x), _step(t_lstm, t_x), repeats=9, inner=3)
    report("LSTM 32->128, seq 35, batch 16, fwd+bwd", e, t, target=1.5)


if __name__ == "__main__":
    main()
