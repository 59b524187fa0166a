"""Registers xdist_group for runs without pytest-xdist (where the mark does nothing)."""


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "xdist_group(name): run in the same pytest-xdist worker (--dist loadgroup)")
