package dev.halo.operator.election;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.maintenance.StatusResponse;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Reads the server version of each etcd member the operator connects to (Maintenance Status on each
 * endpoint), for {@link EtcdVersionRules}. A member that does not answer in time is left out: it
 * says nothing about the others, and the next check asks again.
 */
final class EtcdMemberVersions {
  private final List<URI> endpoints;
  private final Supplier<Client> client;
  private final long timeoutMs;

  EtcdMemberVersions(List<URI> endpoints, Supplier<Client> client, long timeoutMs) {
    this.endpoints = List.copyOf(endpoints);
    this.client = client;
    this.timeoutMs = timeoutMs;
  }

  /** Endpoint → version of every member that answered; never fails. */
  CompletableFuture<Map<String, String>> read() {
    Map<String, String> versions = new TreeMap<>();
    CompletableFuture<?>[] calls =
        endpoints.stream()
            .map(
                uri ->
                    client
                        .get()
                        .getMaintenanceClient()
                        // A gRPC target, host:port; the client's TLS settings apply.
                        .statusMember(uri.getAuthority())
                        .orTimeout(timeoutMs, TimeUnit.MILLISECONDS)
                        .thenApply(StatusResponse::getVersion)
                        .handle(
                            (version, failure) -> {
                              if (version != null) {
                                synchronized (versions) {
                                  versions.put(uri.toString(), version);
                                }
                              }
                              return null;
                            }))
            .toArray(CompletableFuture[]::new);
    return CompletableFuture.allOf(calls)
        .thenApply(
            done -> {
              synchronized (versions) {
                return Map.copyOf(versions);
              }
            });
  }
}
