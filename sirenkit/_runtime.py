"""Process-wide settings a fit or predict runs under, set on entry and restored on exit.

* **CPU heap reuse** (``reuse_cpu_memory``, while training): glibc's ``malloc`` serves
  every block over 32 MiB with a fresh ``mmap`` and returns it with ``munmap`` when
  freed. A full-batch step on a 256x256 image allocates dozens of 64 MiB activations, so
  each step pays the kernel for mapping and zeroing about 2 GB of new pages: on 2 cores a
  third of the time was system time. Turning ``mmap`` off and trimming off keeps freed
  blocks in the heap for the next step (about 2x faster steps at 256x256 on 2 cores, see
  docs/benchmarks.md), at the price of a 1.7-2.0x higher peak (freed blocks between live
  ones are not merged). The heap is trimmed back on exit.
* **TF32 matmuls on CUDA** (``precision="tf32"``), through torch's float32 matmul precision.

Both are process-wide: nested or concurrent fits (threads) share one reference count,
and the settings are restored when the last one ends.
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
_tf32_users = 0
_tf32_saved: str | None = None


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


@contextlib.contextmanager
def tf32_matmuls(enabled: bool = True) -> Iterator[None]:
    """Let float32 matmuls use TF32 tensor cores (CUDA) while the block runs.

    Through ``torch.set_float32_matmul_precision("high")``, the API that does not clash
    with either of torch's lower-level TF32 flags a user may have set.
    """
    global _tf32_users, _tf32_saved
    if not enabled:
        yield
        return
    with _lock:
        _tf32_users += 1
        if _tf32_users == 1:
            _tf32_saved = torch.get_float32_matmul_precision()
            torch.set_float32_matmul_precision("high")
    try:
        yield
    finally:
        with _lock:
            _tf32_users -= 1
            if _tf32_users == 0:
                torch.set_float32_matmul_precision(_tf32_saved)
