#!/usr/bin/env bash
# Downloads Debian's jargon-text package (the Jargon File 4.4.7, public domain) and unpacks the
# text into the Prune cache, without installing the package (slim images drop /usr/share/doc):
#   ${PRUNE_CACHE:-$HOME/.cache/prune}/text/jargon.txt.gz
set -euo pipefail
cache="${PRUNE_CACHE:-$HOME/.cache/prune}"
dest="$cache/text"
if [ -f "$dest/jargon.txt.gz" ]; then echo "Jargon File already in $dest"; exit 0; fi
mkdir -p "$dest"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
(cd "$work" && apt-get download jargon-text >/dev/null 2>&1) || {
  apt-get update -qq >/dev/null 2>&1 || true
  (cd "$work" && apt-get download jargon-text >/dev/null)
}
dpkg -x "$work"/jargon-text_*.deb "$work/x"
cp "$work/x/usr/share/doc/jargon-text/jargon.txt.gz" "$dest/jargon.txt.gz.partial"
mv "$dest/jargon.txt.gz.partial" "$dest/jargon.txt.gz"
echo "Jargon File unpacked into $dest"
