"""Build generations: ``egn build`` is all or nothing, and readers see one build at a time.

Why: a build writes a dozen tables, a partitioned event dataset and the quality report. Written
in place, a build interrupted half-way (Ctrl+C, a kill, a full disk) left some new tables beside
old ones and the old quality report: new établissements with old ENT events, and figures silently
wrong. Each file was atomic; the *set* was not.

How: the published tables folder (``data/processed``) is a symbolic link to one complete
*generation* folder, ``data/.processed.generations/g-<id>``. A build

1. takes a lock (one build at a time per folder; the kernel drops it if the process dies);
2. writes a new generation beside the current one, in ``tmp-<id>``, after hard-linking the
   current generation's files into it, so that unchanged inputs still hit the loaders' cache and
   cost no copy (every writer replaces files by ``os.replace``, never in place, so a hard link is
   never modified through the other generation);
3. on success, renames ``tmp-<id>`` to ``g-<id>`` and switches the link with one ``rename(2)``
   (atomic on POSIX): before it, every reader sees the old generation whole; after it, the new one
   whole;
4. keeps the previous generation (a page or a notebook that resolved the link just before the
   switch finishes its reads there) until the next build starts, and removes older ones,
   generations a killed build completed but never published, and what dead builds left.

A build that fails or is interrupted removes its ``tmp-`` folder (a SIGKILL leaves it to the
next build, which removes it); the link never points at an incomplete generation.

Readers pin a generation once with :func:`current_generation` and read every table from the
returned folder: the dashboards do it once per request, notebooks once at their top.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from egn_analytics.io import exchange_paths, exclusive_lock

#: Complete generations are ``g-<id>``; a build in progress writes ``tmp-<id>``.
COMPLETE_PREFIX = "g-"
BUILDING_PREFIX = "tmp-"
#: A plain tables folder from before generations, set aside whole at the first switch.
LEGACY_PREFIX = "ancien-"


class GenerationError(OSError):
    """The published tables folder cannot take a new generation (said in one French line)."""


class BuildLockedError(GenerationError):
    """Another build holds the folder's lock."""


def generations_root(published: Path) -> Path:
    """Where the generations of ``published`` live: a hidden sibling folder."""
    published = Path(published)
    return published.parent / f".{published.name}.generations"


def current_generation(published: str | os.PathLike[str]) -> Path:
    """The folder of the generation ``published`` points at now (``published`` itself when it
    is a plain folder from before generations, or does not exist yet).

    Resolve once, then read every table from the returned folder: a build that switches in the
    meantime does not change it, so the reads stay within one generation.
    """
    path = Path(published)
    return path.resolve() if path.is_symlink() else path


def data_dir_of(tables: str | os.PathLike[str]) -> Path:
    """The data folder that holds a tables folder, whether given as the published link
    (``data/processed``) or as one of its generations (``data/.processed.generations/g-…``):
    caches and other siblings of ``processed`` stay in ``data/`` whatever was pinned."""
    folder = Path(tables)
    if folder.parent.name.startswith(".") and folder.parent.name.endswith(".generations"):
        return folder.parent.parent
    return folder.parent


def tables_folder(processed_dir: str | os.PathLike[str] | None = None) -> Path:
    """``processed_dir``, or the settings' tables folder pinned to its current generation.

    A function that reads several tables resolves this once and passes the result down, so
    that all its tables come from one build even if another is published meanwhile.
    """
    if processed_dir is not None:
        return Path(processed_dir)
    from egn_analytics.config import get_settings

    return current_generation(get_settings().processed_dir)


def generation_id(folder: str | os.PathLike[str]) -> str | None:
    """The id of a generation folder, complete or being built, or of the one a published link
    points at (``None`` for a plain folder from before generations)."""
    name = Path(folder).resolve().name
    for prefix in (COMPLETE_PREFIX, BUILDING_PREFIX):
        if name.startswith(prefix):
            return name.removeprefix(prefix)
    return None


