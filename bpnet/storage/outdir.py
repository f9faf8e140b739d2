"""Output stage: the output folder, checked before any work, locked while a run writes it, and
replaced as a whole.

Before any work, every output path is checked: it must be creatable and writable, outside the
kernel's folders, and no output may be an input (config, data, test file, init or model file),
through symbolic or hard links. A run then holds the folder's lock (``.bpnet.lock``, naming its
PID; a second run refuses at once, and the lock of a process that no longer exists is taken
over), writes every file into a staging folder inside it (``.bpnet-staging``), and commits:

1. ``manifest.json`` is written into the staging folder, listing every file with its SHA-256
   and the files of the earlier run that this run does not have;
2. the staging folder is renamed ``.bpnet-commit``: the commit point;
3. the earlier manifest is removed, every file is moved into place, the earlier run's other
   files are removed, and the new manifest is moved into place last.

A file is bpnet's when the folder's manifest lists it with the checksum it has: only such a
file is ever replaced or removed. A run whose file would replace any other file (one the user
put there, changed since, or in a folder without a manifest) is refused before any work, and
again at the commit; an earlier file it does not replace is kept (in a folder without a
manifest, with a warning naming it). Only the holder of the lock creates or removes anything
inside the folder: a run refused by the lock leaves it as it is.

A run stopped before step 2 leaves the folder as it was (the next run removes the staging
folder); one stopped during step 3 leaves ``.bpnet-commit``, which the next run into the folder
(or ``predict`` on one of its models) completes first. A folder whose ``manifest.json`` lists
every file with the checksum it has holds one complete run.
"""
from __future__ import annotations

import errno
import functools
import hashlib
import json
import os
import re
import shutil
import time
import warnings
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from bpnet.errors import InputError
from bpnet.paths import checked, same_file, shown
from bpnet.storage.fileio import atomic_write, process_exists, signals_held
from bpnet.version import __version__

try:
    import fcntl
except ImportError:   # not POSIX: the lock is the PID in the lock file alone
    fcntl = None

LOCK = ".bpnet.lock"
STAGING = ".bpnet-staging"
COMMIT = ".bpnet-commit"
MANIFEST = "manifest.json"
# the files that predict, forecast and export wrote in a folder, each with its SHA-256: only
# such a file is replaced by their next --out (a run folder's own files are its manifest's)
WRITTEN = ".bpnet-written.json"
SYSTEM_FOLDERS = ("/proc", "/sys", "/dev")
# the names of a run's files whose temporary files (of versions that wrote them in place) a
# killed run may have left; never used to tell whose a file is: the manifest tells that
RUN_FILE = re.compile(r"(model_\w+\.npz|history_\w+\.csv|(errors|trainstate|regression|errhist)"
                      r"_\w+\.png|errors\.png|fit\.png|forecast\.png)")
# a temporary file of fileio.atomic_write (with its writer's PID; without, of older versions)
_TEMP = re.compile(r"\.(.+?)\.(?:\d+\.)?[a-z0-9_]{8}\.tmp")


def check_output_dir(out: str) -> None:
    """Refuse, before any work, an output folder that cannot be created or written.

    Nothing is created here, so that a run stopped by a mistake leaves the folder as it was.
    """
    checked(out, "the output folder")
    _refuse_system(out)
    path = Path(out)
    existing = path
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise InputError(f"{out}: cannot create the output folder: {existing} is not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(f"{out}: cannot create or write the output folder "
                         f"({existing}: permission denied)")


def check_output_file(path: str, what: str, example: str) -> None:
    """Refuse, before any work, an output file (``what``: the option naming it) that is a
    folder, not a regular file, in a folder that cannot be written, or a result file of a run
    folder (listed in its manifest); ``example`` is the file name a folder could take."""
    checked(path, what)
    if os.path.isdir(path):
        raise InputError(f"{what} {path}: is a folder; name the file to write, e.g. "
                         f"{os.path.join(path, example)}")
    if os.path.lexists(path) and not os.path.isfile(path):
        raise InputError(f"{what} {path}: exists and is not a regular file")
    check_output_dir(os.path.dirname(os.path.abspath(path)))
    folder, name = os.path.split(os.path.realpath(path))
    manifest = read_manifest(Path(folder))
    if manifest and (name in manifest["files"] or name == MANIFEST):
        raise InputError(f"{what} {path}: is a result file of the run in {shown(folder)} "
                         f"(listed in its {MANIFEST}); write somewhere else")


