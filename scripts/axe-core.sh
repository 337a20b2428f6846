#!/usr/bin/env bash
# Vendors axe-core (Deque's accessibility engine, from the npm registry) for the browser
# tests: var/axe-core/axe.min.js, injected into every page they check
# (tests/browser/axe.py). Pinned; `npm pack` checks the tarball against the registry's
# integrity hash. Does nothing when the pinned version is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=4.14.1
DEST=var/axe-core
if [ -f "$DEST/axe.min.js" ] && [ "$(cat "$DEST/VERSION" 2>/dev/null)" = "$VERSION" ]; then
  exit 0
fi
command -v npm >/dev/null 2>&1 || bash scripts/system-deps.sh axe
mkdir -p "$DEST"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "axe-core@$VERSION" >/dev/null)
tar -xzf "$work/axe-core-$VERSION.tgz" -C "$work" package/axe.min.js package/LICENSE
cp "$work/package/axe.min.js" "$work/package/LICENSE" "$DEST/"
echo "$VERSION" > "$DEST/VERSION"
echo "axe-core $VERSION vendored into $DEST"
