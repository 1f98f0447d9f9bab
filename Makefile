# Halo: one entry point per job. `make test` is what CI runs.
SHELL := /bin/bash
MVN ?= mvn -B

.PHONY: help test build deps sandbox bench chaos manifests run image deploy

# The image `make image` builds and `make deploy` installs (push it where your cluster pulls from).
IMAGE_REPOSITORY ?= halo
IMAGE_TAG ?= 0.1.0
IMAGE ?= $(IMAGE_REPOSITORY):$(IMAGE_TAG)
NAMESPACE ?= halo-system

# What the build makes (one module per part; see docs/design.md "Modules"):
HALO_JAR := halo-dist/target/halo.jar
OPERATOR_JAR := halo-operator/target/halo-operator.jar
AGENT_JAR := halo-agent/target/halo-agent.jar
# Writes target/<module>-classpath.txt: the module's test classpath, after building what it needs.
classpath = mkdir -p target && $(MVN) -q -DskipTests -Dspotless.check.skip=true package dependency:build-classpath \
	  -pl $(1) -am -Dmdep.includeScope=test -Dmdep.outputFile=$(CURDIR)/target/$(1)-classpath.txt
HELM_ARGS ?=

help:
	@echo "make test     install missing tools (etcd), then build and run every test (mvn verify)"
	@echo "make build    build $(HALO_JAR) (every part), $(OPERATOR_JAR) and $(AGENT_JAR) without running tests"
	@echo "make manifests regenerate crds/ from the Java model, copy it into helm/halo/crds/, render the chart into deploy/"
	@echo "make run      run the operator against the current kubeconfig"
	@echo "make image    build the container image $(IMAGE) (needs a Docker engine)"
	@echo "make deploy   helm upgrade --install halo helm/halo into $(NAMESPACE) on the current kubeconfig (needs helm)"
	@echo "make bench    measure failover (5 ways, TTL 5 and 2, against fabric8 LeaderElector), the agent, the operator and scale into target/bench/ (JSON, REPORT.md, PNG); BENCH_ARGS=--quick for a short run"
	@echo "make chaos    seeded fault-injection campaign (SEED=1 FAULTS=200) checking the invariants of docs/design.md; report in target/chaos/"
	@echo "make sandbox  run Halo end to end here (API server, etcd with TLS, client certificates and roles, operator, agents, service proxy); SANDBOX_ARGS=\"--scenario failover\" for the scripted tour, \"--insecure-etcd\" for a plaintext etcd"

## Installs etcd (server and etcdctl) from Debian when missing; tests start real etcd processes.
deps:
	@if command -v etcd >/dev/null 2>&1 && command -v etcdctl >/dev/null 2>&1; then \
	  exit 0; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing etcd-server and etcd-client (Debian packages)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server etcd-client >/dev/null; \
	else \
	  echo "etcd is missing: install it with 'sudo apt-get install etcd-server etcd-client', then run make test again" >&2; \
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
## short run. Each bench is its own JVM so one's threads and heap do not colour the next; they
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
	$(BENCH_RUN) dev.halo.bench.FailoverBench $(BENCH_ARGS)
	$(BENCH_RUN) dev.halo.bench.OperatorBench $(BENCH_ARGS)
	$(BENCH_RUN) dev.halo.bench.ScaleBench $(BENCH_ARGS)
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

## Builds the one image (operator and agent) from the Dockerfile; needs a running Docker engine.
image:
	@command -v docker >/dev/null 2>&1 || { echo "make image: docker is not installed; install Docker (or build the Dockerfile with another OCI builder)" >&2; exit 1; }
	@docker info >/dev/null 2>&1 || { echo "make image: no Docker engine answers (docker info failed); start one, or build on a machine that has one" >&2; exit 1; }
	docker build -t $(IMAGE) .

## Installs or upgrades the chart on the cluster of the current kubeconfig; needs helm 3.
deploy:
	@command -v helm >/dev/null 2>&1 || { echo "make deploy: helm is not installed; install Helm 3, or use 'kubectl apply -f deploy/' (default values)" >&2; exit 1; }
	helm upgrade --install halo helm/halo --namespace $(NAMESPACE) --create-namespace \
	  --set image.repository=$(IMAGE_REPOSITORY) --set image.tag=$(IMAGE_TAG) $(HELM_ARGS)
