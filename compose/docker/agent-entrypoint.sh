#!/usr/bin/env bash
# agent-entrypoint.sh: starts cocos-agent in the development deployment (compose/compose.yaml).
#
#   1. CURVE: on first start generates the agent's key pair into its own volume
#      (/var/lib/cocos/keys/agent.{pub,key}; the secret never leaves it) and publishes the public
#      key in the shared public-key volume (/var/lib/cocos/pub/agent.pub);
#   2. waits for the manager's public key there (/var/lib/cocos/pub/manager.pub) and, when the
#      TCTI names a swtpm unix socket, for the swtpm sidecar's socket;
#   3. execs cocos-agent. Every other option comes from the environment (COCOS_<OPTION>, see
#      agent/README.md), which compose.yaml sets; arguments are passed through.
# COCOS_COMPOSE_CURVE=0 turns CURVE off (plain bus); the default is on.
set -euo pipefail

keys=/var/lib/cocos/keys
pub=/var/lib/cocos/pub
wait_secs=${COCOS_COMPOSE_WAIT_SECS:-120}

log() { echo "agent-entrypoint: $*" >&2; }

# wait_for WHAT TEST-ARGS...: polls `test TEST-ARGS` for up to $wait_secs seconds.
wait_for() {
  local what=$1
  shift
  local end=$((SECONDS + wait_secs))
  until test "$@"; do
    if [ $SECONDS -ge $end ]; then
      log "gave up after ${wait_secs}s waiting for $what"
      exit 1
    fi
    sleep 0.2
  done
}

if [ "${COCOS_COMPOSE_CURVE:-1}" = 1 ]; then
  mkdir -p "$keys" "$pub"
  if [ ! -s "$keys/agent.key" ]; then
    # Generate beside the final names, then rename: a crash never leaves half a pair.
    tmp=$(mktemp -d "$keys/.gen.XXXXXX")
    cocos-curve-keygen "$tmp/agent" >/dev/null
    chmod 600 "$tmp/agent.key"
    mv "$tmp/agent.pub" "$keys/agent.pub"
    mv "$tmp/agent.key" "$keys/agent.key"
    rmdir "$tmp"
    log "generated the agent's CURVE key pair"
  fi
  if ! cmp -s "$keys/agent.pub" "$pub/agent.pub" 2>/dev/null; then
    cp "$keys/agent.pub" "$pub/.agent.pub.tmp"
    mv "$pub/.agent.pub.tmp" "$pub/agent.pub"
  fi
  log "agent CURVE public key: $(cat "$keys/agent.pub")"
  wait_for "the manager's CURVE public key ($pub/manager.pub)" -s "$pub/manager.pub"
  export COCOS_CURVE_KEY="$keys/agent" COCOS_CURVE_MANAGER_KEY="$pub/manager.pub"
fi

tcti=${COCOS_TCTI:-}
if [[ "$tcti" == swtpm:path=* ]]; then
  sock=${tcti#swtpm:path=}
  sock=${sock%%,*}
  wait_for "the swtpm socket $sock" -S "$sock"
fi

mkdir -p "${COCOS_WORK_DIR:-/var/lib/cocos/agent}"
[ -n "${COCOS_SNP_SIM_DIR:-}" ] && mkdir -p "$COCOS_SNP_SIM_DIR"
exec cocos-agent "$@"
