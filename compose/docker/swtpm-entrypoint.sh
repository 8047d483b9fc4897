#!/usr/bin/env bash
# swtpm-entrypoint.sh: the agent's software TPM 2.0 (swtpm) in the development deployment.
# Serves on a unix socket in the volume shared with the agent (/run/swtpm/tpm.sock, control
# channel tpm.sock.ctrl, as the swtpm TCTI expects); state in /var/lib/swtpm (its own volume).
# On SIGTERM it asks swtpm to shut down cleanly (state saved) instead of being killed.
set -euo pipefail
dir=/run/swtpm
state=/var/lib/swtpm
mkdir -p "$dir" "$state"
rm -f "$dir/tpm.sock" "$dir/tpm.sock.ctrl"   # stale sockets of a previous container

swtpm socket --tpm2 \
  --server "type=unixio,path=$dir/tpm.sock" --ctrl "type=unixio,path=$dir/tpm.sock.ctrl" \
  --tpmstate "dir=$state" --flags not-need-init,startup-clear --log level=1 &
child=$!
stop() {
  swtpm_ioctl --unix "$dir/tpm.sock.ctrl" -s 2>/dev/null || kill -TERM "$child" 2>/dev/null || true
}
trap stop TERM INT
echo "swtpm-entrypoint: swtpm serving on $dir/tpm.sock (pid $child)" >&2
# wait returns early when a trapped signal arrives; wait again for swtpm's own exit status.
set +e
wait "$child"
rc=$?
if kill -0 "$child" 2>/dev/null; then
  wait "$child"
  rc=$?
fi
exit $rc
