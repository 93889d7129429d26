"""Pickling with PyTorch's global names, and the two unpicklers ``ember.load`` uses.

* :class:`TorchPickler` writes tensors, storages, dtypes, sizes and devices under the names
  PyTorch gives them (``torch._utils._rebuild_tensor_v2``, ``torch.FloatStorage`` ...), so that
  ``torch.load`` reads ember's files.  It is built on the pure-Python pickler because the C
  pickler insists on importing every global it writes (and ember must never import torch).
* :class:`WeightsOnlyUnpickler` is a small pickle interpreter that never imports anything: each
  global is looked up in an allow-list (PyTorch's, mapped to ember's objects, plus what the user
  allowed with ``add_safe_globals``), and only allow-listed callables are ever called.
* :func:`full_unpickler` makes a ``pickle.Unpickler`` that maps ``torch.*`` globals onto ember
  (for ``weights_only=False``, which runs whatever the file says).
"""
from __future__ import annotations

import _compat_pickle
import collections
import importlib
import pickle
import struct
import sys
from collections import OrderedDict

import numpy as np

from .. import _dtype, _layout
from .._device import device as _device_class
from .._size import Size
from .._storage import (TypedStorage, UntypedStorage, _span_bytes, _span_start, flat_bytes,
                        root_array)
from .._tensor import Tensor
from . import _rebuild

# ----------------------------------------------------------------------------------------------
# Allow-list
# ----------------------------------------------------------------------------------------------

_BLOCKED_MODULES = ("sys", "os", "posix", "nt")
_user_safe_globals: set = set()


def add_safe_globals(safe_globals: list) -> None:
    """Allow the given functions/classes (or ``(object, "module.name")`` pairs) in
    ``load(..., weights_only=True)``."""
    _user_safe_globals.update(safe_globals)


def get_safe_globals() -> list:
    """The user-added objects that ``weights_only`` loading accepts."""
    return list(_user_safe_globals)


def clear_safe_globals() -> None:
    """Forget every global added with :func:`add_safe_globals`."""
    _user_safe_globals.clear()


def remove_safe_globals(safe_globals: list) -> None:
    """Take the given globals off the user allow-list."""
    _user_safe_globals.difference_update(safe_globals)


class safe_globals:
    """Context manager allowing ``safe_globals`` in ``weights_only`` loads within its block."""

    def __init__(self, safe_globals: list) -> None:
        self.safe_globals = safe_globals

    def __enter__(self) -> None:
        add_safe_globals(self.safe_globals)

    def __exit__(self, *exc) -> None:
        remove_safe_globals(self.safe_globals)


def _user_allowed() -> dict:
    allowed = {}
    for entry in _user_safe_globals:
        if isinstance(entry, tuple):
            if len(entry) != 2:
                raise ValueError(f"Expected tuple of length 2 (global, str of callable full "
                                 f"path), but got tuple of length: {len(entry)}")
            if type(entry[1]) is not str:
                raise TypeError(f"Expected second item in tuple to be str of callable full "
                                f"path, but got: {type(entry[1])}")
            allowed[entry[1]] = entry[0]
        else:
            allowed[f"{entry.__module__}.{entry.__qualname__}"] = entry
    return allowed


def _translate_python2(module: str, name: str) -> tuple[str, str]:
    # Protocol 0-2 pickles may come from Python 2, which named some modules differently.
    if (module, name) in _compat_pickle.NAME_MAPPING:
        return _compat_pickle.NAME_MAPPING[(module, name)]
    return _compat_pickle.IMPORT_MAPPING.get(module, module), name


def _ember_spelling(full_name: str) -> str | None:
    if full_name.startswith("torch."):
        return "ember." + full_name[len("torch."):]
    return None


def _unsupported_global_message(full_name: str) -> str:
    shown = full_name
    if shown.startswith("builtins."):
        shown = shown[len("builtins."):]
    return (f"Unsupported global: GLOBAL {shown} was not an allowed global by default. Please "
            f"use `ember.serialization.add_safe_globals([{shown}])` or the "
            f"`ember.serialization.safe_globals([{shown}])` context manager to allowlist this "
            "global if you trust this class/function.")


def resolve_safe_global(module: str, name: str):
    """The object a ``weights_only`` load may use for global ``module.name``; raises
    ``UnpicklingError`` for anything not allow-listed (nothing is imported)."""
    module, name = _translate_python2(module, name)
    full_name = f"{module}.{name}"
    if module.split(".")[0] in _BLOCKED_MODULES:
        raise pickle.UnpicklingError(f"Trying to load unsupported GLOBAL {full_name} whose "
                                     f"module {module} is blocked.")
    try:
        return _rebuild.lookup_torch_global(full_name)
    except KeyError:
        pass
    user = _user_allowed()
    if full_name in user:
        return user[full_name]
    ember_name = _ember_spelling(full_name)
    if ember_name is not None and ember_name in user:
        return user[ember_name]
    missing = _rebuild.missing_feature(full_name)
    if missing is not None:
        raise _rebuild.StorageError(missing)
    raise pickle.UnpicklingError(_unsupported_global_message(full_name))


