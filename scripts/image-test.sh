#!/usr/bin/env bash
# `make image-test`: runs what `make image` built, without a container engine. Each OCI archive
# is unpacked (umoci, which also writes the runtime configuration a container engine would use:
# command, environment, user), and its processes run under chroot as the image's user, with /proc
# mounted as a runtime would; the host's network is shared, so a real etcd on loopback serves the
# agent. Checks:
#   both images   labels (title, version, revision), user 65532, no shell, the jars each carries,
#                 `--version` of each entry point (and of the agent jar in the operator image)
#   agent image   its AOT cache maps (java -XX:AOTMode=on, which fails when it cannot); the agent,
#                 started as the operator starts it in a pod (AgentDefaults' JVM options, the
#                 image's JDK_JAVA_OPTIONS with the cache), campaigns against etcd and reports
#                 role master on /status, with no warning or error from the JVM; on SIGTERM it
#                 resigns (its key leaves etcd) and exits 0; then three agents, one after the
#                 other, are timed from process start to campaigning (printed, not judged)
#   operator      `--help` lists its settings; `operator` without a configuration stops at once
#                 with the message that names what to set
# Exits non-zero with a message saying what failed; always unmounts and stops what it started.
#
# Environment (the Makefile sets all): IMAGE_REPOSITORY, AGENT_IMAGE_REPOSITORY, IMAGE_TAG,
# AGENT_JAR (read for the agent's default JVM options), IMAGE_DIR (default target/images).
set -euo pipefail

: "${IMAGE_REPOSITORY:?}" "${AGENT_IMAGE_REPOSITORY:?}" "${IMAGE_TAG:?}" "${AGENT_JAR:?}"
dir=${IMAGE_DIR:-target/images}
scripts=$(dirname "$0")
# shellcheck source=scripts/image.env
. "$scripts/image.env"
# shellcheck source=scripts/image-lib.sh
. "$scripts/image-lib.sh"
chroot=$(command -v chroot)
uid=${IMAGE_USER%%:*}

fail() {
  echo "make image-test: FAILED: $*" >&2
  exit 1
}
[[ $(id -u) == 0 ]] || fail "runs as root (chroot, mount -t proc, an unpacked image's owners)"
for tool in umoci jq etcd etcdctl curl; do
  command -v "$tool" >/dev/null || fail "$tool is missing; make image-test installs it as root"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/halo-image-test.XXXXXX")
mounts=()
pids=()
cleanup() {
  local status=$? pid mount
  for pid in "${pids[@]}"; do
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  for mount in "${mounts[@]}"; do
    umount "$mount" 2>/dev/null || umount -l "$mount" || echo "make image-test: could not unmount $mount" >&2
  done
  rm -rf "$work"
  if [[ $status == 0 ]]; then echo "make image-test: passed"; fi
}
trap cleanup EXIT

# Unpacks an archive into $work/<name>: layout/ (the archive), bundle/rootfs and
# bundle/config.json (the runtime configuration), config.json (the image's configuration).
unpack() {
  local name=$1 archive=$2 ref=$3 manifest config
  [[ -f $archive ]] || fail "$archive is missing; run make image first"
  mkdir -p "$work/$name/layout"
  tar -xf "$archive" -C "$work/$name/layout"
  [[ $(jq -r '.manifests[0].annotations["org.opencontainers.image.ref.name"]' \
    "$work/$name/layout/index.json") == "$ref" ]] || fail "$archive is not named $ref"
  umoci unpack --image "$work/$name/layout:$ref" "$work/$name/bundle" >/dev/null
  manifest=$(jq -r '.manifests[0].digest' "$work/$name/layout/index.json")
  config=$(jq -r .config.digest "$work/$name/layout/blobs/${manifest/://}")
  cp "$work/$name/layout/blobs/${config/://}" "$work/$name/config.json"
  mount -t proc proc "$work/$name/bundle/rootfs/proc"
  mounts+=("$work/$name/bundle/rootfs/proc")
}

