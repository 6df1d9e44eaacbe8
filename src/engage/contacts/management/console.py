"""Rich console for the contacts commands: wide enough for the tables when piped."""
import sys

from rich.console import Console


def console() -> Console:
    return Console() if sys.stdout.isatty() else Console(width=160)