def _allowed_callables() -> set:
    ids = {id(value) for value in _rebuild.SAFE_CALLABLES}
    ids.update(id(value) for value in _user_allowed().values())
    parameter = _rebuild._parameter_class()
    if parameter is not None:
        ids.add(id(parameter))
    return ids


# ----------------------------------------------------------------------------------------------
# The weights-only unpickler
# ----------------------------------------------------------------------------------------------

_MAX_STRING = sys.maxsize


class WeightsOnlyUnpickler:
    """Interprets a pickle without importing anything; calls only allow-listed callables.

    The pickle is read from ``file`` in chunks; once the STOP opcode is reached the file is
    left positioned just after it (the legacy format stores several pickles back to back).
    The opcodes found in every checkpoint are handled inline in :meth:`load` (this loop is
    what a state_dict's load time is made of); the rest go through the ``_DISPATCH`` table.
    """

    _CHUNK = 1 << 16

    def __init__(self, file, *, encoding: str = "utf-8", persistent_load=None) -> None:
        self._file = file
        self._encoding = encoding
        self._persistent_load = persistent_load
        self._allowed = _allowed_callables()
        self._data = b""
        self._pos = 0

    # -- reading -------------------------------------------------------------------------------

    def _more(self, needed: int) -> bool:
        """Append at least ``needed`` more bytes to the buffer (False at the end of file)."""
        data = self._data[self._pos:]
        while needed > 0:
            # Bounded reads: a length field claiming petabytes must not allocate them.
            chunk = self._file.read(min(max(needed, self._CHUNK), 1 << 24))
            if not chunk:
                self._data, self._pos = data, 0
                return False
            data += chunk
            needed -= len(chunk)
        self._data, self._pos = data, 0
        return True

    def _take(self, count: int) -> bytes:
        if count < 0:
            raise pickle.UnpicklingError("negative length in pickle data")
        missing = count - (len(self._data) - self._pos)
        if missing > 0 and not self._more(missing):
            raise pickle.UnpicklingError("pickle data was truncated")
        start = self._pos
        self._pos = start + count
        return self._data[start:start + count]

    def _line(self) -> bytes:
        while True:
            end = self._data.find(b"\n", self._pos)
            if end >= 0:
                line = self._data[self._pos:end]
                self._pos = end + 1
                return line
            if not self._more(1):
                raise pickle.UnpicklingError("pickle data was truncated")

    def _pop_mark(self) -> list:
        items = self._stack
        if not self._marks:
            raise pickle.UnpicklingError("could not find MARK")
        self._stack = self._marks.pop()
        return items

    def _pop(self):
        if not self._stack:
            raise pickle.UnpicklingError("unpickling stack underflow")
        return self._stack.pop()

    def _top(self):
        if not self._stack:
            raise pickle.UnpicklingError("unpickling stack underflow")
        return self._stack[-1]

    def load(self):
        """Read one pickle from the stream and return the object it describes."""
        self._stack = []
        self._marks = []
        self._memo = {}
        if not self._more(1):
            raise EOFError("Ran out of input")
        try:
            result = self._run()
        except (pickle.UnpicklingError, RuntimeError):
            raise
        except (ValueError, TypeError, KeyError, IndexError, AttributeError, struct.error,
                OverflowError, UnicodeError, EOFError, MemoryError) as error:
            # Malformed data met by an opcode (a bad number, an unhashable key, a call with
            # the wrong arguments ...): report it as the damaged pickle it is.
            raise pickle.UnpicklingError(f"{type(error).__name__}: {error}") from None
        unread = len(self._data) - self._pos
        if unread:
            self._file.seek(-unread, 1)
        return result

    def _run(self):
        unpack_from = struct.unpack_from
        dispatch = _DISPATCH
        memo = self._memo
        marks = self._marks
        stack = self._stack
        data, pos = self._data, self._pos
        limit = len(data) - 9  # past this, top the buffer up before the next opcode
        while True:
            if pos > limit:
                self._data, self._pos = data, pos
                self._more(9)
                data, pos = self._data, self._pos
                limit = len(data) - 9
            code = data[pos]
            pos += 1
            if code == 0x71:  # BINPUT
                memo[data[pos]] = stack[-1]
                pos += 1
            elif code == 0x68:  # BINGET
                stack.append(memo[data[pos]])
                pos += 1
            elif code == 0x72:  # LONG_BINPUT
                memo[unpack_from("<I", data, pos)[0]] = stack[-1]
                pos += 4
            elif code == 0x6A:  # LONG_BINGET
                stack.append(memo[unpack_from("<I", data, pos)[0]])
                pos += 4
            elif code == 0x4B:  # BININT1
                stack.append(data[pos])
                pos += 1
            elif code == 0x4D:  # BININT2
                stack.append(unpack_from("<H", data, pos)[0])
                pos += 2
            elif code == 0x4A:  # BININT
                stack.append(unpack_from("<i", data, pos)[0])
                pos += 4
            elif code == 0x28:  # MARK
                marks.append(stack)
                stack = self._stack = []
            elif code == 0x74:  # TUPLE
                items = stack
                if not marks:
                    raise pickle.UnpicklingError("could not find MARK")
                stack = self._stack = marks.pop()
                stack.append(tuple(items))
            elif code == 0x85:  # TUPLE1
                stack[-1] = (stack[-1],)
            elif code == 0x86:  # TUPLE2
                second = stack.pop()
                stack[-1] = (stack[-1], second)
            elif code == 0x29:  # EMPTY_TUPLE
                stack.append(())
            elif code == 0x89:  # NEWFALSE
                stack.append(False)
            elif code == 0x88:  # NEWTRUE
                stack.append(True)
            elif code == 0x52:  # REDUCE
                args = stack.pop()
                func = stack[-1]
                self._check_callable(func)
                if type(args) is not tuple:
                    raise pickle.UnpicklingError(f"REDUCE arguments must be a tuple, got "
                                                 f"{type(args)}")
                stack[-1] = func(*args)
            elif code == 0x51:  # BINPERSID
                _persistent(self, stack.pop())
            elif code == 0x58:  # BINUNICODE
                length = unpack_from("<I", data, pos)[0]
                pos += 4
                if len(data) - pos < length:
                    self._data, self._pos = data, pos
                    text = self._take(length)
                    data, pos = self._data, self._pos
                    limit = len(data) - 9
                else:
                    text = data[pos:pos + length]
                    pos += length
                stack.append(str(text, "utf-8", "surrogatepass"))
            elif code == 0x2E:  # STOP
                self._data, self._pos = data, pos
                if not stack:
                    raise pickle.UnpicklingError("unpickling stack underflow")
                return stack.pop()
            else:
                handler = dispatch.get(code)
                if handler is None:
                    raise pickle.UnpicklingError(f"Unsupported operand {code}")
                self._data, self._pos = data, pos
                handler(self)
                data, pos, stack = self._data, self._pos, self._stack
                limit = len(data) - 9

    # -- calling (the only places where code from the allow-list runs) -------------------------

    def _check_callable(self, func) -> None:
        if id(func) not in self._allowed:
            message = f"Trying to call reduce for unrecognized function {func!r}"
            if hasattr(func, "__self__"):
                message += f" which belongs to {func.__self__!r}"
            raise pickle.UnpicklingError(message)

    def _find_global(self, module: str, name: str):
        return resolve_safe_global(module, name)


