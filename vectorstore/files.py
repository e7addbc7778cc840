"""Writing store files: atomically, with the store folder's permissions, and setting a
damaged file aside instead of deleting it.

Permissions follow the folder, not the umask of whoever runs the ingestion: a store in a
group-readable folder (``chmod 750``) gets group-readable files (640), so an app running
as another user of that group can read every generation that is committed.
"""
from __future__ import annotations

import os
import stat
import tempfile
from datetime import datetime
from pathlib import Path


def modes(folder: Path) -> tuple[int, int]:
    """(file mode, folder mode) for what is created inside ``folder``: its read/write
    bits for files, all its bits (with setgid, which keeps the group) for folders."""
    bits = stat.S_IMODE(folder.stat().st_mode)
    return bits & 0o666, bits & 0o2777


def atomic_write(path: Path, text: str, mode: int | None = None) -> None:
    """Replace ``path`` with ``text`` in one step (a reader sees the old or the new file,
    never half of one). ``mode``: the new file's permissions (default: those of the
    folder it is written in)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fchmod(f.fileno(), modes(path.parent)[0] if mode is None else mode)
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def conform(root: Path, folder: Path) -> None:
    """Give ``root`` (a file or a folder tree inside the store ``folder``) the store
    folder's permissions. Files written by libraries (Chroma, SQLite, bm25s) get the
    umask's; this makes them follow the folder. A file owned by someone else is left."""
    if not root.exists():
        return
    file_mode, dir_mode = modes(folder)
    paths = [root] + (sorted(root.rglob("*")) if root.is_dir() else [])
    for p in paths:
        try:
            st = p.lstat()
            if stat.S_ISLNK(st.st_mode):
                continue
            want = dir_mode if stat.S_ISDIR(st.st_mode) else file_mode
            if stat.S_IMODE(st.st_mode) != want:
                os.chmod(p, want)
        except OSError:
            pass


def set_aside(path: Path) -> Path:
    """Rename a damaged file or folder to ``<name>.beschadigd-<time>`` (kept for
    inspection, never deleted) and return the new path."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.beschadigd-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.beschadigd-{stamp}-{n}")
    path.rename(target)
    return target
