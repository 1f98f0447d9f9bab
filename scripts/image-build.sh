#!/usr/bin/env bash
# `make image`: Halo's two images, built without a container engine, as OCI archives.
#   <IMAGE_REPOSITORY>:<IMAGE_TAG>        the operator (halo-operator.jar) and the agent's jar too,
#                                         so that it can also serve as the agent image
#   <AGENT_IMAGE_REPOSITORY>:<IMAGE_TAG>  the elector agent alone (halo-agent.jar), for every pod,
#                                         with its AOT cache
# Layers, shared by both: Debian's C library and base files (scripts/image-base.sh), a jlinked
# Java runtime (scripts/image-jre.sh) at /opt/java/openjdk, the agent's jar under /opt/halo; then
# the operator image adds the operator's jar, the agent image the agent's AOT cache, made by a
# training run of the agent against a real etcd on what the first three layers unpack to
# (scripts/image-aot.sh) and used through JDK_JAVA_OPTIONS in the agent image's configuration. A
# node that pulled one image pulls only the last layer of the other. Assembled with umoci, written
# with skopeo to target/images/halo-<tag>.oci.tar and halo-agent-<tag>.oci.tar (`podman load -i`,
# or `skopeo copy oci-archive:<file> docker://<registry>/<name>:<tag>`). The Dockerfile builds the
# same layout.
#
# Environment (the Makefile sets all): IMAGE_REPOSITORY, AGENT_IMAGE_REPOSITORY, IMAGE_TAG,
# OPERATOR_JAR, AGENT_JAR, JLINK_JDK (a JDK whose jlink makes the runtime), IMAGE_SOURCE and
# IMAGE_REVISION (OCI labels), SOURCE_DATE_EPOCH (the time stamp of files, history and config).
# The AOT cache's training run needs root, etcd and curl.
set -euo pipefail

: "${IMAGE_REPOSITORY:?}" "${AGENT_IMAGE_REPOSITORY:?}" "${IMAGE_TAG:?}" "${OPERATOR_JAR:?}"
: "${AGENT_JAR:?}" "${JLINK_JDK:?}" "${SOURCE_DATE_EPOCH:?}"
out=${IMAGE_DIR:-target/images}
work=$out/work
scripts=$(dirname "$0")
created=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)
# shellcheck source=scripts/image.env
. "$scripts/image.env"

for jar in "$OPERATOR_JAR" "$AGENT_JAR"; do
  [[ -f $jar ]] || { echo "make image: $jar is missing; build it with make build" >&2; exit 1; }
done

