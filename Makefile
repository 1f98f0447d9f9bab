# Halo: one entry point per job. `make test` is what CI runs.
SHELL := /bin/bash
MVN ?= mvn -B

.PHONY: help test build jars deps image-deps sandbox bench chaos manifests run image image-test deploy kubectl-plugin kubectl-plugin-release

# The images `make image` builds and `make deploy` installs (push them where your cluster pulls
# from): the operator's, and the agent's beside it (the chart derives the agent's name the same way).
IMAGE_REPOSITORY ?= halo
IMAGE_TAG ?= 0.1.0
AGENT_IMAGE_REPOSITORY ?= $(IMAGE_REPOSITORY)-agent
IMAGE ?= $(IMAGE_REPOSITORY):$(IMAGE_TAG)
NAMESPACE ?= halo-system
# The JDK whose jlink makes the images' Java runtime (Temurin 25 is on the project's machines).
JLINK_JDK ?= /usr/lib/jvm/temurin-25-jdk-amd64
# OCI labels and time stamps of the images: the checked-out commit ("-dirty" with local changes).
IMAGE_REVISION ?= $(shell git describe --always --dirty --abbrev=40 --match=none 2>/dev/null || echo unknown)
IMAGE_SOURCE ?= $(shell git remote get-url origin 2>/dev/null)
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || date +%s)
IMAGE_ENV = IMAGE_REPOSITORY=$(IMAGE_REPOSITORY) AGENT_IMAGE_REPOSITORY=$(AGENT_IMAGE_REPOSITORY) \
  IMAGE_TAG=$(IMAGE_TAG) OPERATOR_JAR=$(OPERATOR_JAR) AGENT_JAR=$(AGENT_JAR) JLINK_JDK=$(JLINK_JDK) \
  IMAGE_REVISION=$(IMAGE_REVISION) IMAGE_SOURCE=$(IMAGE_SOURCE) SOURCE_DATE_EPOCH=$(SOURCE_DATE_EPOCH)

# What the build makes (one module per part; see docs/design.md "Modules"):
HALO_JAR := halo-dist/target/halo.jar
KUBECTL_JAR := halo-kubectl/target/kubectl-halo.jar
OPERATOR_JAR := halo-operator/target/halo-operator.jar
AGENT_JAR := halo-agent/target/halo-agent.jar
# Writes target/<module>-classpath.txt: the module's test classpath, after building what it needs.
classpath = mkdir -p target && $(MVN) -q -DskipTests -Dspotless.check.skip=true package dependency:build-classpath \
	  -pl $(1) -am -Dmdep.includeScope=test -Dmdep.outputFile=$(CURDIR)/target/$(1)-classpath.txt
HELM_ARGS ?=

help:
	@echo "make test     install missing tools (etcd, redis-server), then build and run every test (mvn verify)"
	@echo "make build    build $(HALO_JAR) (every part), $(OPERATOR_JAR) and $(AGENT_JAR) without running tests"
	@echo "make manifests regenerate crds/ from the Java model, copy it into helm/halo/crds/, render the chart into deploy/"
	@echo "make run      run the operator against the current kubeconfig"
	@echo "make image    build the images $(IMAGE) (operator) and $(AGENT_IMAGE_REPOSITORY):$(IMAGE_TAG) (agent, with its AOT cache trained against a real etcd) as OCI archives in target/images/, without a container engine (as root: installs mmdebstrap, umoci, skopeo)"
	@echo "make image-test run each image's entry points from its unpacked filesystem under chroot: --version, the agent's AOT cache, the agent elected on a real etcd and resigning on SIGTERM, its start time, the operator's --help"
	@echo "make deploy   helm upgrade --install halo helm/halo into $(NAMESPACE) on the current kubeconfig (needs helm)"
	@echo "make bench    measure failover (6 ways, TTL 5 and 2, against fabric8 LeaderElector), the agent (on this Java and, as root after make image, in its image), the physical floor under each failover (etcd, API and proxy steps, Halo ÷ floor), the operator, scale and multi-site failover into target/bench/ (JSON, REPORT.md, PNG); BENCH_ARGS=--quick for a short run"
	@echo "make chaos    seeded fault-injection campaign (SEED=1 FAULTS=200) checking the invariants of docs/design.md; report in target/chaos/"
	@echo "make kubectl-plugin  install kubectl halo: \$$PREFIX/bin/kubectl-halo and \$$PREFIX/lib/halo/ (PREFIX=$(PREFIX)); needs Java 17+"
	@echo "make kubectl-plugin-release KREW_URL=https://...  the plugin's archive and its Krew manifest (with the archive's sha256) in target/kubectl-halo/"
	@echo "make sandbox  run Halo end to end here (API server, etcd with TLS, client certificates and roles, operator, agents, service proxy); SANDBOX_ARGS=\"--scenario failover\" for the scripted tour, \"--insecure-etcd\" for a plaintext etcd"