# Runs a command of image $1 as a container engine would: the image's user and environment
# (from the runtime configuration), extra variables $2 (space-separated NAME=value), then args.
# With $limit set, stops it after that many seconds. It replaces the shell it runs in (exec), so
# call it in $(...) or with &: the pid of the latter is then the image's process itself.
in_image() {
  local name=$1 extra=$2
  shift 2
  local bundle=$work/$name/bundle env user stop=()
  mapfile -t env < <(jq -r '.process.env[]' "$bundle/config.json")
  user=$(jq -r '"\(.process.user.uid):\(.process.user.gid)"' "$bundle/config.json")
  if [[ -n ${limit:-} ]]; then stop=(timeout --kill-after=5 "$limit"); fi
  # shellcheck disable=SC2086 # extra is a list of NAME=value words
  exec "${stop[@]}" env -i "${env[@]}" $extra "$chroot" --userspec="$user" "$bundle/rootfs" "$@"
}

# The image's entry point, as `docker run <image> ARGS` would run it.
entrypoint() {
  jq -r '.config.Entrypoint[]' "$work/$1/config.json"
}

check_image() {
  local name=$1 title=$2 rootfs=$work/$1/bundle/rootfs config=$work/$1/config.json label
  for label in title version revision; do
    [[ -n $(jq -r ".config.Labels[\"org.opencontainers.image.$label\"] // empty" "$config") ]] \
      || fail "$name: no org.opencontainers.image.$label label"
  done
  [[ $(jq -r '.config.Labels["org.opencontainers.image.title"]' "$config") == "$title" ]] \
    || fail "$name: title label is not $title"
  [[ $(jq -r '.config.Labels["org.opencontainers.image.version"]' "$config") == "$IMAGE_TAG" ]] \
    || fail "$name: version label is not $IMAGE_TAG"
  [[ $(jq -r .config.User "$config") == "$IMAGE_USER" ]] || fail "$name: user is not $IMAGE_USER"
  for shell in bin/sh bin/bash usr/bin/sh usr/bin/bash bin/dash; do
    [[ ! -e $rootfs/$shell ]] || fail "$name: carries a shell, /$shell"
  done
  [[ -f $rootfs$AGENT_JAR_PATH ]] || fail "$name: no $AGENT_JAR_PATH"
  echo "make image-test: $name: labels, user $IMAGE_USER, no shell, $(du -smx "$rootfs" | cut -f1) MiB unpacked"
}

# `<entry point> --version` (or another jar's): the part's name and a Java line on stdout (the
# agent image's java says on stderr that it picked up JDK_JAVA_OPTIONS).
check_version() {
  local name=$1 part=$2 out limit=60
  shift 2
  out=$(in_image "$name" "" "$@" --version 2>"$work/version.err") \
    || fail "$name: $* --version failed: $out $(cat "$work/version.err")"
  [[ $out =~ ^$part\ [0-9] ]] || fail "$name: $* --version printed no '$part <version>': $out"
  [[ $out == *$'\n'Java\ * ]] || fail "$name: $* --version printed no Java line: $out"
  echo "make image-test: $name: $* --version: ${out//$'\n'/; }"
}

status_role() {
  curl -sf -m 1 "http://127.0.0.1:$1/status" | jq -e --arg role "$2" '.role == $role' >/dev/null
}

