#!/usr/bin/env bash
# The Java runtime of Halo's images: a jlinked image of a JDK (Temurin 25 here) with only the
# modules the operator's and the agent's jars use, and the JDK's default class-data sharing
# archive for it (faster start; every container on a node maps the same file).
#
# Usage: scripts/image-jre.sh JDK_HOME DIR
set -euo pipefail

jdk=${1:?usage: scripts/image-jre.sh JDK_HOME DIR}
out=${2:?usage: scripts/image-jre.sh JDK_HOME DIR}

# What `jdeps --print-module-deps --ignore-missing-deps` finds in halo-operator.jar and
# halo-agent.jar, less java.desktop (java.beans, which Jackson, SnakeYAML and Micrometer only
# touch when present) and java.compiler (annotation processing, a build-time part of the operator
# SDK). scripts/image-test.sh runs both jars on the result.
modules=java.base,java.naming,java.net.http,java.sql,jdk.httpserver,jdk.jfr,jdk.management,jdk.unsupported

# JDK 24 and later warn once per process when a library (protobuf, Netty) calls sun.misc.Unsafe's
# memory access methods; they are allowed in any case, so the runtime is told so rather than the
# agent's and the operator's command lines, which must also run on JDK 17.
rm -rf "$out"
"$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files \
  --generate-cds-archive --add-options=--sun-misc-unsafe-memory-access=allow --output "$out"
# The archive for heaps above 32 GiB (no compressed oops): neither JVM runs such a heap.
rm -f "$out/lib/server/classes_nocoops.jsa"
