"""torch.nn.utils: gradient clipping, parameter/vector conversion, RNN packing,
parametrizations."""
from __future__ import annotations

from .clip_grad import (clip_grad_norm, clip_grad_norm_, clip_grad_value_,
                        clip_grads_with_norm_, get_total_norm)
from .convert_parameters import parameters_to_vector, vector_to_parameters
from . import parametrizations, parametrize
from .weight_norm import remove_weight_norm, weight_norm
from . import rnn  # noqa: E402,F401
