"""The ``storage`` errors this package raises itself, for a directory it
makes or gives the component, worded as the JavaScript host words them
(hosts/js/lib/storage-errors.js holds the same table): both see the same
errno, but Python words it with the C library's ``strerror`` and Node with
libuv's, which differ for some.
"""

import errno
import os
import stat

from ._generated import StorageFailure
from .errors import MetricsError

NOT_A_DIRECTORY = "not a directory (the spool needs one)"
"""A spool that exists and is not a directory, as the component words it
(crates/guest/src/deliver/spool/mod.rs)."""

# Every errno mkdir, opendir and stat give for a path, worded as glibc's
# strerror, lower-cased.
_DETAILS = {
    "EACCES": "permission denied",
    "EPERM": "operation not permitted",
    "EROFS": "read-only file system",
    "ENOTDIR": "not a directory",
    "ENOENT": "no such file or directory",
    "ENOSPC": "no space left on device",
    "EEXIST": "file exists",
    "EDQUOT": "disk quota exceeded",
    "ELOOP": "too many levels of symbolic links",
    "ENAMETOOLONG": "file name too long",
    "EMLINK": "too many links",
    "EIO": "input/output error",
    "EINVAL": "invalid argument",
    "ENOMEM": "cannot allocate memory",
    "EMFILE": "too many open files",
    "ENFILE": "too many open files in system",
    "EBUSY": "device or resource busy",
    "EOVERFLOW": "value too large for defined data type",
}


def detail(e: OSError) -> str:
    """What ``e`` was, in the words every host uses: the table's, else the
    errno's name (``error EXDEV``), which Node gives as well."""
    code = errno.errorcode.get(e.errno) if e.errno is not None else None
    if code is None:
        text = e.strerror or str(e)
        return text[:1].lower() + text[1:]
    return _DETAILS.get(code, f"error {code}")


def failure(path: str, why: str) -> MetricsError:
    """The ``storage`` error naming ``path``."""
    return MetricsError("storage", StorageFailure(path=path, detail=why))


def make_spool(path: str) -> list[str]:
    """Make the spool directory ``path`` (absolute) and its missing parents,
    as the component would (``create_dir_all``); the ones made, outermost
    first. Raises ``storage`` naming ``path`` when one cannot be made (with
    its reason) or ``path`` is not a directory, having removed what it made."""
    missing = []
    d = path
    while not os.path.lexists(d):
        missing.append(d)
        parent = os.path.dirname(d)
        if parent == d:
            break
        d = parent
    made: list[str] = []
    why = None
    for d in reversed(missing):
        try:
            os.mkdir(d)
        except FileExistsError:
            continue  # made meanwhile: what it is is checked below
        except OSError as e:
            why = detail(e)
            break
        made.append(d)
    if why is None:
        try:
            mode = os.stat(path).st_mode
        except OSError as e:  # a dangling symbolic link, say
            why = detail(e)
        else:
            why = None if stat.S_ISDIR(mode) else NOT_A_DIRECTORY
    if why is None:
        return made
    remove_dirs(made)
    # Raised outside the handlers: no OS exception is chained.
    raise failure(path, why)


def remove_dirs(made: list[str]) -> None:
    """Remove what ``make_spool`` made, innermost first, if still empty."""
    for d in reversed(made):
        try:
            os.rmdir(d)
        except OSError:
            pass
