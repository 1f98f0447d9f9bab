package dev.halo.sandbox;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.dsl.MockServerExpectation;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.internal.MockServerExpectationImpl;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.BindException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sandbox's Kubernetes API and the tests' one: fabric8's mock API server in CRUD mode (a {@link
 * KubernetesMixedDispatcher}, whose {@code KubernetesCrudDispatcher} is the store) over plain HTTP
 * on 127.0.0.1, with the HighAvailabilityGroup CRD installed from the generated {@value
 * #CRD_RESOURCE} (so tests must run after {@code process-classes}). Stubs recorded with {@link
 * #expect()} answer before the store, as with {@code KubernetesMockServer.expect()}. Fabric8
 * clients (informers, the operator) and the real {@code kubectl} both work against it; {@link
 * #writeKubeconfig} writes the file kubectl needs.
 *
 * <p>It does not use fabric8's {@code KubernetesMockServer}/{@code MockWebServer}: those are
 * written against Vert.x 4, and with the Vert.x 5 that jetcd brings every watch fails on the server
 * with {@code NoSuchMethodError: ServerWebSocket.accept()}. A small Vert.x 5 front end here does
 * the request handling and WebSocket upgrade, passes requests to the dispatcher, and adds what
 * kubectl needs and the store lacks:
 *
 * <ul>
 *   <li><b>Discovery</b> ({@link ApiDiscovery}): {@code /version} (1.32, or what {@link
 *       #kubernetesVersion} says), {@code /api}, {@code /apis} and the resource lists of the core
 *       kinds plus every CRD in the store (a CRD created through the API shows up at once, with its
 *       short names and status subresource). Plain {@code APIGroupList}s, so kubectl falls back
 *       from aggregated discovery. {@code /openapi/v2} is an empty protobuf document, so
 *       client-side validation passes without checking anything; {@code /openapi/v3} lists one
 *       document per custom group version with the CRDs' schemas ({@link OpenApiV3}), which is what
 *       {@code kubectl explain} reads (core kinds are not there).
 *   <li><b>Tables</b> ({@link ServerSideTable}): a GET asking for {@code as=Table} (what {@code
 *       kubectl get} sends) gets a {@code meta.k8s.io/v1 Table}: the CRD's printer columns, the
 *       usual pod columns, or Name and Age.
 *   <li><b>Patches</b> ({@link PatchTranslator}): the stock store merges a JSON merge patch with
 *       Jackson's {@code readerForUpdating}, which <em>appends to lists</em> and stores {@code
 *       null} instead of removing the field, and answers strategic merge and apply patches with
 *       415. Here merge patches follow RFC 7386; strategic merge patches too, except that lists of
 *       named items (containers, env, ports...) merge by name; apply patches ({@code kubectl apply
 *       --server-side}) are merge patches, and create a missing object (201). The store gets the
 *       equivalent JSON patch. No field ownership: an apply never removes fields it leaves out.
 *       JSON patch (RFC 6902, what {@code edit}/{@code editStatus} send) and PUT are the store's.
 *   <li><b>Field selectors</b> ({@link FieldSelector}): lists and watches select on the fields a
 *       real server offers for the kind (an Event's {@code involvedObject.*}, {@code type}, {@code
 *       reason}...; {@code metadata.name}/{@code namespace} everywhere), so {@code kubectl
 *       describe} and {@code kubectl events --for} find an object's events; any other field is a
 *       400 ("field label not supported"). Lists are typed ({@code EventList}, not the store's
 *       {@code List}), or client-go's typed decoding finds no items.
 *   <li><b>Watches</b>: over WebSocket (fabric8 clients) or, for kubectl and client-go, as a plain
 *       streaming HTTP response ({@link StreamingWatch}), one event per line, with Tables inside
 *       when asked. Every new watch of the store replays all matching objects as ADDED, whatever
 *       resourceVersion it asked for: informers absorb that, and the streaming watch drops the
 *       replay when the client named a resourceVersion. Deletions cannot be replayed, so a watch
 *       resuming from a resourceVersion older than a deletion it would see is answered 410 Gone (an
 *       ERROR event) and the client lists again ({@link NameIndexedStore#missedDeletion}): fabric8
 *       informers resume their watches every 5-10 minutes, and before this a pod deleted in that
 *       gap stayed in the operator's cache for good. No bookmarks; a restarted server breaks
 *       clients' watches.
 * </ul>
 *
 * <p>How the store behaves (fabric8 7.5.2; checked by {@code EmbeddedApiServerTest}):
 *
 * <ul>
 *   <li><b>Status subresource.</b> Installing the CRD through the API registers its status
 *       subresource: {@code patchStatus}, {@code editStatus} and {@code updateStatus} of a HAG
 *       change only {@code .status} and not the generation, and a PATCH/PUT of the main resource
 *       keeps the stored status. Core kinds (pods) have no status subresource in the store: {@code
 *       /status} writes still only touch {@code .status}, but a write of the pod itself changes its
 *       status too.
 *   <li><b>Scale subresource.</b> A CRD that declares {@code subresources.scale} gets {@code
 *       /scale} as a real server serves it ({@link ScaleSubresource}): an {@code autoscaling/v1
 *       Scale} read from the object; a PATCH or PUT of it changes the object's replica count
 *       through schema admission, so {@code kubectl scale hag web --replicas=5} works.
 *   <li><b>resourceVersion conflicts</b> are enforced when the body carries a {@code
 *       metadata.resourceVersion}: a stale one gets 409 ("the object has been modified") on PUT and
 *       PATCH of the object and on PATCH of {@code /status}. A PUT of {@code /status} ({@code
 *       updateStatus}/{@code replaceStatus}) is never checked (the store compares the stored object
 *       with itself). Bodies without a resourceVersion (plain merge patches, {@code edit}) are
 *       never rejected. Every write bumps one global counter, like a real API server.
 *   <li><b>deletionTimestamp through a patch</b> is honoured, with finalizer semantics: a patch
 *       setting {@code metadata.deletionTimestamp} on an object <em>without</em> finalizers deletes
 *       it at once (watchers get DELETED, never a terminating MODIFIED); with a finalizer (in the
 *       same or an earlier write) the object is stored terminating (watchers get MODIFIED with the
 *       deletionTimestamp and {@code deletionGracePeriodSeconds}), and the write that empties the
 *       finalizers removes it. A DELETE of an object with finalizers only sets deletionTimestamp
 *       (no grace period); without finalizers it removes it at once; the DeleteOptions body is
 *       ignored. Nothing stops a client from changing or clearing a deletionTimestamp, unlike
 *       Kubernetes. Client side, fabric8's {@code edit()} leaves deletionTimestamp out of its diff:
 *       set it with a raw JSON or merge patch.
 *   <li>No garbage collection (ownerReferences are stored, nothing acts on them), no defaulting (a
 *       new pod has no status at all), no {@code kubectl logs}/{@code exec}. Schema validation of
 *       custom resources is off unless {@link #validateSchemas} turns it on.
 * </ul>
 */
public final class EmbeddedApiServer implements AutoCloseable {
  /** The CRD as generated at {@code process-classes}. */
  public static final String CRD_RESOURCE =
      "META-INF/fabric8/highavailabilitygroups.halo.dev-v1.yml";

  private static final Logger log = LoggerFactory.getLogger(EmbeddedApiServer.class);
  private static final String HOST = "127.0.0.1";

  private final Map<ServerRequest, Queue<ServerResponse>> responses = new ConcurrentHashMap<>();
  private final Context context = new Context(Serialization.jsonMapper());
  // fabric8's store, indexed by object name (NameIndexedStore): a request for one object no
  // longer scans every stored object, which made the mock the bottleneck with thousands of pods.
  private final NameIndexedStore store =
      NameIndexedStore.install(new KubernetesMixedDispatcher(responses));
  private final Dispatcher dispatcher = store.dispatcher();
  private final Vertx vertx;
  private final HttpServer http;
  private final String url;
  private final KubernetesClient client;
  private final List<Consumer<ApiRequest>> requestListeners = new CopyOnWriteArrayList<>();
  private final ApiFrontEnd frontEnd;
  private final Set<Long> servingThreads = ConcurrentHashMap.newKeySet();

  /** A request as it reached the server: method, URI (path and query) and User-Agent header. */
  public record ApiRequest(String method, String uri, String userAgent) {}

  /** How the server misbehaves during {@link #injectFault}. */
  public enum Fault {
    /** Answer 503 ServiceUnavailable (a Status object) at once. */
    ERRORS,
    /** Hold the request until the fault ends, then serve it (an API server stalling). */
    HANG
  }

  private final FaultInjector faults;
  private final ApiDiscovery discovery = new ApiDiscovery(this::storedCrds);

  private EmbeddedApiServer(int port) {
    this.vertx = Vertx.vertx();
    this.frontEnd =
        new ApiFrontEnd(
            dispatcher,
            discovery,
            new PatchTranslator(dispatcher),
            store::missedDeletion,
            new StreamingWatch(vertx, discovery),
            new SchemaAdmission(dispatcher, this::storedCrds));
    this.faults = new FaultInjector(vertx, frontEnd::handle);
    try {
      this.http =
          vertx
              .createHttpServer(new HttpServerOptions().setHost(HOST).setPort(port))
              .requestHandler(
                  request -> {
                    servingThreads.add(Thread.currentThread().getId());
                    if (faults.faulted(request)) {
                      return;
                    }
                    if (!requestListeners.isEmpty()) {
                      ApiRequest seen =
                          new ApiRequest(
                              request.method().name(),
                              request.uri(),
                              request.getHeader("User-Agent"));
                      requestListeners.forEach(l -> l.accept(seen));
                    }
                    frontEnd.handle(request);
                  })
              .listen()
              .toCompletionStage()
              .toCompletableFuture()
              .get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      vertx.close();
      if (isBindFailure(e)) {
        throw new IllegalStateException(
            "cannot listen on "
                + HOST
                + ":"
                + port
                + ": address already in use; pick another --api-port or stop what uses it");
      }
      throw new IllegalStateException("cannot start the mock Kubernetes API server", e);
    }
    this.url = "http://" + HOST + ":" + http.actualPort();
    this.client = newClient();
  }

  private static boolean isBindFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof BindException
          || String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT).contains("already in use")) {
        return true;
      }
    }
    return false;
  }

  /** Starts an empty API server on any free port with the HighAvailabilityGroup CRD installed. */
  public static EmbeddedApiServer start() {
    return start(0);
  }

  /**
   * Starts an empty API server on 127.0.0.1:{@code port} (0 = any free port) with the
   * HighAvailabilityGroup CRD installed.
   *
   * @throws IllegalStateException if the port is taken (the message says so in one line)
   */
  public static EmbeddedApiServer start(int port) {
    long start = System.nanoTime();
    EmbeddedApiServer mock = new EmbeddedApiServer(port);
    try {
      mock.installCrd();
    } catch (RuntimeException e) {
      mock.close();
      throw e;
    }
    log.atInfo()
        .addKeyValue("url", mock.url)
        .addKeyValue("tookMs", (System.nanoTime() - start) / 1_000_000)
        .log("mock kubernetes started");
    return mock;
  }

  private void installCrd() {
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    try (InputStream in = loader.getResourceAsStream(CRD_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(
            CRD_RESOURCE + " is not on the classpath: it is generated at process-classes");
      }
      CustomResourceDefinition crd =
          client.apiextensions().v1().customResourceDefinitions().load(in).item();
      client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + CRD_RESOURCE, e);
    }
  }

  /**
   * Turns on (or off) what a real API server does on every write of a custom resource: check it
   * against its CRD's {@code openAPIV3Schema} ({@link SchemaValidator}; a patch is checked on its
   * result), answer 422 Invalid naming each bad field, and prune fields the schema does not know.
   * Off by default, so tests can still store what a real server would refuse (as an object written
   * through an older CRD version would be); the sandbox turns it on. CEL rules are not evaluated.
   */
  public EmbeddedApiServer validateSchemas(boolean on) {
    frontEnd.validateSchemas(on);
    return this;
  }

  /**
   * Reports Kubernetes 1.{@code minor} on {@code /version} (1.32 until told otherwise) and refuses
   * what a server of that release refuses, where the sandbox knows of a difference ({@link
   * PodAdmission}: before 1.30, a pod with a {@code sleep} lifecycle action gets 422).
   */
  public EmbeddedApiServer kubernetesVersion(int minor) {
    discovery.reportMinor(minor);
    return this;
  }

  /** The shared client (namespace {@code default}); do not close it, close() does. */
  public KubernetesClient client() {
    return client;
  }

  /** A new client of this server, e.g. for an operator that closes its own; the caller closes. */
  public KubernetesClient newClient() {
    return new KubernetesClientBuilder().withConfig(config()).build();
  }

  /** A client configuration for this server (namespace {@code default}, no credentials). */
  public Config config() {
    return new ConfigBuilder(Config.empty())
        .withMasterUrl(url + "/")
        .withNamespace("default")
        .withHttp2Disable(true)
        .withRequestRetryBackoffLimit(3)
        .build();
  }

  /** {@code http://127.0.0.1:<port>}. */
  public String url() {
    return url;
  }

  /**
   * Writes a kubeconfig for this server (cluster, context and user {@code halo-sandbox}, no
   * credentials, namespace {@code default}), creating the parent directories.
   *
   * @throws UncheckedIOException naming the file when it cannot be written
   */
  public void writeKubeconfig(Path file) {
    Kubeconfig.write(file, url);
  }

  /**
   * Writes a kubeconfig for this server reached at {@code via} (e.g. a proxy in front of it, which
   * a test can cut), otherwise like {@link #writeKubeconfig(Path)}.
   */
  public void writeKubeconfig(Path file, String via) {
    Kubeconfig.write(file, via);
  }

  /**
   * Records a canned response, as {@code KubernetesMockServer.expect()} does; canned responses
   * answer before the CRUD store (e.g. {@code expect().post().withPath(...).andReturn(500,
   * "boom").once()}), but not before discovery, {@code /version} and {@code /openapi}, which this
   * class serves itself.
   */
  public MockServerExpectation expect() {
    return new MockServerExpectationImpl(responses, context);
  }

  /**
   * For {@code duration}, answers the new requests that {@code affected} selects with {@code
   * fault}; requests already being served (open watches among them) go on. One fault at a time: a
   * new one replaces the current one.
   */
  public void injectFault(Fault kind, Predicate<ApiRequest> affected, Duration duration) {
    faults.inject(kind, affected, duration);
  }

  /** Ends an injected fault now (held requests are served at once). */
  public void clearFault() {
    faults.clear();
  }

  /** Calls {@code listener} with every request before it is handled (on a server thread). */
  public void onRequest(Consumer<ApiRequest> listener) {
    requestListeners.add(listener);
  }

  /** Drops every canned response recorded with {@link #expect()}. */
  public void clearExpectations() {
    responses.clear();
  }

  @Override
  public void close() {
    try {
      client.close();
    } finally {
      try {
        dispatcher.shutdown();
        http.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        log.atWarn().addKeyValue("error", e.toString()).log("mock kubernetes did not stop cleanly");
      } finally {
        try {
          vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
          log.atWarn().addKeyValue("error", e.toString()).log("vert.x did not stop cleanly");
        }
      }
    }
  }

  /**
   * CPU time the server's request-handling threads have used so far (benchmarks use it to tell the
   * mock's share of a machine from the operator's).
   */
  public Duration cpuTime() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long nanos = 0;
    for (long id : servingThreads) {
      nanos += Math.max(0, threads.getThreadCpuTime(id));
    }
    return Duration.ofNanos(nanos);
  }

  private String storedCrds() {
    MockResponse list = dispatcher.dispatch(get(ApiDiscovery.CRD_COLLECTION));
    return list.getBody() == null ? "{}" : list.getBody().readUtf8();
  }

  private static RecordedRequest get(String path) {
    return new RecordedRequest(
        "HTTP/1.1", HttpMethod.GET, path, Headers.builder().build(), new Buffer(null));
  }
}
