"""Build generations: a build is published whole by one switch, or not at all."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from egn_analytics import generations
from egn_analytics.generations import (
    BuildLockedError,
    GenerationError,
    build_lock,
    current_generation,
    data_dir_of,
    generation_id,
    generations_root,
    new_generation,
)


def _publish(published: Path, files: dict[str, str]) -> Path:
    """One complete build writing ``files`` (name → text); returns the new generation."""
    with new_generation(published) as building:
        gen = building.path
        for name, text in files.items():
            (gen / name).parent.mkdir(parents=True, exist_ok=True)
            tmp = gen / f".{Path(name).name}.tmp"
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, gen / name)  # the writers' own discipline: never in place
    return current_generation(published)


def test_a_build_is_published_by_a_link_switch(tmp_path: Path) -> None:
    published = tmp_path / "processed"
    gen = _publish(published, {"a.parquet": "A1", "qualite.json": "{1}"})
    assert published.is_symlink()
    assert gen.parent == generations_root(published)
    assert (published / "a.parquet").read_text() == "A1"
    assert generation_id(published) == gen.name.removeprefix("g-")
    # The link is relative: the data folder can be moved or mounted elsewhere.
    assert not os.readlink(published).startswith("/")


def test_an_interrupted_build_leaves_the_previous_generation_whole(tmp_path: Path) -> None:
    published = tmp_path / "processed"
    first = _publish(published, {"a.parquet": "A1", "b.parquet": "B1", "qualite.json": "1"})
    for error in (RuntimeError("disque plein"), KeyboardInterrupt()):
        with pytest.raises(type(error)), new_generation(published) as building:
            (building.path / "a.parquet").unlink()
            (building.path / "a.parquet").write_text("A2")
            raise error
        assert current_generation(published) == first
        assert (published / "a.parquet").read_text() == "A1"
        assert (published / "b.parquet").read_text() == "B1"
        # Nothing of the failed build is left beside the generations.
        assert sorted(p.name[:2] for p in generations_root(published).iterdir()) == ["g-"]


def test_unchanged_files_are_carried_over_as_hard_links(tmp_path: Path) -> None:
    published = tmp_path / "processed"
    first = _publish(published, {"a.parquet": "A1", "ent/mois=2020-03/p.parquet": "E1"})
    with new_generation(published) as building:
        gen = building.path
        assert building.previous == first
        carried = gen / "ent/mois=2020-03/p.parquet"
        assert carried.read_text() == "E1"
        assert carried.stat().st_ino == (first / "ent/mois=2020-03/p.parquet").stat().st_ino
        # The quality report is never carried over: each build writes its own.
        assert not (gen / "qualite.json").exists()
        tmp = gen / ".a.tmp"
        tmp.write_text("A2")
        os.replace(tmp, gen / "a.parquet")
    # Replacing a carried-over file never changes the previous generation's copy.
    assert (first / "a.parquet").read_text() == "A1"
    assert (published / "a.parquet").read_text() == "A2"


def test_a_plain_folder_from_before_generations_is_migrated(tmp_path: Path) -> None:
    published = tmp_path / "processed"
    published.mkdir()
    (published / "old.parquet").write_text("O")
    (published / ".notes").write_text("à moi")
    (published / ".git").mkdir()
    assert current_generation(published) == published
    gen = _publish(published, {"new.parquet": "N"})
    assert published.is_symlink()
    assert (gen / "old.parquet").read_text() == "O"  # a user's own table is carried over
    assert (gen / "new.parquet").read_text() == "N"
    for i in range(3):
        _publish(published, {"new.parquet": str(i)})
    # The old folder is kept whole, its hidden files too: nothing of the user's is deleted.
    (legacy,) = generations_root(published).glob("ancien-*")
    assert (legacy / ".notes").read_text() == "à moi"
    assert (legacy / ".git").is_dir()


def test_a_link_to_somewhere_else_is_refused_not_replaced(tmp_path: Path) -> None:
    elsewhere = tmp_path / "autre-disque" / "tables"
    elsewhere.mkdir(parents=True)
    published = tmp_path / "data" / "processed"
    published.parent.mkdir()
    published.symlink_to(elsewhere)
    with pytest.raises(GenerationError, match="EGN_DATA_DIR"), new_generation(published):
        pass
    assert published.resolve() == elsewhere.resolve()


def test_the_data_folder_of_a_pinned_generation(tmp_path: Path) -> None:
    published = tmp_path / "data" / "processed"
    gen = _publish(published, {"a.parquet": "A"})
    assert data_dir_of(gen) == tmp_path / "data"
    assert data_dir_of(published) == tmp_path / "data"


def test_two_generations_are_kept_and_dead_builds_are_removed(tmp_path: Path) -> None:
    published = tmp_path / "processed"
    root = generations_root(published)
    made = [_publish(published, {"a.parquet": str(i)}) for i in range(4)]
    # What a SIGKILL leaves: a building folder of a dead process.
    (root / "tmp-mort").mkdir()
    last = _publish(published, {"a.parquet": "5"})
    assert sorted(root.iterdir()) == [made[-1], last]


def test_one_build_at_a_time(tmp_path: Path) -> None:
    published = tmp_path / "processed"
    entered, release = threading.Event(), threading.Event()

    def slow_build() -> None:
        with new_generation(published):
            entered.set()
            release.wait(10)

    thread = threading.Thread(target=slow_build)
    thread.start()
    try:
        assert entered.wait(10)
        with (
            pytest.raises(BuildLockedError, match="une autre construction"),
            new_generation(published),
        ):
            pass
    finally:
        release.set()
        thread.join()
    assert published.is_symlink()


def test_a_pinned_reader_keeps_its_generation_across_a_switch(tmp_path: Path) -> None:
    published = tmp_path / "processed"
    _publish(published, {"a.parquet": "A1", "b.parquet": "B1"})
    pinned = current_generation(published)
    first = (pinned / "a.parquet").read_text()
    _publish(published, {"a.parquet": "A2", "b.parquet": "B2"})
    # The reader finishes in the generation it pinned: a and b of one build.
    assert (first, (pinned / "b.parquet").read_text()) == ("A1", "B1")
    assert (published / "b.parquet").read_text() == "B2"


def test_generation_ids_are_unique_and_sort_by_time() -> None:
    ids = [generations._new_id() for _ in range(50)]
    assert len(set(ids)) == 50
    assert ids == sorted(ids)


def test_egn_ingest_into_the_tables_folder_waits_for_no_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A table ingested while a build runs would be dropped by its switch: refused instead."""
    from typer.testing import CliRunner

    from egn_analytics import cli
    from egn_analytics.config import Settings

    settings = Settings(data_dir=tmp_path / "data")
    monkeypatch.setattr(cli, "get_settings", lambda: settings)
    source = tmp_path / "calendrier.csv"
    source.write_text("x\n1\n", encoding="utf-8")
    with build_lock(settings.processed_dir):
        result = CliRunner().invoke(cli.app, ["ingest", "calendar", str(source)])
    assert result.exit_code == 2
    assert "une autre construction (egn build) est en cours" in result.output


