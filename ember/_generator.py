"""``Generator``: the pseudo-random number stream behind every random op (``torch.Generator``).

The core is the 32-bit Mersenne Twister (mt19937) that PyTorch's CPU generator uses, seeded the
same way, so a seed gives the same raw 32-bit stream as in PyTorch.  NumPy's ``MT19937`` bit
generator runs the twister (its state is set directly, never through NumPy's own seeding).

Every random op draws through the small interface at the bottom of the class:

- ``random32(n)`` / ``random64(n)``: raw unsigned draws (a 64-bit draw joins two 32-bit ones,
  the first as the high half, as PyTorch does);
- ``uniform53(n)`` / ``uniform_bits(n, digits)``: PyTorch's uniform transformations;
- ``take_normal()`` / ``keep_normal(value)``: the cached second Box-Muller sample.

``get_state()`` returns a uint8 tensor in the byte layout of PyTorch's ``CPUGeneratorImplState``
(5056 bytes), so states round-trip between generators and keep their meaning.
"""
from __future__ import annotations

import secrets

import numpy as np

from ._device import CPU, as_device

_STATE_WORDS = 624
_STATE_BYTES = 5056
_DEFAULT_SEED = 67280421310721
_UINT64 = (1 << 64) - 1

# Byte offsets inside PyTorch's CPUGeneratorImplState (little-endian, x86-64 alignment).
_OFF_SEED, _OFF_LEFT, _OFF_SEEDED, _OFF_NEXT, _OFF_WORDS = 0, 8, 12, 16, 24
_OFF_NORMAL_Y, _OFF_NORMAL_VALID = 5024, 5040
_OFF_FLOAT_NORMAL, _OFF_FLOAT_VALID = 5048, 5052


def _twister_key(seed: int) -> np.ndarray:
    """The 624-word initial state mt19937 derives from the low 32 bits of ``seed``."""
    key = np.empty(_STATE_WORDS, dtype=np.uint32)
    value = seed & 0xFFFFFFFF
    key[0] = value
    # The recurrence is inherently sequential; it runs once per seeding.
    for i in range(1, _STATE_WORDS):
        value = (1812433253 * (value ^ (value >> 30)) + i) & 0xFFFFFFFF
        key[i] = value
    return key


def _seed_value(seed, caller: str = "manual_seed") -> int:
    """A seed as PyTorch reads it: a Python int in [-2**63, 2**64), negatives wrapping."""
    if isinstance(seed, bool) or not isinstance(seed, int):
        if isinstance(seed, np.integer):
            raise TypeError("an integer is required")
        raise RuntimeError(f"{caller} expected a long, but got {type(seed).__name__}")
    if not -(1 << 63) <= seed <= _UINT64:
        raise ValueError("Overflow when unpacking long long")
    return seed & _UINT64


def nondeterministic_seed() -> int:
    """A fresh seed from the operating system's entropy (53 bits, as PyTorch draws it)."""
    return secrets.randbits(53)


