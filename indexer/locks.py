"""OS file locks on the index folder: one writer at a time, and reader leases on generations.

Both use `flock`, whose locks belong to an open file and vanish when the process holding it dies,
so a crash or `kill -9` never leaves a stale lock behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType

from indexer.errors import IndexBusyError
from indexer.status import describe_running

WRITER_LOCK_FILE = ".writer.lock"


class WriterLock:
    """The index folder's writer lock: held by the one process that may build or publish."""

    def __init__(self, index_dir: Path, fd: int) -> None:
        self.index_dir = index_dir
        self._fd: int | None = fd

    @classmethod
    def acquire(
        cls,
        index_dir: Path,
        *,
        wait: bool = False,
        on_wait: Callable[[], None] | None = None,
    ) -> WriterLock:
        """Take the lock; raise IndexBusyError if another writer has it and `wait` is False."""
        index_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(index_dir / WRITER_LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            if not _try_flock(fd, fcntl.LOCK_EX):
                if not wait:
                    raise IndexBusyError(index_dir, describe_running(index_dir))
                if on_wait is not None:
                    on_wait()
                # Blocks until the holder finishes or dies; Ctrl-C still interrupts it (PEP 475).
                fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            os.close(fd)
            raise
        return cls(index_dir, fd)

    @classmethod
    def adopt(cls, index_dir: Path, fd: int) -> WriterLock:
        """Take over a lock inherited from the parent process as file descriptor `fd`.

        flock on the same open file is a no-op for its holder, so this succeeds exactly when the
        inherited descriptor holds the lock (or the lock happens to be free).
        """
        os.set_inheritable(fd, False)
        if not _try_flock(fd, fcntl.LOCK_EX):
            os.close(fd)
            raise IndexBusyError(index_dir, describe_running(index_dir))
        return cls(index_dir, fd)

    def fileno(self) -> int:
        """The descriptor holding the lock, to hand to a child process."""
        if self._fd is None:
            raise ValueError("the writer lock was released")
        return self._fd

    def release(self) -> None:
        """Let the next writer in."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)

    def detach(self) -> None:
        """Close this process's descriptor without unlocking: a child that inherited it keeps it."""
        # Closing (not LOCK_UN) matters: LOCK_UN would unlock the shared open file for the child.
        self.release()

    def __enter__(self) -> WriterLock:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()


class ReaderLease:
    """A shared lock one process holds on a generation folder while it may read from it."""

    def __init__(self, fd: int) -> None:
        self._fd: int | None = fd

    @classmethod
    def take(cls, generation_dir: Path) -> ReaderLease | None:
        """Lease `generation_dir`, or None if it is gone or being removed."""
        try:
            fd = os.open(generation_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except (FileNotFoundError, NotADirectoryError):
            return None
        if not _try_flock(fd, fcntl.LOCK_SH) or not _same_file(fd, generation_dir):
            # A cleaner holds it exclusively, or renamed it away before we got the lock.
            os.close(fd)
            return None
        return cls(fd)

    def release(self) -> None:
        """Give the lease up; the folder may be removed once no process holds one."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)


@contextlib.contextmanager
def exclusive_unleased(generation_dir: Path) -> Iterator[bool]:
    """Yield True while holding `generation_dir` exclusively, False if some reader leases it."""
    try:
        fd = os.open(generation_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except (FileNotFoundError, NotADirectoryError):
        yield False
        return
    try:
        yield _try_flock(fd, fcntl.LOCK_EX) and _same_file(fd, generation_dir)
    finally:
        os.close(fd)


def _try_flock(fd: int, operation: int) -> bool:
    try:
        fcntl.flock(fd, operation | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _same_file(fd: int, path: Path) -> bool:
    try:
        now = os.stat(path)
    except OSError:
        return False
    held = os.fstat(fd)
    return (now.st_dev, now.st_ino) == (held.st_dev, held.st_ino)
