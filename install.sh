#!/bin/sh
# Fazt installer: downloads the release for this machine, checks the Ed25519
# signature of the release's checksums.txt (with openssl, when it can), checks
# the archive's sha256 against checksums.txt and installs the `fazt` binary
# into ~/.local/bin (Termux: $PREFIX/bin), without sudo. Safe to run again: it
# upgrades (or reinstalls) in place. How releases are signed: docs/releases.md.
#
#   curl -fsSL https://fazt.sh/install.sh | sh
#   curl -fsSL https://fazt.sh/install.sh | sh -s -- --version 0.1.0
#   sh install.sh [--version V]
#
# Environment:
#   FAZT_INSTALL_DIR        where to put `fazt` (default ~/.local/bin, Termux $PREFIX/bin)
#   FAZT_INSTALL_BASE_URL   release base (default https://github.com/fazt-sh/fazt-ts/releases);
#                           BASE/latest/download/FILE for the newest release,
#                           BASE/download/vV/FILE for version V.
#   FAZT_INSTALL_PUBLIC_KEY trust these release keys instead of fazt's own (base64 of the raw
#                           32-byte Ed25519 public key; several separated by commas or spaces)
#   FAZT_INSTALL_ALLOW_UNSIGNED=1  install a release that has no checksums.txt.sig (a bad
#                           signature is always refused)
#
# Everything happens inside main(), called on the last line, so a download cut
# short runs nothing.

set -eu

# Both also live in src/core/release-source.ts; tests/ops/install.test.ts checks they agree.
DEFAULT_BASE_URL="https://github.com/fazt-sh/fazt-ts/releases"
RELEASE_PUBLIC_KEYS="IctQ/KNrxRcL46BcPTN8vC/sdHbAI5aCi+FnjH5x6d8="

# A message signed by a throwaway key: openssl must accept it if it can check
# Ed25519 at all, which tells "cannot check here" from "bad signature".
PROBE_MESSAGE="fazt: can openssl check Ed25519 signatures here?"
PROBE_KEY="SzazBMYI1gWgDP45AHpbsZjKDWUw2j++sf8WHonMYXA="
PROBE_SIG="7wChmlKZF4I0G33HNjHMfGuREZFTR16YcQCWaz5cuVLGTQRuRx5yPufWsKpD9u2oRXtGCQ76ZKFXSDBTWKniCw=="

say() {
  printf '%s\n' "$*"
}

warn() {
  printf 'fazt install: warning: %s\n' "$*" >&2
}

die() {
  printf 'fazt install: %s\n' "$*" >&2
  exit 1
}

