#!/usr/bin/env bash
# A docker algorithm run through podman: an image archive built here from busybox-static
# (podman import + save), loaded by the agent, run with the dataset read-only and results
# writable, its exit code honoured, then removed.
source "$(dirname "$0")/lib.sh"
command -v podman >/dev/null || skip "podman is not installed"
export CONTAINERS_CONF=$COCOS_SOURCE_DIR/agent/runner/containers.conf
podman info >/dev/null 2>&1 || skip "podman cannot run here: $(podman info 2>&1 | tail -n 1)"
[ -x /bin/busybox ] || skip "busybox-static is not installed"
keys algo data consumer
cid=e2e-docker
image="localhost/cocos-e2e-algo:$$-$RANDOM"
mkdir -p "$W/rootfs/bin" "$W/rootfs/tmp" "$W/rootfs/etc"
cp /bin/busybox "$W/rootfs/bin/busybox"
for a in sh cat wc tr echo; do ln -s busybox "$W/rootfs/bin/$a"; done
echo "root:x:0:0:root:/:/bin/sh" >"$W/rootfs/etc/passwd"
cat >"$W/rootfs/algo.sh" <<'SH'
#!/bin/sh
set -e
echo "container sees $(wc -l <"$DATASETS_DIR/numbers.txt" | tr -d ' ') lines"
wc -l <"$DATASETS_DIR/numbers.txt" | tr -d ' ' >"$RESULTS_DIR/lines.txt"
SH
chmod +x "$W/rootfs/algo.sh"
tar -C "$W/rootfs" -cf "$W/rootfs.tar" .
podman import --change 'CMD ["/bin/sh","/algo.sh"]' "$W/rootfs.tar" "$image" >/dev/null
podman save --format docker-archive -o "$W/algo.tar" "$image" >/dev/null
podman rmi -f "$image" >/dev/null   # the agent must load it from the uploaded archive
printf '1\n2\n3\n4\n' >"$W/numbers.txt"
manifest "$W/manifest.json" $cid docker "$W/algo.tar" algo consumer -- "$W/numbers.txt:data"
sign algo $cid algorithm "$W/algo.tar" "$W/algo.sig"
sign data $cid dataset "$W/numbers.txt" "$W/numbers.sig" 0
start_agent $cid --containers-conf "$CONTAINERS_CONF"
run_manager --agent $cid --manifest "$W/manifest.json" --algorithm "$W/algo.tar" --algorithm-sig "$W/algo.sig" \
  --dataset "$W/numbers.txt:$W/numbers.sig" --consumer-key "$W/keys/consumer.pem" --results "$W/results.zip"
expect_ok
[ "$(zip_file "$W/results.zip" lines.txt)" = 4 ] || fail "lines.txt: $(zip_file "$W/results.zip" lines.txt)"
grep -q 'container sees 4 lines' "$W/run.out" || fail "container output not shown"
podman image exists "$image" && fail "the agent left the image behind"
pass "docker (podman) run"
