"""Adoption telemetry: exact counts from every kind of process, and faults that never break it."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import sys
from typing import Any

import pytest
from helpers import Project


def report(project: Project, *args: str) -> Any:
    """The JSON report of ``project`` (combining its data first)."""
    result = project.command(["-m", "compatshim", "report", "--format", "json", *args])
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def hits_by_line(data: Any, legacy: str = "old") -> dict[tuple[str, int], int]:
    (alias,) = [a for a in data["aliases"] if a["legacy"] == legacy]
    return {(s["file"], s["line"]): s["hits"] for s in alias["sites"]}


def test_hits_are_counted_once_per_execution_of_a_line(canon_project: Project) -> None:
    """Loops count every iteration; a line touching a path several times counts once."""
    canon_project.run(
        """
        import warnings, compatshim, canon.pkg
        compatshim.install()
        warnings.simplefilter("ignore")
        import old.pkg.sub
        for _ in range(1234):
            old.pkg.sub.X
        for _ in range(50):
            from old.pkg.sub import X, f
        for _ in range(20):
            import old.pkg.deep.mod
        def use():
            return old.pkg.sub.f() + old.pkg.sub.f()
        for _ in range(10):
            use()
        values = [old.pkg.sub.X for _ in range(5)]
        from old.pkg import *
        import pickle
        payload = pickle.dumps(canon.pkg.Thing(), 2).replace(b"canon.pkg", b"old.pkg")
        for _ in range(3):
            pickle.loads(payload)
        """
    )
    assert hits_by_line(report(canon_project)) == {
        ("main.py", 4): 1,  # import old.pkg.sub
        ("main.py", 6): 1234,  # old.pkg.sub.X in a loop
        ("main.py", 8): 50,  # from ... import X, f: one hit per execution, not three
        ("main.py", 10): 20,  # served from sys.modules after the first time
        ("main.py", 12): 10,  # two uses on one line, ten calls
        ("main.py", 15): 5,  # a comprehension's iterations
        ("main.py", 16): 1,  # a star import, however many names it binds
        ("main.py", 20): 3,  # unpickling imports the module and reads the class: one hit each
    }


def test_a_tool_that_reaches_a_legacy_path_twice_in_one_call_counts_one_hit(
    canon_project: Project,
) -> None:
    """One hit per execution of a line, also when a tool acting for it touches the path several
    times in one call: ``mock.patch`` resolves its string target twice (the target, then the
    original), as decorator and as context manager, and ``typing.get_type_hints`` reads every
    part of a dotted annotation. A loop of such lines, and a tool called once per execution,
    count each execution."""
    canon_project.config('[tool.compatshim.aliases]\n"old" = "canon"\n')
    canon_project.run(
        """
        import importlib, typing, warnings, compatshim
        from unittest import mock
        compatshim.install()
        warnings.simplefilter("ignore")
        import old.pkg.sub
        for _ in range(3):
            with mock.patch("old.pkg.sub.f"):
                pass
        @mock.patch("old.pkg.sub.f")
        def patched(m):
            pass
        for _ in range(2):
            patched()
        for _ in range(4):
            importlib.import_module("old.pkg.sub")
        def annotated(x: "old.pkg.Thing") -> None:
            pass
        for _ in range(2):
            typing.get_type_hints(annotated, {"old": old})
        """
    )
    expected = {
        ("main.py", 5): 1,  # import old.pkg.sub
        ("main.py", 7): 3,  # with mock.patch(...), three times
        ("main.py", 9): 2,  # @mock.patch: the decorated function, called twice
        ("main.py", 15): 4,  # importlib.import_module, four times
        ("main.py", 16): 2,  # get_type_hints: the annotated function's line, twice
    }
    if sys.version_info < (3, 11):  # a repeated import_module is not seen (docs/semantics.md)
        del expected["main.py", 15]
    assert hits_by_line(report(canon_project)) == expected


def test_writes_and_deletes_through_a_legacy_module_are_counted(canon_project: Project) -> None:
    """``old.mod.LIMIT = 100``, ``setattr`` and ``del`` through a legacy module are uses of it,
    counted once per execution; the writes mock.patch makes on the user's behalf (patch and
    restore) add nothing to the count of the line whose read resolved them. A moved name
    written through its legacy module is a use of the moved name."""
    canon_project.config(
        """
        [tool.compatshim.aliases]
        "old" = "canon"
        "old.pkg.sub:OldF" = "canon.pkg.sub:f"
        """
    )
    canon_project.run(
        """
        import warnings, compatshim
        from unittest import mock
        compatshim.install()
        warnings.simplefilter("ignore")
        from old.pkg import sub
        for _ in range(3):
            sub.X = 2
        setattr(sub, "Y", 1)
        del sub.Y
        with mock.patch("old.pkg.sub.f"):
            pass
        sub.__doc__ = "a dunder write is introspection's business"
        import canon.pkg.sub
        assert canon.pkg.sub.X == 2 and not hasattr(canon.pkg.sub, "Y")
        sub.OldF = "new f"
        assert canon.pkg.sub.f == "new f"
        del sub.OldF
        """
    )
    data = report(canon_project)
    assert hits_by_line(data, "old.pkg.sub:OldF") == {("main.py", 15): 1, ("main.py", 17): 1}
    assert hits_by_line(data) == {
        ("main.py", 5): 1,  # from old.pkg import sub
        ("main.py", 7): 3,  # sub.X = 2, three times
        ("main.py", 8): 1,  # setattr(sub, "Y", 1)
        ("main.py", 9): 1,  # del sub.Y
        # mock.patch: one hit for its two reads in one call (resolving the target, keeping the
        # original), as before writes were counted; none for its writes (patching, restoring).
        ("main.py", 10): 1,
    }


def test_a_write_at_a_site_seen_before_takes_the_cached_counter(canon_project: Project) -> None:
    """A write through a legacy module is cached per site as a read is: after its first use,
    its counter is counted without the first-use route (a write in a loop costs what a read
    does), and each execution still counts once; ``old.X += 1`` (a read and a write on one
    line) counts one hit per execution."""
    canon_project.config('[tool.compatshim.aliases]\n"old" = "canon"\n')
    canon_project.run(
        """
        import warnings, compatshim
        from compatshim._runtime import proxy, uses
        compatshim.install()
        warnings.simplefilter("ignore")
        import old
        calls = []
        real = uses.use
        proxy._sites.use = lambda *args, **kwargs: calls.append(args[1]) or real(*args, **kwargs)
        for i in range(5):
            old.X = i
        for i in range(4):
            old.X += 1
        # The first execution of each instruction only: the write of line 10, then the read and
        # the write of line 12.
        assert calls == ["old", "old", "old"], calls
        """
    )
    assert hits_by_line(report(canon_project)) == {
        ("main.py", 5): 1,
        ("main.py", 10): 5,
        ("main.py", 12): 4,  # one hit per execution: the read counts, the write does not
    }


def test_sites_record_module_and_relative_path(canon_project: Project) -> None:
    """Files inside the project are relative; the importing module's name is kept."""
    canon_project.write(
        {"app/__init__.py": "", "app/views.py": "import old.pkg\nold.pkg.helper()\n"}
    )
    canon_project.run("import warnings, compatshim\ncompatshim.install()\nimport app.views\n")
    (alias,) = report(canon_project)["aliases"]
    assert [(s["file"], s["line"], s["module"]) for s in alias["sites"]] == [
        ("app/views.py", 1, "app.views"),
        ("app/views.py", 2, "app.views"),
    ]
    assert alias["canonical"] == "canon" and alias["hits"] == 2


