package dev.halo.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.crud.AttributeType;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** The name index under the mock API server's store: which requests it scopes, same answers. */
class NameIndexedStoreTest {

  @Test
  void scopesRequestsForOneNamespacedObjectToItsName() {
    assertThat(name(HttpMethod.GET, "/api/v1/namespaces/ns/pods/p-1", null)).isEqualTo("p-1");
    assertThat(name(HttpMethod.PUT, "/api/v1/namespaces/ns/pods/p-1/status", null))
        .isEqualTo("p-1");
    assertThat(
            name(
                HttpMethod.PATCH,
                "/apis/halo.dev/v1alpha1/namespaces/ns/highavailabilitygroups/g/status",
                null))
        .isEqualTo("g");
    assertThat(
            name(
                HttpMethod.POST,
                "/api/v1/namespaces/ns/events",
                "{\"kind\":\"Event\",\"metadata\":{\"labels\":{\"name\":\"x\"},\"name\":\"e.1\"}}"))
        .isEqualTo("e.1");
  }

  @Test
  void leavesListsWatchesAndClusterScopedRequestsUnscoped() {
    assertThat(name(HttpMethod.GET, "/api/v1/namespaces/ns/pods", null)).isNull();
    assertThat(name(HttpMethod.GET, "/api/v1/namespaces/ns/pods?labelSelector=a%3Db", null))
        .isNull();
    assertThat(name(HttpMethod.GET, "/api/v1/namespaces/ns/pods/p?watch=true", null)).isNull();
    assertThat(name(HttpMethod.DELETE, "/api/v1/namespaces/ns", null)).isNull();
    assertThat(name(HttpMethod.GET, "/api/v1/nodes/n1", null)).isNull();
    assertThat(
            name(
                HttpMethod.POST,
                "/api/v1/namespaces/ns/pods",
                "{\"metadata\":{\"generateName\":\"p-\"}}"))
        .isNull();
    assertThat(name(HttpMethod.POST, "/api/v1/namespaces/ns/pods", "not json")).isNull();
  }

  @Test
  void aScopedScanSeesOnlyObjectsOfThatName() {
    NameIndexedStore store = new NameIndexedStore();
    AttributeSet a1 = new AttributeSet(new Attribute("name", "a"), new Attribute("kind", "pod"));
    AttributeSet a2 = new AttributeSet(new Attribute("name", "a"), new Attribute("kind", "svc"));
    AttributeSet b = new AttributeSet(new Attribute("name", "b"), new Attribute("kind", "pod"));
    AttributeSet unnamed = new AttributeSet(new Attribute("kind", "pod"));
    store.put(a1, "a1");
    store.put(a2, "a2");
    store.put(b, "b");
    store.put(unnamed, "u");
    Attribute nameA = new Attribute("name", "a", AttributeType.WITH);

    assertThat(store.entrySet()).hasSize(4);
    assertThat(
            NameIndexedStore.within(
                nameA,
                () -> List.copyOf(store.entrySet().stream().map(Map.Entry::getValue).toList())))
        .containsExactly("a1", "a2");
    store.remove(a1);
    assertThat(
            NameIndexedStore.within(
                nameA,
                () -> List.copyOf(store.entrySet().stream().map(Map.Entry::getValue).toList())))
        .containsExactly("a2");
    assertThat(
            NameIndexedStore.within(
                new Attribute("name", "zzz", AttributeType.WITH), () -> store.entrySet().size()))
        .isZero();
    store.clear();
    assertThat(NameIndexedStore.within(nameA, () -> store.entrySet().size())).isZero();
  }

