"""LazyModuleMixin: layers whose parameter shapes come from their first input."""
from __future__ import annotations

from ..parameter import is_lazy

__all__: list[str] = []


class LazyModuleMixin:
    """Mixin for a layer created with UninitializedParameters (e.g. LazyLinear).

    The first call runs ``initialize_parameters(*args)`` (which materializes and initializes
    them) before ``forward``; afterwards the module turns into ``cls_to_become`` (e.g. Linear).
    Loading a state_dict before the first call takes the shapes from the checkpoint.
    """

    cls_to_become = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._load_hook = self._register_load_state_dict_pre_hook(self._lazy_load_hook)
        self._initialize_hook = self.register_forward_pre_hook(_infer_parameters,
                                                               with_kwargs=True)

    def _save_to_state_dict(self, destination, prefix, keep_vars) -> None:
        # Placeholders are saved as themselves so a lazy checkpoint loads into a lazy module.
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if keep_vars or is_lazy(param) \
                    else param.detach()
        for name, buffer in self._buffers.items():
            if buffer is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = buffer if keep_vars or is_lazy(buffer) \
                    else buffer.detach()

    def _lazy_load_hook(self, state_dict, prefix, local_metadata, strict, missing_keys,
                        unexpected_keys, error_msgs) -> None:
        for name, param in list(self._parameters.items()) + list(self._buffers.items()):
            key = prefix + name
            if key in state_dict and param is not None and is_lazy(param):
                source = state_dict[key]
                if not is_lazy(source):
                    param.materialize(source.shape)

    def initialize_parameters(self, *args, **kwargs) -> None:
        """Give the placeholders their shapes from the first input; defined by each layer."""
        raise NotImplementedError(f"initialize_parameters is not implemented for "
                                  f"{self.__class__.__name__}")

    def has_uninitialized_params(self) -> bool:
        """Whether any parameter or buffer is still a placeholder."""
        values = list(self._parameters.values()) + list(self._buffers.values())
        return any(is_lazy(v) for v in values if v is not None)

    def _replicate_for_data_parallel(self):
        raise RuntimeError("Modules with uninitialized parameters can't be used with "
                           "`DataParallel`. Run a dummy forward pass to correctly initialize "
                           "the modules")


def _infer_parameters(module, args, kwargs):
    module.initialize_parameters(*args, **kwargs)
    if module.has_uninitialized_params():
        raise RuntimeError(f"module {module._get_name()} has not been fully initialized")
    module._initialize_hook.remove()
    module._load_hook.remove()
    delattr(module, "_initialize_hook")
    delattr(module, "_load_hook")
    if module.cls_to_become is not None:
        module.__class__ = module.cls_to_become
    return None