def test_threads_count_exactly(canon_project: Project) -> None:
    """Counting is exact under contention: 8 threads x 5,000 uses give 40,000 hits."""
    canon_project.run(
        """
        import threading, warnings, compatshim
        compatshim.install()
        warnings.simplefilter("ignore")
        import old.pkg
        barrier = threading.Barrier(8)

        def work():
            barrier.wait()
            for _ in range(5000):
                old.pkg.CONSTANT

        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads: t.start()
        for t in threads: t.join()
        """
    )
    assert hits_by_line(report(canon_project))[("main.py", 10)] == 40_000


def test_concurrent_processes_lose_nothing_and_combine_once(canon_project: Project) -> None:
    """Six processes writing at once: every hit arrives, and reporting twice counts once."""
    canon_project.write(
        {
            "worker.py": """
                import warnings, compatshim
                compatshim.install()
                warnings.simplefilter("ignore")
                import old.pkg
                for _ in range(1000):
                    old.pkg.CONSTANT
            """
        }
    )
    canon_project.run(
        """
        import subprocess, sys
        procs = [subprocess.Popen([sys.executable, "worker.py"]) for _ in range(6)]
        assert all(p.wait() == 0 for p in procs)
        """
    )
    first, second = report(canon_project), report(canon_project)
    assert first == second
    assert first["runs"] == 6
    assert hits_by_line(first) == {("worker.py", 4): 6, ("worker.py", 6): 6000}
    files = sorted(p.name for p in (canon_project.root / ".compatshim").iterdir())
    assert files == [".gitignore", "config.cache", "telemetry.db"]


