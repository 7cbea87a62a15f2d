#!/usr/bin/env python3
"""A headless "browser" for mcp-remote ($BROWSER): opens the authorization
URL, which the test servers approve at once, and follows the redirect to the
client's loopback callback, as a person's browser would."""

import sys
import urllib.error
import urllib.request


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def main():
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(sys.argv[1], timeout=20)
        return
    except urllib.error.HTTPError as e:
        location = e.headers.get("location")
    if location:
        urllib.request.urlopen(location, timeout=20).read()


if __name__ == "__main__":
    main()