usage() {
  cat <<'EOF'
Installs the fazt binary for this machine.

Usage: sh install.sh [--version V]
       curl -fsSL https://fazt.sh/install.sh | sh -s -- --version V

  --version V   install release V (for example 0.1.0) instead of the newest
  -h, --help    show this help

Environment:
  FAZT_INSTALL_DIR       install folder (default ~/.local/bin; Termux: $PREFIX/bin)
  FAZT_INSTALL_BASE_URL  release base URL (default https://github.com/fazt-sh/fazt-ts/releases)
  FAZT_INSTALL_PUBLIC_KEY     trust this release signing key instead (base64, raw 32 bytes)
  FAZT_INSTALL_ALLOW_UNSIGNED=1  accept a release without checksums.txt.sig

The signature of checksums.txt is checked with openssl (3.0 or later) when
it can; a bad signature always stops the install.
EOF
}

has() {
  command -v "$1" >/dev/null 2>&1
}

# Sets PLATFORM to the release's "<os>-<arch>" for this machine, or stops.
detect_platform() {
  os_name=$(uname -s 2>/dev/null || echo unknown)
  cpu=$(uname -m 2>/dev/null || echo unknown)

  case "$cpu" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64 | armv8*) arch=arm64 ;;
    armv7* | armv6* | armv5* | armhf | armel | arm)
      die "this is a 32-bit ARM system ($cpu); fazt needs a 64-bit OS (arm64/aarch64).
  On a Raspberry Pi 3, 4 or 5, install Raspberry Pi OS (64-bit) or another 64-bit
  distribution; on Android, a 64-bit phone with Termux." ;;
    i386 | i486 | i586 | i686 | x86)
      die "this is a 32-bit x86 system ($cpu); fazt is built for 64-bit x86 (x86_64) and arm64 only." ;;
    *) die "unsupported CPU '$cpu'; fazt is built for x86_64 and arm64 (aarch64) only." ;;
  esac

  termux=no
  if [ -n "${TERMUX_VERSION:-}" ]; then
    termux=yes
  else
    case "${PREFIX:-}" in
      */com.termux/*) termux=yes ;;
    esac
  fi

  if [ "$termux" = yes ]; then
    [ -n "${PREFIX:-}" ] || die "Termux detected (TERMUX_VERSION is set) but PREFIX is not; run this inside the Termux app."
    [ "$arch" = arm64 ] || die "Termux on $cpu is not supported; fazt's Android build is for 64-bit ARM (aarch64) only."
    PLATFORM=android-arm64
    return
  fi

  case "$os_name" in
    Linux) os=linux ;;
    Darwin) os=darwin ;;
    MINGW* | MSYS* | CYGWIN* | Windows*)
      die "Windows is not supported; install fazt inside WSL (a Linux distribution) instead." ;;
    *) die "unsupported OS '$os_name'; fazt is built for Linux, macOS and Android (Termux) only." ;;
  esac

  if [ "$os" = darwin ] && [ "$arch" = x64 ]; then
    # A shell running under Rosetta reports x86_64 on Apple silicon: take the native build.
    if [ "$(sysctl -n sysctl.proc_translated 2>/dev/null || true)" = 1 ]; then
      arch=arm64
    fi
  fi

  if [ "$os" = linux ]; then
    # A 64-bit kernel can run a 32-bit userland (Raspberry Pi OS 32-bit on a Pi 4/5 does).
    if has getconf && [ "$(getconf LONG_BIT 2>/dev/null || true)" = 32 ]; then
      die "this system's userland is 32-bit (the kernel reports $cpu); fazt needs a 64-bit OS.
  On a Raspberry Pi, install Raspberry Pi OS (64-bit)."
    fi
    # The Linux binaries are linked against glibc; there is no musl (Alpine) build.
    if ls /lib/ld-musl-* >/dev/null 2>&1 || { has ldd && ldd --version 2>&1 | grep -qi musl; }; then
      die "this system uses the musl C library (Alpine Linux or similar); fazt's Linux builds need glibc.
  Use a glibc distribution (Debian, Ubuntu, Fedora, ...) or a glibc container such as debian:stable-slim."
    fi
  fi

  PLATFORM="$os-$arch"
}

# The x64 builds target CPUs with AVX2 (x86-64-v3); no baseline build is published.
check_avx2() {
  [ "$PLATFORM" = linux-x64 ] || [ "$PLATFORM" = darwin-x64 ] || return 0
  flags=""
  if [ "$PLATFORM" = linux-x64 ]; then
    [ -r /proc/cpuinfo ] || return 0
    flags=$(grep -i '^flags' /proc/cpuinfo 2>/dev/null | head -n 1 || true)
  else
    flags=$(sysctl -n machdep.cpu.leaf7_features 2>/dev/null || true)
  fi
  [ -n "$flags" ] || return 0
  case "$flags" in
    *avx2* | *AVX2*) ;;
    *) warn "this CPU has no AVX2; fazt's x64 build needs it and may stop with 'Illegal instruction'." ;;
  esac
}

# download URL FILE
download() {
  if has curl; then
    curl -fsSL --retry 2 -o "$2" "$1" || die "could not download $1"
  elif has wget; then
    wget -q -O "$2" "$1" || die "could not download $1"
  else
    die "neither curl nor wget is installed; install one of them and run this again."
  fi
}

# try_download URL FILE: as download, but quietly reports failure instead of stopping.
try_download() {
  if has curl; then
    curl -fsL --retry 2 -o "$2" "$1" 2>/dev/null
  elif has wget; then
    wget -q -O "$2" "$1" 2>/dev/null
  else
    return 1
  fi
}

# ed25519_verify KEY FILE SIG: whether SIG (64 raw bytes) is KEY's Ed25519 signature of FILE.
# KEY is base64 of the raw 32-byte public key; the 12-byte DER header that makes it a
# SubjectPublicKeyInfo (RFC 8410) is base64 "MCowBQYDK2VwAyEA", so the PEM is a concatenation.
ed25519_verify() {
  printf -- '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA%s\n-----END PUBLIC KEY-----\n' "$1" >"$tmp/key.pem"
  openssl pkeyutl -verify -pubin -inkey "$tmp/key.pem" -rawin -in "$2" -sigfile "$3" >/dev/null 2>&1
}

# Whether openssl here checks Ed25519 signatures (OpenSSL 3; not LibreSSL or 1.1): it must
# accept the probe's known-good signature.
can_verify() {
  has openssl || return 1
  printf '%s\n' "$PROBE_MESSAGE" >"$tmp/probe.txt"
  printf '%s' "$PROBE_SIG" | openssl base64 -d -A >"$tmp/probe.sig" 2>/dev/null || return 1
  ed25519_verify "$PROBE_KEY" "$tmp/probe.txt" "$tmp/probe.sig"
}

# verify_signature CHECKSUMS URL: stops unless CHECKSUMS carries a good signature (at URL) by
# a trusted key; says so and goes on when this machine cannot check.
verify_signature() {
  keys=$(printf '%s' "${FAZT_INSTALL_PUBLIC_KEY:-$RELEASE_PUBLIC_KEYS}" | tr ',' ' ')
  for key in $keys; do
    case "$key" in
      *[!A-Za-z0-9+/=]*) die "release public key '$key' is not base64" ;;
    esac
    [ "${#key}" = 44 ] || die "release public key '$key' is not base64 of 32 bytes (44 characters)"
  done
  [ -n "$keys" ] || die "FAZT_INSTALL_PUBLIC_KEY is set but holds no key"

  if ! can_verify; then
    warn "cannot check the release signature on this machine (it needs openssl 3 with Ed25519); relying on the sha256 sums alone."
    return 0
  fi
  if ! try_download "$2" "$tmp/checksums.txt.sig"; then
    if [ "${FAZT_INSTALL_ALLOW_UNSIGNED:-}" = 1 ]; then
      warn "this release is not signed (no $2); installing it anyway because FAZT_INSTALL_ALLOW_UNSIGNED=1."
      return 0
    fi
    die "this release is not signed (no $2); refusing it, nothing was installed.
  To install an unsigned build you trust, run again with FAZT_INSTALL_ALLOW_UNSIGNED=1."
  fi
  tr -d ' \t\r\n' <"$tmp/checksums.txt.sig" >"$tmp/sig.b64"
  case "$(cat "$tmp/sig.b64")" in
    *[!A-Za-z0-9+/=]* | "") die "checksums.txt.sig is malformed (expected base64 of a 64-byte signature); nothing was installed." ;;
  esac
  openssl base64 -d -A -in "$tmp/sig.b64" -out "$tmp/sig.bin" 2>/dev/null &&
    [ "$(wc -c <"$tmp/sig.bin" | tr -d ' ')" = 64 ] ||
    die "checksums.txt.sig is malformed (expected base64 of a 64-byte signature); nothing was installed."
  for key in $keys; do
    if ed25519_verify "$key" "$1" "$tmp/sig.bin"; then
      say "Signature of checksums.txt verified (Ed25519 key $key)"
      return 0
    fi
  done
  die "the signature of checksums.txt does not match fazt's release key: the release was tampered with
  or signed by someone else; nothing was installed."
}

# sha256 FILE -> prints the lower-case hex digest
sha256() {
  if has sha256sum; then
    sha256sum "$1" | awk '{print tolower($1)}'
  elif has shasum; then
    shasum -a 256 "$1" | awk '{print tolower($1)}'
  elif has openssl; then
    openssl dgst -sha256 "$1" | awk '{print tolower($NF)}'
  else
    die "no sha256 tool found (sha256sum, shasum or openssl); cannot verify the download."
  fi
}

# installed_version BINARY -> prints "X" from "fazt X (commit)", or nothing
installed_version() {
  "$1" version </dev/null 2>/dev/null | sed -n 's/^fazt \([^ ]*\).*/\1/p' | head -n 1 || true
}

