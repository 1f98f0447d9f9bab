# The one Halo image: the operator (the Deployment of helm/halo) runs halo-operator.jar, and the
# agent (the sidecar the operator injects into every pod of a group) runs halo-agent.jar, each jar
# carrying only its part. `make image` builds it.

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
RUN --mount=type=cache,target=/root/.m2 \
    mvn -B -q -DskipTests -Dspotless.check.skip=true package -pl halo-operator,halo-agent -am

# Runtime stage: a JRE only, the jar, and a user without privileges.
FROM eclipse-temurin:17-jre AS runtime
LABEL org.opencontainers.image.title="halo" \
      org.opencontainers.image.description="Halo operator and elector agent"
COPY --from=build /src/halo-operator/target/halo-operator.jar /opt/halo/halo-operator.jar
COPY --from=build /src/halo-agent/target/halo-agent.jar /opt/halo/halo-agent.jar
# JVM options are not baked in: the operator puts the agent's (dev.halo.common.AgentDefaults, or
# HALO_AGENT_JVM_OPTIONS) on each agent container's command line, and the chart puts the
# operator's (values jvmOptions) on the operator's.
# 65532: a numeric non-root user, so Kubernetes' runAsNonRoot can verify it.
USER 65532:65532
WORKDIR /tmp
ENTRYPOINT ["java", "-jar", "/opt/halo/halo-operator.jar"]
CMD ["--help"]
