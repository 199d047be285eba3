# Shared shell helpers for scripts/*: the pinned toolchain, free ports, a throwaway anvil.
# Sourced, not run.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN="$ROOT/node_modules/.bin"
export PATH="$BIN:$PATH"

log() { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Installs the pinned npm toolchain (forge, anvil, cast, solcjs, OpenZeppelin) when it is missing or
# older than package-lock.json. Only the npm registry is contacted.
ensure_toolchain() {
  command -v node >/dev/null || die "node is not installed: install Node.js 20+ (apt-get install nodejs npm)"
  local stamp="$ROOT/node_modules/.wbx-lock"
  if [[ ! -x "$BIN/forge" || ! -f "$stamp" ]] || ! cmp -s "$ROOT/package-lock.json" "$stamp"; then
    log "installing the pinned toolchain (npm ci)"
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error) >&2 || die "npm ci failed (see above)"
    [[ -x "$BIN/forge" && -x "$BIN/anvil" && -x "$BIN/cast" ]] || die "npm ci did not install forge/anvil/cast"
    cp "$ROOT/package-lock.json" "$stamp"
  fi
}

HARDHAT_DIR="$ROOT/scripts/toolchain/hardhat"

# Installs the second EVM node the tests run the story on: Hardhat 3's node (the EDR engine) with
# the Node.js 22 it needs, pinned in scripts/toolchain/hardhat/package-lock.json (its own folder,
# an ES module project, so the root package.json stays CommonJS). Only the npm registry is contacted.
ensure_hardhat() {
  command -v npm >/dev/null || die "npm is not installed: install Node.js 20+ (apt-get install nodejs npm)"
  local stamp="$HARDHAT_DIR/node_modules/.wbx-lock"
  local bin="$HARDHAT_DIR/node_modules/.bin"
  if [[ ! -x "$bin/hardhat" || ! -x "$bin/node" || ! -f "$stamp" ]] \
    || ! cmp -s "$HARDHAT_DIR/package-lock.json" "$stamp"; then
    log "installing the pinned Hardhat node (npm ci in scripts/toolchain/hardhat)"
    (cd "$HARDHAT_DIR" && npm ci --no-audit --no-fund --loglevel=error) >&2 \
      || die "npm ci failed in scripts/toolchain/hardhat (see above)"
    [[ -x "$bin/hardhat" && -x "$bin/node" ]] || die "npm ci did not install hardhat and its Node.js"
    (cd "$HARDHAT_DIR" && "$bin/node" -e 'require("@nomicfoundation/edr-linux-x64-gnu")') 2>/dev/null \
      || die "the EDR engine (@nomicfoundation/edr-linux-x64-gnu) did not install: Hardhat's node cannot start"
    cp "$HARDHAT_DIR/package-lock.json" "$stamp"
  fi
}

# Prints a TCP port that is free on loopback right now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Starts anvil on $1 (extra anvil flags after it), stops it when the calling script exits, and waits
# until it answers. Sets ANVIL_PID.
start_anvil() {
  local port=$1
  shift
  # Old states stay in memory: by default anvil writes them to ~/.foundry/anvil/tmp (see wbx-testing).
  "$BIN/anvil" --port "$port" --silent --max-persisted-states 0 "$@" &
  ANVIL_PID=$!
  trap 'kill "$ANVIL_PID" 2>/dev/null || true; wait "$ANVIL_PID" 2>/dev/null || true' EXIT
  for _ in $(seq 1 100); do
    if "$BIN/cast" chain-id --rpc-url "http://127.0.0.1:$port" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  die "anvil did not start on port $port"
}

SLITHER_VERSION=0.11.6

# Installs slither (PyPI) into .venv, pinned, when it is missing.
ensure_slither() {
  local venv="$ROOT/.venv"
  if [[ ! -x "$venv/bin/slither" ]] || ! "$venv/bin/pip" show slither-analyzer 2>/dev/null | grep -q "^Version: $SLITHER_VERSION$"; then
    log "installing slither-analyzer $SLITHER_VERSION into .venv"
    python3 -m venv "$venv" || die "python3 -m venv failed: install python3-venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "slither-analyzer==$SLITHER_VERSION" >&2 \
      || die "pip could not install slither-analyzer $SLITHER_VERSION"
  fi
}

# Installs Debian's chromium when /usr/bin/chromium is missing: the audit HTML report's test renders
# the page in it headless, and the dashboard's browser test drives it over the DevTools protocol.
ensure_chromium() {
  [[ -x /usr/bin/chromium ]] && return 0
  command -v apt-get >/dev/null || die "chromium is missing and there is no apt-get: install chromium"
  local sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  log "installing chromium (apt-get)"
  { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium; } >&2 \
    || die "apt-get could not install chromium"
  [[ -x /usr/bin/chromium ]] || die "apt-get installed chromium but /usr/bin/chromium is missing"
}

# cargo-nextest runs the Rust tests (each in its own process, with a deadline). The machines ship
# it; where it is missing it is built from crates.io, pinned.
ensure_nextest() {
  cargo nextest --version >/dev/null 2>&1 && return 0
  log "installing cargo-nextest 0.9.143 (cargo install, from crates.io)"
  cargo install cargo-nextest --version 0.9.143 --locked >&2 || die "cargo install cargo-nextest failed"
}

# Runs one named step of a gate, timing it; stops the script on failure.
step() {
  local name=$1
  shift
  local start=$SECONDS
  log "$name"
  "$@" || die "step failed: $name"
  printf '    (%ss)\n' $((SECONDS - start)) >&2
}
