package dev.halo.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.api.v1alpha1.HighAvailabilityGroupSpec;
import dev.halo.api.v1alpha1.HighAvailabilityGroupStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pins down the fabric8 mock behaviours that {@link EmbeddedApiServer} documents. */
class EmbeddedApiServerTest {
  private static final String NS = "mock";
  private static EmbeddedApiServer kube;
  private static KubernetesClient client;

  @BeforeAll
  static void start() {
    // As in the sandbox: the status writes below pass the schema check as the operator's do.
    kube = EmbeddedApiServer.start().validateSchemas(true);
    client = kube.client();
  }

  @AfterAll
  static void stop() {
    kube.close();
  }

  @Test
  void anInjectedFaultAnswersTheSelectedClientsWithErrorsOrHoldsThemUntilItEnds() {
    String agent = "fault-test-client";
    try (KubernetesClient faulty =
        new io.fabric8.kubernetes.client.KubernetesClientBuilder()
            .withConfig(
                new io.fabric8.kubernetes.client.ConfigBuilder(kube.config())
                    .withUserAgent(agent)
                    .withRequestRetryBackoffLimit(0)
                    .build())
            .build()) {
      kube.injectFault(
          EmbeddedApiServer.Fault.ERRORS,
          r -> agent.equals(r.userAgent()),
          java.time.Duration.ofSeconds(30));
      assertThatThrownBy(() -> faulty.pods().inNamespace(NS).list())
          .isInstanceOf(KubernetesClientException.class)
          .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(503));
      assertThat(client.pods().inNamespace(NS).list().getItems()).isNotNull(); // others unaffected
      kube.clearFault();
      assertThat(faulty.pods().inNamespace(NS).list().getItems()).isNotNull();

      kube.injectFault(
          EmbeddedApiServer.Fault.HANG,
          r -> agent.equals(r.userAgent()),
          java.time.Duration.ofMillis(1500));
      long start = System.nanoTime();
      assertThat(faulty.pods().inNamespace(NS).list().getItems()).isNotNull();
      assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(1000);
    } finally {
      kube.clearFault();
    }
  }

  private static HighAvailabilityGroup hag(String name) {
    HighAvailabilityGroup hag = new HighAvailabilityGroup();
    hag.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
    hag.setSpec(new HighAvailabilityGroupSpec());
    hag.getSpec().setTemplate(new io.fabric8.kubernetes.api.model.PodTemplateSpec());
    return client.resources(HighAvailabilityGroup.class).inNamespace(NS).resource(hag).create();
  }

  private static Condition condition(String type, String status) {
    return new ConditionBuilder()
        .withType(type)
        .withStatus(status)
        .withReason("Test")
        .withLastTransitionTime("2024-01-01T00:00:00Z")
        .build();
  }

  private static HighAvailabilityGroup getHag(String name) {
    return client.resources(HighAvailabilityGroup.class).inNamespace(NS).withName(name).get();
  }

  @Test
  void crdIsInstalledAndServedByTheDiscoveryApi() {
    assertThat(
            client
                .apiextensions()
                .v1()
                .customResourceDefinitions()
                .withName(HighAvailabilityGroup.CRD_NAME)
                .get())
        .isNotNull();
    assertThat(kube.url()).startsWith("http://127.0.0.1:");
  }

  @Test
  void mergePatchOfTheStatusSubresourceIsStored() {
    HighAvailabilityGroup created = hag("merge");
    HighAvailabilityGroup patch = new HighAvailabilityGroup();
    patch.setMetadata(new ObjectMetaBuilder().withName("merge").withNamespace(NS).build());
    HighAvailabilityGroupStatus status = new HighAvailabilityGroupStatus();
    status.setMaster("merge-0");
    status.setPhase("Running");
    status.setConditions(List.of(condition("Ready", "True")));
    patch.setStatus(status);

    client
        .resources(HighAvailabilityGroup.class)
        .inNamespace(NS)
        .withName("merge")
        .patchStatus(patch);

    HighAvailabilityGroup read = getHag("merge");
    assertThat(read.getStatus().getMaster()).isEqualTo("merge-0");
    assertThat(read.getStatus().getPhase()).isEqualTo("Running");
    assertThat(read.getStatus().getConditions())
        .extracting(Condition::getType)
        .containsExactly("Ready");
    assertThat(read.getMetadata().getResourceVersion())
        .isNotEqualTo(created.getMetadata().getResourceVersion());
    assertThat(read.getMetadata().getGeneration()).isEqualTo(created.getMetadata().getGeneration());
  }

  @Test
  void editStatusSendsJsonPatchAndReplacesLists() {
    hag("edit");
    var resource = client.resources(HighAvailabilityGroup.class).inNamespace(NS).withName("edit");
    resource.editStatus(
        h -> {
          h.getStatus().setMaster("edit-0");
          h.getStatus().setConditions(List.of(condition("Ready", "False")));
          return h;
        });
    resource.editStatus(
        h -> {
          h.getStatus().setMaster("edit-1");
          h.getStatus().setConditions(List.of(condition("Ready", "True")));
          return h;
        });

    HighAvailabilityGroup read = getHag("edit");
    assertThat(read.getStatus().getMaster()).isEqualTo("edit-1");
    assertThat(read.getStatus().getConditions())
        .extracting(Condition::getStatus)
        .containsExactly("True");
  }

  @Test
  void mergePatchReplacesListsAsRfc7386Says() {
    hag("replace");
    var resource =
        client.resources(HighAvailabilityGroup.class).inNamespace(NS).withName("replace");
    for (String value : List.of("False", "True")) {
      HighAvailabilityGroup patch = new HighAvailabilityGroup();
      patch.setMetadata(new ObjectMetaBuilder().withName("replace").withNamespace(NS).build());
      HighAvailabilityGroupStatus status = new HighAvailabilityGroupStatus();
      status.setConditions(List.of(condition("Ready", value)));
      patch.setStatus(status);
      resource.patchStatus(patch);
    }

    // The stock mock would hold ["False", "True"] here: it merges lists by appending.
    assertThat(getHag("replace").getStatus().getConditions())
        .extracting(Condition::getStatus)
        .containsExactly("True");
  }

  @Test
  void mergePatchNullRemovesAndStrategicMergePatchIsTreatedAsMerge() {
    pod("labels");
    mergePatch(
        "labels", "{\"metadata\":{\"labels\":{\"halo.dev/role\":\"master\",\"keep\":\"x\"}}}");
    client
        .pods()
        .inNamespace(NS)
        .withName("labels")
        .patch(
            PatchContext.of(PatchType.STRATEGIC_MERGE),
            "{\"metadata\":{\"labels\":{\"halo.dev/role\":null}}}");

    Pod read = client.pods().inNamespace(NS).withName("labels").get();
    assertThat(read.getMetadata().getLabels())
        .containsExactlyEntriesOf(java.util.Map.of("keep", "x"));
    assertThat(client.pods().inNamespace(NS).withLabel("halo.dev/role", "master").list().getItems())
        .isEmpty();
  }

  @Test
  void mergePatchOfAMissingObjectIs404() {
    assertThatThrownBy(() -> mergePatch("missing", "{\"metadata\":{\"labels\":{\"a\":\"b\"}}}"))
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(404));
  }

  @Test
  void patchOfTheMainResourceKeepsTheStatus() {
    hag("keep");
    var resource = client.resources(HighAvailabilityGroup.class).inNamespace(NS).withName("keep");
    resource.editStatus(
        h -> {
          h.getStatus().setMaster("keep-0");
          return h;
        });
    resource.edit(
        h -> {
          h.getSpec().setReplicas(5);
          h.getStatus().setMaster("ignored");
          return h;
        });

    HighAvailabilityGroup read = getHag("keep");
    assertThat(read.getSpec().getReplicas()).isEqualTo(5);
    assertThat(read.getStatus().getMaster()).isEqualTo("keep-0");
    assertThat(read.getMetadata().getGeneration()).isEqualTo(2L);
  }

  @Test
  void staleResourceVersionGets409() {
    HighAvailabilityGroup created = hag("conflict");
    var resource =
        client.resources(HighAvailabilityGroup.class).inNamespace(NS).withName("conflict");
    resource.editStatus(
        h -> {
          h.getStatus().setMaster("a");
          return h;
        });

    // A PUT of the status subresource is never checked: the mock compares the stored object's own
    // resourceVersion with itself.
    created.getStatus().setMaster("stale");
    client.resources(HighAvailabilityGroup.class).inNamespace(NS).resource(created).updateStatus();
    assertThat(getHag("conflict").getStatus().getMaster()).isEqualTo("stale");
    // A status patch carrying a stale resourceVersion is.
    assertThatThrownBy(
            () ->
                client
                    .resources(HighAvailabilityGroup.class)
                    .inNamespace(NS)
                    .withName("conflict")
                    .subresource("status")
                    .patch(
                        PatchContext.of(PatchType.JSON_MERGE),
                        "{\"metadata\":{\"resourceVersion\":\""
                            + created.getMetadata().getResourceVersion()
                            + "\"},\"status\":{\"master\":\"b\"}}"))
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));
    created.getSpec().setReplicas(7);
    assertThatThrownBy(
            () ->
                client
                    .resources(HighAvailabilityGroup.class)
                    .inNamespace(NS)
                    .resource(created)
                    .update())
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));
    // A merge patch whose body carries a stale resourceVersion is rejected too.
    assertThatThrownBy(
            () ->
                client
                    .resources(HighAvailabilityGroup.class)
                    .inNamespace(NS)
                    .withName("conflict")
                    .patch(
                        PatchContext.of(PatchType.JSON_MERGE),
                        "{\"metadata\":{\"resourceVersion\":\""
                            + created.getMetadata().getResourceVersion()
                            + "\"},\"spec\":{\"replicas\":9}}"))
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));
    assertThat(getHag("conflict").getStatus().getMaster()).isEqualTo("stale");
    assertThat(getHag("conflict").getSpec().getReplicas()).isEqualTo(3);
  }

  @Test
  void startingOnATakenPortFailsWithOneClearLine() {
    int port = URI.create(kube.url()).getPort();

    assertThatThrownBy(() -> EmbeddedApiServer.start(port))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "cannot listen on 127.0.0.1:"
                + port
                + ": address already in use; pick another --api-port or stop what uses it");
  }

  @Test
  void writesAKubeconfigForTheServerCreatingItsDirectory(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("nested/dir/config");

    kube.writeKubeconfig(file);

    assertThat(Files.readString(file))
        .contains("server: " + kube.url())
        .contains("current-context: halo-sandbox")
        .contains("namespace: default");
  }

  @Test
  void anUnwritableKubeconfigPathIsNamedInTheError(@TempDir Path dir) throws Exception {
    Path blocker = Files.writeString(dir.resolve("file"), "not a directory");
    Path file = blocker.resolve("config");

    assertThatThrownBy(() -> kube.writeKubeconfig(file))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("cannot write the kubeconfig " + file);
  }

  private static Pod pod(String name) {
    return client
        .pods()
        .inNamespace(NS)
        .resource(
            new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("app")
                .withImage("x")
                .endContainer()
                .endSpec()
                .build())
        .create();
  }

  private static String mergePatch(String name, String json) {
    return client
        .pods()
        .inNamespace(NS)
        .withName(name)
        .patch(PatchContext.of(PatchType.JSON_MERGE), json)
        .getMetadata()
        .getName();
  }

  @Test
  void deletionTimestampPatchedOnAPodWithoutFinalizersDeletesIt() {
    pod("no-finalizer");
    List<String> events = new CopyOnWriteArrayList<>();
    try (Watch watch =
        client.pods().inNamespace(NS).withName("no-finalizer").watch(recorder(events))) {
      Awaitility.await().until(() -> events.contains("ADDED null"));
      client
          .pods()
          .inNamespace(NS)
          .withName("no-finalizer")
          .patch(
              PatchContext.of(PatchType.JSON_MERGE),
              "{\"metadata\":{\"deletionTimestamp\":\"2030-01-01T00:00:00Z\","
                  + "\"deletionGracePeriodSeconds\":30}}");
      assertThat(client.pods().inNamespace(NS).withName("no-finalizer").get()).isNull();
      Awaitility.await().until(() -> events.stream().anyMatch(e -> e.startsWith("DELETED")));
      assertThat(events).noneMatch(e -> e.startsWith("MODIFIED"));
    }
  }

  @Test
  void deletionTimestampPatchedWithAFinalizerMarksThePodTerminating() {
    pod("terminating");
    List<String> events = new CopyOnWriteArrayList<>();
    try (Watch watch =
        client.pods().inNamespace(NS).withName("terminating").watch(recorder(events))) {
      Awaitility.await().until(() -> events.contains("ADDED null"));
      mergePatch(
          "terminating",
          "{\"metadata\":{\"finalizers\":[\"halo.dev/test\"],"
              + "\"deletionTimestamp\":\"2030-01-01T00:00:00Z\",\"deletionGracePeriodSeconds\":30}}");
      Pod marked = client.pods().inNamespace(NS).withName("terminating").get();
      assertThat(marked.getMetadata().getDeletionTimestamp()).isEqualTo("2030-01-01T00:00:00Z");
      assertThat(marked.getMetadata().getDeletionGracePeriodSeconds()).isEqualTo(30L);
      Awaitility.await().until(() -> events.contains("MODIFIED 2030-01-01T00:00:00Z"));

      client
          .pods()
          .inNamespace(NS)
          .withName("terminating")
          .patch(
              PatchContext.of(PatchType.JSON),
              "[{\"op\":\"remove\",\"path\":\"/metadata/finalizers\"}]");
      assertThat(client.pods().inNamespace(NS).withName("terminating").get()).isNull();
      Awaitility.await().until(() -> events.stream().anyMatch(e -> e.startsWith("DELETED")));
    }
  }

  @Test
  void deleteOfAPodWithAFinalizerOnlyMarksIt() {
    pod("delete-marks");
    mergePatch("delete-marks", "{\"metadata\":{\"finalizers\":[\"halo.dev/test\"]}}");
    client.pods().inNamespace(NS).withName("delete-marks").delete();
    Pod marked = client.pods().inNamespace(NS).withName("delete-marks").get();
    assertThat(marked.getMetadata().getDeletionTimestamp()).isNotNull();
    assertThat(marked.getMetadata().getDeletionGracePeriodSeconds()).isNull();
    client
        .pods()
        .inNamespace(NS)
        .withName("delete-marks")
        .edit(
            p -> {
              p.getMetadata().setFinalizers(List.of());
              return p;
            });
    assertThat(client.pods().inNamespace(NS).withName("delete-marks").get()).isNull();
  }

  @Test
  void podStatusWritesThroughTheStatusSubresource() {
    pod("status");
    client
        .pods()
        .inNamespace(NS)
        .withName("status")
        .editStatus(
            p -> {
              // The mock defaults nothing: a new pod has no status at all.
              assertThat(p.getStatus()).isNull();
              p.setStatus(new io.fabric8.kubernetes.api.model.PodStatus());
              p.getStatus().setPhase("Running");
              p.getStatus().setPodIP("127.0.0.1");
              return p;
            });
    Pod read = client.pods().inNamespace(NS).withName("status").get();
    assertThat(read.getStatus().getPhase()).isEqualTo("Running");
    assertThat(read.getStatus().getPodIP()).isEqualTo("127.0.0.1");
    // Pods have no status subresource in the mock: a write of the pod itself changes status too.
    client
        .pods()
        .inNamespace(NS)
        .withName("status")
        .edit(
            p -> {
              p.getStatus().setPhase("Failed");
              return p;
            });
    assertThat(client.pods().inNamespace(NS).withName("status").get().getStatus().getPhase())
        .isEqualTo("Failed");
  }

  @Test
  void aNewWatchReplaysExistingObjectsAsAdded() throws Exception {
    pod("replay");
    String rv =
        client.pods().inNamespace(NS).withName("replay").get().getMetadata().getResourceVersion();
    List<String> events = new CopyOnWriteArrayList<>();
    try (Watch watch =
        client
            .pods()
            .inNamespace(NS)
            .withName("replay")
            .withResourceVersion(rv)
            .watch(recorder(events))) {
      Awaitility.await().atMost(5, TimeUnit.SECONDS).until(() -> events.contains("ADDED null"));
    }
  }

  @Test
  void informersSeeCustomResourceEvents() {
    List<String> seen = new CopyOnWriteArrayList<>();
    var informer =
        client
            .resources(HighAvailabilityGroup.class)
            .inNamespace(NS)
            .inform(
                new io.fabric8.kubernetes.client.informers.ResourceEventHandler<>() {
                  @Override
                  public void onAdd(HighAvailabilityGroup h) {
                    seen.add("add " + h.getMetadata().getName());
                  }

                  @Override
                  public void onUpdate(HighAvailabilityGroup before, HighAvailabilityGroup h) {
                    if (h.getStatus() != null && "informed-0".equals(h.getStatus().getMaster())) {
                      seen.add("status " + h.getMetadata().getName());
                    }
                  }

                  @Override
                  public void onDelete(HighAvailabilityGroup h, boolean unknown) {
                    seen.add("delete " + h.getMetadata().getName());
                  }
                },
                0);
    try {
      hag("informed");
      client
          .resources(HighAvailabilityGroup.class)
          .inNamespace(NS)
          .withName("informed")
          .editStatus(
              h -> {
                h.getStatus().setMaster("informed-0");
                return h;
              });
      client.resources(HighAvailabilityGroup.class).inNamespace(NS).withName("informed").delete();
      Awaitility.await()
          .atMost(5, TimeUnit.SECONDS)
          .untilAsserted(
              () ->
                  assertThat(seen)
                      .containsSubsequence("add informed", "status informed", "delete informed"));
    } finally {
      informer.close();
    }
  }

  private static io.fabric8.kubernetes.api.model.Event event(
      String name, String about, String type) {
    return client
        .v1()
        .events()
        .inNamespace(NS)
        .resource(
            new io.fabric8.kubernetes.api.model.EventBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withNewInvolvedObject()
                .withKind("HighAvailabilityGroup")
                .withName(about)
                .withNamespace(NS)
                .endInvolvedObject()
                .withType(type)
                .withReason("Test")
                .build())
        .create();
  }

  @Test
  void eventListsAndWatchesHonourInvolvedObjectFieldSelectors() throws Exception {
    event("selected.1", "selected", "Warning");
    event("other.1", "other", "Warning");

    assertThat(
            client
                .v1()
                .events()
                .inNamespace(NS)
                .withField("involvedObject.name", "selected")
                .withField("involvedObject.kind", "HighAvailabilityGroup")
                .list()
                .getItems())
        .extracting(e -> e.getMetadata().getName())
        .containsExactly("selected.1");
    assertThat(
            client
                .v1()
                .events()
                .inNamespace(NS)
                .withoutField("involvedObject.name", "selected")
                .list()
                .getItems())
        .extracting(e -> e.getMetadata().getName())
        .contains("other.1")
        .doesNotContain("selected.1");

    List<String> watched = new CopyOnWriteArrayList<>();
    try (Watch watch =
        client
            .v1()
            .events()
            .inNamespace(NS)
            .withField("involvedObject.name", "selected")
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(
                      Action action, io.fabric8.kubernetes.api.model.Event e) {
                    watched.add(e.getMetadata().getName());
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                })) {
      event("other.2", "other", "Normal");
      event("selected.2", "selected", "Normal");
      Awaitility.await().atMost(5, TimeUnit.SECONDS).until(() -> watched.contains("selected.2"));
      assertThat(watched).doesNotContain("other.1", "other.2");
    }
  }

  @Test
  void anUnsupportedFieldSelectorIsABadRequest() {
    assertThatThrownBy(
            () -> client.pods().inNamespace(NS).withField("involvedObject.name", "x").list())
        .isInstanceOf(KubernetesClientException.class)
        .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(400))
        .hasMessageContaining("field label not supported: involvedObject.name");
  }

  @Test
  void podsCanBeSelectedByNameAndPhase() {
    pod("phase-a");
    pod("phase-b");

    assertThat(
            client.pods().inNamespace(NS).withField("metadata.name", "phase-a").list().getItems())
        .extracting(p -> p.getMetadata().getName())
        .containsExactly("phase-a");
    assertThat(client.pods().inNamespace(NS).withField("status.phase", "Running").list().getItems())
        .extracting(p -> p.getMetadata().getName())
        .doesNotContain("phase-a", "phase-b");
  }

  private static GenericKubernetesResource rawHag(String name, String spec) {
    return client
        .getKubernetesSerialization()
        .unmarshal(
            "{\"apiVersion\":\"halo.dev/v1alpha1\",\"kind\":\"HighAvailabilityGroup\","
                + "\"metadata\":{\"name\":\""
                + name
                + "\",\"namespace\":\""
                + NS
                + "\"},\"spec\":"
                + spec
                + "}",
            GenericKubernetesResource.class);
  }

  private static GenericKubernetesResource createRaw(String name, String spec) {
    return client
        .genericKubernetesResources("halo.dev/v1alpha1", "HighAvailabilityGroup")
        .inNamespace(NS)
        .resource(rawHag(name, spec))
        .create();
  }

  private static void assertInvalid(Runnable write, String field, String message) {
    assertThatThrownBy(write::run)
        .isInstanceOfSatisfying(
            KubernetesClientException.class,
            e -> {
              assertThat(e.getCode()).isEqualTo(422);
              assertThat(e.getStatus().getReason()).isEqualTo("Invalid");
              assertThat(e.getStatus().getDetails().getCauses())
                  .anySatisfy(
                      c -> {
                        assertThat(c.getField()).isEqualTo(field);
                        assertThat(c.getMessage()).isEqualTo(message);
                      });
            });
  }

  @Test
  void aWrongTypeIsRefusedWith422NamingTheFieldInTheRealServersWords() {
    assertInvalid(
        () -> createRaw("typed", "{\"zones\":\"a,b,c\",\"template\":{}}"),
        "spec.zones",
        "Invalid value: \"string\": spec.zones in body must be of type array: \"string\"");
    assertInvalid(
        () -> createRaw("typed", "{\"replicas\":\"three\",\"template\":{}}"),
        "spec.replicas",
        "Invalid value: \"string\": spec.replicas in body must be of type integer: \"string\"");
    assertThat(getHag("typed")).isNull();
  }

  @Test
  void aMissingRequiredFieldIsRefused() {
    assertInvalid(
        () -> createRaw("untemplated", "{\"replicas\":3}"), "spec.template", "Required value");
  }

  @Test
  void patternsAndBoundsAreChecked() {
    assertInvalid(
        () -> createRaw("spaced", "{\"zones\":[\"a b\"],\"template\":{}}"),
        "spec.zones[0]",
        "Invalid value: \"a b\": spec.zones[0] in body should match"
            + " '^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$'");
    assertInvalid(
        () -> createRaw("none", "{\"replicas\":0,\"template\":{}}"),
        "spec.replicas",
        "Invalid value: 0: spec.replicas in body should be greater than or equal to 1");
  }

  @Test
  void aValidObjectIsStoredWithUnknownFieldsPruned() {
    createRaw("pruned", "{\"replicas\":2,\"zones\":[\"a\"],\"colour\":\"red\",\"template\":{}}");

    GenericKubernetesResource stored =
        client
            .genericKubernetesResources("halo.dev/v1alpha1", "HighAvailabilityGroup")
            .inNamespace(NS)
            .withName("pruned")
            .get();
    @SuppressWarnings("unchecked")
    java.util.Map<String, Object> spec =
        (java.util.Map<String, Object>) stored.getAdditionalProperties().get("spec");
    assertThat(spec).containsEntry("replicas", 2).doesNotContainKey("colour");
  }

  @Test
  void aPatchIsCheckedOnItsResult() {
    hag("patched");
    var resource =
        client.resources(HighAvailabilityGroup.class).inNamespace(NS).withName("patched");

    assertInvalid(
        () -> resource.patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"zones\":\"a\"}}"),
        "spec.zones",
        "Invalid value: \"string\": spec.zones in body must be of type array: \"string\"");
    assertInvalid(
        () ->
            resource.patch(
                PatchContext.of(PatchType.JSON),
                "[{\"op\":\"remove\",\"path\":\"/spec/template\"}]"),
        "spec.template",
        "Required value");
    assertInvalid(
        () ->
            resource.patch(
                PatchContext.of(PatchType.JSON_MERGE), "{\"status\":{\"replicas\":\"many\"}}"),
        "status.replicas",
        "Invalid value: \"string\": status.replicas in body must be of type integer: \"string\"");
    assertThat(getHag("patched").getSpec().getTemplate()).isNotNull();

    resource.patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"zones\":[\"a\"]}}");
    assertThat(getHag("patched").getSpec().getZones()).containsExactly("a");
  }

  private static Watcher<Pod> recorder(List<String> events) {
    return new Watcher<>() {
      @Override
      public void eventReceived(Action action, Pod pod) {
        events.add(action + " " + pod.getMetadata().getDeletionTimestamp());
      }

      @Override
      public void onClose(WatcherException cause) {}
    };
  }
}
