"""MNIST and its relatives (Fashion-MNIST, KMNIST, EMNIST) from IDX files.

Files live where torchvision puts them: ``root/<ClassName>/raw/<name>-idx3-ubyte`` (images) and
``...-idx1-ubyte`` (labels), either unpacked or as the ``.gz`` files they are distributed as.
"""
from __future__ import annotations

import gzip
import os
import shutil
import string
import warnings
from typing import Any, Callable, Optional

import numpy as np

import ember

from ..._tensor import Tensor
from .._pil import image_from_array
from .utils import (DownloadError, _download_errors, check_integrity,
                    download_and_extract_archive, extract_archive, missing_files_message,
                    verify_str_arg)
from .vision import VisionDataset

__all__ = ["MNIST", "FashionMNIST", "KMNIST", "EMNIST", "read_sn3_pascalvincent_tensor",
           "read_image_file", "read_label_file"]

# IDX type codes and the big-endian NumPy type each stores.
SN3_PASCALVINCENT_TYPEMAP = {8: np.dtype(np.uint8), 9: np.dtype(np.int8), 11: np.dtype(">i2"),
                             12: np.dtype(">i4"), 13: np.dtype(">f4"), 14: np.dtype(">f8")}


def _read_bytes(path: str) -> bytes:
    """The file's bytes; ``path.gz`` is read (decompressed) when ``path`` itself is absent."""
    if path.endswith(".gz"):
        with gzip.open(path, "rb") as handle:
            return handle.read()
    if not os.path.exists(path) and os.path.exists(path + ".gz"):
        return _read_bytes(path + ".gz")
    with open(path, "rb") as handle:
        return handle.read()


def read_sn3_pascalvincent_tensor(path: str, strict: bool = True) -> Tensor:
    """Read an IDX file (the format of the MNIST files) as a tensor of its stored type."""
    data = _read_bytes(os.fspath(path))
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise ValueError(f"{path} is not an IDX file (its magic number is wrong)")
    type_code, ndim = data[2], data[3]
    if not 1 <= ndim <= 3 or type_code not in SN3_PASCALVINCENT_TYPEMAP:
        raise ValueError(f"{path}: unsupported IDX header (type {type_code}, {ndim} dimensions)")
    shape = tuple(int(d) for d in np.frombuffer(data, dtype=">i4", count=ndim, offset=4))
    stored = SN3_PASCALVINCENT_TYPEMAP[type_code]
    values = np.frombuffer(data, dtype=stored, offset=4 * (ndim + 1))
    expected = int(np.prod(shape))
    if values.size != expected:
        if strict or values.size < expected:
            raise ValueError(f"{path}: the header announces {expected} values but the file holds "
                             f"{values.size}")
        values = values[:expected]
    native = values.astype(stored.newbyteorder("="), copy=True)
    return ember.from_numpy(native.reshape(shape))


def read_label_file(path: str) -> Tensor:
    """An IDX file of uint8 labels as an int64 vector."""
    x = read_sn3_pascalvincent_tensor(path, strict=False)
    if x.dtype != ember.uint8:
        raise TypeError(f"x should be of dtype torch.uint8 instead of {x.dtype}")
    if x.ndim != 1:
        raise ValueError(f"x should have 1 dimension instead of {x.ndim}")
    return x.long()


def read_image_file(path: str) -> Tensor:
    """An IDX file of uint8 images as an (N, H, W) uint8 tensor."""
    x = read_sn3_pascalvincent_tensor(path, strict=False)
    if x.dtype != ember.uint8:
        raise TypeError(f"x should be of dtype torch.uint8 instead of {x.dtype}")
    if x.ndim != 3:
        raise ValueError(f"x should have 3 dimension instead of {x.ndim}")
    return x


def _present(path: str) -> bool:
    return check_integrity(path) or check_integrity(path + ".gz")