def test_forked_child_never_recounts_its_parents_hits(canon_project: Project) -> None:
    """A fork child writes only its own hits, even when it ends through os._exit."""
    canon_project.run(
        """
        import os, warnings, compatshim
        compatshim.install()
        warnings.simplefilter("ignore")
        import old.pkg
        for _ in range(100):
            old.pkg.CONSTANT
        pid = os.fork()
        if pid == 0:
            for _ in range(10):
                old.pkg.CONSTANT
            os._exit(0)
        os.waitpid(pid, 0)
        for _ in range(50):
            old.pkg.CONSTANT
        """
    )
    data = report(canon_project)
    assert data["runs"] == 2
    assert hits_by_line(data) == {
        ("main.py", 4): 1,
        ("main.py", 6): 100,
        ("main.py", 10): 10,
        ("main.py", 14): 50,
    }


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
@pytest.mark.parametrize("ending", ["terminate", "close-join"])
def test_multiprocessing_children_deliver_their_counts(
    canon_project: Project, method: str, ending: str
) -> None:
    """Pool workers write every hit they counted: those that end through os._exit (fork) or
    exit (spawn) after close()/join(), and those that `with Pool() as pool:` terminates
    (SIGTERM) once it has their results."""
    canon_project.write(
        {
            "tasks.py": """
                import old.pkg

                def task(n):
                    for _ in range(n):
                        old.pkg.CONSTANT
                    return n
            """
        }
    )
    canon_project.run(
        f"""
        import multiprocessing, warnings, compatshim
        compatshim.install()
        warnings.simplefilter("ignore")
        import tasks

        if __name__ == "__main__":
            with multiprocessing.get_context({method!r}).Pool(3) as pool:
                assert sum(pool.map(tasks.task, [1000] * 12, chunksize=1)) == 12_000
                if {ending!r} == "close-join":
                    pool.close()
                    pool.join()
        """
    )
    assert hits_by_line(report(canon_project))[("tasks.py", 5)] == 12_000


def test_a_killed_process_loses_only_what_it_counted_since_its_last_flush(
    canon_project: Project,
) -> None:
    """SIGKILL after compatshim.flush(): the flushed hits are kept, the rest is lost."""
    result = canon_project.run(
        """
        import os, signal, warnings, compatshim
        compatshim.install()
        warnings.simplefilter("ignore")
        import old.pkg
        for _ in range(100):
            old.pkg.CONSTANT
        compatshim.flush()
        for _ in range(50):
            old.pkg.CONSTANT
        os.kill(os.getpid(), signal.SIGKILL)
        """,
        check=False,
    )
    assert result.returncode == -9
    assert hits_by_line(report(canon_project))[("main.py", 6)] == 100