def _new_id() -> str:
    """Sortable by time, unique across processes."""
    ns = time.time_ns()  # one reading: the seconds and their fraction agree
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(ns // 1_000_000_000))
    return f"{stamp}-{ns % 1_000_000_000:09d}-{secrets.token_hex(3)}"


def build_lock(published: Path) -> contextlib.AbstractContextManager[None]:
    """One build at a time per published folder: a lock on a hidden lock file beside it."""
    published.parent.mkdir(parents=True, exist_ok=True)
    return exclusive_lock(
        published.parent / f".{published.name}.lock",
        lambda: BuildLockedError(
            f"{published} : une autre construction (egn build) est en cours ; "
            "attendre sa fin ou l'arrêter"
        ),
    )


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _link_tree(source: Path, dest: Path) -> None:
    """Hard-link every file of ``source`` into ``dest`` (copy where links are impossible).

    Temporary files of a dead writer (names starting with a dot) and the quality report (each
    build writes its own) are not carried over.
    """
    for folder, dirnames, filenames in os.walk(source):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        rel = Path(folder).relative_to(source)
        (dest / rel).mkdir(parents=True, exist_ok=True)
        for name in filenames:
            if name.startswith(".") or (rel == Path(".") and name == "qualite.json"):
                continue
            src, dst = Path(folder) / name, dest / rel / name
            try:
                os.link(src, dst)
            except OSError:  # another filesystem, or links not supported: copy
                shutil.copy2(src, dst)


def _previous_source(published: Path, root: Path) -> Path | None:
    """The generation to carry over: the current one, else (link lost) the newest complete."""
    if published.is_symlink() and published.resolve().is_dir():
        return published.resolve()
    if published.is_dir():
        return published  # a plain folder from before generations
    complete = sorted(p for p in root.glob(f"{COMPLETE_PREFIX}*") if p.is_dir())
    return complete[-1] if complete else None


def _check_published(published: Path, root: Path) -> None:
    """Refuse a published path that is a link to somewhere else than our generations: it is
    the user's own arrangement (a folder on another disk), which a switch would replace."""
    if published.is_symlink() and published.resolve().parent != root.resolve():
        raise GenerationError(
            f"{published} est un lien vers {published.resolve()}, qui n'est pas une génération "
            "d'egn build : pour ranger les données ailleurs, utiliser EGN_DATA_DIR (ou --out)"
        )


def _switch(published: Path, generation: Path) -> None:
    """Point ``published`` at ``generation`` with one atomic rename of a new link onto it."""
    parent = published.parent
    link = parent / f".{published.name}.link-{secrets.token_hex(4)}"
    os.symlink(os.path.relpath(generation, parent), link)
    try:
        if published.exists() and not published.is_symlink():
            # A plain folder from before generations: swap it with the link in one step where
            # the kernel can, and keep it whole beside the generations (never collected: it may
            # hold the user's own files) as ``ancien-<id>``.
            legacy = generations_root(published) / f"{LEGACY_PREFIX}{_new_id()}"
            if exchange_paths(link, published):
                link.rename(legacy)
            else:  # kernels without renameat2: two renames (a short moment with no link)
                published.rename(legacy)
                os.replace(link, published)
        else:
            os.replace(link, published)
    except BaseException:
        if link.is_symlink():
            link.unlink(missing_ok=True)
        raise
    _fsync_dir(parent)


def _collect(root: Path, keep: set[Path]) -> None:
    """Remove every generation but ``keep`` (the published one and the one before it) and any
    dead build's ``tmp-`` folder.

    ``keep`` is explicit, not « the newest two by name »: a build killed between its rename and
    its switch leaves a complete generation that was never published, and it must not displace
    the previous one. Called with the lock held, so no other build is writing: every ``tmp-``
    folder but ours is what a killed build left. ``ancien-`` folders are never removed.
    """
    for path in root.iterdir():
        if path in keep:
            continue
        if path.name.startswith((COMPLETE_PREFIX, BUILDING_PREFIX)):
            shutil.rmtree(path, ignore_errors=True)


_INTERRUPTED = threading.Event()


@contextlib.contextmanager
def interrupt_guard() -> Iterator[None]:
    """While a build runs, Ctrl+C (SIGINT) always stops it, whatever code it lands in.

    Why: Python raises ``KeyboardInterrupt`` wherever Python code runs next, and inside library
    code that runs Python callbacks (a Polars expression, a thread pool) it can come back as
    another exception type. A build's per-table ``except Exception`` would then report one failed
    table and publish the others: a generation nobody asked for, mixing two builds' tables. The
    handler records the interrupt; :func:`raise_if_interrupted`, called in those ``except``
    branches and before publishing, turns it back into ``KeyboardInterrupt``. Only the main
    thread can install a handler, and a process started with SIGINT ignored keeps ignoring it.
    """
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or previous is signal.SIG_IGN:
        yield
        return

    def _handler(_signum: int, _frame: object) -> None:
        _INTERRUPTED.set()
        raise KeyboardInterrupt

    _INTERRUPTED.clear()
    signal.signal(signal.SIGINT, _handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def raise_if_interrupted(cause: BaseException | None = None) -> None:
    """``KeyboardInterrupt`` if Ctrl+C came during the current :func:`interrupt_guard`."""
    if _INTERRUPTED.is_set():
        raise KeyboardInterrupt from cause


@dataclass(frozen=True, slots=True)
class Generation:
    """A generation being built: its folder, and the generation it started from (if any)."""

    path: Path
    previous: Path | None


@contextlib.contextmanager
def new_generation(published: str | os.PathLike[str]) -> Iterator[Generation]:
    """Yield a new generation to build into; publish it only if the block succeeds.

    Its folder starts as hard links to the previous generation's files (cache hits for
    unchanged inputs, at no copy); the builder removes what it did not make again (see
    ``registry.build``). On any exception (KeyboardInterrupt included) the folder is removed
    and ``published`` still points at the previous generation, untouched.
    """
    published = Path(published)
    root = generations_root(published)
    with build_lock(published):
        root.mkdir(parents=True, exist_ok=True)
        _check_published(published, root)
        previous = _previous_source(published, root)
        _collect(root, keep={previous} if previous is not None else set())
        gen_id = _new_id()
        building = root / f"{BUILDING_PREFIX}{gen_id}"
        building.mkdir()
        try:
            if previous is not None:
                _link_tree(previous, building)
            yield Generation(building, previous)
            complete = root / f"{COMPLETE_PREFIX}{gen_id}"
            building.rename(complete)
            _fsync_dir(root)
            _switch(published, complete)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
        keep = {complete}
        if previous is not None and previous.parent == root:
            keep.add(previous)
        _collect(root, keep=keep)
