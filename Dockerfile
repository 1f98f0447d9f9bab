# Halo's two images, for those who build with a Docker engine. `make image` builds the same two
# without one (scripts/image-build.sh), from the same scripts, with the same layers and layout:
#   docker build -t halo:0.1.0 .                        the operator (it carries the agent's jar too)
#   docker build --target agent -t halo-agent:0.1.0 .   the elector agent alone, for every pod
# Layers: Debian's C library and base files (no shell), a jlinked Java runtime at
# /opt/java/openjdk, the jars under /opt/halo, and in the agent's image its AOT cache (trained
# against a real etcd in the aot stage); user 65532.

# Build stage: the operator's and the agent's shaded jars (tests run in CI, not in the image build).
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
# Every module's sources: Maven reads each module the root pom lists, even ones -pl leaves out.
COPY pom.xml ./
COPY halo-common ./halo-common
COPY halo-api ./halo-api
COPY halo-etcd ./halo-etcd
COPY halo-agent ./halo-agent
COPY halo-operator ./halo-operator
COPY halo-sandbox ./halo-sandbox
COPY halo-dist ./halo-dist
COPY halo-it ./halo-it
COPY halo-bench ./halo-bench
COPY halo-kubectl ./halo-kubectl
RUN --mount=type=cache,target=/root/.m2 \
    mvn -B -q -DskipTests -Dspotless.check.skip=true package -pl halo-operator,halo-agent -am

# The Java runtime: Temurin 25 jlinked to the modules the jars use.
FROM eclipse-temurin:25-jdk AS jre
COPY scripts/image-jre.sh /usr/local/bin/
RUN image-jre.sh "$JAVA_HOME" /jre

# The base filesystem: Debian's packages extracted by mmdebstrap, the user 65532.
FROM debian:bookworm AS base
COPY scripts/image-base.sh /usr/local/bin/
RUN apt-get update && apt-get install -y --no-install-recommends mmdebstrap \
    && image-base.sh /rootfs

# The agent's AOT cache: a training run of the agent against a real etcd, on the runtime and the
# jar at the paths the agent image has them (scripts/image-aot.sh, as make image runs it).
FROM debian:bookworm AS aot
RUN apt-get update && apt-get install -y --no-install-recommends etcd-server curl
COPY scripts/image-aot.sh scripts/image.env scripts/image-lib.sh /usr/local/bin/
COPY --from=jre /jre /opt/java/openjdk
COPY --from=build /src/halo-agent/target/halo-agent.jar /opt/halo/halo-agent.jar
RUN image-aot.sh / /halo-agent.aot

# What both images share: the base, the runtime, the agent's jar.
FROM scratch AS runtime
COPY --from=base /rootfs/ /
COPY --from=jre /jre /opt/java/openjdk
COPY --from=build /src/halo-agent/target/halo-agent.jar /opt/halo/halo-agent.jar
ENV JAVA_HOME=/opt/java/openjdk
ENV PATH=/opt/java/openjdk/bin:/usr/sbin:/usr/bin:/sbin:/bin
# 65532: a numeric non-root user, so Kubernetes' runAsNonRoot can verify it.
USER 65532:65532
WORKDIR /tmp

FROM runtime AS agent
COPY --from=aot /halo-agent.aot /opt/halo/halo-agent.aot
# The operator puts the agent's JVM options (dev.halo.common.AgentDefaults, or
# HALO_AGENT_JVM_OPTIONS) on each agent container's command line; the AOT cache is the image's
# own (scripts/image.env): its Java 25 only.
ENV JDK_JAVA_OPTIONS="-XX:AOTCache=/opt/halo/halo-agent.aot"
# make image sets these from the Makefile and git; here: --build-arg VERSION=... REVISION=... SOURCE=...
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG SOURCE=""
LABEL org.opencontainers.image.title="halo-agent" \
      org.opencontainers.image.description="Halo elector agent (the sidecar in every pod of a group)" \
      org.opencontainers.image.version="$VERSION" \
      org.opencontainers.image.revision="$REVISION" \
      org.opencontainers.image.source="$SOURCE"
ENTRYPOINT ["java", "-jar", "/opt/halo/halo-agent.jar"]
CMD ["--help"]

# The last stage is what a plain `docker build .` builds. The chart puts the operator's JVM
# options (values jvmOptions) on its command line.
FROM runtime AS operator
COPY --from=build /src/halo-operator/target/halo-operator.jar /opt/halo/halo-operator.jar
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG SOURCE=""
LABEL org.opencontainers.image.title="halo" \
      org.opencontainers.image.description="Halo operator; carries the elector agent too" \
      org.opencontainers.image.version="$VERSION" \
      org.opencontainers.image.revision="$REVISION" \
      org.opencontainers.image.source="$SOURCE"
ENTRYPOINT ["java", "-jar", "/opt/halo/halo-operator.jar"]
CMD ["--help"]
