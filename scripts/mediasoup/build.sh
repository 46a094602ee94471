#!/usr/bin/env bash
# Builds mediasoup's C++ worker from the npm package against Debian 12's libraries (libuv1, libssl3,
# libsrtp2, flatbuffers) instead of the GitHub prebuilt or the meson subprojects + pip that its own
# postinstall needs (neither is reachable here; package.json denies that postinstall).
#
# The binary is cached outside the checkout, keyed by mediasoup's version, the patches, this script
# and the build libraries' versions, so CI clones and fresh developer clones on one machine share it
# and a second run only copies it (about a second).
#
#   npm run build:mediasoup                 build or take from the cache
#   GAZECAM_CACHE_DIR=/path npm run ...     another cache root (default ${XDG_CACHE_HOME:-~/.cache}/gazecam)
#   MEDIASOUP_BUILD_JOBS=1 npm run ...      fewer parallel compilers (default: the number of cores)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
here="$root/scripts/mediasoup"
pkg="$root/node_modules/mediasoup"
dest="$pkg/worker/out/Release/mediasoup-worker"
start=$(date +%s)

fail() {
  echo "build:mediasoup: $*" >&2
  exit 1
}
say() { echo "build:mediasoup: $*"; }

[[ -f "$pkg/package.json" ]] || fail "node_modules/mediasoup is missing: run npm ci first"
pinned=$(node -p "require('$root/package.json').dependencies.mediasoup")
version=$(node -p "require('$pkg/package.json').version")
[[ "$pinned" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "package.json must pin mediasoup to an exact version (has '$pinned')"
[[ "$version" == "$pinned" ]] || fail "node_modules has mediasoup $version but package.json pins $pinned: run npm ci"

# Debian packages: the compiler, meson/ninja and the libraries the patches switch the worker onto.
debs=(g++ meson ninja-build pkg-config libuv1-dev libssl-dev libsrtp2-dev flatbuffers-compiler libflatbuffers-dev)
missing=()
for d in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$d" 2>/dev/null | grep -q 'install ok installed' || missing+=("$d")
done
if ((${#missing[@]})); then
  say "installing Debian packages: ${missing[*]}"
  sudo=()
  ((EUID == 0)) || sudo=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -q
  "${sudo[@]}" apt-get install -y -q "${missing[@]}"
fi

libs=$(dpkg-query -W -f='${Package}=${Version}\n' "${debs[@]}" | sort)
key=$( (
  echo "$version"
  echo "$libs"
  cat "$0"
  cat "$here"/patches/*.patch
) | sha256sum | cut -c1-16)
cache_root=${GAZECAM_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/gazecam}
cached="$cache_root/mediasoup-worker/$version-$key/mediasoup-worker"

install_bin() {
  mkdir -p "$(dirname "$dest")"
  cp -f "$cached" "$dest.tmp"
  mv -f "$dest.tmp" "$dest"
}

if [[ -x "$cached" ]]; then
  install_bin
  node "$here/smoke.mjs" "$dest"
  say "mediasoup $version worker from the cache ($cached) in $(($(date +%s) - start)) s"
  exit 0
fi

# Patches go onto the worker sources in node_modules; an already patched tree is left as it is, and a
# tarball that no longer matches stops the build here rather than half-way through a compile.
for p in "$here"/patches/*.patch; do
  name=$(basename "$p")
  if patch -d "$pkg" -p1 -R -s -f --dry-run <"$p" >/dev/null 2>&1; then
    say "$name already applied"
  elif patch -d "$pkg" -p1 -s -f --dry-run <"$p" >/dev/null 2>&1; then
    patch -d "$pkg" -p1 -s -f <"$p"
    say "$name applied"
  else
    patch -d "$pkg" -p1 -f --dry-run <"$p" >&2 || true
    fail "$name does not apply to mediasoup $version's worker: the tarball changed, update scripts/mediasoup/patches"
  fi
done

build="$pkg/worker/out/gazecam-build"
jobs=${MEDIASOUP_BUILD_JOBS:-$(nproc)}
say "building mediasoup $version worker with $jobs job(s) (about 20 min at 1 job on 2 busy cores)"
if [[ ! -f "$build/build.ninja" ]]; then
  # The same options mediasoup's own build uses for a release worker; nofallback keeps meson from
  # looking for subprojects.
  meson setup --buildtype release -Db_ndebug=true --wrap-mode=nofallback "$pkg/worker" "$build"
fi
nice -n 19 ninja -C "$build" -j "$jobs" mediasoup-worker

mkdir -p "$(dirname "$cached")"
cp -f "$build/mediasoup-worker" "$cached.tmp"
mv -f "$cached.tmp" "$cached"
install_bin
node "$here/smoke.mjs" "$dest"
rm -rf "$build"
say "mediasoup $version worker built in $(($(date +%s) - start)) s, cached at $cached"
