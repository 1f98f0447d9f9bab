package dev.halo.operator;

import dev.halo.install.ApiCall;
import dev.halo.sandbox.EmbeddedApiServer;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Records every API call that operator clients made to a mock API server (told apart from the
 * tests' own client by their User-Agent), for the RBAC check in {@link RbacIT}.
 */
final class ApiCallRecorder {
  static final String OPERATOR_USER_AGENT = "halo-operator-under-test";
  static final Path DIR = Path.of("target", "rbac");

  private final Set<ApiCall> calls = ConcurrentHashMap.newKeySet();

  /** Starts recording the operator clients' calls to {@code k8s}. */
  static ApiCallRecorder on(EmbeddedApiServer k8s) {
    ApiCallRecorder recorder = new ApiCallRecorder();
    k8s.onRequest(
        r -> {
          if (OPERATOR_USER_AGENT.equals(r.userAgent())) {
            ApiCall.of(r.method(), r.uri()).ifPresent(recorder.calls::add);
          }
        });
    return recorder;
  }

  /** A client for an operator of {@code k8s}, whose calls are recorded; the caller closes it. */
  static KubernetesClient operatorClient(EmbeddedApiServer k8s) {
    return new KubernetesClientBuilder()
        .withConfig(new ConfigBuilder(k8s.config()).withUserAgent(OPERATOR_USER_AGENT).build())
        .build();
  }

  Set<ApiCall> calls() {
    return Set.copyOf(calls);
  }

  /**
   * Writes the calls to {@code target/rbac/<name>.txt}, one {@code namespace group resource verb} a
   * line.
   */
  void write(String name) {
    try {
      Files.createDirectories(DIR);
      Files.writeString(
          DIR.resolve(name + ".txt"),
          calls.stream()
              .map(ApiCallRecorder::line)
              .sorted()
              .collect(Collectors.joining("\n", "", "\n")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads every file that {@link #write} wrote (by any test class of this run). */
  static Set<ApiCall> readAll() {
    if (!Files.isDirectory(DIR)) {
      return Set.of();
    }
    try (var files = Files.list(DIR)) {
      return files
          .filter(f -> f.toString().endsWith(".txt"))
          .flatMap(ApiCallRecorder::lines)
          .filter(l -> !l.isBlank())
          .map(ApiCallRecorder::parse)
          .collect(Collectors.toSet());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static java.util.stream.Stream<String> lines(Path file) {
    try {
      return Files.readAllLines(file).stream();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String line(ApiCall c) {
    return (c.namespace().isEmpty() ? "-" : c.namespace())
        + " "
        + (c.group().isEmpty() ? "core" : c.group())
        + " "
        + c.resource()
        + " "
        + c.verb();
  }

  private static ApiCall parse(String line) {
    String[] f = line.trim().split(" ");
    return new ApiCall(f[0].equals("-") ? "" : f[0], f[1].equals("core") ? "" : f[1], f[2], f[3]);
  }
}
