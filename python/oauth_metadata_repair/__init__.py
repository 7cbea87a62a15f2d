"""The oauth-metadata-repair binary, installed by pip, pipx or uv.

Run it as ``oauth-metadata-repair`` or ``python -m oauth_metadata_repair``.
"""

import os
import sys
import sysconfig

__all__ = ["find_binary"]


def find_binary() -> str:
    """Return the path of the installed ``oauth-metadata-repair`` binary."""
    name = "oauth-metadata-repair" + (".exe" if sys.platform == "win32" else "")
    # The scripts folder of this installation (venv, --user or system), then
    # the folder that holds this package's own installation scheme.
    candidates = [sysconfig.get_path("scripts")]
    user_scheme = f"{os.name}_user" if sys.version_info >= (3, 10) else None
    if user_scheme and user_scheme in sysconfig.get_scheme_names():
        candidates.append(sysconfig.get_path("scripts", scheme=user_scheme))
    here = os.path.dirname(os.path.abspath(__file__))
    # <prefix>/lib/pythonX.Y/site-packages/oauth_metadata_repair -> <prefix>/bin
    candidates.append(os.path.join(here, "..", "..", "..", "..", "bin"))
    candidates.append(os.path.join(here, "..", "..", "..", "..", "Scripts"))
    for folder in candidates:
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            return os.path.normpath(path)
    raise FileNotFoundError(f"{name} is not installed next to this Python package")
