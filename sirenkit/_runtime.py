"""Process-wide settings a fit or predict runs under, set on entry and restored on exit.

* **CPU heap reuse** (``reuse_cpu_memory``, while training): glibc's ``malloc`` serves
  every block over 32 MiB with a fresh ``mmap`` and returns it with ``munmap`` when
  freed. A full-batch step on a 256x256 image allocates dozens of 64 MiB activations, so
  each step pays the kernel for mapping and zeroing about 2 GB of new pages: on 2 cores a
  third of the time was system time. Turning ``mmap`` off and trimming off keeps freed
  blocks in the heap for the next step (about 2x faster steps at 256x256 on 2 cores, see
  docs/benchmarks.md), at the price of a 1.7-2.0x higher peak (freed blocks between live
  ones are not merged). The heap is trimmed back on exit.
* **float32 arithmetic on CUDA**: full float32 for ``precision="float32"`` (matmuls *and*
  cuDNN convolutions, which torch lets use TF32 by default), TF32 tensor cores for both
  with ``precision="tf32"``.
* **Deterministic cuDNN** for seeded CUDA fits.

All are process-wide: nested or concurrent fits (threads) share one reference count per
setting, and each setting is restored when the last user ends.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import sys
import threading
from collections.abc import Iterator

import torch

# mallopt(3) parameters and glibc's defaults for them.
_M_TRIM_THRESHOLD, _M_MMAP_MAX = -1, -4
_DEFAULT_TRIM_THRESHOLD, _DEFAULT_MMAP_MAX = 128 * 1024, 65536

_lock = threading.Lock()
_heap_users = 0


def _glibc():
    """The C library if it is glibc (it has ``mallopt``), else None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt, libc.malloc_trim  # noqa: B018  (musl has neither)
    except (OSError, AttributeError):
        return None
    return libc


_LIBC = _glibc()


def heap_reuse_supported() -> bool:
    """Whether :func:`cpu_heap_reuse` changes anything on this platform (Linux, glibc)."""
    return _LIBC is not None


@contextlib.contextmanager
def cpu_heap_reuse(enabled: bool = True) -> Iterator[None]:
    """Keep freed memory in the process heap while the block runs (a no-op off glibc)."""
    global _heap_users
    if not enabled or _LIBC is None:
        yield
        return
    with _lock:
        _heap_users += 1
        if _heap_users == 1:
            _LIBC.mallopt(_M_MMAP_MAX, 0)
            _LIBC.mallopt(_M_TRIM_THRESHOLD, 2**31 - 1)  # never
    try:
        yield
    finally:
        with _lock:
            _heap_users -= 1
            if _heap_users == 0:
                _LIBC.mallopt(_M_MMAP_MAX, _DEFAULT_MMAP_MAX)
                _LIBC.mallopt(_M_TRIM_THRESHOLD, _DEFAULT_TRIM_THRESHOLD)
                _LIBC.malloc_trim(0)  # give the fit's peak back to the system


class _SharedSetting:
    """A process-wide setting held while any user holds it: applied by the first, restored
    by the last (a reference count under one lock).

    Concurrent users (threads) that ask for different values share the first one's.
    """

    def __init__(self, read, write) -> None:
        self.read, self.write = read, write
        self.users, self.saved = 0, None

    @contextlib.contextmanager
    def __call__(self, value) -> Iterator[None]:
        with _lock:
            self.users += 1
            if self.users == 1:
                self.saved = self.read()
                self.write(value)
        try:
            yield
        finally:
            with _lock:
                self.users -= 1
                if self.users == 0:
                    self.write(self.saved)


def _read_float32_mode() -> tuple[str, bool]:
    return torch.get_float32_matmul_precision(), torch.backends.cudnn.allow_tf32


def _write_float32_mode(mode: tuple[str, bool]) -> None:
    torch.set_float32_matmul_precision(mode[0])
    torch.backends.cudnn.allow_tf32 = mode[1]


_float32_mode = _SharedSetting(_read_float32_mode, _write_float32_mode)
_cudnn_determinism = _SharedSetting(
    lambda: (torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark),
    lambda mode: (
        setattr(torch.backends.cudnn, "deterministic", mode[0]),
        setattr(torch.backends.cudnn, "benchmark", mode[1]),
    ),
)


@contextlib.contextmanager
def float32_precision(tf32: bool) -> Iterator[None]:
    """float32 arithmetic on CUDA while the block runs: full float32 (``tf32=False``) or
    TF32 tensor cores, for matmuls and cuDNN convolutions (kornia's filters) alike.

    Through ``torch.set_float32_matmul_precision`` ("highest" or "high"), the API that
    does not clash with torch's lower-level matmul flags a user may have set, and
    ``torch.backends.cudnn.allow_tf32``, which is True by default: without this, a
    "float32" fit's finite differences ran in TF32.
    """
    with _float32_mode(("high", True) if tf32 else ("highest", False)):
        yield


@contextlib.contextmanager
def deterministic_cudnn(enabled: bool = True) -> Iterator[None]:
    """cuDNN picks deterministic algorithms (and does not benchmark) while the block runs:
    a seeded fit whose loss convolves (kornia's filters) repeats on the same GPU."""
    if not enabled:
        yield
        return
    with _cudnn_determinism((True, False)):
        yield