class Generator:
    """A pseudo-random stream with its own state; pass it as ``generator=`` to random ops."""

    __slots__ = ("_bits", "_seed", "_normal_double", "_normal_float", "_untouched",
                 "__weakref__")

    def __init__(self, device="cpu") -> None:
        dev = as_device(device)
        if dev.type != "cpu":
            if dev.type == "cuda":
                raise RuntimeError(
                    "Cannot get CUDA generator without ATen_cuda library. PyTorch splits its "
                    "backend into two shared libraries: a CPU library and a CUDA library; this "
                    "error has occurred because you are trying to use some CUDA functionality, "
                    "but the CUDA library has not been loaded by the dynamic linker for some "
                    "reason. ")
            raise RuntimeError(f"{dev.type.upper()} device type not an accelerator.")
        self._bits = np.random.MT19937(0)
        self._seed_with(_DEFAULT_SEED)

    # -- seeding and state ------------------------------------------------------------------------

    def _seed_with(self, seed: int) -> None:
        self._seed = seed
        # pos == 624 means 'twist before the next draw', which is where a fresh seed starts.
        self._bits.state = {"bit_generator": "MT19937",
                            "state": {"key": _twister_key(seed), "pos": _STATE_WORDS}}
        self._normal_double = None
        self._normal_float = None
        # A freshly seeded twister has not run its first twist; PyTorch then records next=0.
        self._untouched = True

    def manual_seed(self, seed) -> "Generator":
        """Restart the stream from ``seed``; returns this generator."""
        self._seed_with(_seed_value(seed))
        return self

    def seed(self) -> int:
        """Reseed from the operating system's entropy and return the seed used."""
        value = nondeterministic_seed()
        self._seed_with(value)
        return value

    def initial_seed(self) -> int:
        """The seed this generator was last seeded with."""
        return self._seed

    @property
    def device(self):
        return CPU

    def get_state(self):
        """The full state as a 5056-byte uint8 tensor (PyTorch's CPU generator layout)."""
        from ._tensor import Tensor
        state = self._bits.state["state"]
        key, pos = state["key"], int(state["pos"])
        buffer = np.zeros(_STATE_BYTES, dtype=np.uint8)
        if pos >= _STATE_WORDS:
            left, next_index = 1, pos
        else:
            left, next_index = _STATE_WORDS + 1 - pos, pos
        if pos >= _STATE_WORDS and self._untouched:
            next_index = 0
        _put(buffer, _OFF_SEED, np.uint64(self._seed))
        _put(buffer, _OFF_LEFT, np.int32(left))
        _put(buffer, _OFF_SEEDED, np.int32(1))
        _put(buffer, _OFF_NEXT, np.uint64(next_index))
        buffer[_OFF_WORDS:_OFF_WORDS + 8 * _STATE_WORDS] = \
            np.asarray(key, dtype=np.uint64).astype("<u8").view(np.uint8)
        if self._normal_double is not None:
            _put(buffer, _OFF_NORMAL_Y, np.float64(self._normal_double))
            _put(buffer, _OFF_NORMAL_VALID, np.int32(1))
        if self._normal_float is not None:
            _put(buffer, _OFF_FLOAT_NORMAL, np.float32(self._normal_float))
            buffer[_OFF_FLOAT_VALID] = 1
        return Tensor._make(buffer)

    def set_state(self, new_state) -> "Generator":
        """Restore a state produced by ``get_state``; returns this generator."""
        from . import _dtype
        from ._tensor import Tensor
        if not isinstance(new_state, Tensor):
            raise TypeError(f"expected a torch.ByteTensor, but got {type(new_state).__name__}")
        if new_state.dtype is not _dtype.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        raw = np.ascontiguousarray(new_state._host()).reshape(-1)
        if raw.size != _STATE_BYTES:
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {_STATE_BYTES} but "
                               f"found the input RNG state size to be {raw.size}")
        left = int(_get(raw, _OFF_LEFT, "<i4"))
        seeded = int(_get(raw, _OFF_SEEDED, "<i4"))
        next_index = int(_get(raw, _OFF_NEXT, "<u8"))
        if seeded not in (0, 1) or not 1 <= left <= _STATE_WORDS or next_index > _STATE_WORDS:
            raise RuntimeError("Invalid mt19937 state")
        words = raw[_OFF_WORDS:_OFF_WORDS + 8 * _STATE_WORDS].view("<u8")
        key = (words & 0xFFFFFFFF).astype(np.uint32)
        pos = _STATE_WORDS if left == 1 else next_index
        self._bits.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": pos}}
        self._untouched = left == 1 and next_index == 0
        self._seed = int(_get(raw, _OFF_SEED, "<u8"))
        valid = int(_get(raw, _OFF_NORMAL_VALID, "<i4"))
        self._normal_double = float(_get(raw, _OFF_NORMAL_Y, "<f8")) if valid else None
        self._normal_float = (float(_get(raw, _OFF_FLOAT_NORMAL, "<f4"))
                              if raw[_OFF_FLOAT_VALID] else None)
        return self

    def get_offset(self) -> int:
        raise RuntimeError("CPU Generator does not use offset")

    def set_offset(self, offset: int) -> "Generator":
        raise RuntimeError("CPU Generator does not use offset")

    def clone_state(self) -> "Generator":
        """A new generator in the same state."""
        twin = Generator()
        twin.set_state(self.get_state())
        return twin

    def __reduce__(self):
        return (_rebuild, (bytes(self.get_state()._data),))

    def __deepcopy__(self, memo) -> "Generator":
        return self.clone_state()

    def __repr__(self) -> str:
        return f"<torch._C.Generator object at {hex(id(self))}>"

    # -- the draws every random op goes through ---------------------------------------------------

    def random32(self, n: int) -> np.ndarray:
        """``n`` raw 32-bit draws (``uint32``)."""
        self._untouched = False
        if n >= 4096:
            # NumPy's full-range uint32 integers are the twister's raw words, written straight
            # into a uint32 array (random_raw goes through uint64: a third more time)
            return np.random.Generator(self._bits).integers(0, 1 << 32, size=n, dtype=np.uint32)
        return self._bits.random_raw(n).astype(np.uint32)

    def random64(self, n: int) -> np.ndarray:
        """``n`` 64-bit draws (``uint64``), each two 32-bit draws with the first as high half."""
        self._untouched = False
        raw = self._bits.random_raw(2 * n).reshape(n, 2)
        return (raw[:, 0] << np.uint64(32)) | raw[:, 1]

    def uniform53(self, n: int) -> np.ndarray:
        """``n`` doubles uniform on [0, 1) from the low 53 bits of 64-bit draws."""
        bits = self.random64(n) & np.uint64((1 << 53) - 1)
        return bits.astype(np.float64) * (2.0 ** -53)

    def uniform_bits(self, n: int, digits: int) -> np.ndarray:
        """``n`` floats uniform on [0, 1) from the low ``digits`` bits of 32-bit draws
        (24 for float32, 11 for float16, 8 for bfloat16), as float32."""
        bits = self.random32(n) & np.uint32((1 << digits) - 1)
        return bits.astype(np.float32) * np.float32(2.0 ** -digits)

    def take_normal(self):
        """The cached second sample of the last double Box-Muller pair (then forgotten)."""
        value, self._normal_double = self._normal_double, None
        return value

    def keep_normal(self, value) -> None:
        """Cache the second sample of a double Box-Muller pair for the next normal draw."""
        self._normal_double = value


def _put(buffer: np.ndarray, offset: int, value) -> None:
    raw = np.asarray(value).astype(np.asarray(value).dtype.newbyteorder("<")).tobytes()
    buffer[offset:offset + len(raw)] = np.frombuffer(raw, dtype=np.uint8)


def _get(raw: np.ndarray, offset: int, fmt: str):
    size = np.dtype(fmt).itemsize
    return raw[offset:offset + size].view(fmt)[0]


def _rebuild(state: bytes) -> Generator:
    from ._tensor import Tensor
    g = Generator()
    g.set_state(Tensor._make(np.frombuffer(state, dtype=np.uint8).copy()))
    return g


def as_generator(generator, caller: str = "") -> Generator:
    """``generator`` itself, or the default generator for None; TypeError for anything else."""
    if generator is None:
        return default_generator
    if isinstance(generator, Generator):
        return generator
    raise TypeError(f"{caller}() received an invalid combination of arguments - got "
                    f"(generator={type(generator).__name__}), but expected a torch.Generator")


# PyTorch seeds its default CPU generator from entropy when the library loads.
default_generator = Generator()
default_generator.seed()

