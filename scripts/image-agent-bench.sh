#!/usr/bin/env bash
# `make bench` on the agent image: unpacks the agent image `make image` built (umoci), mounts /proc
# in it and runs the given command (AgentBench) with `--image <bundle>`, which starts each agent
# as a container engine would: chrooted into the image's files, as its user, with its environment
# (so its JDK_JAVA_OPTIONS and AOT cache). Says why and does nothing when it cannot: not root
# (chroot, mount), no umoci, or no image yet.
#
# Usage: scripts/image-agent-bench.sh COMMAND...
# Environment (the Makefile sets all): AGENT_IMAGE_REPOSITORY, IMAGE_TAG, IMAGE_DIR (default
# target/images).
set -euo pipefail

: "${AGENT_IMAGE_REPOSITORY:?}" "${IMAGE_TAG:?}"
archive=${IMAGE_DIR:-target/images}/halo-agent-$IMAGE_TAG.oci.tar
skip() {
  echo "make bench: the agent image is not measured: $*" >&2
  exit 0
}
[[ $(id -u) == 0 ]] || skip "it runs under chroot, which needs root"
command -v umoci >/dev/null || skip "umoci is missing (make image installs it)"
[[ -f $archive ]] || skip "$archive is missing; run make image (as root) first"

work=$(mktemp -d "${TMPDIR:-/tmp}/halo-agent-bench.XXXXXX")
mounted=""
cleanup() {
  if [[ -n $mounted ]]; then umount "$mounted" || umount -l "$mounted"; fi
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/layout"
tar -xf "$archive" -C "$work/layout"
umoci unpack --image "$work/layout:$AGENT_IMAGE_REPOSITORY:$IMAGE_TAG" "$work/bundle" >/dev/null
mount -t proc proc "$work/bundle/rootfs/proc"
mounted=$work/bundle/rootfs/proc
"$@" --image "$work/bundle"
