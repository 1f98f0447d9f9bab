# The one Halo image: `halo operator` (the Deployment of helm/halo) and `halo agent` (the sidecar
# the operator injects into every pod of a group) run from the same jar. `make image` builds it.

# Build stage: the shaded jar target/halo.jar (tests run in CI, not in the image build).
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml ./
COPY src ./src
RUN --mount=type=cache,target=/root/.m2 \
    mvn -B -q -DskipTests -Dspotless.check.skip=true package

# Runtime stage: a JRE only, the jar, and a user without privileges.
FROM eclipse-temurin:17-jre AS runtime
LABEL org.opencontainers.image.title="halo" \
      org.opencontainers.image.description="Halo operator and elector agent"
COPY --from=build /src/target/halo.jar /opt/halo/halo.jar
# JVM options are not baked in: the operator puts the agent's (dev.halo.common.AgentDefaults, or
# HALO_AGENT_JVM_OPTIONS) on each agent container's command line, and the chart puts the
# operator's (values jvmOptions) on the operator's.
# 65532: a numeric non-root user, so Kubernetes' runAsNonRoot can verify it.
USER 65532:65532
WORKDIR /tmp
ENTRYPOINT ["java", "-jar", "/opt/halo/halo.jar"]
CMD ["--help"]