def test_a_long_running_process_flushes_periodically(canon_project: Project) -> None:
    """With no new site and no explicit flush, counts still reach the data file (every
    PERIODIC_INTERVAL seconds), so a server killed later loses at most the last interval."""
    result = canon_project.run(
        """
        import os, signal, time, warnings, compatshim
        from compatshim._telemetry import flushing, recorder as _telemetry
        flushing.PERIODIC_INTERVAL = 0.05
        compatshim.install()
        warnings.simplefilter("ignore")
        import old.pkg
        for _ in range(150):
            old.pkg.CONSTANT
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # until a flush wrote every count
            records = _telemetry._records(_telemetry.recorder._groups)
            if all(r.flushed == _telemetry._value(r) for _, _, r in records):
                break
            time.sleep(0.01)
        os.kill(os.getpid(), signal.SIGKILL)
        """,
        check=False,
    )
    assert result.returncode == -9
    assert hits_by_line(report(canon_project))[("main.py", 8)] == 150


def test_the_flusher_thread_never_makes_a_fork_warn(canon_project: Project) -> None:
    """Python 3.12+ warns when a process with several threads forks: the flusher stops before
    each fork, and starts again at the parent's next recorded use."""
    result = canon_project.run(
        """
        import os, warnings, compatshim
        from compatshim._telemetry import flushing
        compatshim.install()
        import old.pkg
        old.pkg.CONSTANT
        assert flushing._flusher.is_alive()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            pid = os.fork()
            if pid == 0:
                os._exit(0)
        os.waitpid(pid, 0)
        assert not caught, [str(w.message) for w in caught]
        assert not flushing._flusher.is_alive()
        import old.pkg  # a use: the flusher runs again
        assert flushing._flusher.is_alive()
        print("forked")
        """,
    )
    assert "forked" in result.stdout


@pytest.mark.parametrize("switch", ["config", "env"])
def test_telemetry_off_writes_nothing(canon_project: Project, switch: str) -> None:
    """telemetry = false (or COMPATSHIM_TELEMETRY=0): no file, no folder, nothing."""
    if switch == "config":
        canon_project.config(
            '[tool.compatshim]\ntelemetry = false\n[tool.compatshim.aliases]\n"old" = "canon"\n'
        )
    env = {"COMPATSHIM_TELEMETRY": "0"} if switch == "env" else {}
    canon_project.run(
        "import warnings, compatshim\ncompatshim.install()\nwarnings.simplefilter('ignore')\n"
        "import old.pkg\nold.pkg.CONSTANT\n",
        env=env,
    )
    assert not (canon_project.root / ".compatshim").exists()


SCRIPT = """
import warnings, compatshim
compatshim.install()
warnings.simplefilter("ignore")
import old.pkg
print("RESULT", old.pkg.CONSTANT)
"""


def test_a_file_where_the_data_folder_should_be(canon_project: Project) -> None:
    """The program runs on; compatshim says so once, on stderr."""
    (canon_project.root / ".compatshim").write_text("I am a file")
    result = canon_project.run(SCRIPT)
    assert "RESULT 42" in result.stdout
    assert result.stderr.count("[telemetry-write]") == 1
    assert "recording stops for this process, the program goes on" in result.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="resource limits are POSIX")
def test_a_full_disk(canon_project: Project) -> None:
    """A write failing for lack of space (RLIMIT_FSIZE) is reported once; the program runs on."""
    result = canon_project.run(
        """
        import resource, signal
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        import compatshim
        compatshim.install()  # the configuration cache is written here, before the limit
        resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))
        import warnings
        warnings.simplefilter("ignore")
        import old.pkg
        for _ in range(10):
            old.pkg.CONSTANT
        compatshim.flush()
        print("RESULT", "still running")
        """
    )
    assert "RESULT still running" in result.stdout
    assert result.stderr.count("[telemetry-write]") == 1