path_hint() {
  dir=$1
  shown=$dir
  case "$dir" in
    "$HOME"/*) shown="\$HOME/${dir#"$HOME"/}" ;;
  esac
  line="export PATH=\"$shown:\$PATH\""
  case "$(basename "${SHELL:-sh}")" in
    zsh) rc=".zshrc" ;;
    bash)
      if [ "$(uname -s 2>/dev/null || true)" = Darwin ]; then rc=".bash_profile"; else rc=".bashrc"; fi ;;
    fish)
      say ""
      say "$dir is not on your PATH. Add it with:"
      say "  fish_add_path $dir"
      return ;;
    *) rc=".profile" ;;
  esac
  say ""
  say "$dir is not on your PATH. Add it with:"
  say "  echo '$line' >> ~/$rc"
  say "then open a new terminal (or run: $line)."
}

main() {
  version=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --version)
        if [ $# -lt 2 ] || [ -z "$2" ]; then die "--version needs a value, for example --version 0.1.0"; fi
        version=$2
        shift 2 ;;
      --version=*)
        version=${1#--version=}
        [ -n "$version" ] || die "--version needs a value, for example --version 0.1.0"
        shift ;;
      -h | --help)
        usage
        exit 0 ;;
      *)
        usage >&2
        die "unknown argument '$1'" ;;
    esac
  done
  version=${version#v}
  case "$version" in
    *[!A-Za-z0-9._+-]*) die "invalid version '$version'" ;;
  esac

  base=${FAZT_INSTALL_BASE_URL:-$DEFAULT_BASE_URL}
  base=${base%/}
  if [ -n "$version" ]; then
    release="$base/download/v$version"
  else
    release="$base/latest/download"
  fi

  detect_platform
  check_avx2

  if [ -n "${FAZT_INSTALL_DIR:-}" ]; then
    dest=$FAZT_INSTALL_DIR
  elif [ "$PLATFORM" = android-arm64 ]; then
    dest="$PREFIX/bin"
  else
    [ -n "${HOME:-}" ] || die "HOME is not set; set FAZT_INSTALL_DIR to the folder to install into."
    dest="$HOME/.local/bin"
  fi
  dest=${dest%/}
  [ -n "$dest" ] || dest=/

  tmp=$(mktemp -d 2>/dev/null || mktemp -d -t fazt-install) || die "could not create a temporary folder"
  staged=""
  trap 'rm -rf "$tmp"; [ -z "$staged" ] || rm -f "$staged"' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  say "Fazt installer: $PLATFORM, from $release"
  download "$release/checksums.txt" "$tmp/checksums.txt"
  verify_signature "$tmp/checksums.txt" "$release/checksums.txt.sig"

  # sha256sum format: "<hash>  <name>" (a "*" before the name in binary mode).
  suffix="-$PLATFORM.tar.gz"
  matches=$(awk -v s="$suffix" '
    NF >= 2 {
      n = $2; sub(/^\*/, "", n)
      if (substr(n, 1, 5) == "fazt-" && length(n) > length(s) + 5 && substr(n, length(n) - length(s) + 1) == s)
        print $1, n
    }' "$tmp/checksums.txt")
  [ -n "$matches" ] || die "the release at $release has no build for $PLATFORM (nothing in its checksums.txt)."
  [ "$(printf '%s\n' "$matches" | wc -l | tr -d ' ')" = 1 ] ||
    die "the release at $release lists more than one build for $PLATFORM; refusing to guess."
  expected=$(printf '%s\n' "$matches" | awk '{print tolower($1)}')
  archive=$(printf '%s\n' "$matches" | awk '{print $2}')
  case "$archive" in
    */* | *..*) die "unexpected archive name '$archive' in checksums.txt" ;;
  esac
  case "$expected" in
    *[!0-9a-f]*) die "malformed sha256 for $archive in checksums.txt" ;;
  esac
  [ "${#expected}" = 64 ] || die "malformed sha256 for $archive in checksums.txt"
  new_version=${archive#fazt-}
  new_version=${new_version%"$suffix"}
  if [ -n "$version" ] && [ "$new_version" != "$version" ]; then
    die "asked for $version but the release at $release holds $new_version"
  fi

  say "Downloading $archive"
  download "$release/$archive" "$tmp/$archive"
  actual=$(sha256 "$tmp/$archive")
  if [ "$actual" != "$expected" ]; then
    die "checksum mismatch for $archive: expected $expected, got $actual.
  The download is corrupt or was tampered with; nothing was installed."
  fi

  mkdir "$tmp/x"
  tar -xzf "$tmp/$archive" -C "$tmp/x" fazt 2>/dev/null || die "could not unpack fazt from $archive"
  if [ ! -f "$tmp/x/fazt" ] || [ -L "$tmp/x/fazt" ]; then die "$archive does not hold a fazt binary"; fi
  chmod 755 "$tmp/x/fazt"

  # Refuse a binary that cannot start here rather than replace a working one.
  if ! "$tmp/x/fazt" version </dev/null >"$tmp/run.log" 2>&1; then
    die "the downloaded fazt does not run on this machine: $(head -n 1 "$tmp/run.log")
  Nothing was installed. Known causes: an x64 CPU without AVX2, or a kernel with
  16K memory pages (some Raspberry Pi 5 setups: set kernel=kernel8.img in config.txt)."
  fi

  mkdir -p "$dest" 2>/dev/null || die "could not create $dest; set FAZT_INSTALL_DIR to a folder you own (this script never uses sudo)."
  [ -w "$dest" ] || die "$dest is not writable; set FAZT_INSTALL_DIR to a folder you own (this script never uses sudo)."

  old_version=""
  if [ -f "$dest/fazt" ]; then
    if has cmp && cmp -s "$tmp/x/fazt" "$dest/fazt"; then
      say "fazt $new_version is already installed in $dest/fazt (up to date)."
      finish "$dest"
      return
    fi
    old_version=$(installed_version "$dest/fazt")
    [ -n "$old_version" ] || old_version="(unknown version)"
  fi

  # Copy next to the target, then rename: a running fazt keeps its old file.
  staged="$dest/.fazt.new"
  cp "$tmp/x/fazt" "$staged" || die "could not write $staged"
  chmod 755 "$staged"
  mv -f "$staged" "$dest/fazt" || die "could not move $staged to $dest/fazt"
  staged=""

  if [ -z "$old_version" ]; then
    say "Installed fazt $new_version to $dest/fazt"
  elif [ "$old_version" = "$new_version" ]; then
    say "Reinstalled fazt $new_version in $dest/fazt"
  else
    say "Upgraded fazt $old_version → $new_version ($dest/fazt)"
  fi
  finish "$dest"
}

finish() {
  dir=$1
  cmd=fazt
  case ":${PATH:-}:" in
    *":$dir:"*)
      found=$(command -v fazt 2>/dev/null || true)
      if [ -n "$found" ] && [ "$found" != "$dir/fazt" ]; then
        warn "another fazt comes first on your PATH: $found"
      fi ;;
    *)
      path_hint "$dir"
      cmd="$dir/fazt" ;;
  esac
  say ""
  say "Next: $cmd server start"
  say "  (first run creates ~/.fazt/data.db and prints the admin password)"
}

main "$@"
