"""Recurrent layers: RNN, LSTM and GRU over whole sequences, and their single-step cells.

The layers keep PyTorch's parameter names and order (``weight_ih_l0``, ``weight_hh_l0``,
``bias_ih_l0``, ``bias_hh_l0``, ``weight_hr_l0``, then ``..._reverse`` for the backward
direction, layer after layer) and hand them, as ``_flat_weights``, to the fused sequence
primitives ``ember.lstm`` / ``ember.gru`` / ``ember.rnn_tanh`` / ``ember.rnn_relu``.
"""
from __future__ import annotations

import math
import numbers
import warnings
import weakref

from ..._tensor import Tensor
from ... import ops
from .. import init
from ..parameter import Parameter
from ..utils.rnn import PackedSequence
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


def _apply_permutation(tensor: Tensor, permutation: Tensor, dim: int = 1) -> Tensor:
    return tensor.index_select(dim, permutation)


class RNNBase(Module):
    """What RNN, LSTM and GRU share: hyperparameter checks, the per-layer parameters in
    PyTorch's order and naming, their initialisation, and the shape checks of forward."""

    __constants__ = ["mode", "input_size", "hidden_size", "num_layers", "bias", "batch_first",
                     "dropout", "bidirectional", "proj_size"]

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device=None,
                 dtype=None) -> None:
        super().__init__()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        self._flat_weight_refs = []
        _check_hyperparameters(dropout, num_layers, bias, batch_first, input_size, hidden_size,
                               proj_size)
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        gate_size = _GATES[mode] * hidden_size
        num_directions = 2 if bidirectional else 1
        real_hidden_size = proj_size if proj_size > 0 else hidden_size
        factory = {"device": device, "dtype": dtype}
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            for direction in range(num_directions):
                layer_input_size = input_size if layer == 0 else real_hidden_size * num_directions
                suffix = "_reverse" if direction == 1 else ""
                shapes = [("weight_ih", (gate_size, layer_input_size)),
                          ("weight_hh", (gate_size, real_hidden_size))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size > 0:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                names = []
                for stem, shape in shapes:
                    name = f"{stem}_l{layer}{suffix}"
                    setattr(self, name, Parameter(ops.empty(shape, **factory)))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self._init_flat_weights()
        self.reset_parameters()

    def _init_flat_weights(self) -> None:
        self._flat_weights = [getattr(self, name) if hasattr(self, name) else None
                              for name in self._flat_weights_names]
        self._flat_weight_refs = [weakref.ref(w) if w is not None else None
                                  for w in self._flat_weights]
        self.flatten_parameters()

    def __setattr__(self, attr, value) -> None:
        # Keep the flat list in step when a weight is replaced (self.weight_ih_l0 = ...).
        names = self.__dict__.get("_flat_weights_names")
        if names is not None and attr in names:
            self._flat_weights[names.index(attr)] = value
        super().__setattr__(attr, value)

    def flatten_parameters(self) -> None:
        """A no-op on the CPU (PyTorch packs weights into one buffer only for cuDNN)."""

    def _apply(self, fn, recurse: bool = True):
        self._flat_weight_refs = []
        result = super()._apply(fn, recurse)
        self._init_flat_weights()
        return result

    def reset_parameters(self) -> None:
        """Draw every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def check_input(self, input: Tensor, batch_sizes: Tensor | None) -> None:
        weight_dtype = self._flat_weights[0].dtype
        if input.dtype != weight_dtype:
            raise ValueError(f"RNN input dtype ({input.dtype}) does not match weight dtype "
                             f"({weight_dtype}). Convert input: input.to({weight_dtype}), or "
                             f"convert model: model.to({input.dtype})")
        expected_input_dim = 2 if batch_sizes is not None else 3
        if input.dim() != expected_input_dim:
            raise RuntimeError(f"input must have {expected_input_dim} dimensions, got "
                               f"{input.dim()}")
        if self.input_size != input.size(-1):
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.size(-1)}")

    def get_expected_hidden_size(self, input: Tensor, batch_sizes: Tensor | None) -> tuple:
        mini_batch = _mini_batch(input, batch_sizes, self.batch_first)
        num_directions = 2 if self.bidirectional else 1
        width = self.proj_size if self.proj_size > 0 else self.hidden_size
        return (self.num_layers * num_directions, mini_batch, width)

    def check_hidden_size(self, hx: Tensor, expected_hidden_size: tuple,
                          msg: str = "Expected hidden size {}, got {}") -> None:
        if tuple(hx.size()) != tuple(expected_hidden_size):
            raise RuntimeError(msg.format(expected_hidden_size, list(hx.size())))

    def _weights_have_changed(self) -> bool:
        for ref, name in zip(self._flat_weight_refs, self._flat_weights_names):
            weight = getattr(self, name) if hasattr(self, name) else None
            if weight is not None and ref is not None and ref() is not weight:
                return True
        return False

    def check_forward_args(self, input: Tensor, hidden: Tensor,
                           batch_sizes: Tensor | None) -> None:
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden, self.get_expected_hidden_size(input, batch_sizes))

    def permute_hidden(self, hx: Tensor, permutation: Tensor | None):
        if permutation is None:
            return hx
        return _apply_permutation(hx, permutation)

    def extra_repr(self) -> str:
        s = "{input_size}, {hidden_size}"
        if self.proj_size != 0:
            s += ", proj_size={proj_size}"
        if self.num_layers != 1:
            s += ", num_layers={num_layers}"
        if self.bias is not True:
            s += ", bias={bias}"
        if self.batch_first is not False:
            s += ", batch_first={batch_first}"
        if self.dropout != 0:
            s += ", dropout={dropout}"
        if self.bidirectional is not False:
            s += ", bidirectional={bidirectional}"
        return s.format(**self.__dict__)

    def _update_flat_weights(self) -> None:
        if self._weights_have_changed():
            self._init_flat_weights()

    def __getstate__(self):
        self._update_flat_weights()
        state = self.__dict__.copy()
        state.pop("_flat_weight_refs", None)
        return state

    def __setstate__(self, state) -> None:
        super().__setstate__(state)
        self._init_flat_weights()

    @property
    def all_weights(self) -> list:
        """The parameters, one list per layer and direction."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    # -- the shared forward ---------------------------------------------------------------------

    def _prepare(self, input, hx, name: str, states: int):
        """Unpack a PackedSequence or add the batch dim of an unbatched input; returns
        (input, hx, batch_sizes, sorted_indices, unsorted_indices, is_batched, batch_dim)."""
        if isinstance(input, PackedSequence):
            input, batch_sizes, sorted_indices, unsorted_indices = input
            if hx is not None:
                hx = self.permute_hidden(hx, sorted_indices)
            return input, hx, batch_sizes, sorted_indices, unsorted_indices, True, 1
        if input.dim() not in (2, 3):
            if name == "RNN":
                raise ValueError(f"RNN: Expected input to be 2D or 3D, got {input.dim()}D tensor "
                                 "instead")
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D instead")
        is_batched = input.dim() == 3
        batch_dim = 0 if self.batch_first else 1
        if not is_batched:
            input = input.unsqueeze(batch_dim)
        if hx is not None:
            hx = _batch_states(hx, is_batched, states)
        return input, hx, None, None, None, is_batched, batch_dim

    def _zeros(self, input: Tensor, batch_sizes, width: int) -> Tensor:
        num_directions = 2 if self.bidirectional else 1
        mini_batch = _mini_batch(input, batch_sizes, self.batch_first)
        return ops.zeros(self.num_layers * num_directions, mini_batch, width, dtype=input.dtype,
                         device=input.device)


def _check_hyperparameters(dropout, num_layers, bias, batch_first, input_size, hidden_size,
                           proj_size) -> None:
    if (not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1
            or isinstance(dropout, bool)):
        raise ValueError("dropout should be a number in range [0, 1] representing the "
                         "probability of an element being zeroed")
    if dropout > 0 and num_layers == 1:
        warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                      "non-zero dropout expects num_layers greater than 1, but got "
                      f"dropout={dropout} and num_layers={num_layers}", stacklevel=3)
    if not isinstance(bias, bool):
        raise TypeError(f"bias should be of type bool, got: {type(bias).__name__}")
    if not isinstance(batch_first, bool):
        raise TypeError(f"batch_first should be of type bool, got: {type(batch_first).__name__}")
    if not isinstance(input_size, int):
        raise TypeError(f"input_size should be of type int, got: {type(input_size).__name__}")
    if input_size <= 0:
        raise ValueError("input_size must be greater than zero")
    if not isinstance(hidden_size, int):
        raise TypeError(f"hidden_size should be of type int, got: {type(hidden_size).__name__}")
    if hidden_size <= 0:
        raise ValueError("hidden_size must be greater than zero")
    if num_layers <= 0:
        raise ValueError("num_layers must be greater than zero")
    if proj_size < 0:
        raise ValueError("proj_size should be a positive integer or zero to disable projections")
    if proj_size >= hidden_size:
        raise ValueError("proj_size has to be smaller than hidden_size")