def _op(code: bytes):
    def register(func):
        _DISPATCH[code[0]] = func
        return func
    return register


_DISPATCH: dict = {}


@_op(pickle.PROTO)
def _proto(self):
    version = self._take(1)[0]
    if version > pickle.HIGHEST_PROTOCOL:
        raise pickle.UnpicklingError(f"unsupported pickle protocol: {version}")


@_op(pickle.FRAME)
def _frame(self):
    self._take(8)  # frames only group opcodes; the stream is read linearly anyway


@_op(pickle.MARK)
def _mark(self):
    self._marks.append(self._stack)
    self._stack = []


@_op(pickle.POP)
def _pop_op(self):
    if self._stack:
        self._stack.pop()
    else:
        self._pop_mark()


@_op(pickle.POP_MARK)
def _pop_mark_op(self):
    self._pop_mark()


@_op(pickle.DUP)
def _dup(self):
    self._stack.append(self._top())


# -- numbers, strings and constants --------------------------------------------------------------

@_op(pickle.NONE)
def _none(self):
    self._stack.append(None)


@_op(pickle.NEWTRUE)
def _true(self):
    self._stack.append(True)


@_op(pickle.NEWFALSE)
def _false(self):
    self._stack.append(False)


@_op(pickle.INT)
def _int(self):
    text = self._line()
    if text == b"00":
        value = False
    elif text == b"01":
        value = True
    else:
        value = int(text, 0)
    self._stack.append(value)


@_op(pickle.BININT)
def _binint(self):
    self._stack.append(struct.unpack("<i", self._take(4))[0])


@_op(pickle.BININT1)
def _binint1(self):
    self._stack.append(self._take(1)[0])


@_op(pickle.BININT2)
def _binint2(self):
    self._stack.append(struct.unpack("<H", self._take(2))[0])


