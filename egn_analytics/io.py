"""Atomic writes: a crash or a kill never leaves a half-written file behind.

Every writer in the product goes through :func:`atomic_path`: it yields a temporary path in the
destination folder (same filesystem, so ``os.replace`` is atomic), and renames it onto the
destination only when the block exits without error.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(dest: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary sibling of ``dest``; rename it onto ``dest`` on success, delete on error."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        # mkstemp creates 0600 files; published files are world-readable like any new file.
        # (A fixed mode: reading the umask means setting it, which is not thread-safe.)
        tmp.chmod(0o644)
        # Data on disk before the rename, and the rename on disk after: survives a power loss.
        with tmp.open("rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, dest)
        dir_fd = os.open(dest.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text_atomic(dest: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``dest`` atomically."""
    with atomic_path(dest) as tmp:
        tmp.write_text(text, encoding=encoding)


def write_bytes_atomic(dest: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``dest`` atomically."""
    with atomic_path(dest) as tmp:
        tmp.write_bytes(data)


def sha256_file(path: str | os.PathLike[str], chunk: int = 1 << 20) -> str:
    """Content hash of a file, streamed (used for manifests and cache keys)."""
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def exchange_paths(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """Swap two paths atomically (Linux ``renameat2(RENAME_EXCHANGE)``); False if unsupported.

    Used where one rename cannot do it: replacing a folder by a link to another folder (a
    folder cannot be renamed onto), with no moment when neither exists.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


@contextlib.contextmanager
def exclusive_lock(path: str | os.PathLike[str], busy: Callable[[], Exception]) -> Iterator[None]:
    """Hold ``flock(LOCK_EX)`` on ``path`` (a folder, or a lock file created if missing) for
    the block, or raise ``busy()`` at once if another process holds it.

    The kernel releases the lock when the process dies, so a killed writer never blocks the
    next one and no stale lock file needs cleaning. Without ``fcntl`` (not POSIX): no lock.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no lock
        yield
        return
    path = Path(path)
    fd = (
        os.open(path, os.O_RDONLY)
        if path.is_dir()
        else os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    )
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise busy() from exc
        yield
    finally:
        os.close(fd)