def _mini_batch(input: Tensor, batch_sizes, batch_first: bool) -> int:
    if batch_sizes is not None:
        return int(batch_sizes[0])
    return input.size(0) if batch_first else input.size(1)


def _batch_states(hx, is_batched: bool, states: int):
    """Check the initial state's rank against the input's and add the batch dim if needed."""
    if states == 2:
        h, c = hx
        if is_batched:
            if h.dim() != 3 or c.dim() != 3:
                raise RuntimeError(f"For batched 3-D input, hx and cx should also be 3-D but got "
                                   f"({h.dim()}-D, {c.dim()}-D) tensors")
            return hx
        if h.dim() != 2 or c.dim() != 2:
            raise RuntimeError(f"For unbatched 2-D input, hx and cx should also be 2-D but got "
                               f"({h.dim()}-D, {c.dim()}-D) tensors")
        return (h.unsqueeze(1), c.unsqueeze(1))
    if is_batched:
        if hx.dim() != 3:
            raise RuntimeError(f"For batched 3-D input, hx should also be 3-D but got "
                               f"{hx.dim()}-D tensor")
        return hx
    if hx.dim() != 2:
        raise RuntimeError(f"For unbatched 2-D input, hx should also be 2-D but got {hx.dim()}-D "
                           "tensor")
    return hx.unsqueeze(1)