def _record_once(project: Project) -> None:
    project.run(SCRIPT)


def test_report_skips_corrupt_and_foreign_files_and_says_so(canon_project: Project) -> None:
    """Unreadable files are named on stderr with the reason; the rest is reported."""
    _record_once(canon_project)
    folder = canon_project.root / ".compatshim"
    (folder / "telemetry.db.host.1.corrupt").write_bytes(b"this is not sqlite" * 100)
    with contextlib.closing(sqlite3.connect(folder / "telemetry.db.host.2.foreign")) as foreign:
        foreign.execute("CREATE TABLE something (x)")
        foreign.commit()
    result = canon_project.command(["-m", "compatshim", "report", "--format", "json"])
    assert result.returncode == 0
    assert json.loads(result.stdout)["aliases"][0]["hits"] == 2
    skipped = [
        line for line in result.stderr.splitlines() if line.startswith("compatshim: skipped")
    ]
    assert len(skipped) == 2
    assert any("not a compatshim data file" in line for line in skipped)
    assert all(line.count(str(folder)) == 1 for line in skipped)  # each names its file once
    # The unreadable files stay, for a human to look at.
    assert (folder / "telemetry.db.host.1.corrupt").exists()


def test_report_without_data_exits_2_with_one_line(canon_project: Project) -> None:
    """No data at all: exit status 2 and one clear line, no traceback."""
    result = canon_project.command(["-m", "compatshim", "report"])
    assert result.returncode == 2
    assert result.stderr.splitlines()[0].startswith("compatshim: error: no telemetry data")
    assert "Traceback" not in result.stderr
    bad = canon_project.root / "garbage.db"
    bad.write_bytes(b"x" * 4096)
    result = canon_project.command(["-m", "compatshim", "report", "--data", str(bad)])
    assert result.returncode == 2
    assert "not a compatshim data file" in result.stderr


def test_report_waits_for_a_locked_data_file(canon_project: Project) -> None:
    """Another process holding the combined file for a moment only delays the report."""
    _record_once(canon_project)
    report(canon_project)  # creates the combined file
    _record_once(canon_project)
    result = canon_project.run(
        """
        import sqlite3, subprocess, sys, time
        db = sqlite3.connect(".compatshim/telemetry.db", isolation_level=None)
        db.execute("BEGIN EXCLUSIVE")
        proc = subprocess.Popen([sys.executable, "-m", "compatshim", "report", "--format", "json"],
                                stdout=subprocess.PIPE, text=True)
        time.sleep(1)
        db.execute("COMMIT")
        out, _ = proc.communicate()
        import json, _probe
        _probe.emit([proc.returncode, json.loads(out)["aliases"][0]["hits"]])
        """
    )
    assert result.value == [0, 4]


def test_a_running_process_file_is_read_but_never_combined(canon_project: Project) -> None:
    """A report while a server runs reads its file as it is and leaves it for the server."""
    result = canon_project.run(
        """
        import subprocess, sys, time, json, _probe
        server = subprocess.Popen([sys.executable, "-c", '''
        import time, warnings, compatshim
        compatshim.install()
        warnings.simplefilter("ignore")
        import old.pkg
        for _ in range(7):
            old.pkg.CONSTANT
        compatshim.flush()
        print("flushed", flush=True)
        input()
        for _ in range(3):
            old.pkg.CONSTANT
        '''.replace("\\n        ", "\\n")], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert server.stdout.readline().strip() == "flushed"
        during = subprocess.run([sys.executable, "-m", "compatshim", "report", "--format", "json"],
                                capture_output=True, text=True, check=True).stdout
        server.communicate("go\\n")
        after = subprocess.run([sys.executable, "-m", "compatshim", "report", "--format", "json"],
                               capture_output=True, text=True, check=True).stdout
        _probe.emit([json.loads(during)["aliases"][0]["hits"], json.loads(after)["aliases"][0]["hits"]])
        """
    )
    assert result.value == [8, 11]  # the import and 7 uses while running; 3 more at the end


