"""``python -m oauth_metadata_repair ARGS``: runs the installed binary."""

import os
import subprocess
import sys

from oauth_metadata_repair import find_binary


def main() -> "int":
    binary = find_binary()
    if sys.platform == "win32":
        return subprocess.run([binary, *sys.argv[1:]]).returncode
    # Replace this process, so signals (SIGTERM from a supervisor) reach the
    # proxy itself and its exit status is the command's.
    os.execv(binary, [binary, *sys.argv[1:]])
    return 1  # not reached


if __name__ == "__main__":
    sys.exit(main())