def check_replaceable(path: str, what: str) -> None:
    """Refuse, before any work, an output file of predict, forecast or export (``what``: the
    option naming it) that exists and is not one they wrote (:func:`note_written`)."""
    if os.path.lexists(path):
        folder, name = os.path.split(os.path.realpath(path))
        want = _written(Path(folder)).get(name)
        if want is None or want != _checksum(Path(path)):
            why = "was not written by bpnet" if want is None else \
                "has changed since bpnet wrote it"
            raise InputError(f"{what} {path}: exists and {why}; choose another name or "
                             "remove it")


def _written(folder: Path) -> dict[str, str]:
    """The files predict, forecast and export wrote in ``folder``: name -> SHA-256."""
    try:
        with open(folder / WRITTEN, encoding="utf-8") as fh:
            record = json.load(fh)
    except (OSError, ValueError):
        return {}
    files = record.get("files") if isinstance(record, dict) else None
    return {k: v for k, v in files.items() if _plain_name(k) and isinstance(v, str)} \
        if isinstance(files, dict) else {}


def note_written(paths: Iterable[str]) -> None:
    """Record the files just written by predict, forecast or export (each in its folder's
    :data:`WRITTEN`), so that their next --out may replace them and nothing else."""
    by_folder: dict[Path, list[str]] = {}
    for path in paths:
        folder, name = os.path.split(os.path.realpath(path))
        by_folder.setdefault(Path(folder), []).append(name)
    for folder, names in by_folder.items():
        files = {n: h for n, h in _written(folder).items() if (folder / n).is_file()}
        files.update({n: sha256(folder / n) for n in names})
        atomic_write(folder / WRITTEN, lambda fh, f=files: json.dump(
            {"bpnet": __version__, "files": f}, fh, indent=1))


def _refuse_system(out: str) -> None:
    real = os.path.realpath(out)
    for system in SYSTEM_FOLDERS:
        if real == system or real.startswith(system + "/"):
            raise InputError(f"{out}: is under {system}, the kernel's folder; results cannot "
                             "be written there")


def check_clashes(outputs: Iterable[tuple[str, str]], inputs: dict[str, str]) -> None:
    """No output may be an input or another output. ``outputs`` are (path, what it is) pairs,
    ``inputs`` map paths to what they are (e.g. ``the data file (data.path)``); links are
    followed."""
    outs = list(outputs)
    for i, (out, what) in enumerate(outs):
        for other, other_what in outs[:i]:
            if same_file(out, other):
                raise InputError(f"{shown(out)}: {other_what} and {what} would be the same "
                                 "file; name them apart")
        for given, given_what in inputs.items():
            if given and same_file(out, given):
                raise InputError(f"{shown(out)}: {what} would overwrite {given_what} "
                                 f"{shown(given)}; choose another output or rename the file")


def prepare_dir(out: str) -> Path:
    """Create the output folder (and parents); failing that is an InputError."""
    path = Path(out)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{out}: cannot create or write the output folder "
                         f"({exc.strerror or exc})") from None
    return path


def read_manifest(folder: Path) -> dict | None:
    """The manifest of the run in ``folder``, or None when it has none (or an unreadable one)."""
    try:
        with open(folder / MANIFEST, encoding="utf-8") as fh:
            manifest = json.load(fh)
    except (OSError, ValueError):
        return None
    ok = (isinstance(manifest, dict) and isinstance(manifest.get("files"), dict)
          and all(map(_plain_name, manifest["files"]))
          and isinstance(manifest.get("removed", []), list)
          and all(map(_plain_name, manifest.get("removed", []))))
    return manifest if ok else None


def _plain_name(name) -> bool:
    """A name of a file in the folder itself (a manifest never reaches outside it)."""
    return (isinstance(name, str) and name not in ("", ".", "..") and "/" not in name
            and "\\" not in name and "\0" not in name)