## Installs etcd (server and etcdctl) and redis-server (with redis-cli) from Debian when missing;
## tests start real etcd processes, and the sandbox's kubelet can run redis-server as a pod's workload.
deps:
	@if command -v etcd >/dev/null 2>&1 && command -v etcdctl >/dev/null 2>&1; then \
	  :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing etcd-server and etcd-client (Debian packages)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server etcd-client >/dev/null; \
	else \
	  echo "etcd is missing: install it with 'sudo apt-get install etcd-server etcd-client', then run make test again" >&2; \
	  exit 1; \
	fi
	@if command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1; then \
	  :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing redis-server (Debian package, brings redis-tools with redis-cli)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; \
	else \
	  echo "redis-server is missing: install it with 'sudo apt-get install redis-server', then run make test again" >&2; \
	  exit 1; \
	fi

test: deps
	$(MVN) verify

build:
	$(MVN) -DskipTests package

## Halo end to end on this machine: embedded Kubernetes API, real etcd (secured: TLS, client
## certificates, a role per group), the operator, agents. SANDBOX_ARGS passes options, e.g.
## SANDBOX_ARGS="--scenario failover", "--headless" or "--insecure-etcd" (plaintext etcd).
sandbox: deps
	@if [ ! -f $(HALO_JAR) ] || [ -n "$$(find halo-*/src halo-*/pom.xml pom.xml deploy/examples -newer $(HALO_JAR) -print -quit)" ]; then \
	  echo "building $(HALO_JAR)"; $(MVN) -q -DskipTests -Dspotless.check.skip=true package || exit 1; \
	fi
	java -Dhalo.agent.jar=$(AGENT_JAR) -jar $(HALO_JAR) sandbox $(SANDBOX_ARGS)

## Benchmarks: figures go to target/bench/*.json, tables to target/bench/REPORT.md, charts to
## target/bench/*.png (tests assert behaviour, benchmarks measure it). BENCH_ARGS=--quick for a
## short run. The agent is measured on this machine's Java and, as root after make image, in its
## image (under chroot: its Java 25 and AOT cache), against its targets. Each bench is its own JVM so one's threads and heap do not colour the next; they
## start with plain java on the test classpath Maven wrote (a Maven start per bench costs ~8 s),
## C1 only: on 2 cores the C2 compiler threads of a bench JVM took CPU from the agent JVMs it
## measures (the crash series at TTL 2 ran 51 s with C2, 40 s without).
BENCH_CP = halo-bench/target/classes:$$(cat target/halo-bench-classpath.txt)
BENCH_RUN = java -XX:TieredStopAtLevel=1 -Dhalo.jar=$(HALO_JAR) -Dhalo.agent.jar=$(AGENT_JAR) -Dhalo.operator.jar=$(OPERATOR_JAR) -cp $(BENCH_CP)
bench: deps
	$(call classpath,halo-bench)
	$(MVN) -q -DskipTests -Dspotless.check.skip=true package -pl halo-dist -am
	rm -rf target/bench
	$(BENCH_RUN) dev.halo.bench.AgentBench $(BENCH_ARGS)
	$(IMAGE_ENV) scripts/image-agent-bench.sh $(BENCH_RUN) dev.halo.bench.AgentBench $(BENCH_ARGS)
	$(BENCH_RUN) dev.halo.bench.FailoverBench $(BENCH_ARGS)
	$(BENCH_RUN) dev.halo.bench.FloorBench
	$(BENCH_RUN) dev.halo.bench.OperatorBench $(BENCH_ARGS)
	$(BENCH_RUN) dev.halo.bench.ScaleBench $(BENCH_ARGS)
	$(BENCH_RUN) dev.halo.bench.SiteBench $(BENCH_ARGS)
	$(BENCH_RUN) dev.halo.bench.RedisBench $(BENCH_ARGS)
	$(BENCH_RUN) dev.halo.bench.BenchSummary $(BENCH_ARGS)
	@echo "report: target/bench/REPORT.md"