rm -rf "$work" "$out"/*.oci.tar
mkdir -p "$work/layers"

# One uncompressed layer tar of a directory's contents: sorted, time-stamped, numeric owners.
layer() {
  local dir=$1 tar=$2 entries
  mapfile -t entries < <(find "$dir" -mindepth 1 -maxdepth 1 -printf '%P\n' | sort)
  tar --create --file "$tar" --directory "$dir" --sort=name --numeric-owner --format=posix \
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
    --mtime="@$SOURCE_DATE_EPOCH" --clamp-mtime "${entries[@]}"
}

echo "make image: base filesystem from Debian's packages"
"$scripts/image-base.sh" "$work/base"
layer "$work/base" "$work/layers/base.tar"

echo "make image: Java runtime (jlink of $JLINK_JDK)"
"$scripts/image-jre.sh" "$JLINK_JDK" "$work/jre$JAVA_HOME"
layer "$work/jre" "$work/layers/jre.tar"

for part in agent operator; do
  jar=$AGENT_JAR target=$AGENT_JAR_PATH
  if [[ $part == operator ]]; then jar=$OPERATOR_JAR target=$OPERATOR_JAR_PATH; fi
  mkdir -p "$work/$part$(dirname "$target")"
  install -m 0644 "$jar" "$work/$part$target"
  layer "$work/$part" "$work/layers/$part.tar"
done

echo "make image: the agent's AOT cache (a training run against etcd, scripts/image-aot.sh)"
# The training runs on the files as the agent image unpacks them (same paths, owners and time
# stamps, which the cache records and the JVM checks when it maps the cache).
mkdir -p "$work/training"
for part in base jre agent; do
  tar --extract --file "$work/layers/$part.tar" --directory "$work/training" --same-owner
done
"$scripts/image-aot.sh" "$work/training" "$work/aot$AGENT_AOT_CACHE_PATH"
rm -rf "$work/training"
layer "$work/aot" "$work/layers/aot.tar"

# What each layer is, for the images' history.
declare -A made_by=(
  [base]="scripts/image-base.sh: Debian ${DEBIAN_SUITE:-bookworm} base-files, libc6; user 65532"
  [jre]="scripts/image-jre.sh: jlink of $(. "$JLINK_JDK/release" && echo "$IMPLEMENTOR_VERSION")"
  [agent]="halo-agent.jar at $AGENT_JAR_PATH"
  [operator]="halo-operator.jar at $OPERATOR_JAR_PATH"
  [aot]="scripts/image-aot.sh: the agent's AOT cache at $AGENT_AOT_CACHE_PATH"
)
# Adds layer $2 to the image tagged $1, as the image tagged $3 (or $1 again).
add_layer() {
  umoci raw add-layer --image "$work/oci:$1" --tag "${3:-$1}" --history.created "$created" \
    --history.created_by "${made_by[$2]}" "$work/layers/$2.tar"
}
# The image tagged $1: entry point (jar $2), labels (title $3, description $4), then any more
# variables of its environment (NAME=value).
configure() {
  local env=() var
  for var in "${@:5}"; do env+=(--config.env "$var"); done
  local labels=(
    "--config.label=org.opencontainers.image.title=$3"
    "--config.label=org.opencontainers.image.description=$4"
    "--config.label=org.opencontainers.image.version=$IMAGE_TAG"
    "--config.label=org.opencontainers.image.revision=${IMAGE_REVISION:-unknown}"
    "--config.label=org.opencontainers.image.created=$created"
  )
  if [[ -n ${IMAGE_SOURCE:-} ]]; then
    labels+=("--config.label=org.opencontainers.image.source=$IMAGE_SOURCE")
  fi
  umoci config --image "$work/oci:$1" --created "$created" --history.created "$created" \
    --clear=config.labels --clear=config.entrypoint --clear=config.cmd --clear=config.env \
    --config.user "$IMAGE_USER" --config.workingdir /tmp \
    --config.env "JAVA_HOME=$JAVA_HOME" --config.env "PATH=$IMAGE_PATH" "${env[@]}" \
    --config.entrypoint java --config.entrypoint -jar --config.entrypoint "$2" \
    --config.cmd --help "${labels[@]}"
}

echo "make image: assembling the images (umoci)"
umoci init --layout "$work/oci"
umoci new --image "$work/oci:agent"
umoci config --image "$work/oci:agent" --created "$created" --no-history --os linux \
  --architecture amd64
add_layer agent base
add_layer agent jre
add_layer agent agent
add_layer agent operator operator
add_layer agent aot
configure agent "$AGENT_JAR_PATH" halo-agent "Halo elector agent (the sidecar in every pod of a group)" \
  "JDK_JAVA_OPTIONS=-XX:AOTCache=$AGENT_AOT_CACHE_PATH"
configure operator "$OPERATOR_JAR_PATH" halo "Halo operator; carries the elector agent too"

agent_archive=$out/halo-agent-$IMAGE_TAG.oci.tar
operator_archive=$out/halo-$IMAGE_TAG.oci.tar
skopeo copy --quiet "oci:$work/oci:agent" \
  "oci-archive:$agent_archive:$AGENT_IMAGE_REPOSITORY:$IMAGE_TAG"
skopeo copy --quiet "oci:$work/oci:operator" \
  "oci-archive:$operator_archive:$IMAGE_REPOSITORY:$IMAGE_TAG"
rm -rf "$work"

for archive in "$operator_archive" "$agent_archive"; do
  echo "make image: $archive ($(du -m "$archive" | cut -f1) MiB)"
done