check_agent_elected_and_resigns() {
  local name=$1 etcd_port peer_port agent_port endpoints election=/halo/image-test/smoke/election
  local options agent etcd
  etcd_port=$(free_port)
  peer_port=$(free_port)
  agent_port=$(free_port)
  endpoints=http://127.0.0.1:$etcd_port
  etcd --name image-test --data-dir "$work/etcd" --listen-client-urls "$endpoints" \
    --advertise-client-urls "$endpoints" --listen-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "image-test=http://127.0.0.1:$peer_port" >"$work/etcd.log" 2>&1 &
  etcd=$!
  pids+=("$etcd")
  await 30 etcdctl --endpoints "$endpoints" endpoint health >/dev/null 2>&1 \
    || fail "etcd did not start on $endpoints: $(tail -5 "$work/etcd.log")"

  mapfile -t options < <(java -cp "$AGENT_JAR" dev.halo.common.AgentDefaults)
  ((${#options[@]} > 0)) || fail "no agent JVM options from $AGENT_JAR"
  check_aot_cache "$name" "${options[@]}"
  in_image "$name" "HALO_ETCD_ENDPOINTS=$endpoints HALO_ELECTION=$election HALO_MEMBER=smoke-0 \
HALO_AGENT_ADDRESS=127.0.0.1 HALO_AGENT_PORT=$agent_port" \
    java "${options[@]}" -jar "$AGENT_JAR_PATH" agent >"$work/agent.log" 2>&1 &
  agent=$!
  pids+=("$agent")
  if ! await 60 status_role "$agent_port" master; then
    fail "$name: the agent did not report role master on /status within 60 s: $(tail -20 "$work/agent.log")"
  fi
  [[ $(awk '/^Uid:/ {print $2}' "/proc/$agent/status") == "$uid" ]] \
    || fail "$name: the agent does not run as uid $uid"
  [[ -n $(etcdctl --endpoints "$endpoints" get --prefix --keys-only "$election/") ]] \
    || fail "$name: the agent is master but has no key under $election/"
  echo "make image-test: $name: the agent campaigned and is master (/status, uid $uid, key in etcd)"
  # The JVM's own warnings (an option or a library the runtime frowns on) start with "WARNING:";
  # its unified logging's (a cache it cannot map, say) carry [warning] or [error].
  ! grep -qE '^WARNING:|\[(warning|error) *\]' "$work/agent.log" \
    || fail "$name: the JVM warned: $(grep -m3 -E '^WARNING:|\[(warning|error) *\]' "$work/agent.log")"
  grep -q "Picked up JDK_JAVA_OPTIONS: -XX:AOTCache=$AGENT_AOT_CACHE_PATH" "$work/agent.log" \
    || fail "$name: the agent did not start with the AOT cache: $(head -3 "$work/agent.log")"

  kill -TERM "$agent"
  local status=0
  wait "$agent" || status=$?
  ((status == 0)) || fail "$name: the agent exited $status on SIGTERM: $(tail -20 "$work/agent.log")"
  [[ -z $(etcdctl --endpoints "$endpoints" get --prefix --keys-only "$election/") ]] \
    || fail "$name: the agent's key is still in etcd after SIGTERM"
  grep -q 'withdrawn reason=shutdown' "$work/agent.log" \
    || fail "$name: the agent's log does not say it withdrew: $(tail -20 "$work/agent.log")"
  echo "make image-test: $name: on SIGTERM the agent resigned (key gone from etcd) and exited 0"
  time_agent_starts "$name" "$endpoints" "${options[@]}"
  kill -TERM "$etcd"
  wait "$etcd" || true
}

# The image's java with its JDK_JAVA_OPTIONS and -XX:AOTMode=on, which stops the JVM when the
# cache does not map (a missing file, another runtime or jar, incompatible options); without it
# the JVM would go on with a warning and start slower.
check_aot_cache() {
  local name=$1 out limit=60
  shift
  out=$(in_image "$name" "" java "$@" -XX:AOTMode=on -jar "$AGENT_JAR_PATH" --version 2>&1) \
    || fail "$name: the AOT cache $AGENT_AOT_CACHE_PATH does not map: $out"
  ! grep -qE '\[(warning|error) *\]' <<<"$out" || fail "$name: the JVM warned: $out"
  echo "make image-test: $name: its AOT cache maps ($(du -m "$work/$name/bundle/rootfs$AGENT_AOT_CACHE_PATH" | cut -f1) MiB, -XX:AOTMode=on)"
}

# Starts three agents one after the other, each in an election of its own, and prints how long
# each took from process start to campaigning (on /status, asked every 20 ms: a curl process per
# question takes CPU from the JVM it times); make bench measures it properly.
time_agent_starts() {
  local name=$1 endpoints=$2 i port agent t0 times=()
  shift 2
  for i in 1 2 3; do
    port=$(free_port)
    t0=$(date +%s%N)
    in_image "$name" "HALO_ETCD_ENDPOINTS=$endpoints HALO_ELECTION=/halo/image-test/start-$i/election \
HALO_MEMBER=start-$i HALO_AGENT_ADDRESS=127.0.0.1 HALO_AGENT_PORT=$port" \
      java "$@" -jar "$AGENT_JAR_PATH" agent >"$work/start-$i.log" 2>&1 &
    agent=$!
    pids+=("$agent")
    local deadline=$((SECONDS + 60))
    until curl -sf -m 1 "http://127.0.0.1:$port/status" 2>/dev/null | grep -q '"phase":"campaigning"'; do
      ((SECONDS < deadline)) || fail "$name: agent start-$i did not campaign: $(tail -20 "$work/start-$i.log")"
      sleep 0.02
    done
    times+=("$((($(date +%s%N) - t0) / 1000000))")
    kill -TERM "$agent"
    wait "$agent" || fail "$name: agent start-$i did not exit 0 on SIGTERM"
  done
  echo "make image-test: $name: process start -> campaigning: ${times[*]} ms (load average $(cut -d' ' -f1-3 /proc/loadavg))"
}

check_operator() {
  local name=$1 out status=0 limit=60 cmd
  mapfile -t cmd < <(entrypoint "$name")
  out=$(in_image "$name" "" "${cmd[@]}" --help 2>&1) || fail "$name: --help failed: $out"
  [[ $out == *HALO_ETCD_ENDPOINTS* ]] || fail "$name: --help lists no HALO_ variables: $out"
  out=$(in_image "$name" "" "${cmd[@]}" operator 2>&1) || status=$?
  ((status == 2)) || fail "$name: the operator without configuration exited $status, not 2: $out"
  [[ $out == *HALO_LEADER_ELECTION_NAMESPACE* ]] \
    || fail "$name: the operator without configuration did not say what to set: $out"
  echo "make image-test: $name: --help lists its settings; unconfigured, it stops: ${out:0:120}..."
}

agent_archive=$dir/halo-agent-$IMAGE_TAG.oci.tar
operator_archive=$dir/halo-$IMAGE_TAG.oci.tar
unpack agent "$agent_archive" "$AGENT_IMAGE_REPOSITORY:$IMAGE_TAG"
unpack operator "$operator_archive" "$IMAGE_REPOSITORY:$IMAGE_TAG"

check_image agent halo-agent
[[ ! -e $work/agent/bundle/rootfs$OPERATOR_JAR_PATH ]] || fail "agent: carries the operator's jar"
jq -e --arg want "JDK_JAVA_OPTIONS=-XX:AOTCache=$AGENT_AOT_CACHE_PATH" \
  '.config.Env | index($want) != null' "$work/agent/config.json" >/dev/null \
  || fail "agent: its configuration has no JDK_JAVA_OPTIONS with the AOT cache: $(jq -c .config.Env "$work/agent/config.json")"
mapfile -t agent_entry < <(entrypoint agent)
check_version agent halo-agent "${agent_entry[@]}"
check_agent_elected_and_resigns agent

check_image operator halo
[[ -f $work/operator/bundle/rootfs$OPERATOR_JAR_PATH ]] || fail "operator: no $OPERATOR_JAR_PATH"
# The agent's cache is no use to the operator's JVM (another jar): only the agent image has it.
[[ ! -e $work/operator/bundle/rootfs$AGENT_AOT_CACHE_PATH ]] || fail "operator: carries the agent's AOT cache"
jq -e '[.config.Env[] | select(startswith("JDK_JAVA_OPTIONS="))] | length == 0' \
  "$work/operator/config.json" >/dev/null || fail "operator: its configuration sets JDK_JAVA_OPTIONS"
mapfile -t operator_entry < <(entrypoint operator)
check_version operator halo-operator "${operator_entry[@]}"
check_version operator halo-agent java -jar "$AGENT_JAR_PATH"
check_operator operator