## A seeded fault-injection campaign against three groups; exits non-zero on any violation of
## the invariants of docs/design.md. Report: target/chaos/report.json and target/chaos/summary.txt.
SEED ?= 1
FAULTS ?= 200
chaos: deps
	$(call classpath,halo-bench)
	$(MVN) -q -DskipTests -Dspotless.check.skip=true package -pl halo-dist -am
	$(BENCH_RUN) dev.halo.chaos.ChaosCampaign --seed $(SEED) --faults $(FAULTS)

## Regenerates the CRD from the Java model into crds/ and helm/halo/crds/, and renders the chart
## into deploy/ (CrdTest and ManifestsTest fail the build when the committed files differ).
manifests:
	$(call classpath,halo-api)
	java -cp halo-api/target/classes:$$(cat target/halo-api-classpath.txt) dev.halo.api.v1alpha1.Crd
	$(call classpath,halo-it)
	java -cp halo-it/target/test-classes:$$(cat target/halo-it-classpath.txt) dev.halo.install.Manifests

## Runs the operator against the current kubeconfig (one replica, no leader election).
run: build
	HALO_LEADER_ELECTION=false java -jar $(OPERATOR_JAR) operator

## The operator's and the agent's jars, rebuilt when a source is newer (tests are make test's job).
jars:
	@if [ ! -f $(OPERATOR_JAR) ] || [ ! -f $(AGENT_JAR) ] || [ -n "$$(find halo-*/src halo-*/pom.xml pom.xml -newer $(AGENT_JAR) -print -quit)" ] \
	    || [ -n "$$(find halo-*/src halo-*/pom.xml pom.xml -newer $(OPERATOR_JAR) -print -quit)" ]; then \
	  echo "building $(OPERATOR_JAR) and $(AGENT_JAR)"; \
	  $(MVN) -q -DskipTests -Dspotless.check.skip=true package -pl halo-operator,halo-agent -am || exit 1; \
	fi

## Installs what make image and make image-test use, from Debian, when missing.
IMAGE_TOOLS = mmdebstrap umoci skopeo jq curl
image-deps:
	@missing=""; for t in $(IMAGE_TOOLS); do command -v $$t >/dev/null 2>&1 || missing="$$missing $$t"; done; \
	if [ -z "$$missing" ]; then \
	  exit 0; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing$$missing (Debian packages)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	else \
	  echo "make image:$$missing missing: install with 'sudo apt-get install$$missing' and run as root (the base filesystem keeps its owners)" >&2; \
	  exit 1; \
	fi

## Builds the operator's and the agent's images without a container engine (no Docker here): a
## base from Debian's packages, a jlinked Java runtime, the jars, and the agent's AOT cache from a
## training run against a real etcd (hence deps); OCI archives in target/images/ (push with skopeo
## copy, or podman load). The Dockerfile builds the same with Docker.
image: deps image-deps jars
	@[ "$$(id -u)" = 0 ] || { echo "make image: run as root (mmdebstrap extracts the base with its owners)" >&2; exit 1; }
	@[ -x $(JLINK_JDK)/bin/jlink ] || { echo "make image: no jlink in JLINK_JDK=$(JLINK_JDK); set JLINK_JDK to a JDK 25 (Temurin's)" >&2; exit 1; }
	@$(JLINK_JDK)/bin/java -version 2>&1 | grep -q 'version "2[5-9]' || { echo "make image: JLINK_JDK=$(JLINK_JDK) is not a JDK 25 or later (jlink without jmods, --sun-misc-unsafe-memory-access); set JLINK_JDK" >&2; exit 1; }
	$(IMAGE_ENV) scripts/image-build.sh

## Runs each image of make image from its unpacked filesystem (chroot, as user 65532): --version,
## the agent's AOT cache (-XX:AOTMode=on), the agent against a real etcd on loopback (master on
## /status, no JVM warning, resigns on SIGTERM), three timed agent starts, the operator's --help
## and its message when unconfigured. Needs root; does not rebuild the images.
image-test: deps image-deps
	@[ "$$(id -u)" = 0 ] || { echo "make image-test: run as root (chroot, mount -t proc)" >&2; exit 1; }
	$(IMAGE_ENV) scripts/image-test.sh

