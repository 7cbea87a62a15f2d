#!/usr/bin/env bash
# The manual: build docs/ with a pinned mdbook and check it offline.
#
#   1. mdbook, pinned, from crates.io (`cargo install --locked`, without the
#      serve and watch features, unoptimised: 1 min of CPU to build instead of
#      2 min 40 s, and the book still builds in about a second) into
#      target/tools/mdbook-VERSION/, skipped when that version is already there;
#   2. `mdbook build docs` into target/book/;
#   3. every internal link and anchor of the built book, of README.md and
#      of the pages' Markdown as GitHub shows it (scripts/check_docs.py:
#      Python's standard library, nothing to build),
#      after proving on a copy of the book and of the README that a broken
#      link and a broken anchor fail the check;
#   4. the README's opening paragraphs are the crate documentation's, word
#      for word;
#   5. the real output the pages show matches a fresh run
#      (scripts/docs_output.sh --check).
#
#   bash scripts/docs.sh
#   DOCS_SKIP_OUTPUT=1 bash scripts/docs.sh   # steps 1-4 only (no servers started)
set -euo pipefail
cd "$(dirname "$0")/.."
MDBOOK_VERSION=0.5.4
root=target/tools/mdbook-$MDBOOK_VERSION
mdbook=$root/bin/mdbook
if ! "$mdbook" --version 2>/dev/null | grep -qx "mdbook v$MDBOOK_VERSION"; then
  echo "== installing mdbook $MDBOOK_VERSION into $root" >&2
  cargo install mdbook --version "=$MDBOOK_VERSION" --locked --no-default-features --features search \
    --debug --root "$root" --quiet
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rm -rf target/book
# A warning (a missing {{#include}} file, say) fails the build too.
if ! "$mdbook" build docs >"$tmp/mdbook.log" 2>&1 || grep -Eq 'WARN|ERROR' "$tmp/mdbook.log"; then
  cat "$tmp/mdbook.log" >&2; echo "FAIL: mdbook build docs" >&2; exit 1
fi
echo "ok   mdbook build docs: $(find target/book -name '*.html' | wc -l) pages in target/book/"

# The check must be able to fail: on copies, one planted broken link in a
# page, one broken anchor in the README.
python3 scripts/check_docs.py self-test
cp -r target/book "$tmp/book"
sed -i 's|</main>|<a href="limits.html#no-such-anchor">x</a><a href="no-such-page.html">y</a></main>|' "$tmp/book/proxy.html"
sed 's|(docs/src/errors.md#|(docs/src/errors.md#no-such-|' README.md >"$tmp/README.md"
if planted=$(python3 scripts/check_docs.py links "$tmp/book" "$tmp/README.md" 2>&1); then
  echo "FAIL: the link check passed a book and a README with broken links" >&2; exit 1
fi
for want in 'proxy.html.*limits.html#no-such-anchor' 'proxy.html.*no-such-page.html' 'README.md.*errors.md#no-such-'; do
  grep -q "$want" <<<"$planted" || { echo "$planted" >&2; echo "FAIL: the link check missed $want" >&2; exit 1; }
done
rm -rf "$tmp/book" "$tmp/README.md"
echo "ok   a planted broken link and anchors in the built book and the README fail the check"

# The pages' Markdown too, as GitHub shows it (its heading anchors).
python3 scripts/check_docs.py links target/book README.md docs/src/*.md
echo "ok   every internal link and anchor of the book, the README and the pages' Markdown resolves"

python3 scripts/check_docs.py same-words README.md src/lib.rs
sed 's/ accept$/ welcome/; s/ accept / welcome /' README.md >"$tmp/README.md"
if python3 scripts/check_docs.py same-words "$tmp/README.md" src/lib.rs 2>/dev/null; then
  echo "FAIL: the same-words check passed a README whose opening says something else" >&2; exit 1
fi
echo "ok   the README's opening paragraphs are the crate documentation's, word for word (and a changed word fails)"

lines=$(wc -l <README.md)
[ "$lines" -le 300 ] || { echo "FAIL: README.md has $lines lines, more than 300: move a section into docs/" >&2; exit 1; }
echo "ok   README.md: $lines lines (at most 300)"

if [ -z "${DOCS_SKIP_OUTPUT:-}" ]; then
  bash scripts/docs_output.sh --check
fi
