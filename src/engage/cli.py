"""The `engage` command: Django's management commands, each app owning its own.

`engage import ...`, `engage detect ...`, `engage --help` lists every command.
"""
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "engage.settings")
    from django.core.management import execute_from_command_line

    argv = sys.argv[:]
    argv[0] = "engage"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
