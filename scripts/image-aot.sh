#!/usr/bin/env bash
# The agent image's AOT cache (Java 25): a training run of the agent as a pod starts it, whose
# classes the JVM writes at its exit already loaded and linked, so that every agent started with
# -XX:AOTCache=<the cache> skips that work (about half its start). The run uses the image's Java
# runtime and jar at their image paths and AgentDefaults' JVM options (the cache maps only for a
# JVM with compatible options), against a real etcd on loopback: the agent
# campaigns and becomes master, its HTTP API is read (/status, /role, /healthz, /metrics), then on
# SIGTERM it resigns and exits 0, and the JVM writes the cache.
#
# Usage: scripts/image-aot.sh ROOTFS OUT
#   ROOTFS  the agent image's files (base, Java runtime, jar, as its layers unpack); the run is
#           chrooted there as the image's user, so the cache records the paths and files of the
#           image. "/" when they are installed at those paths (the Dockerfile's training stage).
#   OUT     the cache's file (scripts/image-build.sh puts it at AGENT_AOT_CACHE_PATH)
# Needs root (chroot; mount -t proc when ROOTFS is not /), etcd and curl.
set -euo pipefail

root=${1:?usage: scripts/image-aot.sh ROOTFS OUT}
out=${2:?usage: scripts/image-aot.sh ROOTFS OUT}
scripts=$(dirname "$0")
# shellcheck source=scripts/image.env
. "$scripts/image.env"
# shellcheck source=scripts/image-lib.sh
. "$scripts/image-lib.sh"

fail() {
  echo "make image: AOT cache: FAILED: $*" >&2
  exit 1
}
root=$(cd "$root" && pwd)
[[ -x $root$JAVA_HOME/bin/java && -f $root$AGENT_JAR_PATH ]] \
  || fail "$root has no $JAVA_HOME/bin/java or $AGENT_JAR_PATH"

work=$(mktemp -d "${TMPDIR:-/tmp}/halo-image-aot.XXXXXX")
cache=/tmp/halo-agent-training.aot
pids=()
mounted=""
cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [[ -n $mounted ]]; then umount "$mounted" || umount -l "$mounted"; fi
  rm -rf "$work" "$root$cache"
}
trap cleanup EXIT
if [[ $root != / ]]; then
  mount -t proc proc "$root/proc"
  mounted=$root/proc
fi

etcd_port=$(free_port)
peer_port=$(free_port)
endpoints=http://127.0.0.1:$etcd_port
etcd --name aot-training --data-dir "$work/etcd" --listen-client-urls "$endpoints" \
  --advertise-client-urls "$endpoints" --listen-peer-urls "http://127.0.0.1:$peer_port" \
  --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
  --initial-cluster "aot-training=http://127.0.0.1:$peer_port" >"$work/etcd.log" 2>&1 &
pids+=("$!")
await 30 curl -sf "$endpoints/health" -o /dev/null || fail "etcd did not start: $(tail -5 "$work/etcd.log")"

# Runs a command of the image (exec: call it in $(...) or with &), chrooted, as the image's user,
# with only the image's environment and the NAME=value words that come first.
in_image() {
  local vars=()
  while [[ $1 == *=* ]]; do
    vars+=("$1")
    shift
  done
  exec env -i "JAVA_HOME=$JAVA_HOME" "PATH=$IMAGE_PATH" "${vars[@]}" \
    chroot --userspec="$IMAGE_USER" "$root" "$@"
}

mapfile -t options < <(in_image java -cp "$AGENT_JAR_PATH" dev.halo.common.AgentDefaults)
((${#options[@]} > 0)) || fail "no JVM options from dev.halo.common.AgentDefaults"
port=$(free_port)
in_image "HALO_ETCD_ENDPOINTS=$endpoints" \
  HALO_ELECTION=/halo/image-aot/training/election HALO_MEMBER=training-0 \
  HALO_AGENT_ADDRESS=127.0.0.1 "HALO_AGENT_PORT=$port" \
  java "${options[@]}" "-XX:AOTCacheOutput=$cache" -jar "$AGENT_JAR_PATH" agent >"$work/agent.log" 2>&1 &
agent=$!
pids+=("$agent")
master() { curl -sf -m 1 "http://127.0.0.1:$port/status" | grep -q '"role":"master"'; }
await 60 master || fail "the training agent did not become master: $(tail -20 "$work/agent.log")"
for path in status role healthz metrics; do
  curl -sf -m 2 "http://127.0.0.1:$port/$path" >/dev/null || fail "GET /$path failed"
done
kill -TERM "$agent"
status=0
wait "$agent" || status=$?
((status == 0)) || fail "the training agent exited $status: $(tail -20 "$work/agent.log")"
[[ -s $root$cache ]] || fail "no cache written: $(tail -20 "$work/agent.log")"
grep -q 'withdrawn reason=shutdown' "$work/agent.log" || fail "the training agent did not resign"
mkdir -p "$(dirname "$out")"
install -m 0644 "$root$cache" "$out"
echo "make image: the agent's AOT cache: $(du -m "$out" | cut -f1) MiB"
