"""Many threads importing legacy and canonical paths at once."""

from __future__ import annotations

from helpers import Project


def test_cold_start_race_yields_one_module_and_no_deadlock(canon_project: Project) -> None:
    """Threads released together all get the identical objects; each module runs once."""
    result = canon_project.run(
        """
        import builtins, importlib, random, sys, threading, warnings, _probe, compatshim
        compatshim.install()
        warnings.simplefilter("ignore")
        names = ["old.pkg.sub", "canon.pkg.sub", "old.pkg.deep.mod", "canon.pkg.deep.mod",
                 "old.pkg", "canon.pkg"]
        barrier = threading.Barrier(24)
        seen, errors = [], []

        def work(seed):
            rng = random.Random(seed)
            order = names[:]
            rng.shuffle(order)
            barrier.wait()
            try:
                for name in order:
                    module = importlib.import_module(name)
                    target = compatshim._runtime.proxy.canonical_of(module) or module
                    seen.append((name.replace("old", "canon"), id(target),
                                 id(getattr(module, "__name__") and module.__dict__)))
            except Exception as e:
                errors.append(repr(e))

        threads = [threading.Thread(target=work, args=(i,)) for i in range(24)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        by_name = {}
        for name, target, namespace in seen:
            by_name.setdefault(name, set()).add((target, namespace))
        _probe.emit({
            "alive": [t.is_alive() for t in threads].count(True),
            "errors": errors,
            "distinct": sorted(len(v) for v in by_name.values()),
            "executed": sorted(builtins.EXECUTED),
            "uses": len(seen),
        })
        """
    )
    assert result.value == {
        "alive": 0,
        "errors": [],
        "distinct": [1, 1, 1],
        "executed": sorted(
            ["canon", "canon.pkg", "canon.pkg.sub", "canon.pkg.deep", "canon.pkg.deep.mod"]
        ),
        "uses": 24 * 6,
    }


def test_lock_order_cycle_through_a_legacy_path_does_not_deadlock(project: Project) -> None:
    """Thread A imports legacy.x (whose canonical imports y); thread B imports y, which
    imports legacy.x. No hang, no deadlock error, one execution each."""
    project.write(
        {
            "canon_x.py": """
                import builtins, time
                builtins.__dict__.setdefault("EXECUTED", []).append(__name__)
                time.sleep(0.05)
                import y
                X = "x"
            """,
            "y.py": """
                import builtins, time
                builtins.__dict__.setdefault("EXECUTED", []).append(__name__)
                time.sleep(0.05)
                import legacy_x
                Y = "y"
            """,
        }
    ).config(
        """
        [tool.compatshim.aliases]
        "legacy_x" = "canon_x"
        """
    )
    result = project.run(
        """
        import builtins, importlib, threading, warnings, _probe, compatshim
        compatshim.install()
        warnings.simplefilter("ignore")
        errors = []

        def imp(name):
            try:
                importlib.import_module(name)
            except Exception as e:
                errors.append(repr(e))

        a = threading.Thread(target=imp, args=("legacy_x",))
        b = threading.Thread(target=imp, args=("y",))
        a.start(); b.start(); a.join(30); b.join(30)
        import legacy_x, canon_x, y
        _probe.emit({"alive": [a.is_alive(), b.is_alive()], "errors": errors,
                     "executed": sorted(builtins.EXECUTED), "same": legacy_x.X is canon_x.X})
        """
    )
    assert result.value["alive"] == [False, False]
    assert result.value["errors"] == []
    assert result.value["executed"] == ["canon_x", "y"]
    assert result.value["same"] is True
