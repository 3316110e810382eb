"""The screenshot of the example's HTML report in docs/telemetry.md (docs/report-html.png).

    python benchmarks/screenshot.py [--output docs/report-html.png]

A copy of examples/legacy-app goes through a migration in four weekly CI runs: each run starts
from fresh telemetry, runs the application and takes a snapshot (dated a week apart, as a CI
history imported with ``snapshot --import`` would be); between runs ``compatshim migrate
--write`` moves one more module onto the canonical paths. The report of the last run, with
that history, is opened in chromium (Playwright) and photographed.
"""

from __future__ import annotations

import argparse
import datetime
import os
import shutil
import subprocess
import sys
from pathlib import Path

from _common import ROOT
from _common import env
from _common import folder


sys.path.insert(0, str(ROOT))

from compatshim._telemetry import history


#: What each run migrated before it ran, by file of the example.
STEPS = [[], ["shopapp/orders.py"], ["shopapp/notifications.py"], []]
FIRST = datetime.datetime(2026, 11, 9, 6, 0, tzinfo=datetime.timezone.utc).timestamp()


def compatshim(project: Path, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "compatshim", *args], cwd=project, env=env(), check=True,
        capture_output=True,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", default=str(ROOT / "docs" / "report-html.png"))
    args = parser.parse_args()
    project = folder() / "legacy-app"
    shutil.copytree(ROOT / "examples" / "legacy-app", project)
    where = str(project / "history.json")
    for week, migrated in enumerate(STEPS):
        if migrated:
            compatshim(project, "migrate", "--write", *migrated)
        shutil.rmtree(project / ".compatshim", ignore_errors=True)
        subprocess.run(
            [sys.executable, "run.py"], cwd=project, env=env(), check=True, capture_output=True
        )
        os.chdir(project)
        from compatshim import telemetry_report

        report = telemetry_report(project / "pyproject.toml")
        history.append(where, history.summarize(report, taken=FIRST + week * 7 * 86400))
    compatshim(project, "report", "--format", "html", "-o", "html", "--history", where)

    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("COMPATSHIM_TEST_CHROMIUM") or shutil.which("chromium") or ""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium)
        page = browser.new_page(viewport={"width": 1000, "height": 1250})
        page.goto((project / "html" / "index.html").as_uri())
        page.screenshot(path=args.output)
        browser.close()
    print(args.output)


if __name__ == "__main__":
    main()
