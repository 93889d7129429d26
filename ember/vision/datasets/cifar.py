"""CIFAR-10 and CIFAR-100 from the "python version" pickle batches.

The batches are pickled dicts of NumPy arrays, lists and bytes.  They are read with an
unpickler that refuses every global except the few NumPy needs to rebuild an array, so a
tampered file cannot run code.
"""
from __future__ import annotations

import os
import pickle
from typing import Any, Callable, Optional

import numpy as np

from .._pil import image_from_array
from .utils import (DownloadError, _download_errors, check_integrity,
                    download_and_extract_archive, missing_files_message)
from .vision import VisionDataset

__all__ = ["CIFAR10", "CIFAR100", "safe_unpickle"]

# (module, name) pairs an array pickle may reference; NumPy 1 and 2 spell the module differently.
_ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"),
    ("numpy", "ndarray"), ("numpy", "dtype"),
    # Python 3 writes bytes in protocol-2 pickles as _codecs.encode(text, 'latin1').
    ("_codecs", "encode"),
}


class _ArrayUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) in _ALLOWED_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(
            f"refusing to load {module}.{name}: a CIFAR batch holds only arrays, lists and "
            "strings")


def safe_unpickle(path: str) -> Any:
    """Load a pickle that may contain only plain containers and NumPy arrays."""
    with open(path, "rb") as handle:
        return _ArrayUnpickler(handle, encoding="latin1").load()


class CIFAR10(VisionDataset):
    """CIFAR-10: 60,000 32x32 colour images in 10 classes (50,000 train, 10,000 test).

    Files go in ``root/cifar-10-batches-py``.  ``data`` is an (N, 32, 32, 3) uint8 NumPy array
    and ``targets`` a list of ints, as in torchvision; samples are (PIL image, int).
    """

    base_folder = "cifar-10-batches-py"
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    filename = "cifar-10-python.tar.gz"
    tgz_md5 = "c58f30108f718f92721af3b95e74349a"
    train_list = [["data_batch_1", "c99cafc152244af753f735de768cd75f"],
                  ["data_batch_2", "d4bba439e000b95fd0a9bffe97cbabec"],
                  ["data_batch_3", "54ebc095f3ab1f0389bbae665268c751"],
                  ["data_batch_4", "634d18415352ddfa80567beed471001a"],
                  ["data_batch_5", "482c414d41f54cd18b22e5b47cb7c3cb"]]
    test_list = [["test_batch", "40351d587109b95175f43aff81a1287e"]]
    meta = {"filename": "batches.meta", "key": "label_names",
            "md5": "5ff9c542aee3614f3951f8cda6e48888"}

    def __init__(self, root, train: bool = True, transform: Optional[Callable] = None,
                 target_transform: Optional[Callable] = None, download: bool = False) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        if not self._check_integrity():
            raise RuntimeError("Dataset not found or corrupted. You can use download=True to "
                               "download it\n" + f"(expected the batches of {self.filename} "
                               f"unpacked in {os.path.join(str(self.root), self.base_folder)})")
        downloaded_list = self.train_list if self.train else self.test_list
        batches = []
        self.targets = []
        for file_name, _checksum in downloaded_list:
            entry = safe_unpickle(os.path.join(self.root, self.base_folder, file_name))
            batches.append(np.asarray(entry["data"]))
            self.targets.extend(entry["labels"] if "labels" in entry else entry["fine_labels"])
        # Rows are stored as 1024 red, then 1024 green, then 1024 blue values.
        self.data = np.vstack(batches).reshape(-1, 3, 32, 32).transpose((0, 2, 3, 1))
        self._load_meta()

    def _load_meta(self) -> None:
        path = os.path.join(self.root, self.base_folder, self.meta["filename"])
        if not check_integrity(path, self.meta["md5"]):
            raise RuntimeError("Dataset metadata file not found or corrupted. You can use "
                               "download=True to download it")
        self.classes = safe_unpickle(path)[self.meta["key"]]
        self.class_to_idx = {name: i for i, name in enumerate(self.classes)}

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        img, target = self.data[index], self.targets[index]
        img = image_from_array(img, "RGB")
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self) -> int:
        return len(self.data)

    def _check_integrity(self) -> bool:
        for filename, md5 in self.train_list + self.test_list:
            if not check_integrity(os.path.join(self.root, self.base_folder, filename), md5):
                return False
        return True

    def download(self) -> None:
        """Download the archive and unpack it under root."""
        if self._check_integrity():
            return
        try:
            download_and_extract_archive(self.url, self.root, filename=self.filename,
                                         md5=self.tgz_md5)
        except _download_errors() as error:
            raise DownloadError(missing_files_message(
                self.__class__.__name__, os.fspath(self.root), [self.filename], [self.url],
                [f"Tried {self.url}, got: {error}",
                 "(then run again with download=True: an archive already in place is checked "
                 "and unpacked)"])) from error

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train is True else 'Test'}"


class CIFAR100(CIFAR10):
    """CIFAR-100: like CIFAR-10 with 100 fine classes (``targets`` are the fine labels)."""

    base_folder = "cifar-100-python"
    url = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
    filename = "cifar-100-python.tar.gz"
    tgz_md5 = "eb9058c3a382ffc7106e4002c42a8d85"
    train_list = [["train", "16019d7e3df5f24257cddd939b257f8d"]]
    test_list = [["test", "f0ef6b0ae62326f3e7ffdfab6717acfc"]]
    meta = {"filename": "meta", "key": "fine_label_names",
            "md5": "7973b15100ade9c7d40fb424638fde48"}