def _finish(self, orig_input, output, hidden, batch_sizes, sorted_indices, unsorted_indices,
            is_batched: bool, batch_dim: int):
    """Wrap the output back as the input came (packed, or unbatched) and restore the caller's
    batch order of the final state(s)."""
    if isinstance(orig_input, PackedSequence):
        output = PackedSequence(output, batch_sizes, sorted_indices, unsorted_indices)
        return output, self.permute_hidden(hidden, unsorted_indices)
    if not is_batched:
        output = output.squeeze(batch_dim)
        if isinstance(hidden, tuple):
            hidden = (hidden[0].squeeze(1), hidden[1].squeeze(1))
        else:
            hidden = hidden.squeeze(1)
    return output, self.permute_hidden(hidden, unsorted_indices)


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(W_ih x_t + b_ih + W_hh h_(t-1) + b_hh) (or relu), stacked
    ``num_layers`` deep, optionally bidirectional.  Returns (output, h_n)."""

    def __init__(self, *args, **kwargs) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self.nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            self.nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if self.nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif self.nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' or "
                             "'relu'.")
        super().__init__(mode, *args, **kwargs)

    def forward(self, input, hx=None):
        self._update_flat_weights()
        orig_input = input
        (input, hx, batch_sizes, sorted_indices, unsorted_indices, is_batched,
         batch_dim) = self._prepare(input, hx, "RNN", 1)
        if hx is None:
            hx = self._zeros(input, batch_sizes, self.hidden_size)
        self.check_forward_args(input, hx, batch_sizes)
        run = ops.rnn_tanh if self.mode == "RNN_TANH" else ops.rnn_relu
        if batch_sizes is None:
            output, hidden = run(input, hx, self._flat_weights, self.bias, self.num_layers,
                                 self.dropout, self.training, self.bidirectional,
                                 self.batch_first)
        else:
            output, hidden = run(input, batch_sizes, hx, self._flat_weights, self.bias,
                                 self.num_layers, self.dropout, self.training,
                                 self.bidirectional)
        return _finish(self, orig_input, output, hidden, batch_sizes, sorted_indices,
                       unsorted_indices, is_batched, batch_dim)


class LSTM(RNNBase):
    """Long short-term memory over a sequence (gates i, f, g, o), stacked ``num_layers`` deep,
    optionally bidirectional and with an output projection (``proj_size``).  Returns
    (output, (h_n, c_n))."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__("LSTM", *args, **kwargs)

    def get_expected_cell_size(self, input: Tensor, batch_sizes: Tensor | None) -> tuple:
        mini_batch = _mini_batch(input, batch_sizes, self.batch_first)
        num_directions = 2 if self.bidirectional else 1
        return (self.num_layers * num_directions, mini_batch, self.hidden_size)

    def check_forward_args(self, input: Tensor, hidden, batch_sizes) -> None:
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden[0], self.get_expected_hidden_size(input, batch_sizes),
                               "Expected hidden[0] size {}, got {}")
        self.check_hidden_size(hidden[1], self.get_expected_cell_size(input, batch_sizes),
                               "Expected hidden[1] size {}, got {}")

    def permute_hidden(self, hx, permutation):
        if permutation is None:
            return hx
        return _apply_permutation(hx[0], permutation), _apply_permutation(hx[1], permutation)

    def forward(self, input, hx=None):
        self._update_flat_weights()
        orig_input = input
        (input, hx, batch_sizes, sorted_indices, unsorted_indices, is_batched,
         batch_dim) = self._prepare(input, hx, "LSTM", 2)
        if hx is None:
            width = self.proj_size if self.proj_size > 0 else self.hidden_size
            hx = (self._zeros(input, batch_sizes, width),
                  self._zeros(input, batch_sizes, self.hidden_size))
        self.check_forward_args(input, hx, batch_sizes)
        if batch_sizes is None:
            output, h_n, c_n = ops.lstm(input, hx, self._flat_weights, self.bias, self.num_layers,
                                        self.dropout, self.training, self.bidirectional,
                                        self.batch_first)
        else:
            output, h_n, c_n = ops.lstm(input, batch_sizes, hx, self._flat_weights, self.bias,
                                        self.num_layers, self.dropout, self.training,
                                        self.bidirectional)
        return _finish(self, orig_input, output, (h_n, c_n), batch_sizes, sorted_indices,
                       unsorted_indices, is_batched, batch_dim)