def test_migration_without_renameat2_still_keeps_the_old_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(generations, "exchange_paths", lambda a, b: False)
    published = tmp_path / "processed"
    published.mkdir()
    (published / "old.parquet").write_text("O")
    gen = _publish(published, {"new.parquet": "N"})
    assert published.is_symlink() and current_generation(published) == gen
    (legacy,) = generations_root(published).glob("ancien-*")
    assert (legacy / "old.parquet").read_text() == "O"


def test_a_generation_never_published_does_not_displace_the_previous(tmp_path: Path) -> None:
    """Killed between its rename and its switch, a build leaves a complete generation that was
    never published: the next build removes it and keeps the one readers may still use."""
    published = tmp_path / "processed"
    root = generations_root(published)
    first = _publish(published, {"a.parquet": "1"})
    second = _publish(published, {"a.parquet": "2"})
    orphan = root / f"g-{generations._new_id()}"
    orphan.mkdir()
    third = _publish(published, {"a.parquet": "3"})
    assert sorted(root.iterdir()) == [second, third]
    assert not first.exists() and not orphan.exists()


def test_an_interrupt_that_library_code_turns_into_an_error_still_stops_a_build() -> None:
    """Ctrl+C inside library code may come back as another exception; the build's per-table
    ``except Exception`` must not take it for one failed table and publish the rest."""
    import signal as _signal

    from egn_analytics.generations import interrupt_guard, raise_if_interrupted

    previous = _signal.signal(_signal.SIGINT, _signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt), interrupt_guard():
            try:
                try:
                    os.kill(os.getpid(), _signal.SIGINT)
                    time.sleep(5)  # the handler raises here
                except KeyboardInterrupt as exc:
                    raise RuntimeError("wrapped by a library") from exc
            except Exception as exc:  # what a build does with one failing table
                raise_if_interrupted(exc)
                pytest.fail("the interrupt was taken for a table's error")
        # Outside a guard, and once a guard has ended, nothing is pending.
        with interrupt_guard():
            raise_if_interrupted()
    finally:
        _signal.signal(_signal.SIGINT, previous)