class MNIST(VisionDataset):
    """The MNIST handwritten digits: 60,000 training and 10,000 test 28x28 gray images.

    Samples are (PIL image, int label); ``data`` is the (N, 28, 28) uint8 tensor and
    ``targets`` the int64 label tensor.
    """

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/",
               "http://yann.lecun.com/exdb/mnist/"]
    resources = [("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
                 ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
                 ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
                 ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c")]
    training_file = "training.pt"
    test_file = "test.pt"
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six",
               "7 - seven", "8 - eight", "9 - nine"]

    @property
    def train_labels(self):
        warnings.warn("train_labels has been renamed targets", stacklevel=2)
        return self.targets

    @property
    def test_labels(self):
        warnings.warn("test_labels has been renamed targets", stacklevel=2)
        return self.targets

    @property
    def train_data(self):
        warnings.warn("train_data has been renamed data", stacklevel=2)
        return self.data

    @property
    def test_data(self):
        warnings.warn("test_data has been renamed data", stacklevel=2)
        return self.data

    def __init__(self, root, train: bool = True, transform: Optional[Callable] = None,
                 target_transform: Optional[Callable] = None, download: bool = False) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        if not self._check_exists():
            raise RuntimeError(
                "Dataset not found. You can use download=True to download it\n"
                + f"(expected the files {', '.join(self._raw_names())} in {self.raw_folder})")
        self.data, self.targets = self._load_data()

    def _raw_names(self) -> list[str]:
        return [os.path.splitext(os.path.basename(name))[0] for name, _ in self.resources]

    def _load_data(self) -> tuple[Tensor, Tensor]:
        prefix = "train" if self.train else "t10k"
        data = read_image_file(os.path.join(self.raw_folder, f"{prefix}-images-idx3-ubyte"))
        targets = read_label_file(os.path.join(self.raw_folder, f"{prefix}-labels-idx1-ubyte"))
        return data, targets

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        img, target = self.data[index], int(self.targets[index])
        # A PIL image, so that the transforms behave the same for every dataset.
        img = image_from_array(img.numpy(), "L")
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self) -> int:
        return len(self.data)

    @property
    def raw_folder(self) -> str:
        return os.path.join(self.root, self.__class__.__name__, "raw")

    @property
    def processed_folder(self) -> str:
        return os.path.join(self.root, self.__class__.__name__, "processed")

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.classes)}

    def _check_exists(self) -> bool:
        return all(_present(os.path.join(self.raw_folder, name)) for name in self._raw_names())

    def download(self) -> None:
        """Download the four IDX files (trying each mirror) and unpack them into raw_folder."""
        if self._check_exists():
            return
        os.makedirs(self.raw_folder, exist_ok=True)
        for filename, md5 in self.resources:
            errors = []
            for mirror in self.mirrors:
                url = f"{mirror}{filename}"
                try:
                    download_and_extract_archive(url, download_root=self.raw_folder,
                                                 filename=filename, md5=md5)
                except _download_errors() as error:
                    errors.append(f"Tried {url}, got: {error}")
                    continue
                break
            else:
                raise DownloadError(missing_files_message(
                    self.__class__.__name__, self.raw_folder,
                    [name for name, _ in self.resources],
                    [f"{self.mirrors[0]}{name}" for name, _ in self.resources],
                    [f"Error downloading {filename}:"] + errors))

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train is True else 'Test'}"


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: 28x28 gray images of 10 kinds of clothing."""

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
                 ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
                 ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
                 ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310")]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]


class KMNIST(MNIST):
    """Kuzushiji-MNIST: 28x28 gray images of 10 cursive Japanese characters."""

    mirrors = ["http://codh.rois.ac.jp/kmnist/dataset/kmnist/"]
    resources = [("train-images-idx3-ubyte.gz", "bdb82020997e1d708af4cf47b453dcf7"),
                 ("train-labels-idx1-ubyte.gz", "e144d726b3acfaa3e44228e80efcd344"),
                 ("t10k-images-idx3-ubyte.gz", "5c965bf0a639b31b8f53240b1b52f4d7"),
                 ("t10k-labels-idx1-ubyte.gz", "7320c461ea6c1c855c0b718fb2a4b134")]
    classes = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]


class EMNIST(MNIST):
    """Extended MNIST: handwritten letters and digits in six ``split`` variants."""

    url = "https://biometrics.nist.gov/cs_links/EMNIST/gzip.zip"
    md5 = "58c8d27c78d21e728a6bc7b3cc06412e"
    splits = ("byclass", "bymerge", "balanced", "letters", "digits", "mnist")
    # Letters whose upper and lower case look alike are merged in 'bymerge' and 'balanced'.
    _merged_classes = {"c", "i", "j", "k", "l", "m", "o", "p", "s", "u", "v", "w", "x", "y", "z"}
    _all_classes = set(string.digits + string.ascii_letters)
    classes_split_dict = {
        "byclass": sorted(_all_classes),
        "bymerge": sorted(_all_classes - _merged_classes),
        "balanced": sorted(_all_classes - _merged_classes),
        "letters": ["N/A"] + list(string.ascii_lowercase),
        "digits": list(string.digits),
        "mnist": list(string.digits),
    }

    def __init__(self, root, split: str, **kwargs: Any) -> None:
        self.split = verify_str_arg(split, "split", self.splits)
        self.training_file = self._training_file(split)
        self.test_file = self._test_file(split)
        super().__init__(root, **kwargs)
        self.classes = self.classes_split_dict[self.split]

    @staticmethod
    def _training_file(split) -> str:
        return f"training_{split}.pt"

    @staticmethod
    def _test_file(split) -> str:
        return f"test_{split}.pt"

    @property
    def _file_prefix(self) -> str:
        return f"emnist-{self.split}-{'train' if self.train else 'test'}"

    @property
    def images_file(self) -> str:
        return os.path.join(self.raw_folder, f"{self._file_prefix}-images-idx3-ubyte")

    @property
    def labels_file(self) -> str:
        return os.path.join(self.raw_folder, f"{self._file_prefix}-labels-idx1-ubyte")

    def _raw_names(self) -> list[str]:
        return [os.path.basename(self.images_file), os.path.basename(self.labels_file)]

    def _load_data(self) -> tuple[Tensor, Tensor]:
        return read_image_file(self.images_file), read_label_file(self.labels_file)

    def _check_exists(self) -> bool:
        return all(_present(path) for path in (self.images_file, self.labels_file))

    def download(self) -> None:
        """Download NIST's zip of all splits and unpack its IDX files into raw_folder."""
        if self._check_exists():
            return
        os.makedirs(self.raw_folder, exist_ok=True)
        try:
            download_and_extract_archive(self.url, download_root=self.raw_folder, md5=self.md5)
        except _download_errors() as error:
            raise DownloadError(missing_files_message(
                "EMNIST", self.raw_folder, [os.path.basename(self.url)], [self.url],
                [f"Tried {self.url}, got: {error}",
                 "(then run again with download=True: a zip already in place is checked and unpacked)"])) from error
        gzip_folder = os.path.join(self.raw_folder, "gzip")
        for gzip_file in os.listdir(gzip_folder):
            if gzip_file.endswith(".gz"):
                extract_archive(os.path.join(gzip_folder, gzip_file), self.raw_folder)
        shutil.rmtree(gzip_folder)