## Installs or upgrades the chart on the cluster of the current kubeconfig; needs helm 3.
deploy:
	@command -v helm >/dev/null 2>&1 || { echo "make deploy: helm is not installed; install Helm 3, or use 'kubectl apply -f deploy/' (default values)" >&2; exit 1; }
	helm upgrade --install halo helm/halo --namespace $(NAMESPACE) --create-namespace \
	  --set image.repository=$(IMAGE_REPOSITORY) --set image.tag=$(IMAGE_TAG) \
	  --set agent.image=$(AGENT_IMAGE_REPOSITORY):$(IMAGE_TAG) $(HELM_ARGS)

## kubectl halo (docs/kubectl-plugin.md): the launcher in $(PREFIX)/bin, the jar and its class data
## sharing archive (made here, on this Java, by a training run that needs no cluster) in
## $(PREFIX)/lib/halo. kubectl finds the plugin when $(PREFIX)/bin is on PATH.
PREFIX ?= $(HOME)/.local
KUBECTL_HALO_VERSION ?= $(IMAGE_TAG)
KUBECTL_HALO_JVM = -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData -Xshare:auto -Xlog:cds=off -Xlog:cds+dynamic=off
KREW_URL ?=
$(KUBECTL_JAR): $(shell find halo-kubectl/src halo-common/src -type f 2>/dev/null) halo-kubectl/pom.xml
	$(MVN) -q -DskipTests -Dspotless.check.skip=true package -pl halo-kubectl -am

kubectl-plugin: $(KUBECTL_JAR)
	install -d $(PREFIX)/bin $(PREFIX)/lib/halo
	install -m 0644 $(KUBECTL_JAR) $(PREFIX)/lib/halo/kubectl-halo.jar
	install -m 0755 halo-kubectl/src/main/sh/kubectl-halo $(PREFIX)/bin/kubectl-halo
	rm -f $(PREFIX)/lib/halo/kubectl-halo.jsa
	java $(KUBECTL_HALO_JVM) -XX:ArchiveClassesAtExit=$(PREFIX)/lib/halo/kubectl-halo.jsa \
	  -cp $(PREFIX)/lib/halo/kubectl-halo.jar dev.halo.kubectl.KubectlHalo __train
	@echo "installed $(PREFIX)/bin/kubectl-halo; with $(PREFIX)/bin on PATH: kubectl halo status"

## The release artefacts of the plugin: target/kubectl-halo/kubectl-halo-<version>.tar.gz (the
## launcher and the jar, reproducible: sorted, owned by root, mtime of the last commit) and its
## Krew manifest target/kubectl-halo/halo.yaml with the archive's sha256. KREW_URL is where the
## archive is published (the release's download URL); the manifest names it.
kubectl-plugin-release: $(KUBECTL_JAR)
	@[ -n "$(KREW_URL)" ] || { echo "make kubectl-plugin-release: set KREW_URL to the https URL the archive will be published at, e.g. KREW_URL=https://github.com/<owner>/halo/releases/download/v$(KUBECTL_HALO_VERSION)/kubectl-halo-$(KUBECTL_HALO_VERSION).tar.gz" >&2; exit 1; }
	rm -rf target/kubectl-halo
	mkdir -p target/kubectl-halo/pkg
	install -m 0755 halo-kubectl/src/main/sh/kubectl-halo target/kubectl-halo/pkg/kubectl-halo
	install -m 0644 $(KUBECTL_JAR) target/kubectl-halo/pkg/kubectl-halo.jar
	tar -C target/kubectl-halo/pkg --sort=name --mtime=@$(SOURCE_DATE_EPOCH) --owner=0 --group=0 --numeric-owner \
	  -cf - kubectl-halo kubectl-halo.jar | gzip -n -9 > target/kubectl-halo/kubectl-halo-$(KUBECTL_HALO_VERSION).tar.gz
	java -cp $(KUBECTL_JAR) dev.halo.kubectl.KrewManifest target/kubectl-halo/kubectl-halo-$(KUBECTL_HALO_VERSION).tar.gz \
	  $(KUBECTL_HALO_VERSION) $(KREW_URL) target/kubectl-halo/halo.yaml
