"""The test suite's root: example_bot/ is a bot developer's project with tests of its own, run by
e2e/test_testing_plugin.py as its developer would run them, never collected with this suite."""

collect_ignore = ["example_bot"]