  @Test
  void answersAsTheUnindexedStoreDoes() {
    try (EmbeddedApiServer api = EmbeddedApiServer.start()) {
      KubernetesClient client = api.client();
      for (String ns : new String[] {"a", "b"}) {
        for (int i = 0; i < 3; i++) {
          client
              .pods()
              .inNamespace(ns)
              .resource(
                  new PodBuilder()
                      .withNewMetadata()
                      .withName("p-" + i)
                      .withLabels(Map.of("i", "" + i))
                      .endMetadata()
                      .build())
              .create();
        }
      }
      // The same name in another kind and namespace is a different object.
      client
          .configMaps()
          .inNamespace("a")
          .resource(new ConfigMapBuilder().withNewMetadata().withName("p-1").endMetadata().build())
          .create();

      assertThat(client.pods().inNamespace("a").withName("p-1").get().getMetadata().getLabels())
          .containsEntry("i", "1");
      assertThat(client.pods().inNamespace("a").list().getItems()).hasSize(3);
      assertThat(client.configMaps().inNamespace("a").withName("p-1").get()).isNotNull();
      assertThat(client.configMaps().inNamespace("b").withName("p-1").get()).isNull();

      client
          .pods()
          .inNamespace("b")
          .withName("p-1")
          .edit(
              p -> {
                p.getMetadata().getLabels().put("edited", "yes");
                return p;
              });
      assertThat(client.pods().inNamespace("b").withName("p-1").get().getMetadata().getLabels())
          .containsEntry("edited", "yes");
      assertThat(client.pods().inNamespace("a").withName("p-1").get().getMetadata().getLabels())
          .doesNotContainKey("edited");

      client.pods().inNamespace("a").withName("p-1").delete();
      assertThat(client.pods().inNamespace("a").withName("p-1").get()).isNull();
      assertThat(client.pods().inNamespace("b").withName("p-1").get()).isNotNull();
      assertThat(client.pods().inNamespace("a").list().getItems())
          .extracting(p -> p.getMetadata().getName())
          .containsExactlyInAnyOrder("p-0", "p-2");

      // Re-created under a name whose index entry was emptied.
      client
          .pods()
          .inNamespace("a")
          .resource(new PodBuilder().withNewMetadata().withName("p-1").endMetadata().build())
          .create();
      assertThat(client.pods().inNamespace("a").withName("p-1").get()).isNotNull();
    }
  }

  @Test
  void aWatchResumingPastADeletionGetsGoneAndOneAfterAnUpdateDoesNot() throws Exception {
    try (EmbeddedApiServer api = EmbeddedApiServer.start()) {
      KubernetesClient client = api.client();
      for (String name : new String[] {"p-1", "p-2"}) {
        client
            .pods()
            .inNamespace("w")
            .resource(new PodBuilder().withNewMetadata().withName(name).endMetadata().build())
            .create();
      }
      String before = client.pods().inNamespace("w").list().getMetadata().getResourceVersion();
      client
          .pods()
          .inNamespace("w")
          .withName("p-2")
          .edit(
              p -> {
                p.getMetadata().setLabels(Map.of("edited", "yes"));
                return p;
              });
      String afterUpdate = client.pods().inNamespace("w").list().getMetadata().getResourceVersion();

      // An update (the store removes the old key and puts the new one) is replayed: no 410.
      assertThat(closeOf(client, before)).isNull();

      client.pods().inNamespace("w").withName("p-1").delete();
      // A deletion after the version the watch resumes from cannot be replayed: 410 Gone.
      WatcherException gone = closeOf(client, afterUpdate);
      assertThat(gone).isNotNull();
      assertThat(gone.isHttpGone()).isTrue();
      // Resuming from after the deletion is fine again.
      String afterDelete = client.pods().inNamespace("w").list().getMetadata().getResourceVersion();
      assertThat(closeOf(client, afterDelete)).isNull();
    }
  }

  /** Watches pods from {@code resourceVersion}; how the watch closed within 2 s (null: open). */
  private static WatcherException closeOf(KubernetesClient client, String resourceVersion)
      throws InterruptedException {
    CompletableFuture<WatcherException> closed = new CompletableFuture<>();
    try (Watch w =
        client
            .pods()
            .inNamespace("w")
            .watch(
                new ListOptionsBuilder().withResourceVersion(resourceVersion).build(),
                new Watcher<Pod>() {
                  @Override
                  public void eventReceived(Action action, Pod resource) {}

                  @Override
                  public void onClose(WatcherException cause) {
                    closed.complete(cause);
                  }

                  @Override
                  public boolean reconnecting() {
                    return false;
                  }
                })) {
      try {
        return closed.get(2, TimeUnit.SECONDS);
      } catch (ExecutionException | TimeoutException e) {
        return null;
      }
    }
  }

  private static String name(HttpMethod method, String path, String body) {
    Attribute a =
        NameIndexedStore.nameOf(
            new RecordedRequest(
                "HTTP/1.1",
                method,
                path,
                Headers.builder().build(),
                new Buffer(body == null ? null : body.getBytes(StandardCharsets.UTF_8))));
    return a == null ? null : a.getValues().get(0).toString();
  }
}
