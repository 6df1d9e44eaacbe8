"""WeasyPrint, loaded lazily, once per process, and without its slow library search.

WeasyPrint opens pango, harfbuzz, fontconfig and gobject through cffi, trying several
names per library. For each name without a path cffi asks `ctypes.util.find_library`,
which on Linux runs `ldconfig -p` (and gcc/ld when that fails) in a subprocess: about
20 subprocesses and 0.5 s of wall time on every fresh process (a CLI run, a new web
worker) before the names that work (`libpango-1.0.so.0`, ...) are opened directly by
the dynamic loader. While WeasyPrint is imported here `find_library` answers "not
found" at once, so only those direct opens are tried; if the import then fails (a
system whose libraries only `find_library` can locate), it is retried with the real
search. Importing here rather than at module level keeps WeasyPrint out of every
process that never writes a PDF (docs/reports.md, "Monthly performance report").
"""
from __future__ import annotations

import ctypes.util
import sys
import threading
from types import ModuleType

_lock = threading.Lock()
_module: ModuleType | None = None


def weasyprint() -> ModuleType:
    """The weasyprint module, imported on first use."""
    global _module
    if _module is None:
        with _lock:
            if _module is None:
                _module = _import_weasyprint()
    return _module


def _import_weasyprint() -> ModuleType:
    if "weasyprint" in sys.modules:
        return sys.modules["weasyprint"]
    real, importing = ctypes.util.find_library, threading.get_ident()

    def not_found(name: str) -> str | None:
        # Only this thread's lookups (WeasyPrint's) are cut short; another thread's
        # lookup at the same moment gets the real search.
        return None if threading.get_ident() == importing else real(name)

    ctypes.util.find_library = not_found
    try:
        import weasyprint
        return weasyprint
    except OSError:
        # Half-imported modules would keep the failed library handles: start afresh.
        for name in [n for n in sys.modules if n == "weasyprint" or n.startswith("weasyprint.")]:
            del sys.modules[name]
    finally:
        ctypes.util.find_library = real
    import weasyprint
    return weasyprint


def html_to_pdf(html: str, base_url: str) -> tuple[bytes, int]:
    """The PDF of `html` and its page count."""
    document = weasyprint().HTML(string=html, base_url=base_url).render()
    return document.write_pdf(), len(document.pages)
