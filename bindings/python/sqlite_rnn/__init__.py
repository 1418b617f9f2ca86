"""Loads the sqlite-rnn extension into Python's sqlite3 module.

    import sqlite3, sqlite_rnn
    conn = sqlite3.connect("forecasts.db")
    sqlite_rnn.load(conn)
    conn.execute("SELECT rnn_version()").fetchone()

The package holds the compiled extension (rnn.so) beside this file; this
directory in the source tree is a template without it, which
bindings/build.sh (`make python-package`) copies with the library added and
the version filled in.
"""
import os

# Replaced by bindings/build.sh with RNN_VERSION from core/rnn.h, so it is
# the string that rnn_version() returns.
__version__ = "@RNN_VERSION@"

__all__ = ["__version__", "loadable_path", "load"]

_LIBRARY = "rnn.so"


def loadable_path():
    """Returns the absolute path of the rnn.so shipped in this package.

    The path can be passed to sqlite3.Connection.load_extension() (or to
    `.load` in the sqlite3 shell); SQLite finds the entry point
    sqlite3_rnn_init from the file name. Raises FileNotFoundError when the
    package was not built with the library in it.
    """
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), _LIBRARY)
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"sqlite_rnn: {path} does not exist; this is the package source "
            "without the compiled extension: build the package with "
            "`make python-package` in the sqlite-rnn tree and use the copy "
            "it writes")
    return path


def load(conn):
    """Loads sqlite-rnn into conn, a sqlite3.Connection.

    Extension loading is enabled for the call and disabled afterwards, also
    when loading fails. The sqlite3 module cannot tell whether loading was
    enabled before, so the previous state is not restored: call
    conn.enable_load_extension(True) again if the connection needs it.

    Raises RuntimeError when conn has no enable_load_extension method: the
    Python was built without loadable SQLite extensions. pyenv builds
    Python that way unless told otherwise; Debian's /usr/bin/python3 has
    them, or rebuild with
    PYTHON_CONFIGURE_OPTS="--enable-loadable-sqlite-extensions".
    sqlite3.OperationalError comes from SQLite itself (the file is not a
    loadable library for this machine, say).
    """
    if not hasattr(conn, "enable_load_extension"):
        raise RuntimeError(
            "sqlite_rnn.load: this Python's sqlite3 module cannot load "
            "extensions (the connection has no enable_load_extension). "
            "pyenv builds Python without that by default: use Debian's "
            "/usr/bin/python3, or reinstall with "
            "PYTHON_CONFIGURE_OPTS=\"--enable-loadable-sqlite-extensions\" "
            "pyenv install VERSION")
    path = loadable_path()
    conn.enable_load_extension(True)
    try:
        conn.load_extension(path)
    finally:
        conn.enable_load_extension(False)