class GRU(RNNBase):
    """Gated recurrent unit over a sequence (gates r, z, n), stacked ``num_layers`` deep,
    optionally bidirectional.  Returns (output, h_n)."""

    def __init__(self, *args, **kwargs) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)

    def forward(self, input, hx=None):
        self._update_flat_weights()
        orig_input = input
        (input, hx, batch_sizes, sorted_indices, unsorted_indices, is_batched,
         batch_dim) = self._prepare(input, hx, "GRU", 1)
        if hx is None:
            hx = self._zeros(input, batch_sizes, self.hidden_size)
        self.check_forward_args(input, hx, batch_sizes)
        if batch_sizes is None:
            output, hidden = ops.gru(input, hx, self._flat_weights, self.bias, self.num_layers,
                                     self.dropout, self.training, self.bidirectional,
                                     self.batch_first)
        else:
            output, hidden = ops.gru(input, batch_sizes, hx, self._flat_weights, self.bias,
                                     self.num_layers, self.dropout, self.training,
                                     self.bidirectional)
        return _finish(self, orig_input, output, hidden, batch_sizes, sorted_indices,
                       unsorted_indices, is_batched, batch_dim)


# ----------------------------------------------------------------------------------------------
# cells
# ----------------------------------------------------------------------------------------------

class RNNCellBase(Module):
    """What the single-step cells share: weights of ``num_chunks`` gates and their init."""

    __constants__ = ["input_size", "hidden_size", "bias"]

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device=None, dtype=None) -> None:
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(ops.empty((num_chunks * hidden_size, input_size), **factory))
        self.weight_hh = Parameter(ops.empty((num_chunks * hidden_size, hidden_size), **factory))
        if bias:
            self.bias_ih = Parameter(ops.empty(num_chunks * hidden_size, **factory))
            self.bias_hh = Parameter(ops.empty(num_chunks * hidden_size, **factory))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self) -> str:
        s = "{input_size}, {hidden_size}"
        if "bias" in self.__dict__ and self.bias is not True:
            s += ", bias={bias}"
        if "nonlinearity" in self.__dict__ and self.nonlinearity != "tanh":
            s += ", nonlinearity={nonlinearity}"
        return s.format(**self.__dict__)

    def reset_parameters(self) -> None:
        """Draw every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)


def _cell_input(name: str, input: Tensor, states) -> bool:
    if input.dim() not in (1, 2):
        raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D instead")
    return input.dim() == 2


def _zero_state(input: Tensor, hidden_size: int) -> Tensor:
    return ops.zeros(input.size(0), hidden_size, dtype=input.dtype, device=input.device)


class RNNCell(RNNCellBase):
    """One Elman RNN step: h' = tanh(W_ih x + b_ih + W_hh h + b_hh) (or relu)."""

    __constants__ = ["input_size", "hidden_size", "bias", "nonlinearity"]

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        is_batched = _cell_input("RNNCell", input, hx)
        if hx is not None and hx.dim() not in (1, 2):
            raise ValueError(f"RNNCell: Expected hidden to be 1D or 2D, got {hx.dim()}D instead")
        if not is_batched:
            input = input.unsqueeze(0)
        if hx is None:
            hx = _zero_state(input, self.hidden_size)
        elif not is_batched:
            hx = hx.unsqueeze(0)
        if self.nonlinearity == "tanh":
            result = ops.rnn_tanh_cell(input, hx, self.weight_ih, self.weight_hh, self.bias_ih,
                                       self.bias_hh)
        elif self.nonlinearity == "relu":
            result = ops.rnn_relu_cell(input, hx, self.weight_ih, self.weight_hh, self.bias_ih,
                                       self.bias_hh)
        else:
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        return result if is_batched else result.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step: returns (h', c') from the input and (h, c) (zeros when omitted)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx=None) -> tuple:
        is_batched = _cell_input("LSTMCell", input, hx)
        if hx is not None:
            for index, value in enumerate(hx):
                if value.dim() not in (1, 2):
                    raise ValueError(f"LSTMCell: Expected hx[{index}] to be 1D or 2D, got "
                                     f"{value.dim()}D instead")
        if not is_batched:
            input = input.unsqueeze(0)
        if hx is None:
            zeros = _zero_state(input, self.hidden_size)
            hx = (zeros, zeros)
        elif not is_batched:
            hx = (hx[0].unsqueeze(0), hx[1].unsqueeze(0))
        h, c = ops.lstm_cell(input, hx, self.weight_ih, self.weight_hh, self.bias_ih,
                             self.bias_hh)
        if not is_batched:
            return h.squeeze(0), c.squeeze(0)
        return h, c


class GRUCell(RNNCellBase):
    """One GRU step: h' = (1 - z) * n + z * h with reset gate r, update gate z, new gate n."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        is_batched = _cell_input("GRUCell", input, hx)
        if hx is not None and hx.dim() not in (1, 2):
            raise ValueError(f"GRUCell: Expected hidden to be 1D or 2D, got {hx.dim()}D instead")
        if not is_batched:
            input = input.unsqueeze(0)
        if hx is None:
            hx = _zero_state(input, self.hidden_size)
        elif not is_batched:
            hx = hx.unsqueeze(0)
        result = ops.gru_cell(input, hx, self.weight_ih, self.weight_hh, self.bias_ih,
                              self.bias_hh)
        return result if is_batched else result.squeeze(0)