@_op(pickle.LONG)
def _long(self):
    text = self._line()
    if text.endswith(b"L"):
        text = text[:-1]
    self._stack.append(int(text, 0))


@_op(pickle.LONG1)
def _long1(self):
    self._stack.append(pickle.decode_long(self._take(self._take(1)[0])))


@_op(pickle.LONG4)
def _long4(self):
    count = struct.unpack("<i", self._take(4))[0]
    self._stack.append(pickle.decode_long(self._take(count)))


@_op(pickle.FLOAT)
def _float(self):
    self._stack.append(float(self._line()))


@_op(pickle.BINFLOAT)
def _binfloat(self):
    self._stack.append(struct.unpack(">d", self._take(8))[0])


def _decode_string(self, data: bytes):
    if self._encoding == "bytes":
        return data
    return data.decode(self._encoding, "strict")


@_op(pickle.STRING)
def _string(self):
    text = self._line()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in b"\"'":
        text = text[1:-1]
    else:
        raise pickle.UnpicklingError("the STRING opcode argument must be quoted")
    import codecs
    self._stack.append(_decode_string(self, codecs.escape_decode(text)[0]))


@_op(pickle.BINSTRING)
def _binstring(self):
    count = struct.unpack("<i", self._take(4))[0]
    self._stack.append(_decode_string(self, self._take(count)))


@_op(pickle.SHORT_BINSTRING)
def _short_binstring(self):
    self._stack.append(_decode_string(self, self._take(self._take(1)[0])))


@_op(pickle.UNICODE)
def _unicode(self):
    self._stack.append(str(self._line(), "raw-unicode-escape"))


@_op(pickle.BINUNICODE)
def _binunicode(self):
    count = struct.unpack("<I", self._take(4))[0]
    self._stack.append(str(self._take(count), "utf-8", "surrogatepass"))


@_op(pickle.SHORT_BINUNICODE)
def _short_binunicode(self):
    self._stack.append(str(self._take(self._take(1)[0]), "utf-8", "surrogatepass"))


@_op(pickle.BINUNICODE8)
def _binunicode8(self):
    count = struct.unpack("<Q", self._take(8))[0]
    if count > _MAX_STRING:
        raise pickle.UnpicklingError("BINUNICODE8 exceeds system's maximum size")
    self._stack.append(str(self._take(count), "utf-8", "surrogatepass"))


@_op(pickle.BINBYTES)
def _binbytes(self):
    self._stack.append(self._take(struct.unpack("<I", self._take(4))[0]))


@_op(pickle.SHORT_BINBYTES)
def _short_binbytes(self):
    self._stack.append(self._take(self._take(1)[0]))


@_op(pickle.BINBYTES8)
def _binbytes8(self):
    count = struct.unpack("<Q", self._take(8))[0]
    if count > _MAX_STRING:
        raise pickle.UnpicklingError("BINBYTES8 exceeds system's maximum size")
    self._stack.append(self._take(count))


@_op(pickle.BYTEARRAY8)
def _bytearray8(self):
    count = struct.unpack("<Q", self._take(8))[0]
    if count > _MAX_STRING:
        raise pickle.UnpicklingError("BYTEARRAY8 exceeds system's maximum size")
    self._stack.append(bytearray(self._take(count)))


# -- containers ----------------------------------------------------------------------------------

@_op(pickle.EMPTY_TUPLE)
def _empty_tuple(self):
    self._stack.append(())


@_op(pickle.TUPLE)
def _tuple(self):
    items = self._pop_mark()
    self._stack.append(tuple(items))


@_op(pickle.TUPLE1)
def _tuple1(self):
    self._stack.append((self._pop(),))


@_op(pickle.TUPLE2)
def _tuple2(self):
    second = self._pop()
    self._stack.append((self._pop(), second))


@_op(pickle.TUPLE3)
def _tuple3(self):
    third = self._pop()
    second = self._pop()
    self._stack.append((self._pop(), second, third))


@_op(pickle.EMPTY_LIST)
def _empty_list(self):
    self._stack.append([])


@_op(pickle.LIST)
def _list(self):
    self._stack.append(self._pop_mark())


@_op(pickle.EMPTY_DICT)
def _empty_dict(self):
    self._stack.append({})


@_op(pickle.DICT)
def _dict(self):
    items = self._pop_mark()
    if len(items) % 2:
        raise pickle.UnpicklingError("odd number of items for DICT")
    self._stack.append({items[i]: items[i + 1] for i in range(0, len(items), 2)})


@_op(pickle.EMPTY_SET)
def _empty_set(self):
    self._stack.append(set())


@_op(pickle.FROZENSET)
def _frozenset(self):
    self._stack.append(frozenset(self._pop_mark()))


@_op(pickle.APPEND)
def _append(self):
    item = self._pop()
    target = self._top()
    if type(target) is not list:
        raise pickle.UnpicklingError(f"Can only append to lists, but got {type(target)}")
    target.append(item)


