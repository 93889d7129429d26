"""ember.utils.data in one process: datasets, samplers, collation and the single-process
DataLoader, compared with torch.utils.data on the same data and seeds."""
from __future__ import annotations

import collections
import re
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.utils.data as td  # noqa: E402
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import ember  # noqa: E402
import ember.utils.data as ed  # noqa: E402
from ember.utils.data.sampler import _randperm_list  # noqa: E402

Point = collections.namedtuple("Point", ["x", "y"])


# -- helpers ----------------------------------------------------------------------------------

def plain(value):
    """A structure with tensors replaced by (dtype name, values) so ember and torch results
    compare with ==, keeping container types (named tuples by field names)."""
    if isinstance(value, (ember.Tensor, torch.Tensor)):
        return ("tensor", str(value.dtype).split(".")[-1], tuple(value.shape), value.tolist())
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return ("namedtuple", value._fields, tuple(plain(v) for v in value))
    if isinstance(value, dict):
        return {key: plain(v) for key, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(plain(v) for v in value)
    return value


def both(fn_of_module):
    """Run ``fn_of_module(module, tensor_lib)`` for ember and torch; compare plainly."""
    ours = fn_of_module(ed, ember)
    theirs = fn_of_module(td, torch)
    assert plain(ours) == plain(theirs)
    return ours


def raises_like(call_ember, call_torch):
    """Both calls raise the same exception type with the same message."""
    with pytest.raises(Exception) as theirs:
        call_torch()
    with pytest.raises(type(theirs.value)) as ours:
        call_ember()
    assert str(ours.value) == str(theirs.value)


def same_error(ours, theirs, *args, **kwargs):
    """``ours(*args, **kwargs)`` raises what ``theirs(*args, **kwargs)`` raises."""
    raises_like(lambda: ours(*args, **kwargs), lambda: theirs(*args, **kwargs))


def generators(seed: int):
    return ember.Generator().manual_seed(seed), torch.Generator().manual_seed(seed)


class Squares:
    """A plain map-style dataset (any object with __getitem__/__len__ works)."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i):
        return i * i


def make_stream(module):
    class Stream(module.IterableDataset):
        def __init__(self, n: int) -> None:
            self.n = n

        def __iter__(self):
            return iter(range(self.n))

        def __len__(self) -> int:
            return self.n

    return Stream


# -- datasets ---------------------------------------------------------------------------------

def test_tensor_dataset_rows_and_length():
    def run(m, lib):
        data = m.TensorDataset(lib.arange(12.0).reshape(4, 3), lib.arange(4))
        return [len(data), data[1], data[-1], data[1:3]]
    both(run)


def test_tensor_dataset_size_mismatch():
    raises_like(lambda: ed.TensorDataset(ember.zeros(3), ember.zeros(4)),
                lambda: td.TensorDataset(torch.zeros(3), torch.zeros(4)))


def test_concat_dataset_indexing_and_add():
    def run(m, lib):
        a = m.TensorDataset(lib.arange(3))
        b = m.TensorDataset(lib.arange(10, 15))
        joined = a + b
        return [type(joined).__name__, len(joined), joined.cumulative_sizes,
                [joined[i] for i in range(-8, 8)]]
    both(run)
    raises_like(lambda: ed.ConcatDataset([]), lambda: td.ConcatDataset([]))
    raises_like(lambda: ed.ConcatDataset([Squares(3)])[-4],
                lambda: td.ConcatDataset([Squares(3)])[-4])
    raises_like(lambda: ed.ConcatDataset([make_stream(ed)(3)]),
                lambda: td.ConcatDataset([make_stream(td)(3)]))


def test_chain_dataset_and_iterable_add():
    def run(m, lib):
        stream = make_stream(m)
        chained = stream(3) + stream(2)
        return [type(chained).__name__, list(chained), len(chained)]
    both(run)
    raises_like(lambda: list(ed.ChainDataset([Squares(2)])),
                lambda: list(td.ChainDataset([Squares(2)])))
    raises_like(lambda: len(ed.ChainDataset([Squares(2)])),
                lambda: len(td.ChainDataset([Squares(2)])))


def test_stack_dataset_tuple_and_dict():
    def run(m, lib):
        by_position = m.StackDataset(Squares(4), m.TensorDataset(lib.arange(4)))
        by_name = m.StackDataset(sq=Squares(4), t=m.TensorDataset(lib.arange(4)))
        return [len(by_position), by_position[2], by_position.__getitems__([0, 3]),
                by_name[1], by_name.__getitems__([2, 1])]
    both(run)
    raises_like(lambda: ed.StackDataset(Squares(2), a=Squares(2)),
                lambda: td.StackDataset(Squares(2), a=Squares(2)))
    raises_like(lambda: ed.StackDataset(), lambda: td.StackDataset())
    raises_like(lambda: ed.StackDataset(Squares(2), Squares(3)),
                lambda: td.StackDataset(Squares(2), Squares(3)))


def test_subset_and_getitems():
    def run(m, lib):
        sub = m.Subset(m.TensorDataset(lib.arange(10) * 2), [7, 2, 5])
        nested = m.Subset(m.StackDataset(Squares(10)), [4, 1])
        return [len(sub), sub[0], sub[-1], sub.__getitems__([2, 0]), nested.__getitems__([1])]
    both(run)


def test_subset_subclass_overriding_only_getitem_is_refused():
    def define(m):
        class Shifted(m.Subset):
            def __getitem__(self, idx):
                return 0
        return Shifted
    raises_like(lambda: define(ed)(Squares(3), [0]), lambda: define(td)(Squares(3), [0]))


@pytest.mark.parametrize("lengths", [[3, 7], [5, 0, 5], [0.3, 0.7], [0.25, 0.25, 0.5],
                                     [0.1, 0.1, 0.1, 0.7], [1.0]])
@pytest.mark.parametrize("seed", [0, 42])
def test_random_split_matches_torch(lengths, seed):
    ours_g, theirs_g = generators(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = ed.random_split(range(10), lengths, generator=ours_g)
        theirs = td.random_split(range(10), lengths, generator=theirs_g)
    assert [list(s.indices) for s in ours] == [list(s.indices) for s in theirs]
    assert [list(s) for s in ours] == [list(s) for s in theirs]


def test_random_split_default_generator_and_errors():
    ember.manual_seed(5)
    torch.manual_seed(5)
    assert ([s.indices for s in ed.random_split(range(6), [2, 4])]
            == [s.indices for s in td.random_split(range(6), [2, 4])])
    raises_like(lambda: ed.random_split(range(6), [2, 3]),
                lambda: td.random_split(range(6), [2, 3]))
    raises_like(lambda: ed.random_split(range(6), [1.5, -0.5]),
                lambda: td.random_split(range(6), [1.5, -0.5]))
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        ed.random_split(range(3), [0.1, 0.1, 0.8])


def test_dataset_base_class_and_generic_subscription():
    with pytest.raises(NotImplementedError):
        ed.Dataset()[0]
    assert ed.Dataset[int] is not None and ed.Sampler[int] is not None
    assert isinstance(make_stream(ed)(1), ed.Dataset)


# -- samplers ---------------------------------------------------------------------------------

@pytest.mark.parametrize("n", [0, 1, 2, 3, 10, 257, 60000])
@pytest.mark.parametrize("seed", [0, 7, 2**40 + 3])
def test_randperm_list_matches_torch_randperm(n, seed):
    ours_g, theirs_g = generators(seed)
    assert _randperm_list(n, ours_g) == torch.randperm(n, generator=theirs_g).tolist()
    # The generators stay in step afterwards.  (For n < 2 nothing is drawn, but ember's
    # randperm marks a fresh generator as used, which shows in get_state's 'next' field.)
    if n >= 2:
        assert ours_g.get_state().tolist() == theirs_g.get_state().tolist()
    assert _randperm_list(9, ours_g) == torch.randperm(9, generator=theirs_g).tolist()


def test_sequential_and_batch_samplers():
    def run(m, lib):
        seq = m.SequentialSampler(range(7))
        return [list(seq), len(seq),
                list(m.BatchSampler(seq, 3, False)), len(m.BatchSampler(seq, 3, False)),
                list(m.BatchSampler(seq, 3, True)), len(m.BatchSampler(seq, 3, True)),
                list(m.BatchSampler(range(6), 2, True))]
    both(run)
    for bad in [(0, False), (2.0, False), (True, False), (2, 1)]:
        same_error(ed.BatchSampler, td.BatchSampler, range(3), *bad)


@pytest.mark.parametrize("replacement,num_samples", [(False, None), (False, 7), (False, 23),
                                                     (True, None), (True, 70), (True, 5)])
def test_random_sampler_with_generator_matches_torch(replacement, num_samples):
    ours_g, theirs_g = generators(3)
    ours = ed.RandomSampler(range(10), replacement, num_samples, generator=ours_g)
    theirs = td.RandomSampler(range(10), replacement, num_samples, generator=theirs_g)
    # Two epochs: the second continues the generator's stream.
    assert [list(ours), list(ours)] == [list(theirs), list(theirs)]
    assert len(ours) == len(theirs)


def test_random_sampler_without_generator_follows_the_global_seed():
    ember.manual_seed(11)
    torch.manual_seed(11)
    assert list(ed.RandomSampler(range(50))) == list(td.RandomSampler(range(50)))
    assert list(ed.RandomSampler(range(50), True)) == list(td.RandomSampler(range(50), True))


def test_random_sampler_argument_errors():
    for kwargs in [dict(replacement=1), dict(num_samples=0), dict(num_samples=2.5)]:
        same_error(ed.RandomSampler, td.RandomSampler, range(3), **kwargs)


def test_subset_random_sampler_matches_torch():
    ours_g, theirs_g = generators(9)
    indices = [5, 1, 9, 30, 2]
    ours = ed.SubsetRandomSampler(indices, generator=ours_g)
    theirs = td.SubsetRandomSampler(indices, generator=theirs_g)
    assert [list(ours), list(ours)] == [list(theirs), list(theirs)]
    assert len(ours) == 5


@pytest.mark.parametrize("replacement", [True, False])
def test_weighted_random_sampler_matches_torch(replacement):
    weights = [0.1, 0.9, 0.4, 0.7, 3.0, 0.6]
    ours_g, theirs_g = generators(4)
    ours = ed.WeightedRandomSampler(weights, 5, replacement, generator=ours_g)
    theirs = td.WeightedRandomSampler(weights, 5, replacement, generator=theirs_g)
    assert [list(ours), list(ours)] == [list(theirs), list(theirs)]
    assert len(ours) == 5 and ours.weights.dtype is ember.float64


def test_weighted_random_sampler_errors():
    for args in [([1.0], 0), ([1.0], True), ([1.0], 2, 1), ([[1.0, 2.0]], 2)]:
        same_error(ed.WeightedRandomSampler, td.WeightedRandomSampler, *args)


@pytest.mark.parametrize("size", [10, 11, 3])
@pytest.mark.parametrize("shuffle,drop_last", [(True, False), (False, False), (True, True),
                                               (False, True)])
def test_distributed_sampler_matches_torch(size, shuffle, drop_last):
    from torch.utils.data.distributed import DistributedSampler as TorchDistributed

    from ember.utils.data.distributed import DistributedSampler
    for rank in range(4):
        ours = DistributedSampler(range(size), 4, rank, shuffle, seed=3, drop_last=drop_last)
        theirs = TorchDistributed(range(size), 4, rank, shuffle, seed=3, drop_last=drop_last)
        epochs_ours, epochs_theirs = [], []
        for epoch in (0, 1):
            ours.set_epoch(epoch)
            theirs.set_epoch(epoch)
            epochs_ours.append(list(ours))
            epochs_theirs.append(list(theirs))
        assert epochs_ours == epochs_theirs
        assert (len(ours), ours.total_size) == (len(theirs), theirs.total_size)


def test_distributed_sampler_errors():
    from torch.utils.data.distributed import DistributedSampler as TorchDistributed

    from ember.utils.data.distributed import DistributedSampler
    raises_like(lambda: DistributedSampler(range(4), 2, 2), lambda: TorchDistributed(range(4), 2, 2))
    raises_like(lambda: DistributedSampler(range(4), 2, -1),
                lambda: TorchDistributed(range(4), 2, -1))
    with pytest.raises(RuntimeError, match="Requires distributed package to be available"):
        DistributedSampler(range(4))


# -- collation --------------------------------------------------------------------------------

def _samples(lib):
    return [
        {"image": lib.full((2, 2), float(i)), "label": i, "name": f"s{i}",
         "meta": (i * 0.5, Point(np.int32(i), np.float32(i / 4))), "raw": b"x",
         "array": np.arange(3, dtype=np.int16) + i, "flags": [True, i % 2 == 0],
         "scalar": np.array(i * 1.5)}
        for i in range(3)]


def test_default_collate_nested_structures_match_torch():
    def run(m, lib):
        return m.default_collate(_samples(lib))
    batch = both(run)
    assert batch["image"].is_contiguous() and not batch["image"].is_shared()


@pytest.mark.parametrize("batch", [
    [1, 2, 3], [1.5, 2.0], [True, False], ["a", "b"], [b"a", b"b"],
    [np.float32(1.5), np.float32(2)], [np.int64(3)], [np.bool_(True)],
    [np.zeros((2, 3), np.float64), np.ones((2, 3), np.float64)],
    [np.array(1.5), np.array(2.0)],
    [(1, "a"), (2, "b")], [[1, 2.0], [3, 4.0]], [Point(1, 2.0), Point(3, 4.0)],
    [{"a": {"b": 1}}, {"a": {"b": 2}}],
])
def test_default_collate_leaves_match_torch(batch):
    assert plain(ed.default_collate(batch)) == plain(td.default_collate(batch))


@given(shape=st.lists(st.integers(0, 3), max_size=3),
       dtype=st.sampled_from(["float32", "float64", "int64", "uint8", "bool", "int32"]),
       count=st.integers(1, 4))
def test_default_collate_stacks_tensors_like_torch(shape, dtype, count):
    rng = np.random.default_rng(len(shape) * 10 + count)
    arrays = [np.asarray(rng.standard_normal(shape) * 5).astype(dtype) for _ in range(count)]
    ours = ed.default_collate([ember.from_numpy(a) for a in arrays])
    theirs = td.default_collate([torch.from_numpy(a) for a in arrays])
    assert plain(ours) == plain(theirs)
    assert ours.stride() == theirs.stride()


def test_default_collate_mixed_dtypes_and_grad_follow_stack():
    ours = ed.default_collate([ember.zeros(2, dtype=ember.int32), ember.ones(2)])
    theirs = td.default_collate([torch.zeros(2, dtype=torch.int32), torch.ones(2)])
    assert plain(ours) == plain(theirs)
    leaf = ember.ones(2, requires_grad=True)
    stacked = ed.default_collate([leaf, leaf * 2])
    assert type(stacked.grad_fn).__name__ == "StackBackward0"


def test_default_collate_errors_match_torch():
    cases = [
        lambda lib: [lib.zeros(3), lib.zeros(4)],
        lambda lib: [np.zeros(3), np.zeros(4)],
        lambda lib: [[1, 2], [1]],
        lambda lib: [object()],
        lambda lib: [np.array(["a"])],
        lambda lib: [{"a": lib.zeros(1)}, {"a": lib.zeros(2)}],
    ]
    for make in cases:
        with pytest.raises(Exception) as theirs:
            td.default_collate(make(torch))
        with pytest.raises(type(theirs.value), match=re.escape(str(theirs.value))):
            ed.default_collate(make(ember))


def test_default_convert_matches_torch():
    data = {"a": np.arange(3), "b": (np.float32(2.5), [np.ones(2), "s"]),
            "c": Point(np.int8(1), 2), "d": np.array(["x"]), "e": b"raw"}
    assert plain(ed.default_convert(data)) == plain(td.default_convert(data))
    t = ember.ones(2)
    assert ed.default_convert(t) is t


def test_collate_with_custom_map_and_utils_alias():
    from ember.utils.data._utils.collate import collate, default_collate_fn_map
    custom = dict(default_collate_fn_map)
    custom[str] = lambda batch, *, collate_fn_map=None: "".join(batch)
    assert collate([("a", 1), ("b", 2)], collate_fn_map=custom)[0] == "ab"


# -- DataLoader in one process ----------------------------------------------------------------

def _tensor_sets():
    features = np.arange(40, dtype=np.float32).reshape(20, 2)
    labels = np.arange(20) % 3
    return (ed.TensorDataset(ember.from_numpy(features), ember.from_numpy(labels)),
            td.TensorDataset(torch.from_numpy(features), torch.from_numpy(labels)))


@pytest.mark.parametrize("kwargs", [
    dict(batch_size=4), dict(batch_size=3, drop_last=True), dict(batch_size=None),
    dict(batch_size=6, shuffle=True), dict(batch_size=1, shuffle=True, drop_last=True),
])
def test_loader_batches_match_torch(kwargs):
    ours_set, theirs_set = _tensor_sets()
    ours_g, theirs_g = generators(21)
    ours = ed.DataLoader(ours_set, generator=ours_g, **kwargs)
    theirs = td.DataLoader(theirs_set, generator=theirs_g, **kwargs)
    for _ in range(2):  # two epochs: reshuffled identically
        assert plain(list(ours)) == plain(list(theirs))
    assert len(ours) == len(theirs)


def test_loader_global_seed_shuffle_matches_torch():
    ours_set, theirs_set = _tensor_sets()
    ember.manual_seed(8)
    torch.manual_seed(8)
    ours = plain(list(ed.DataLoader(ours_set, batch_size=5, shuffle=True)))
    assert ours == plain(list(td.DataLoader(theirs_set, batch_size=5, shuffle=True)))


def test_loader_with_samplers_and_collate_fn():
    def run(m, lib):
        data = Squares(10)
        batches = m.BatchSampler(m.SequentialSampler(data), 4, False)
        return [list(m.DataLoader(data, sampler=[3, 1, 2], batch_size=2)),
                list(m.DataLoader(data, batch_sampler=batches)),
                list(m.DataLoader(data, batch_size=3, collate_fn=sum)),
                list(m.DataLoader(data, batch_size=None, sampler=[4, 5]))]
    both(run)


def test_loader_iterable_dataset_and_length():
    def run(m, lib):
        stream = make_stream(m)(7)
        loader = m.DataLoader(stream, batch_size=3)
        return [list(loader), len(loader), len(m.DataLoader(stream, batch_size=3, drop_last=True)),
                list(m.DataLoader(stream, batch_size=None))]
    both(run)


def test_loader_warns_when_an_iterable_dataset_outruns_its_length():
    class Liar(ed.IterableDataset):
        def __iter__(self):
            return iter(range(5))

        def __len__(self):
            return 2

    loader = ed.DataLoader(Liar(), batch_size=None)
    assert len(loader) == 2
    with pytest.warns(UserWarning, match="was reported to be 2"):
        list(loader)


@pytest.mark.parametrize("kwargs", [
    dict(num_workers=-1), dict(timeout=-1), dict(prefetch_factor=2),
    dict(num_workers=1, prefetch_factor=-1), dict(persistent_workers=True),
    dict(shuffle=True, sampler=[0, 1]), dict(batch_sampler=[[0]], batch_size=2),
    dict(batch_sampler=[[0]], shuffle=True), dict(batch_sampler=[[0]], drop_last=True),
    dict(batch_size=None, drop_last=True), dict(multiprocessing_context="fork"),
    dict(num_workers=1, multiprocessing_context="nonsense"),
    dict(num_workers=1, multiprocessing_context=3),
])
def test_loader_argument_errors_match_torch(kwargs):
    raises_like(lambda: ed.DataLoader(Squares(4), **kwargs),
                lambda: td.DataLoader(Squares(4), **kwargs))


@pytest.mark.parametrize("kwargs", [dict(shuffle=True), dict(sampler=[0]),
                                    dict(batch_sampler=[[0]])])
def test_loader_iterable_dataset_refuses_orderings(kwargs):
    raises_like(lambda: ed.DataLoader(make_stream(ed)(3), **kwargs),
                lambda: td.DataLoader(make_stream(td)(3), **kwargs))


def test_loader_attributes_are_frozen_and_pin_memory_warns():
    loader = ed.DataLoader(Squares(4), batch_size=2)
    raises_like(lambda: setattr(loader, "batch_size", 3),
                lambda: setattr(td.DataLoader(Squares(4), batch_size=2), "batch_size", 3))
    loader.num_workers = 0  # other attributes may change
    with pytest.warns(UserWarning, match="no accelerator is found"):
        assert list(ed.DataLoader(Squares(3), pin_memory=True)) == [ember.tensor([0]),
                                                                   ember.tensor([1]),
                                                                   ember.tensor([4])]
    assert ed.get_worker_info() is None


def test_loader_draws_the_worker_base_seed_like_torch():
    # Even without workers an iterator draws the base seed from the loader's generator, so
    # the generator's stream advances exactly as PyTorch's does.
    ours_g, theirs_g = generators(2)
    iter(ed.DataLoader(Squares(5), generator=ours_g))
    iter(td.DataLoader(Squares(5), generator=theirs_g))
    assert ours_g.get_state().tolist() == theirs_g.get_state().tolist()


def test_too_many_workers_warn():
    import os
    cpus = len(os.sched_getaffinity(0))
    with pytest.warns(UserWarning, match=f"This DataLoader will create {cpus + 1} worker"):
        ed.DataLoader(Squares(4), num_workers=cpus + 1)
