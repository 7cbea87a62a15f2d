"""Offline checks of the manual and the README (Python standard library only).

    python3 scripts/check_docs.py links BOOK_DIR FILE.md...  # every internal link and anchor
    python3 scripts/check_docs.py same-words README.md src/lib.rs
    python3 scripts/check_docs.py self-test                  # the link check must fail on broken links

links: in the built book (BOOK_DIR, mdbook's HTML), every href and src that
is not an external URL must name a file inside BOOK_DIR, and its #fragment
an id in that file. In each Markdown file (the README), every link that is
not an external URL must name a file or folder of the repository, and its
#fragment a heading of that Markdown file as GitHub names it (lower case,
punctuation dropped, spaces as hyphens, -1, -2, ... for repeats). Prints one
line per broken link and exits 1 if there is any.

same-words: the README's text between its "open the crate documentation"
marker and "end of the crate documentation's words" must appear word for
word, whitespace and backticks aside, in the crate documentation (the //!
lines).
"""

import html.parser
import os
import re
import shutil
import sys
import tempfile
from urllib.parse import unquote, urlsplit

EXTERNAL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//")


class Page(html.parser.HTMLParser):
    """The ids and the link targets of one HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids = set()
        self.links = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name") if tag == "a" else ("id",):
            if attrs.get(key):
                self.ids.add(attrs[key])
        for key in ("href", "src"):
            value = attrs.get(key)
            if value is not None and tag in ("a", "img", "link", "script", "iframe", "source"):
                self.links.append((self.getpos()[0], value))


def parse_html(path):
    page = Page()
    with open(path, encoding="utf-8") as f:
        page.feed(f.read())
    return page


def resolve(path, link, root, name, exists, index=None):
    """The file a relative `link` in `path` points to and its fragment, or
    the problem: outside `root` (called `name`), or no such file (`exists`
    tells). A link to a folder means its `index`, when given."""
    parts = urlsplit(link)
    target = os.path.realpath(path)
    if parts.path:
        target = os.path.realpath(os.path.join(os.path.dirname(target), unquote(parts.path)))
        if index and os.path.isdir(target):
            target = os.path.join(target, index)
    if os.path.commonpath([root, target]) != root:
        return None, None, f"points outside {name}"
    if not exists(target):
        return None, None, "no such file"
    return target, unquote(parts.fragment), None


def check_book(book):
    problems = []
    book = os.path.realpath(book)
    pages = {}
    for root, _, files in os.walk(book):
        for name in files:
            if name.endswith(".html"):
                path = os.path.join(root, name)
                pages[path] = parse_html(path)
    if not pages:
        return [f"{book}: no HTML page"]
    for path, page in sorted(pages.items()):
        rel = os.path.relpath(path, book)
        for line, link in page.links:
            if EXTERNAL.match(link):
                continue
            where = f"{rel}:{line}: {link}"
            target, fragment, problem = resolve(path, link, book, "the book", os.path.isfile, "index.html")
            if problem:
                problems.append(f"{where}: {problem}")
                continue
            if fragment and target.endswith(".html"):
                if target not in pages:
                    pages[target] = parse_html(target)
                if fragment not in pages[target].ids:
                    problems.append(f"{where}: no id \"{fragment}\" in {os.path.relpath(target, book)}")
    return problems


FENCE = re.compile(r"^\s*(```|~~~)")


def prose_lines(text):
    """(line number, line) outside fenced code blocks."""
    fenced = False
    for number, line in enumerate(text.split("\n"), 1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            yield number, line


def github_anchors(path):
    """The anchors GitHub gives the headings of a Markdown file."""
    anchors, seen = set(), {}
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for _, line in prose_lines(text):
        m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not m:
            continue
        title = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", m.group(1))  # links: their text
        title = re.sub(r"<[^>]+>", "", title).replace("`", "").lower()
        slug = re.sub(r"[^\w\- ]", "", title).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


LINK = re.compile(r"\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)|<a\s[^>]*href=\"([^\"]*)\"")


def check_markdown(path, repo):
    problems = []
    repo = os.path.realpath(repo)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for number, line in prose_lines(text):
        line = re.sub(r"`[^`]*`", "", line)  # code spans hold no links
        for m in LINK.finditer(line):
            link = m.group(1) if m.group(1) is not None else m.group(2)
            if not link or EXTERNAL.match(link):
                continue
            where = f"{path}:{number}: {link}"
            target, fragment, problem = resolve(path, link, repo, "the repository", os.path.exists)
            if problem:
                problems.append(f"{where}: {problem}")
                continue
            if fragment and target.endswith(".md") and fragment not in github_anchors(target):
                problems.append(f"{where}: no heading \"{fragment}\" in {os.path.relpath(target, repo)}")
    return problems


def links(book, markdown):
    problems = check_book(book)
    for path in markdown:
        problems += check_markdown(path, os.getcwd())
    for line in problems:
        print(f"FAIL broken link {line}", file=sys.stderr)
    return problems


def same_words(readme, lib):
    with open(readme, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"<!--[^>]*open the crate documentation[^>]*-->(.*?)<!-- end of the crate documentation's words -->", text, re.S)
    if not m or not m.group(1).strip():
        print(f"FAIL {readme}: no passage marked as the crate documentation's words", file=sys.stderr)
        return False
    with open(lib, encoding="utf-8") as f:
        crate = "\n".join(l[3:] for l in f.read().split("\n") if l.startswith("//!"))
    # Words, not markup: rustdoc's lints want `OpenID` in backticks where
    # the README reads better without them.
    words = lambda s: " ".join(s.replace("`", "").split())
    if words(m.group(1)) not in words(crate):
        print(f"FAIL {readme}: the passage marked as the crate documentation's words is not in {lib}'s //! text", file=sys.stderr)
        return False
    return True


def self_test():
    """A small book and README with known broken links: each must be named."""
    tmp = tempfile.mkdtemp()
    try:
        book = os.path.join(tmp, "book")
        os.makedirs(os.path.join(book, "css"))
        open(os.path.join(book, "css", "a.css"), "w").close()
        with open(os.path.join(book, "index.html"), "w") as f:
            f.write('<link href="css/a.css"><h1 id="top">t</h1><a href="#top">ok</a><a href="page.html#there">ok</a>'
                    '<a href="https://example.com/x#y">external</a><a href="#">empty</a>'
                    '<a href="missing.html">1</a><a href="page.html#nowhere">2</a><a href="#gone">3</a>'
                    '<a href="../outside.html">4</a>\n')
        with open(os.path.join(book, "page.html"), "w") as f:
            f.write('<h2 id="there">x</h2><a href="index.html">ok</a><img src="img/none.png">\n')
        with open(os.path.join(tmp, "other.md"), "w") as f:
            f.write("# Other page\n\n## A \"quoted\" heading: `code`, too\n\n```\n# not a heading\n```\n")
        with open(os.path.join(tmp, "README.md"), "w") as f:
            f.write("# Title\n\n## Do I need this?\n\n[ok](#do-i-need-this) [ok](other.md) "
                    "[ok](other.md#a-quoted-heading-code-too) [ext](https://example.com/#z) `[code](nowhere.md)`\n"
                    "[1](#no-such-heading) [2](other.md#not-a-heading) [3](missing.md) [4](../../outside.md)\n"
                    "```\n[in a code block](nowhere.md)\n```\n")
        cwd = os.getcwd()
        os.chdir(tmp)
        try:
            book_problems = check_book("book")
            md_problems = check_markdown("README.md", tmp)
        finally:
            os.chdir(cwd)
        want_book = ["missing.html", "page.html#nowhere", "#gone", "../outside.html", "img/none.png"]
        want_md = ["#no-such-heading", "other.md#not-a-heading", "missing.md", "../../outside.md"]
        ok = True
        for want, got in ((want_book, book_problems), (want_md, md_problems)):
            named = [p.split(": ")[1] for p in got]
            if sorted(named) != sorted(want):
                print(f"FAIL self-test: broken links found {named}, expected exactly {want}", file=sys.stderr)
                ok = False
        if ok:
            print(f"ok   the link check names each of {len(want_book) + len(want_md)} planted broken links and no sound one")
        return ok
    finally:
        shutil.rmtree(tmp)


def main():
    args = sys.argv[1:]
    if len(args) >= 2 and args[0] == "links":
        sys.exit(1 if links(args[1], args[2:]) else 0)
    if len(args) == 3 and args[0] == "same-words":
        sys.exit(0 if same_words(args[1], args[2]) else 1)
    if args == ["self-test"]:
        sys.exit(0 if self_test() else 1)
    print(__doc__, file=sys.stderr)
    sys.exit(2)


if __name__ == "__main__":
    main()
