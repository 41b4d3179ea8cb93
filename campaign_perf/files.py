"""Writing files safely: every file the package writes is first written beside its target
under a temporary name, then renamed over it, so that a failed write (a full disk, an
error half way) leaves the previous file as it was and no partial file behind.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_path", "same_file"]


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary path to write instead of ``path``; renamed over ``path`` on success.

    Parameters
    ----------
    path : str or path-like
        The file to write. When it is a symbolic link, the file it points to is replaced
        (the link stays).

    Yields
    ------
    Path
        An empty file beside the target, named ``.~<random>.<name>`` (so that the suffixes,
        which some writers read, are the target's). Write it completely inside the block.

    Notes
    -----
    When the block raises, the temporary file is removed and the target is untouched. The
    new file keeps the permissions of the file it replaces (new files get the usual ones).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "note.txt"
    >>> with atomic_path(out) as tmp:
    ...     _ = tmp.write_text("hello")
    >>> out.read_text()
    'hello'
    """
    target = Path(path)
    if target.is_symlink():
        target = Path(os.path.realpath(target))
    tmp = target.with_name(f".~{secrets.token_hex(4)}.{target.name}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:  # no such folder, no permission: name the target, not tmp
        raise type(exc)(exc.errno, exc.strerror, str(target)) from None
    os.close(fd)
    try:
        yield tmp
        with contextlib.suppress(FileNotFoundError):
            os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode))
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """Whether two paths name one existing file (also through symbolic or hard links).

    Examples
    --------
    >>> same_file(__file__, __file__)
    True
    """
    try:
        sa, sb = os.stat(a), os.stat(b)
    except (OSError, ValueError):
        return False
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)
