"""engage.impact.pdf: WeasyPrint imported without the subprocess library search, with a fallback."""
import subprocess
import sys

COUNT_SEARCHES = """
import ctypes.util, sys
searched = []
real = ctypes.util.find_library
def counting(name):
    searched.append(name)
    return real(name)
ctypes.util.find_library = counting
{setup}
from engage.impact.pdf import html_to_pdf
body, pages = html_to_pdf("<p>Monthly performance report</p>", base_url=".")
assert body.startswith(b"%PDF") and pages == 1
assert ctypes.util.find_library is counting, "find_library left patched"
print(len(searched))
"""

# The first import of weasyprint fails as if its libraries could not be opened directly.
FAIL_ONCE = """
import importlib.abc
class FailOnce(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == "weasyprint":
            sys.meta_path.remove(self)
            raise OSError("cannot load library 'libpango-1.0.so.0'")
sys.meta_path.insert(0, FailOnce())
"""


def _searches(setup: str = "") -> int:
    done = subprocess.run([sys.executable, "-c", COUNT_SEARCHES.format(setup=setup)], capture_output=True, text=True, check=True)
    return int(done.stdout.split()[-1])


def test_weasyprint_imported_without_find_library():
    assert _searches() == 0


def test_falls_back_to_the_library_search_when_direct_opens_fail():
    assert _searches(FAIL_ONCE) > 0