@_op(pickle.APPENDS)
def _appends(self):
    items = self._pop_mark()
    target = self._top()
    if type(target) is not list:
        raise pickle.UnpicklingError(f"Can only extend lists, but got {type(target)}")
    target.extend(items)


_MAPPING_TYPES = (dict, OrderedDict, collections.Counter)


def _mapping_target(self, opcode: str):
    target = self._top()
    if type(target) not in _MAPPING_TYPES:
        raise pickle.UnpicklingError(f"Can only {opcode} for dict, collections.OrderedDict, "
                                     f"collections.Counter, but got {type(target)}")
    return target


@_op(pickle.SETITEM)
def _setitem(self):
    value = self._pop()
    key = self._pop()
    _mapping_target(self, "SETITEM")[key] = value


@_op(pickle.SETITEMS)
def _setitems(self):
    items = self._pop_mark()
    if len(items) % 2:
        raise pickle.UnpicklingError("odd number of items for SETITEMS")
    target = _mapping_target(self, "SETITEMS")
    for i in range(0, len(items), 2):
        target[items[i]] = items[i + 1]


@_op(pickle.ADDITEMS)
def _additems(self):
    items = self._pop_mark()
    target = self._top()
    if type(target) is not set:
        raise pickle.UnpicklingError(f"Can only add items to sets, but got {type(target)}")
    target.update(items)


# -- memo ------------------------------------------------------------------------------------------

def _memo_get(self, index: int):
    try:
        self._stack.append(self._memo[index])
    except KeyError:
        raise pickle.UnpicklingError(f"Memo value not found at index {index}") from None


def _memo_put(self, index: int):
    if index < 0:
        raise pickle.UnpicklingError("negative PUT argument")
    self._memo[index] = self._top()


@_op(pickle.GET)
def _get(self):
    _memo_get(self, int(self._line()))


@_op(pickle.BINGET)
def _binget(self):
    _memo_get(self, self._take(1)[0])


@_op(pickle.LONG_BINGET)
def _long_binget(self):
    _memo_get(self, struct.unpack("<I", self._take(4))[0])


@_op(pickle.PUT)
def _put(self):
    _memo_put(self, int(self._line()))


@_op(pickle.BINPUT)
def _binput(self):
    _memo_put(self, self._take(1)[0])


@_op(pickle.LONG_BINPUT)
def _long_binput(self):
    _memo_put(self, struct.unpack("<I", self._take(4))[0])


@_op(pickle.MEMOIZE)
def _memoize(self):
    _memo_put(self, len(self._memo))


# -- the gated opcodes: globals, calls, object construction, persistent ids -----------------------

@_op(pickle.GLOBAL)
def _global(self):
    module = self._line().decode("utf-8")
    name = self._line().decode("utf-8")
    self._stack.append(self._find_global(module, name))


@_op(pickle.STACK_GLOBAL)
def _stack_global(self):
    name = self._pop()
    module = self._pop()
    if type(name) is not str or type(module) is not str:
        raise pickle.UnpicklingError("STACK_GLOBAL requires str")
    self._stack.append(self._find_global(module, name))


@_op(pickle.REDUCE)
def _reduce(self):
    args = self._pop()
    func = self._top()
    self._check_callable(func)
    if type(args) is not tuple:
        raise pickle.UnpicklingError(f"REDUCE arguments must be a tuple, got {type(args)}")
    self._stack[-1] = func(*args)


def _new_object(self, cls, args, kwargs=None):
    self._check_callable(cls)
    if not isinstance(cls, type):
        raise pickle.UnpicklingError(f"NEWOBJ expects a class, got {cls!r}")
    if type(args) is not tuple:
        raise pickle.UnpicklingError(f"NEWOBJ arguments must be a tuple, got {type(args)}")
    parameter = _rebuild._parameter_class()
    if parameter is not None and cls is parameter:
        return parameter(*args, **(kwargs or {}))
    return cls.__new__(cls, *args, **(kwargs or {}))


@_op(pickle.NEWOBJ)
def _newobj(self):
    args = self._pop()
    cls = self._pop()
    self._stack.append(_new_object(self, cls, args))


@_op(pickle.NEWOBJ_EX)
def _newobj_ex(self):
    kwargs = self._pop()
    args = self._pop()
    cls = self._pop()
    if type(kwargs) is not dict:
        raise pickle.UnpicklingError("NEWOBJ_EX keyword arguments must be a dict")
    self._stack.append(_new_object(self, cls, args, kwargs))


@_op(pickle.INST)
def _inst(self):
    module = self._line().decode("utf-8")
    name = self._line().decode("utf-8")
    cls = self._find_global(module, name)
    args = tuple(self._pop_mark())
    self._check_callable(cls)
    self._stack.append(cls(*args))