def test_the_first_use_loads_no_sqlite_and_starts_no_thread(canon_project: Project) -> None:
    """The program's first legacy import and reads do no telemetry I/O on its thread: no
    SQLite, no data file, no heavy import, no thread started; the counts still arrive at exit."""
    result = canon_project.run(
        """
        import sys, warnings, compatshim, _probe
        from compatshim._telemetry import flushing
        compatshim.install()
        warnings.simplefilter("ignore")
        before = set(sys.modules)
        flusher = flushing._flusher  # started by install(), if at all
        import old.pkg
        for _ in range(3):
            old.pkg.CONSTANT
        heavy = {"sqlite3", "json", "socket", "uuid", "threading", "re", "datetime"}
        _probe.emit({
            "loaded": sorted(heavy & (set(sys.modules) - before)),
            "sqlite3": "sqlite3" in sys.modules,
            "same flusher": flushing._flusher is flusher,
        })
        """
    )
    assert result.value == {"loaded": [], "sqlite3": False, "same flusher": True}
    assert hits_by_line(report(canon_project)) == {("main.py", 7): 1, ("main.py", 9): 3}


def test_counts_arrive_through_the_flusher_when_new_sites_appear(canon_project: Project) -> None:
    """New sites wake the background flusher (at most every FLUSH_INTERVAL seconds), which
    writes them off the user's thread: a process killed afterwards keeps them."""
    result = canon_project.run(
        """
        import os, signal, sys, time, warnings, compatshim
        from compatshim._telemetry import recorder as _telemetry
        _telemetry.FLUSH_INTERVAL = 0.0
        compatshim.install()
        warnings.simplefilter("ignore")
        import old.pkg
        old.pkg.CONSTANT
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not _telemetry.recorder.own_file:
            time.sleep(0.01)
        while time.monotonic() < deadline:  # until a flush wrote every count
            records = _telemetry._records(_telemetry.recorder._groups)
            if all(r.flushed == _telemetry._value(r) for _, _, r in records):
                break
            time.sleep(0.01)
        os.kill(os.getpid(), signal.SIGKILL)
        """,
        check=False,
    )
    assert result.returncode == -9
    assert hits_by_line(report(canon_project)) == {("main.py", 6): 1, ("main.py", 7): 1}


def test_a_flush_with_nothing_changed_reads_no_record(canon_project: Project) -> None:
    """A flush after which no hit and no site came looks at no record (one total says so);
    the next hit is written by the next flush."""
    result = canon_project.run(
        """
        import warnings, compatshim, _probe
        from compatshim._telemetry import recorder as _telemetry
        compatshim.install()
        warnings.simplefilter("ignore")
        import old.pkg
        def use():
            return old.pkg.CONSTANT
        for _ in range(3):
            use()
        compatshim.flush()
        reads = []
        value = _telemetry._value
        _telemetry._value = lambda counter: reads.append(1) or value(counter)
        compatshim.flush()
        idle = len(reads)
        use()
        compatshim.flush()
        _probe.emit([idle, len(reads) > 0])
        """
    )
    assert result.value == [0, True]
    assert hits_by_line(report(canon_project)) == {("main.py", 5): 1, ("main.py", 7): 4}


def test_a_process_that_installs_and_exits_at_once_exits_cleanly(canon_project: Project) -> None:
    """The flusher thread starts at install(): a program that ends right away must not race
    it (a thread still starting, or woken, while the interpreter shuts down crashed 3.9 about
    once in 40 runs). Twenty short processes, each exiting with status 0."""
    canon_project.write({"quick.py": "import compatshim\ncompatshim.install()\n"})
    for _ in range(20):
        result = canon_project.command(["quick.py"])
        assert result.returncode == 0, (result.returncode, result.stderr)
