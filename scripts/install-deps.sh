#!/usr/bin/env bash
# Installs what the build and the tests need and is not there yet: the Debian packages listed
# in scripts/debian-packages.txt, Node.js if missing, and the pinned npm packages of
# package-lock.json (the MCP SDK client, Inspector, conformance suite and Node 22).
# Idempotent: a second run installs nothing. Runs as root or through sudo.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

mapfile -t wanted < <(grep -v '^\s*#' scripts/debian-packages.txt | awk 'NF {print $1}')
command -v node >/dev/null 2>&1 || wanted+=(nodejs npm)
missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: Debian packages present"
fi

# npm packages, reinstalled only when the lockfile changed.
stamp=node_modules/.nmcp-lock-sha256
want_sha=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want_sha" ]; then
  echo "install-deps: npm packages present"
else
  echo "install-deps: installing npm packages from package-lock.json"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want_sha" > "$stamp"
fi