@_op(pickle.OBJ)
def _obj(self):
    items = self._pop_mark()
    if not items:
        raise pickle.UnpicklingError("OBJ needs a class")
    cls = items[0]
    self._check_callable(cls)
    self._stack.append(cls(*items[1:]))


@_op(pickle.BUILD)
def _build(self):
    state = self._pop()
    target = self._top()
    kind = type(target)
    if kind is OrderedDict or kind is collections.Counter:
        # A module's state_dict carries its `_metadata` this way.
        _rebuild.set_object_state(target, state)
        return
    if isinstance(target, Tensor) and kind.__name__ == "Parameter":
        _rebuild.set_object_state(target, state)
        return
    if id(kind) not in self._allowed or kind in (dict, list, set, tuple):
        raise pickle.UnpicklingError(
            "Can only build Tensor, Parameter, OrderedDict or types allowlisted via "
            f"`add_safe_globals`, but got {kind}")
    setstate = getattr(target, "__setstate__", None)
    if setstate is not None:
        setstate(state)
    else:
        _rebuild.set_object_state(target, state)


@_op(pickle.PERSID)
def _persid(self):
    _persistent(self, self._line().decode("ascii"))


@_op(pickle.BINPERSID)
def _binpersid(self):
    _persistent(self, self._pop())


def _persistent(self, pid):
    if type(pid) is not tuple and type(pid) is not int:
        raise pickle.UnpicklingError(f"persistent_load id must be tuple or int, but got "
                                     f"{type(pid)}")
    if type(pid) is tuple and (not pid or _as_text(pid[0]) != "storage"):
        raise pickle.UnpicklingError(f"Only persistent_load of storage is allowed, but got "
                                     f"{pid[0] if pid else pid!r}")
    if self._persistent_load is None:
        raise pickle.UnpicklingError("A load persistent id instruction was encountered, but no "
                                     "persistent_load function was specified.")
    self._stack.append(self._persistent_load(pid))


def _as_text(value):
    return value.decode("ascii") if isinstance(value, bytes) else value


# ----------------------------------------------------------------------------------------------
# The full unpickler (weights_only=False)
# ----------------------------------------------------------------------------------------------

def full_find_class(module: str, name: str, fallback):
    """Resolve a global for a full (trusted) unpickle: PyTorch names map onto ember."""
    full_name = f"{module}.{name}"
    try:
        return _rebuild.lookup_torch_global(full_name)
    except KeyError:
        pass
    if module == "torch" or module.startswith("torch."):
        missing = _rebuild.missing_feature(full_name)
        if missing is not None:
            raise _rebuild.StorageError(missing)
        ember_module = "ember" + module[len("torch"):]
        try:
            target = importlib.import_module(ember_module)
            for part in name.split("."):
                target = getattr(target, part)
            return target
        except (ImportError, AttributeError):
            raise AttributeError(f"ember has no equivalent of {full_name}, which this "
                                 "checkpoint needs") from None
    return fallback(module, name)


def full_unpickler(pickle_module, file, persistent_load, **load_args):
    """A ``pickle_module.Unpickler`` for ``file`` with ember's globals and storages."""

    class EmberUnpickler(pickle_module.Unpickler):
        def find_class(self, module, name):
            return full_find_class(module, name, super().find_class)

    unpickler = EmberUnpickler(file, **load_args)
    if persistent_load is not None:
        unpickler.persistent_load = persistent_load
    return unpickler


# ----------------------------------------------------------------------------------------------
# The pickler
# ----------------------------------------------------------------------------------------------

class TorchGlobal:
    """A stand-in for a PyTorch object: pickled as the global ``module.name``."""

    __slots__ = ("module", "name")

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.name = name

    def __repr__(self) -> str:
        return f"{self.module}.{self.name}"

    def __call__(self, *args):
        # Only written into pickles, never called (pickle insists that reduce functions are
        # callable).
        raise TypeError(f"{self!r} is a stand-in for PyTorch's function and cannot be called")


REBUILD_TENSOR_V2 = TorchGlobal("torch._utils", "_rebuild_tensor_v2")
REBUILD_PARAMETER = TorchGlobal("torch._utils", "_rebuild_parameter")
REBUILD_PARAMETER_WITH_STATE = TorchGlobal("torch._utils", "_rebuild_parameter_with_state")
REBUILD_META = TorchGlobal("torch._utils", "_rebuild_meta_tensor_no_storage")
REBUILD_FROM_TYPE_V2 = TorchGlobal("torch._tensor", "_rebuild_from_type_v2")
GET_LAYOUT = TorchGlobal("torch.serialization", "_get_layout")
_STORAGE_GLOBALS = {dt: TorchGlobal("torch", name)
                    for dt, name in _rebuild.STORAGE_CLASS_NAMES.items()}
