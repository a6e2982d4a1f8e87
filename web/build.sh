#!/bin/sh
# Builds the web app into OUT (normally build/web, beside the binary, which
# serves it): the app's own files from web/src and the TimelineJS files the
# locked npm package provides (its script, stylesheet and icon font; not its
# font stylesheets, which load fonts from Google's servers). Run by the
# build (CMake target `web_app`); `make web-deps` installs the packages.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=$1
tl=$here/node_modules/@knight-lab/timelinejs/dist
if [ ! -f "$tl/js/timeline.js" ]; then
  echo "web/build.sh: $tl is missing: run 'make web-deps' (npm ci in web/)" >&2
  exit 1
fi
rm -rf "$out.tmp"
mkdir -p "$out.tmp/timelinejs/js" "$out.tmp/timelinejs/css"
cp -R "$here/src/." "$out.tmp/"
cp "$tl/js/timeline.js" "$tl/js/timeline.js.LICENSE.txt" "$out.tmp/timelinejs/js/"
cp -R "$tl/js/locale" "$out.tmp/timelinejs/js/"
cp "$tl/css/timeline.css" "$out.tmp/timelinejs/css/"
cp -R "$tl/css/icons" "$out.tmp/timelinejs/css/"
cp "$here/node_modules/@knight-lab/timelinejs/LICENSE" "$out.tmp/timelinejs/" 2>/dev/null || true
rm -rf "$out"
mv "$out.tmp" "$out"
touch "$out/.built"