def sha256(path: str | Path) -> str:
    """The SHA-256 of a file, as hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def not_bpnets(path: Path, manifest: dict | None) -> str | None:
    """Why the existing file ``path`` is not known to be a file of the run in its folder, or
    None when it is: ``manifest`` (its folder's) lists it with the checksum it has."""
    if path.name == MANIFEST:
        return None if manifest is not None else "is not a manifest bpnet can read"
    if manifest is None:
        return f"was not written by bpnet (the folder has no {MANIFEST})"
    want = manifest["files"].get(path.name)
    if want is None:
        return f"was not written by bpnet (the folder's {MANIFEST} does not list it)"
    try:
        same = _checksum(path) == want
    except OSError:   # a folder, or a file that cannot be read
        same = False
    return None if same else f"has changed since bpnet wrote it (its checksum is not {MANIFEST}'s)"


def _checksum(path: Path) -> str:
    """:func:`sha256` of a file, computed once while the file's status is unchanged (its
    inode, size, and modification and change times: a write changes the change time), so
    that a run checks its folder before any work and again at the commit for one reading."""
    st = os.stat(path)
    return _sha256_of(os.path.realpath(path), (st.st_dev, st.st_ino, st.st_size,
                                               st.st_mtime_ns, st.st_ctime_ns))


@functools.lru_cache(maxsize=64)
def _sha256_of(path: str, status: tuple[int, ...]) -> str:
    return sha256(path)


def check_replaced(folder: Path, names: Iterable[str], manifest: dict | None = None) -> None:
    """Refuse a run whose files ``names`` would replace a file in ``folder`` that is not
    bpnet's (:func:`not_bpnets`; ``manifest``: the folder's, read here when None), once a
    commit cut short there is completed (:func:`finish_commit`)."""
    manifest = manifest if manifest is not None else read_manifest(folder)
    for name in names:
        path = folder / name
        why = not_bpnets(path, manifest) if os.path.lexists(path) else None
        if why:
            raise InputError(f"{shown(path)}: exists and {why}; choose another --out or "
                             "remove it")


def check_run_file(path: str | Path) -> None:
    """A file read from a run folder (a model for ``predict``) must be the one that folder's
    manifest lists, when it lists it: a mismatch means the file is not the complete run's.
    An interrupted commit in the folder is completed first."""
    real = Path(os.path.realpath(path))
    finish_commit(real.parent)
    manifest = read_manifest(real.parent)
    want = manifest["files"].get(real.name) if manifest else None
    if want is not None and sha256(real) != want:
        raise InputError(f"{shown(path)}: does not match its checksum in "
                         f"{shown(real.parent / MANIFEST)}: it is not the file of the run in "
                         "that folder (changed since, or left by another run)")


def finish_commit(folder: Path) -> None:
    """Complete a commit in ``folder`` that was cut short (a run killed as it moved its files
    into place), under the folder's lock."""
    if (folder / COMMIT).is_dir():
        with RunFolder(str(folder)):
            pass   # taking the lock completes the commit


class RunFolder:
    """The output folder of one run, locked from ``open`` to ``close``: files are written into
    :meth:`staging` and moved into place together by :meth:`commit`.

    ``keep`` are paths (the run's inputs) that are never removed as an earlier run's files.
    Folders created by ``open`` are removed again by ``close`` when nothing was committed.
    """

    def __init__(self, out: str, keep: Iterable[str] = ()) -> None:
        self.path = Path(out)
        self.keep = [k for k in keep if k]
        self.committed = False
        self.files: list[str] = []     # what commit moved into place, the manifest last
        self.removed: list[str] = []   # the earlier run's files that commit removed
        self.kept: list[str] = []      # the earlier files commit kept, not knowing them bpnet's
        self._fd: int | None = None
        self._created: list[Path] = []

    def __enter__(self) -> RunFolder:
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def open(self) -> None:
        """Create the folder when needed, take its lock, and tidy what an earlier run that was
        killed left: complete its commit, remove its staging folder and temporary files.
        Without the lock (another run holds it, or its file cannot be written) nothing is
        removed, not even a folder created here: only the lock's holder removes anything."""
        self._created = _make_dirs(self.path)
        try:
            self._fd = _lock(self.path)
            recover(self.path)
        except OSError as exc:   # a full disk, a folder that cannot be written
            self.close()
            raise InputError(f"{shown(self.path)}: cannot write in the output folder "
                             f"({exc.strerror or exc}); the folder is as it was") from None
        except BaseException:
            self.close()
            raise

    def staging(self) -> Path:
        """An empty staging folder for this run's files."""
        staging = self.path / STAGING
        _remove(staging)
        staging.mkdir()
        return staging

    def commit(self, names: list[str], info: dict | None = None) -> list[str]:
        """Move the files ``names`` of the staging folder into place as one run, with a
        manifest holding ``info`` too; returns the earlier run's files that were removed.
        A file of ``names`` already there that is not bpnet's refuses the commit (InputError),
        the folder as it was."""
        staging = self.path / STAGING
        earlier = read_manifest(self.path)
        check_replaced(self.path, [*names, MANIFEST], earlier)
        stale, kept = self._earlier(names, earlier)
        manifest = {"bpnet": __version__,
                    "written": datetime.now(UTC).isoformat(timespec="seconds"),
                    "files": {n: sha256(staging / n) for n in names}, "removed": stale,
                    **(info or {})}
        with open(staging / MANIFEST, "w", encoding="utf-8") as fh:
            json.dump(manifest, fh, indent=1)
        for name in [*names, MANIFEST]:
            _fsync(staging / name)
        _fsync(staging)
        self.files, self.removed, self.kept = [*names, MANIFEST], stale, kept
        with signals_held():
            os.rename(staging, self.path / COMMIT)
            self.committed = True
            _roll_forward(self.path)
        if kept:
            why = (f"the folder had no {MANIFEST}, so bpnet cannot tell who wrote them"
                   if earlier is None else "they have changed since the earlier run wrote them")
            shown_names = ", ".join(kept[:10]) + (f" and {len(kept) - 10} more"
                                                  if len(kept) > 10 else "")
            warnings.warn(f"{shown(self.path)}: kept {len(kept)} files there that this run does "
                          f"not write, as {why}: {shown_names}", stacklevel=2)
        return stale

    def _earlier(self, names: list[str], manifest: dict | None) -> tuple[list[str], list[str]]:
        """The files already in the folder that this run does not write, the run's inputs
        aside, as (those to remove, those to keep): removed are the earlier run's, listed in
        its manifest with the checksum they have; kept are the others the manifest lists (or,
        without a manifest, every file there). Files the manifest does not list are not
        bpnet's business."""
        if manifest is None:
            there = [p.name for p in self.path.iterdir() if not p.is_dir()]
        else:
            there = list(manifest["files"])
        own = {*names, MANIFEST, LOCK}
        earlier = sorted(n for n in there if n not in own and (self.path / n).is_file()
                         and not any(same_file(self.path / n, k) for k in self.keep))
        stale = [n for n in earlier if not_bpnets(self.path / n, manifest) is None]
        return stale, [n for n in earlier if n not in stale]

    def close(self) -> None:
        """Finish an interrupted move into place, remove the staging folder, release the lock,
        and remove the folders ``open`` created when nothing was committed. Only the holder
        of the lock does any of it."""
        if self._fd is None:
            return
        if self.committed and (self.path / COMMIT).is_dir():
            _roll_forward(self.path)
        _remove(self.path / STAGING)
        _unlock(self.path, self._fd)
        self._fd = None
        if not self.committed:
            for folder in reversed(self._created):
                try:
                    folder.rmdir()   # only an empty one: another run's lock file keeps it
                except OSError:
                    break


def recover(folder: Path) -> None:
    """Under the lock: complete a commit that was interrupted, and remove a staging folder
    and temporary files that a killed run left."""
    if (folder / COMMIT).is_dir():
        _roll_forward(folder)
    _remove(folder / STAGING)
    for path in folder.iterdir():
        m = _TEMP.fullmatch(path.name)
        if m and (RUN_FILE.fullmatch(m.group(1)) or m.group(1) in (
                "config.yaml", "metrics.json", "predictions.csv", MANIFEST)):
            path.unlink(missing_ok=True)


def _roll_forward(folder: Path) -> None:
    """Step 3 of the commit; safe to repeat after an interruption at any point."""
    journal = folder / COMMIT
    new = journal / MANIFEST
    manifest = read_manifest(journal) if new.exists() else None
    if manifest is not None:
        (folder / MANIFEST).unlink(missing_ok=True)
        for name in manifest["files"]:
            if (journal / name).exists():
                os.replace(journal / name, folder / name)
        for name in manifest.get("removed", ()):
            (folder / name).unlink(missing_ok=True)
        _fsync(folder)
        os.replace(new, folder / MANIFEST)
    _fsync(folder)
    _remove(journal)


def _remove(path: Path) -> None:
    """Remove a folder with what it holds, or a file (a staging folder may be either)."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            pass


def _fsync(path: Path) -> None:
    """Flush a file or folder to disk (where the system allows it)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _make_dirs(path: Path) -> list[Path]:
    """Create ``path`` and its missing parents; returns the folders created, outermost first."""
    missing = []
    p = path
    while not p.exists():
        missing.append(p)
        p = p.parent
    for folder in reversed(missing):
        try:
            folder.mkdir()
        except FileExistsError:
            pass
        except OSError as exc:
            raise InputError(f"{path}: cannot create or write the output folder "
                             f"({exc.strerror or exc})") from None
    return list(reversed(missing))


# ---------------------------------------------------------------- the lock

def _lock(folder: Path) -> int:
    """Take the folder's lock: a kernel lock on ``.bpnet.lock`` (released when its holder
    dies, however it dies) holding the holder's PID and start time. A live holder makes this
    an InputError at once; the file of a process that no longer exists is taken over."""
    path = folder / LOCK
    for _ in range(20):
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise InputError(f"{folder}: cannot create or write the output folder "
                             f"({exc.strerror or exc})") from None
        try:
            if fcntl is not None:
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = _holder(fd, wait=exc.errno in (errno.EAGAIN, errno.EACCES))
            os.close(fd)
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                raise _busy(folder, holder) from None
            raise InputError(f"{folder}: cannot lock the output folder ({exc.strerror})") from None
        if not _same_inode(fd, path):   # its holder removed it meanwhile: lock the new one
            os.close(fd)
            continue
        holder = _holder(fd)
        if holder and holder[0] != os.getpid() and _alive(*holder):
            os.close(fd)
            raise _busy(folder, holder)
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()} {_start_time(os.getpid()) or ''}\n".encode(), 0)
        except OSError:
            _unlock(folder, fd)
            raise
        return fd
    raise InputError(f"{folder}: cannot lock the output folder (it keeps changing)")