UNTYPED_STORAGE_GLOBAL = TorchGlobal("torch.storage", "UntypedStorage")


def _parameter_state(obj: Tensor) -> dict:
    return {key: value for key, value in vars(obj).items()}


def _class_globals() -> dict:
    classes = {Size: ("torch", "Size"), _device_class: ("torch", "device"),
               Tensor: ("torch", "Tensor"), UntypedStorage: ("torch.storage", "UntypedStorage"),
               TypedStorage: ("torch.storage", "TypedStorage")}
    parameter = _rebuild._parameter_class()
    if parameter is not None:
        classes[parameter] = ("torch.nn.parameter", "Parameter")
    return classes


class StorageRef:
    """One storage met while pickling: the bytes to write and how to name them."""

    __slots__ = ("key", "data", "dtype", "location")

    def __init__(self, key: str, data, dtype, location: str = "cpu") -> None:
        self.key = key
        self.data = data
        self.dtype = dtype
        self.location = location


class TorchPickler(pickle._Pickler):
    """Pickles ember objects under PyTorch's names; storages become persistent ids."""

    dispatch = pickle._Pickler.dispatch.copy()

    def __init__(self, file, protocol: int) -> None:
        super().__init__(file, protocol)
        self.storages: dict[str, StorageRef] = {}
        self._keys: dict = {}
        self._dtypes: dict = {}
        self._alive: list = []  # keeps identity keys (ids) valid while pickling
        self._classes = _class_globals()
        self.legacy = False

    # -- globals -------------------------------------------------------------------------------

    def _write_global(self, module: str, name: str) -> None:
        if self.proto >= 4:
            self.save(module)
            self.save(name)
            self.write(pickle.STACK_GLOBAL)
        else:
            self.write(pickle.GLOBAL + f"{module}\n{name}\n".encode("utf-8"))

    def save_global(self, obj, name=None):
        target = None
        if type(obj) is TorchGlobal:
            target = (obj.module, obj.name)
        elif isinstance(obj, _dtype.dtype):
            target = ("torch", obj.name)
        elif isinstance(obj, _layout.memory_format):
            target = ("torch", obj.name)
        elif isinstance(obj, type):
            target = self._classes.get(obj)
        if target is None:
            return super().save_global(obj, name)
        self._write_global(*target)
        self.memoize(obj)

    dispatch[TorchGlobal] = save_global

    def reducer_override(self, obj):
        kind = type(obj)
        if kind in _PLAIN_TYPES:
            return NotImplemented
        if isinstance(obj, Tensor):
            return self._reduce_tensor(obj)
        if kind is _dtype.dtype or kind is _layout.memory_format:
            return obj.name  # a string: pickle then calls save_global
        if kind is _layout.layout:
            return (GET_LAYOUT, (repr(obj),))
        if kind is Size:
            return (self._classes_stand_in(Size), (tuple(obj),))
        if kind is _device_class:
            args = (obj.type,) if obj.index is None else (obj.type, obj.index)
            return (self._classes_stand_in(_device_class), args)
        return NotImplemented

    def _classes_stand_in(self, cls):
        return TorchGlobal(*self._classes[cls])

    # -- tensors and storages --------------------------------------------------------------------

    def _storage_ref(self, array, dtype) -> tuple[StorageRef, int]:
        """The (shared) storage record for the memory under ``array``, and the offset in
        elements of ``array``'s first element within it."""
        root = root_array(array)
        nbytes = _span_bytes(root)
        start = _span_start(root) if nbytes else 0
        identity = (start, nbytes) if nbytes else ("empty", id(root))
        known = self._dtypes.get(identity)
        if known is not dtype:
            if known is not None:
                raise RuntimeError("Cannot save multiple tensors or storages that view the "
                                   "same data as different types")
            self._dtypes[identity] = dtype
        key = self._keys.get(identity)
        if key is None:
            key = str(len(self._keys))
            self._keys[identity] = key
            self._alive.append(root)
            self.storages[key] = StorageRef(key, flat_bytes(array), dtype)
        ref = self.storages[key]
        itemsize = dtype.itemsize
        offset_bytes = array.__array_interface__["data"][0] - start if nbytes else 0
        if offset_bytes < 0 and not array.size:
            offset_bytes = 0  # an empty view placed before its storage: its offset is moot
        if nbytes % itemsize or offset_bytes % itemsize:
            raise RuntimeError("ember cannot save a tensor whose memory is not aligned to its "
                               "dtype within its storage; save tensor.clone() instead")
        return ref, offset_bytes // itemsize

    def _tensor_args(self, tensor: Tensor) -> tuple:
        ref, offset = self._storage_ref(tensor._data, tensor.dtype)
        return (ref, offset, tuple(tensor.shape), tuple(tensor.stride()), tensor.requires_grad,
                OrderedDict())

    # -- the fast paths (the same bytes as the generic ones, with fewer calls) -------------------

    def save(self, obj, save_persistent_id=True):
        kind = type(obj)
        if kind in _ATOMIC_TYPES:
            # No persistent id or reduction applies to these: straight to their writer.
            self.framer.commit_frame()
            known = self.memo.get(id(obj))
            if known is not None:
                self.write(self.get(known[0]))
                return
            self.dispatch[kind](self, obj)
            return
        if kind is Tensor and self.proto >= 2 and type(obj._data) is np.ndarray and \
                not obj.__dict__:
            self.framer.commit_frame()
            known = self.memo.get(id(obj))
            if known is not None:
                self.write(self.get(known[0]))
                return
            self._save_plain_tensor(obj)
            return
        super().save(obj, save_persistent_id)

    def _save_int_tuple(self, values: tuple) -> None:
        write = self.write
        if not values:
            write(pickle.EMPTY_TUPLE)
            return
        if len(values) > 3:
            write(pickle.MARK)
        for value in values:
            self.save_long(value)
        write(pickle.TUPLE if len(values) > 3 else _TUPLE_CODES[len(values)])
        self.memoize(values)

    def _save_plain_tensor(self, tensor: Tensor) -> None:
        """What ``save_reduce(_rebuild_tensor_v2, args)`` writes, without building it up."""
        write = self.write
        ref, offset = self._storage_ref(tensor._data, tensor.dtype)
        shape = tuple(tensor._data.shape)
        stride = tuple(tensor.stride())
        requires_grad = tensor._rg
        self.save(REBUILD_TENSOR_V2)
        write(pickle.MARK)
        self.save_pers(self._storage_id(_STORAGE_GLOBALS[ref.dtype], ref, ref.dtype))
        self.save_long(offset)
        self._save_int_tuple(shape)
        self._save_int_tuple(stride)
        write(pickle.NEWTRUE if requires_grad else pickle.NEWFALSE)
        hooks = OrderedDict()  # backward hooks: always an empty OrderedDict()
        self.save(OrderedDict)
        write(pickle.EMPTY_TUPLE + pickle.REDUCE)
        self.memoize(hooks)
        write(pickle.TUPLE)
        self.memoize((ref, offset, shape, stride, requires_grad, hooks))
        write(pickle.REDUCE)
        self.memoize(tensor)

    def _reduce_tensor(self, tensor: Tensor):
        kind = type(tensor)
        if kind.__name__ == "Parameter" and isinstance(tensor, Tensor):
            data = tensor.detach()
            state = _parameter_state(tensor)
            if state:
                return (REBUILD_PARAMETER_WITH_STATE,
                        (data, tensor.requires_grad, OrderedDict(), state))
            return (REBUILD_PARAMETER, (data, tensor.requires_grad, OrderedDict()))
        if tensor.device.type == "meta":
            func, args = REBUILD_META, (tensor.dtype, tuple(tensor.shape), tuple(tensor.stride()),
                                        tensor.requires_grad)
        elif tensor.device.type == "cpu":
            func, args = REBUILD_TENSOR_V2, self._tensor_args(tensor)
        else:
            return self._reduce_tensor(tensor.cpu())
        state = dict(vars(tensor))
        if kind is Tensor and not state:
            return (func, args)
        return (REBUILD_FROM_TYPE_V2, (func, kind, args, state))

    def persistent_id(self, obj):
        kind = type(obj)
        if kind is StorageRef:
            return self._storage_id(_STORAGE_GLOBALS[obj.dtype], obj, obj.dtype)
        if kind is TypedStorage:
            ref, _ = self._storage_ref(obj._untyped_storage._bytes, obj.dtype)
            return self._storage_id(_STORAGE_GLOBALS[obj.dtype], ref, obj.dtype)
        if kind is UntypedStorage:
            ref, _ = self._storage_ref(obj._bytes, _dtype.uint8)
            return self._storage_id(UNTYPED_STORAGE_GLOBAL, ref, _dtype.uint8)
        return None

    def _storage_id(self, storage_class: TorchGlobal, ref: StorageRef, dtype) -> tuple:
        numel = ref.data.nbytes // dtype.itemsize
        if self.legacy:  # the pre-1.6 format adds a (never used) view description
            return ("storage", storage_class, ref.key, ref.location, numel, None)
        return ("storage", storage_class, ref.key, ref.location, numel)


_PLAIN_TYPES = frozenset([int, float, str, bytes, bool, type(None), dict, list, tuple, set,
                          frozenset, complex, bytearray, OrderedDict])
_ATOMIC_TYPES = frozenset([int, float, str, bytes, bool, type(None)])
_TUPLE_CODES = {1: pickle.TUPLE1, 2: pickle.TUPLE2, 3: pickle.TUPLE3}
