"""glibc malloc settings for a process that holds the stores (no effect elsewhere: not glibc, no libc found).

Kùzu allocates and frees tens of MB of scratch memory in every COPY. With glibc's defaults that memory goes
back to the OS at each free (the heap top is trimmed past 128 KB, or big blocks are mmapped) and the next
COPY faults it in again, zeroed by the kernel: a COPY of 100 Function rows cost 28-47 ms wall (13 ms of CPU,
mostly page faults and memset) against 2-8 ms with the settings below (bench: docs/benchmarks.md, "Kùzu
COPY and glibc"). So blocks up to 32 MB come from the heap, and up to 64 MB of free heap top is kept for
reuse; `return_free_memory` still hands everything free back between a big run's write phases.
"""
from __future__ import annotations

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
KEEP_FREE_BYTES = 64 << 20
HEAP_BLOCKS_UP_TO = 32 << 20      # glibc's largest allowed mmap threshold on 64-bit

_libc = None
_tuned = False


def _glibc():
    global _libc
    if _libc is None:
        import ctypes
        import ctypes.util

        try:
            lib = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            _libc = lib if hasattr(lib, "mallopt") and hasattr(lib, "malloc_trim") else False
        except OSError:
            _libc = False
    return _libc


def keep_freed_memory() -> None:
    """Once per process, before the first store allocates."""
    global _tuned
    if _tuned:
        return
    _tuned = True
    libc = _glibc()
    if libc:
        libc.mallopt(_M_MMAP_THRESHOLD, HEAP_BLOCKS_UP_TO)
        libc.mallopt(_M_TRIM_THRESHOLD, KEEP_FREE_BYTES)


def return_free_memory() -> None:
    """Hand free heap memory (all arenas) back to the OS: between a big run's write phases, so the next phase
    does not add to it (a full stdlib index peaked 50-80 MB lower, for ~10 ms of trimming)."""
    libc = _glibc()
    if libc:
        libc.malloc_trim(0)
