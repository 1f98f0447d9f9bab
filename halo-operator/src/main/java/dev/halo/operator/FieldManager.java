package dev.halo.operator;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.net.URI;
import java.util.Arrays;
import java.util.Set;

/**
 * Names the operator as the field manager of every write it sends (create, update, patch), so that
 * {@code kubectl get -o yaml --show-managed-fields} says which fields the operator owns. Without it
 * the API server derives the manager from the User-Agent ({@code fabric8-kubernetes-client}). It is
 * an HTTP interceptor because fabric8 has no client-wide setting: one place covers the operator's
 * own writes and the Java Operator SDK's (finalizers, the leader Lease).
 */
final class FieldManager implements Interceptor {
  static final String NAME = "halo-operator";
  private static final String PARAM = "fieldManager";
  private static final Set<String> WRITES = Set.of("POST", "PUT", "PATCH");

  /** A client like {@code client} (same configuration) whose writes name {@link #NAME}. */
  static KubernetesClient clientLike(KubernetesClient client) {
    return client(client.getConfiguration());
  }

  /** A client of {@code config} whose writes name {@link #NAME}. */
  static KubernetesClient client(Config config) {
    return new KubernetesClientBuilder()
        .withConfig(config)
        .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor(PARAM, new FieldManager()))
        .build();
  }

  @Override
  public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
    URI uri = request.uri();
    URI named = named(request.method(), uri);
    if (!named.equals(uri)) {
      builder.uri(named);
    }
  }

  /** {@code uri} with {@code fieldManager=halo-operator} if it is a write that names none. */
  static URI named(String method, URI uri) {
    String query = uri.getRawQuery();
    boolean named =
        query != null && Arrays.stream(query.split("&")).anyMatch(p -> p.startsWith(PARAM + "="));
    if (!WRITES.contains(method) || named || uri.getRawFragment() != null) {
      return uri;
    }
    return URI.create(uri + (query == null ? "?" : "&") + PARAM + "=" + NAME);
  }
}
