"""ember.vision.datasets on small files written here in each real format; downloads mocked."""
from __future__ import annotations

import gzip
import hashlib
import io
import os
import pickle
import tarfile
import urllib.error
import urllib.request
import zipfile

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import ember  # noqa: E402
from _vision_oracle import torchvision  # noqa: E402
from ember.vision import datasets  # noqa: E402
from ember.vision import transforms as T  # noqa: E402
from ember.vision.datasets import cifar, mnist, utils  # noqa: E402
from ember.vision.datasets import folder as folder_module  # noqa: E402


def pil():
    return pytest.importorskip("PIL.Image")


# -- IDX (MNIST) --------------------------------------------------------------------------------

IDX_CODES = {np.dtype(np.uint8): 8, np.dtype(np.int8): 9, np.dtype(np.int16): 11,
             np.dtype(np.int32): 12, np.dtype(np.float32): 13, np.dtype(np.float64): 14}


def idx_bytes(array: np.ndarray) -> bytes:
    """An IDX file: 0, 0, type code, ndim, big-endian int32 dims, big-endian data."""
    header = bytes([0, 0, IDX_CODES[array.dtype], array.ndim])
    dims = np.array(array.shape, dtype=">i4").tobytes()
    return header + dims + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write_mnist(root, name="MNIST", count=5, compress=False, prefix=("train", "t10k"), seed=0):
    raw = os.path.join(root, name, "raw")
    os.makedirs(raw, exist_ok=True)
    rng = np.random.default_rng(seed)
    written = {}
    for split in prefix:
        images = rng.integers(0, 256, (count, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, count, dtype=np.uint8)
        for kind, array in (("images-idx3-ubyte", images), ("labels-idx1-ubyte", labels)):
            path = os.path.join(raw, f"{split}-{kind}")
            data = idx_bytes(array)
            if compress:
                path += ".gz"
                data = gzip.compress(data)
            with open(path, "wb") as handle:
                handle.write(data)
        written[split] = (images, labels)
    return written


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
def test_read_idx_every_type(tmp_path, dtype):
    array = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    path = tmp_path / "x-idx3"
    path.write_bytes(idx_bytes(array))
    got = mnist.read_sn3_pascalvincent_tensor(str(path))
    assert got.numpy().dtype == np.dtype(dtype) and got.shape == (2, 3, 4)
    np.testing.assert_array_equal(got.numpy(), array)


def test_read_idx_errors(tmp_path):
    path = tmp_path / "bad"
    path.write_bytes(b"\x01\x02\x08\x01" + b"\x00" * 8)
    with pytest.raises(ValueError, match="magic"):
        mnist.read_sn3_pascalvincent_tensor(str(path))
    short = idx_bytes(np.zeros((4, 2), np.uint8))[:-3]
    path.write_bytes(short)
    with pytest.raises(ValueError, match="announces 8 values"):
        mnist.read_sn3_pascalvincent_tensor(str(path))
    path.write_bytes(idx_bytes(np.zeros(4, np.int16)))
    with pytest.raises(TypeError, match="dtype torch.uint8"):
        mnist.read_label_file(str(path))


@pytest.mark.parametrize("compress", [False, True])
def test_mnist_reads_raw_and_gz(tmp_path, compress):
    written = write_mnist(tmp_path, compress=compress)
    train = datasets.MNIST(str(tmp_path))
    assert len(train) == 5
    assert train.data.dtype == ember.uint8 and train.data.shape == (5, 28, 28)
    assert train.targets.dtype == ember.int64
    np.testing.assert_array_equal(train.data.numpy(), written["train"][0])
    np.testing.assert_array_equal(train.targets.numpy(), written["train"][1])
    test = datasets.MNIST(tmp_path, train=False, transform=T.PILToTensor(),
                          target_transform=lambda y: y * 10)
    image, target = test[2]
    np.testing.assert_array_equal(image.numpy()[0], written["t10k"][0][2])
    assert target == 10 * int(written["t10k"][1][2])
    assert test.class_to_idx["3 - three"] == 3
    assert repr(test) == (
        "Dataset MNIST\n    Number of datapoints: 5\n    Root location: " + str(tmp_path)
        + "\n    Split: Test\n    StandardTransform\nTransform: PILToTensor()\n"
          "Target transform: " + repr(test.target_transform))


def test_mnist_sample_is_pil_image(tmp_path):
    Image = pil()
    written = write_mnist(tmp_path)
    image, target = datasets.MNIST(tmp_path)[0]
    assert isinstance(image, Image.Image) and image.mode == "L" and isinstance(target, int)
    np.testing.assert_array_equal(np.asarray(image), written["train"][0][0])


def test_mnist_variants_use_their_folders(tmp_path):
    write_mnist(tmp_path, "FashionMNIST")
    write_mnist(tmp_path, "KMNIST")
    assert datasets.FashionMNIST(tmp_path).classes[-1] == "Ankle boot"
    assert datasets.KMNIST(tmp_path).raw_folder == os.path.join(str(tmp_path), "KMNIST", "raw")
    with pytest.raises(RuntimeError, match="Dataset not found"):
        datasets.MNIST(tmp_path)


def test_emnist_split_files(tmp_path):
    write_mnist(tmp_path, "EMNIST", prefix=("emnist-letters-train", "emnist-letters-test"))
    letters = datasets.EMNIST(tmp_path, split="letters", train=False)
    assert len(letters) == 5 and letters.classes[:3] == ["N/A", "a", "b"]
    assert len(datasets.EMNIST.classes_split_dict["balanced"]) == 47
    with pytest.raises(ValueError, match="Unknown value 'nope' for argument split"):
        datasets.EMNIST(tmp_path, split="nope")


def test_mnist_matches_torchvision(tmp_path):
    tv = torchvision()
    write_mnist(tmp_path, compress=False)
    ours = datasets.MNIST(tmp_path, transform=T.ToTensor())
    theirs = tv.datasets.MNIST(str(tmp_path), transform=tv.transforms.ToTensor())
    np.testing.assert_array_equal(ours.data.numpy(), theirs.data.numpy())
    np.testing.assert_array_equal(ours[3][0].numpy(), theirs[3][0].numpy())
    assert repr(ours) == repr(theirs)


# -- CIFAR ----------------------------------------------------------------------------------------

def write_cifar(root, hundred=False, count=4, protocol=2, seed=0):
    rng = np.random.default_rng(seed)
    base = os.path.join(root, "cifar-100-python" if hundred else "cifar-10-batches-py")
    os.makedirs(base, exist_ok=True)
    names = ["train", "test"] if hundred else [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    contents = {}
    for name in names:
        data = rng.integers(0, 256, (count, 3072), dtype=np.uint8)
        labels = rng.integers(0, 100 if hundred else 10, count).tolist()
        entry = {"batch_label": "batch", "data": data, "filenames": [b"a.png"] * count}
        entry["fine_labels" if hundred else "labels"] = labels
        if hundred:
            entry["coarse_labels"] = [0] * count
        with open(os.path.join(base, name), "wb") as handle:
            pickle.dump(entry, handle, protocol=protocol)
        contents[name] = (data, labels)
    meta_name, key = ("meta", "fine_label_names") if hundred else ("batches.meta", "label_names")
    class_names = [f"class{i}" for i in range(100 if hundred else 10)]
    with open(os.path.join(base, meta_name), "wb") as handle:
        pickle.dump({key: class_names, "num_vis": 3072}, handle, protocol=protocol)

    def md5(name):
        with open(os.path.join(base, name), "rb") as handle:
            return hashlib.md5(handle.read()).hexdigest()

    # The real file lists carry the real checksums; point a subclass at these files instead.
    parent = datasets.CIFAR100 if hundred else datasets.CIFAR10
    attributes = {"train_list": [[n, md5(n)] for n in names[:-1]],
                  "test_list": [[names[-1], md5(names[-1])]],
                  "meta": {"filename": meta_name, "key": key, "md5": md5(meta_name)}}
    return type(parent.__name__, (parent,), attributes), contents, class_names


@pytest.mark.parametrize("protocol", [2, pickle.HIGHEST_PROTOCOL])
def test_cifar10_batches(tmp_path, protocol):
    cls, contents, class_names = write_cifar(tmp_path, protocol=protocol)
    train = cls(str(tmp_path))
    assert len(train) == 20 and train.data.shape == (20, 32, 32, 3)
    assert train.data.dtype == np.uint8 and isinstance(train.targets, list)
    first = contents["data_batch_1"][0][0]
    # Each row is 1024 red values, then green, then blue.
    np.testing.assert_array_equal(train.data[0, :, :, 1], first[1024:2048].reshape(32, 32))
    assert train.targets[:4] == contents["data_batch_1"][1]
    assert train.classes == class_names and train.class_to_idx["class7"] == 7
    test = cls(tmp_path, train=False, transform=T.PILToTensor())
    image, label = test[1]
    np.testing.assert_array_equal(image.numpy(), contents["test_batch"][0][1].reshape(3, 32, 32))
    assert label == contents["test_batch"][1][1]
    assert "Split: Test" in repr(test)


def test_cifar100_fine_labels(tmp_path):
    cls, contents, _ = write_cifar(tmp_path, hundred=True)
    data = cls(tmp_path, train=False)
    assert data.targets == contents["test"][1] and len(data.classes) == 100


def test_cifar_missing_or_corrupt(tmp_path):
    with pytest.raises(RuntimeError, match="Dataset not found or corrupted"):
        datasets.CIFAR10(tmp_path)
    cls, _, _ = write_cifar(tmp_path)
    with open(os.path.join(tmp_path, "cifar-10-batches-py", "data_batch_2"), "ab") as handle:
        handle.write(b"x")
    with pytest.raises(RuntimeError, match="corrupted"):
        cls(tmp_path)


class _Exploit:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_cifar_unpickler_refuses_code(tmp_path):
    path = tmp_path / "evil"
    path.write_bytes(pickle.dumps({"data": _Exploit()}, protocol=2))
    with pytest.raises(pickle.UnpicklingError, match="refusing to load"):
        cifar.safe_unpickle(str(path))
    safe = tmp_path / "ok"
    safe.write_bytes(pickle.dumps({"data": np.arange(6, dtype=np.uint8).reshape(2, 3)}, protocol=2))
    np.testing.assert_array_equal(cifar.safe_unpickle(str(safe))["data"], [[0, 1, 2], [3, 4, 5]])


def test_cifar_matches_torchvision(tmp_path):
    tv = torchvision()
    cls, _, _ = write_cifar(tmp_path)
    tv_cls = type("CIFAR10", (tv.datasets.CIFAR10,),
                  {"train_list": cls.train_list, "test_list": cls.test_list, "meta": cls.meta})
    ours, theirs = cls(tmp_path), tv_cls(str(tmp_path))
    np.testing.assert_array_equal(ours.data, theirs.data)
    assert ours.targets == theirs.targets and repr(ours) == repr(theirs)


# -- image folders ------------------------------------------------------------------------------

def make_image_tree(root):
    Image = pil()
    layout = {"cat": ["b.png", "a.jpg", "sub/c.png"], "dog": ["x.bmp"], "empty": []}
    for class_name, files in layout.items():
        os.makedirs(os.path.join(root, class_name), exist_ok=True)
        for i, name in enumerate(files):
            path = os.path.join(root, class_name, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            Image.fromarray(np.full((4, 5, 3), 10 * i, np.uint8)).save(path)
    with open(os.path.join(root, "cat", "notes.txt"), "w") as handle:
        handle.write("not an image")
    return layout


def test_image_folder(tmp_path):
    Image = pil()
    make_image_tree(tmp_path)
    with pytest.raises(FileNotFoundError, match="Found no valid file for the classes empty"):
        datasets.ImageFolder(str(tmp_path))
    dataset = datasets.ImageFolder(str(tmp_path), allow_empty=True)
    assert dataset.classes == ["cat", "dog", "empty"]
    assert dataset.class_to_idx == {"cat": 0, "dog": 1, "empty": 2}
    names = [os.path.relpath(path, tmp_path) for path, _ in dataset.samples]
    assert names == ["cat/a.jpg", "cat/b.png", "cat/sub/c.png", "dog/x.bmp"]
    assert dataset.targets == [0, 0, 0, 1] and dataset.imgs is dataset.samples
    image, target = dataset[3]
    assert isinstance(image, Image.Image) and image.mode == "RGB" and target == 1
    only_png = datasets.ImageFolder(str(tmp_path), is_valid_file=lambda p: p.endswith(".png"),
                                    allow_empty=True)
    assert len(only_png) == 2
    tensors = datasets.ImageFolder(str(tmp_path), transform=T.PILToTensor(), allow_empty=True)
    assert list(tensors[0][0].shape) == [3, 4, 5]


def test_dataset_folder_helpers(tmp_path):
    make_image_tree(tmp_path)
    classes, mapping = folder_module.find_classes(str(tmp_path))
    assert classes == ["cat", "dog", "empty"]
    samples = folder_module.make_dataset(str(tmp_path), {"dog": 5}, extensions=(".bmp",))
    assert samples == [(os.path.join(str(tmp_path), "dog", "x.bmp"), 5)]
    with pytest.raises(ValueError, match="Both extensions and is_valid_file"):
        folder_module.make_dataset(str(tmp_path), mapping)
    with pytest.raises(ValueError, match="must have at least one entry"):
        folder_module.make_dataset(str(tmp_path), {}, extensions=".png")
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder"):
        folder_module.find_classes(str(tmp_path / "cat" / "sub"))
    assert folder_module.has_file_allowed_extension("A.PNG", ".png")
    assert folder_module.is_image_file("x.webp") and not folder_module.is_image_file("x.txt")
    assert ".jpeg" in folder_module.IMG_EXTENSIONS
    texts = datasets.DatasetFolder(str(tmp_path), loader=lambda p: open(p).read(),
                                   extensions=(".txt",), allow_empty=True)
    assert texts[0] == ("not an image", 0) and len(texts) == 1


def test_image_folder_matches_torchvision(tmp_path):
    tv = torchvision()
    make_image_tree(tmp_path)
    ours = datasets.ImageFolder(str(tmp_path), allow_empty=True, transform=T.ToTensor())
    theirs = tv.datasets.ImageFolder(str(tmp_path), allow_empty=True,
                                     transform=tv.transforms.ToTensor())
    assert ours.samples == theirs.samples and ours.classes == theirs.classes
    np.testing.assert_array_equal(ours[1][0].numpy(), theirs[1][0].numpy())
    assert repr(ours) == repr(theirs)


# -- FakeData -----------------------------------------------------------------------------------

def test_fake_data_deterministic_like_torch():
    pil()
    fake = datasets.FakeData(size=3, image_size=(3, 6, 7), num_classes=4,
                             transform=T.PILToTensor(), random_offset=2)
    ember.manual_seed(99)
    before = ember.rand(1).item()
    ember.manual_seed(99)
    image, target = fake[1]
    assert ember.rand(1).item() == before  # the global stream is left untouched
    torch.manual_seed(1 + 2)
    expected = torch.randn(3, 6, 7)
    expected_target = torch.randint(0, 4, size=(1,))[0].item()
    pixels = (expected.numpy().transpose(1, 2, 0) * 255).astype(np.uint8).transpose(2, 0, 1)
    np.testing.assert_array_equal(image.numpy(), pixels)
    assert target == expected_target and len(fake) == 3
    with pytest.raises(IndexError, match="FakeData index out of range"):
        fake[3]
    assert repr(fake).startswith("Dataset FakeData\n    Number of datapoints: 3\n")


# -- downloads ------------------------------------------------------------------------------------

class FakeResponse:
    """A urlopen response serving ``payload``; optionally failing after ``fail_after`` bytes."""

    def __init__(self, payload: bytes, fail_after=None):
        self.stream = io.BytesIO(payload)
        self.length = len(payload)
        self.fail_after = fail_after

    def read(self, size=-1):
        if self.fail_after is not None and self.stream.tell() >= self.fail_after:
            raise ConnectionResetError("connection reset by peer")
        return self.stream.read(size if self.fail_after is None else min(size, 7))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def leftovers(folder) -> list[str]:
    found = []
    for root, _, files in os.walk(folder):
        found += [os.path.relpath(os.path.join(root, f), folder) for f in files]
    return sorted(found)


def test_download_unreachable_says_which_files_go_where(tmp_path, monkeypatch, capsys):
    calls = []

    def unreachable(request, *args, **kwargs):
        calls.append(request.full_url)
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(urllib.request, "urlopen", unreachable)
    with pytest.raises(RuntimeError) as info:
        datasets.MNIST(str(tmp_path), download=True)
    message = str(info.value)
    raw = os.path.join(str(tmp_path), "MNIST", "raw")
    assert "Could not download the MNIST dataset" in message
    assert os.path.join(raw, "train-images-idx3-ubyte.gz") in message
    assert "https://ossci-datasets.s3.amazonaws.com/mnist/t10k-labels-idx1-ubyte.gz" in message
    assert "name resolution" in message
    assert calls == [m + "train-images-idx3-ubyte.gz" for m in datasets.MNIST.mirrors]
    assert leftovers(tmp_path) == []
    with pytest.raises(RuntimeError, match=r"cifar-10-python\.tar\.gz"):
        datasets.CIFAR10(str(tmp_path), download=True)
    assert leftovers(tmp_path) == []


def test_download_failing_mid_stream_leaves_nothing(tmp_path, monkeypatch):
    payload = b"x" * 100
    monkeypatch.setattr(urllib.request, "urlopen",
                        lambda request, *a, **k: FakeResponse(payload, fail_after=40))
    with pytest.raises(ConnectionResetError):
        utils.download_url("https://example.invalid/data.bin", str(tmp_path))
    assert leftovers(tmp_path) == []
    # A connection that closes early without an error is caught by the length check.
    short = FakeResponse(payload)
    short.length = 200
    monkeypatch.setattr(urllib.request, "urlopen", lambda request, *a, **k: short)
    with pytest.raises(urllib.error.URLError, match="closed after 100 of 200 bytes"):
        utils.download_url("https://example.invalid/data.bin", str(tmp_path))
    assert leftovers(tmp_path) == []


def test_download_checks_md5_and_writes_atomically(tmp_path, monkeypatch, capsys):
    payload = b"some dataset bytes" * 100
    monkeypatch.setattr(urllib.request, "urlopen", lambda request, *a, **k: FakeResponse(payload))
    with pytest.raises(RuntimeError, match="corrupted"):
        utils.download_url("https://example.invalid/f.bin", str(tmp_path), md5="0" * 32)
    assert leftovers(tmp_path) == []
    good = hashlib.md5(payload).hexdigest()
    utils.download_url("https://example.invalid/f.bin", str(tmp_path), "g.bin", md5=good)
    assert (tmp_path / "g.bin").read_bytes() == payload
    assert "Downloading https://example.invalid/f.bin" in capsys.readouterr().err
    assert utils.check_integrity(str(tmp_path / "g.bin"), good)
    assert not utils.check_integrity(str(tmp_path / "g.bin"), "1" * 32)
    assert not utils.check_integrity(str(tmp_path / "missing"))


def test_mnist_download_end_to_end(tmp_path, monkeypatch):
    source = tmp_path / "server"
    written = write_mnist(source, compress=True)
    files = {name: (source / "MNIST" / "raw" / name).read_bytes()
             for name, _ in datasets.MNIST.resources}
    resources = [(name, hashlib.md5(data).hexdigest()) for name, data in files.items()]
    served = []

    def serve(request, *args, **kwargs):
        served.append(request.full_url)
        return FakeResponse(files[request.full_url.rsplit("/", 1)[1]])

    monkeypatch.setattr(urllib.request, "urlopen", serve)
    monkeypatch.setattr(datasets.MNIST, "resources", resources)
    root = tmp_path / "data"
    dataset = datasets.MNIST(str(root), download=True)
    np.testing.assert_array_equal(dataset.targets.numpy(), written["train"][1])
    assert len(served) == 4
    raw = sorted(os.listdir(root / "MNIST" / "raw"))
    assert "train-images-idx3-ubyte" in raw and "train-images-idx3-ubyte.gz" in raw
    assert not [name for name in raw if name.endswith(".part")]
    datasets.MNIST(str(root), download=True)  # already there: nothing fetched again
    assert len(served) == 4


def test_extract_archive_kinds_and_traversal(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("hello")
    tar_path = tmp_path / "pack.tar.gz"
    with tarfile.open(tar_path, "w:gz") as tar:
        tar.add(tmp_path / "in" / "a.txt", arcname="folder/a.txt")
    out = utils.extract_archive(str(tar_path), str(tmp_path / "out"))
    assert (tmp_path / "out" / "folder" / "a.txt").read_text() == "hello" and isinstance(out, str)
    zip_path = tmp_path / "pack.zip"
    with zipfile.ZipFile(zip_path, "w") as archive:
        archive.writestr("z/b.txt", "zipped")
    utils.extract_archive(zip_path, tmp_path / "zout")
    assert (tmp_path / "zout" / "z" / "b.txt").read_text() == "zipped"
    gz_path = tmp_path / "single.bin.gz"
    gz_path.write_bytes(gzip.compress(b"payload"))
    result = utils.extract_archive(gz_path, remove_finished=True)
    assert result == tmp_path / "single.bin" and result.read_bytes() == b"payload"
    assert not gz_path.exists()
    evil = tmp_path / "evil.tar"
    with tarfile.open(evil, "w") as tar:
        tar.add(tmp_path / "in" / "a.txt", arcname="../escaped.txt")
    with pytest.raises(RuntimeError, match="outside"):
        utils.extract_archive(str(evil), str(tmp_path / "safe"))
    assert not (tmp_path / "escaped.txt").exists()
    with pytest.raises(RuntimeError, match="Unknown compression or archive type"):
        utils.extract_archive(str(tmp_path / "file.rar"))


def test_verify_str_arg_and_listing(tmp_path):
    assert utils.verify_str_arg("a", "x", ("a", "b")) == "a"
    with pytest.raises(ValueError, match="Expected type str for argument x"):
        utils.verify_str_arg(3, "x")
    (tmp_path / "d").mkdir()
    (tmp_path / "f.txt").write_text("")
    assert utils.list_dir(str(tmp_path)) == ["d"]
    assert utils.list_files(str(tmp_path), ".txt", prefix=True) == [str(tmp_path / "f.txt")]


def test_vision_dataset_transforms_rules():
    with pytest.raises(ValueError, match="Only transforms or transform/target_transform"):
        datasets.VisionDataset("x", transforms=lambda a, b: (a, b), transform=abs)
    joint = datasets.StandardTransform(T.ToTensor(), None)
    assert repr(joint) == "StandardTransform\nTransform: ToTensor()"
    assert datasets.StandardTransform(lambda x: x + 1, lambda y: y * 2)(3, 4) == (4, 8)
