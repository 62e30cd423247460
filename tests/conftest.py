"""Shared pytest set-up: the anvil chain fixtures (tests/chain) and a summary
of the differential swap counts at the end of the run."""

from tests.chain import stats
from tests.chain.fixtures import anvil, chain, module_chain  # noqa: F401 - fixtures


def pytest_terminal_summary(terminalreporter):
    lines = stats.summary_lines()
    if lines:
        terminalreporter.section("differential swap counts")
        for line in lines:
            terminalreporter.write_line(line)
