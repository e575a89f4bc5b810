"""kubectl pods: scaffold, diff and explain multi-container pods."""

__version__ = "0.1.0"
