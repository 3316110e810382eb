"""Real projects' test suites against renamed copies: see run.py and docs/realworld.md."""
