#!/usr/bin/env bash
# Installs the oracles of the tests: two qemu-img/qemu-io versions and ploop (see ../../shared/notes/qemu-reference.md):
#   7.2  - Debian bookworm's qemu-utils, installed system-wide (/usr/bin/qemu-img, qemu-io);
#   10.x - bookworm-backports' qemu-utils, unpacked (not installed) into .oracles/qemu10/ of the project;
#   ploop - Debian's ploop 1.15 (snapshot-list and check read DiskDescriptor.xml bundles offline).
# Idempotent: does nothing that is already done. Needs root for apt (as CI runs it).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$root/.oracles/qemu10"
backports=/etc/apt/sources.list.d/bookworm-backports.sources

need_update=1
apt_update() {
  if [ "$need_update" = 1 ]; then apt-get update; need_update=0; fi
}

# 7.2 from bookworm itself.
if ! command -v qemu-img >/dev/null || ! command -v qemu-io >/dev/null; then
  apt_update
  DEBIAN_FRONTEND=noninteractive apt-get install -y qemu-utils
fi

# ploop 1.15 (Debian): parses DiskDescriptor.xml and checks ploop chains offline (the bundle tests' oracle).
if ! command -v ploop >/dev/null && [ ! -x /usr/sbin/ploop ]; then
  apt_update
  DEBIAN_FRONTEND=noninteractive apt-get install -y ploop
fi

# 10.x from bookworm-backports, unpacked into the project only.
if [ ! -x "$dest/usr/bin/qemu-img" ] || ! "$dest/usr/bin/qemu-img" --version >/dev/null 2>&1; then
  if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    cat >"$backports" <<'SOURCES'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
    need_update=1
  fi
  apt_update
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  # apt-get download writes into the current directory; the _apt user must be able to write there.
  chmod 777 "$tmp"
  (cd "$tmp" && apt-get download qemu-utils/bookworm-backports)
  rm -rf "$dest"
  mkdir -p "$dest"
  dpkg -x "$tmp"/qemu-utils_*.deb "$dest"
fi

echo "qemu 7.2: $(qemu-img --version | head -n1)"
echo "qemu 10:  $("$dest/usr/bin/qemu-img" --version | head -n1)"
echo "ploop:    $(dpkg-query -W -f='${Version}' ploop 2>/dev/null || echo installed)"