def _busy(folder: Path, holder: tuple[int, str | None] | None) -> InputError:
    who = f" (PID {holder[0]})" if holder else ""
    return InputError(f"{shown(folder)}: another run{who} is writing this folder; wait for it to "
                      "end or choose another output folder (--out)")


def _holder(fd: int, wait: bool = False) -> tuple[int, str | None] | None:
    """(PID, start time or None) written in the lock file, or None. With ``wait``, the lock
    is known to be held: its holder may be between taking it and writing its PID, so the
    file is read again for up to a second."""
    for _ in range(50 if wait else 1):
        try:
            fields = os.pread(fd, 200, 0).decode("ascii").split()
            return int(fields[0]), (fields[1] if len(fields) > 1 else None)
        except (OSError, ValueError, IndexError):
            if wait:
                time.sleep(0.02)
    return None


def _alive(pid: int, start: str | None) -> bool:
    """Whether process ``pid`` exists and, when ``start`` is known, is the one that started
    then (not a later process given the same PID)."""
    if not process_exists(pid):
        return False
    now = _start_time(pid)
    return start is None or now is None or now == start


def _start_time(pid: int) -> str | None:
    """When process ``pid`` started, in clock ticks after boot (Linux), or None."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return fh.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _same_inode(fd: int, path: Path) -> bool:
    try:
        a, b = os.fstat(fd), os.stat(path)
    except OSError:
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _unlock(folder: Path, fd: int) -> None:
    """Remove the lock file (while still holding it), then release the lock."""
    try:
        if _same_inode(fd, folder / LOCK):
            (folder / LOCK).unlink()
    except OSError:
        pass
    os.close(fd)
