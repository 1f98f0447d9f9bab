package dev.halo.sandbox;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HTTPHeader;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LifecycleHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * One container's preStop handler, run on this machine as a kubelet runs it in the container:
 * {@code sleep} sleeps, {@code httpGet} asks 127.0.0.1 (or the handler's host) at the local port
 * the pod's container port maps to, and {@code exec} runs the command as a local process with the
 * container's environment when the container runs as one (not for the demo workload or the agent).
 * Whoever started it bounds it ({@link #abort} when the grace period is up).
 */
final class PreStopHook {
  // At most this much of a failed exec hook's output goes into the log and the event.
  private static final int OUTPUT_LIMIT = 2_000;
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(1))
          .build();

  /**
   * Where a container's hook runs: the pod's container ports mapped to local ports (every
   * container's, the pod has one network) and, for a container run as a process, that process and
   * the container's mount paths with the local directories they map to.
   */
  record Target(
      String pod,
      Container container,
      Map<Integer, Integer> podPorts,
      Optional<WorkloadProcess> process,
      Map<String, Path> mounts) {}

  /** What the handler is, for the log: {@code sleep 2s}, {@code httpGet http://...}, ... */
  final String handler;

  /** Completes with what the hook did, or exceptionally with why it failed. */
  final CompletableFuture<String> result;

  private final Runnable abort;

  private PreStopHook(String handler, CompletableFuture<String> result, Runnable abort) {
    this.handler = handler;
    this.result = result;
    this.abort = abort;
  }

  /** The container's preStop handler, if it has one. */
  static Optional<LifecycleHandler> of(Container c) {
    return Optional.ofNullable(c.getLifecycle()).map(l -> l.getPreStop());
  }

  /** Starts the handler; {@code budget} bounds an HTTP request, the caller bounds the rest. */
  static PreStopHook start(LifecycleHandler h, Target target, Duration budget, Executor exec) {
    if (h.getSleep() != null) {
      long seconds = Objects.requireNonNullElse(h.getSleep().getSeconds(), 0L);
      CompletableFuture<String> slept =
          CompletableFuture.supplyAsync(
              () -> "slept", CompletableFuture.delayedExecutor(seconds, TimeUnit.SECONDS));
      return new PreStopHook("sleep " + seconds + "s", slept, () -> slept.cancel(false));
    }
    if (h.getHttpGet() != null) {
      return httpGet(h.getHttpGet(), target, budget);
    }
    if (h.getExec() != null) {
      return exec(h.getExec().getCommand(), target, exec);
    }
    return failed("unknown", "the handler has no sleep, httpGet or exec; nothing to run");
  }

  /** Stops what the hook still does (the grace period is up, or the kubelet stops). */
  void abort() {
    abort.run();
  }

  private static PreStopHook httpGet(HTTPGetAction get, Target target, Duration budget) {
    String scheme = Objects.requireNonNullElse(get.getScheme(), "HTTP");
    String host = Objects.requireNonNullElse(get.getHost(), KubeletPod.IP);
    String path = Objects.requireNonNullElse(get.getPath(), "/");
    Optional<Integer> port = localPort(get.getPort(), target);
    String url =
        "http://"
            + host
            + ":"
            + port.map(String::valueOf).orElse("?")
            + (path.startsWith("/") ? path : "/" + path);
    String handler = "httpGet " + url;
    if (!"HTTP".equalsIgnoreCase(scheme)) {
      return failed(handler, "scheme " + scheme + " is not run by the sandbox's kubelet; use HTTP");
    }
    if (port.isEmpty()) {
      return failed(
          handler,
          "container "
              + target.container().getName()
              + " has no port named "
              + get.getPort().getStrVal()
              + "; name one of its ports so");
    }
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(budget.isNegative() || budget.isZero() ? Duration.ofMillis(1) : budget);
    for (HTTPHeader header : Optional.ofNullable(get.getHttpHeaders()).orElse(List.of())) {
      request.header(header.getName(), header.getValue());
    }
    CompletableFuture<HttpResponse<Void>> sent =
        HTTP.sendAsync(request.build(), HttpResponse.BodyHandlers.discarding());
    CompletableFuture<String> answered =
        sent.thenApply(
            response -> {
              if (response.statusCode() >= 400) {
                throw new CompletionException(
                    new IllegalStateException("answered HTTP " + response.statusCode()));
              }
              return "answered HTTP " + response.statusCode();
            });
    return new PreStopHook(handler, answered, () -> sent.cancel(true));
  }

  /**
   * The local port a hook's port stands for: a number any container of the pod declares maps to its
   * local port, any other is taken as it is; a name is looked up among the container's own ports,
   * as a kubelet does. Empty for a name the container does not have.
   */
  static Optional<Integer> localPort(IntOrString port, Target target) {
    Integer number = port == null ? null : port.getIntVal();
    if (number == null) {
      String name = port == null ? null : port.getStrVal();
      number =
          target.container().getPorts().stream()
              .filter(p -> p.getName() != null && p.getName().equals(name))
              .map(ContainerPort::getContainerPort)
              .findFirst()
              .orElse(null);
    }
    return Optional.ofNullable(number).map(n -> target.podPorts().getOrDefault(n, n));
  }

  private static PreStopHook exec(List<String> command, Target target, Executor exec) {
    String handler = "exec " + command;
    if (target.process().isEmpty()) {
      return new PreStopHook(
          handler,
          CompletableFuture.completedFuture(
              "not run: the container runs no process here (demo workload or agent)"),
          () -> {});
    }
    if (command == null || command.isEmpty()) {
      return failed(handler, "the exec handler has no command");
    }
    WorkloadProcess wp = target.process().get();
    // Paths under the container's mounts point at the pod's volume directories, as in argv.
    List<String> argv = new ArrayList<>(command);
    argv.replaceAll(arg -> AgentEnvResolver.toLocalMount(arg, target.mounts()));
    ProcessBuilder builder =
        new ProcessBuilder(argv).directory(wp.workDir.toFile()).redirectErrorStream(true);
    builder.environment().clear();
    builder.environment().putAll(wp.env);
    Process p;
    try {
      p = builder.start();
    } catch (IOException e) {
      return failed(handler, "cannot run the command: " + e.getMessage());
    }
    CompletableFuture<String> output =
        CompletableFuture.supplyAsync(() -> readOutput(p.getInputStream()), exec);
    CompletableFuture<String> done =
        p.onExit()
            .thenCombine(
                output,
                (ended, out) -> {
                  if (ended.exitValue() != 0) {
                    throw new CompletionException(
                        new IllegalStateException(
                            "exited with "
                                + ended.exitValue()
                                + (out.isBlank() ? "" : ": " + out.strip())));
                  }
                  return "exited with 0";
                });
    return new PreStopHook(
        handler,
        done,
        () -> {
          p.descendants().forEach(ProcessHandle::destroyForcibly);
          p.destroyForcibly();
        });
  }

  /** The command's output, the first {@value #OUTPUT_LIMIT} characters; the rest is drained. */
  private static String readOutput(InputStream in) {
    try (in) {
      String head = new String(in.readNBytes(OUTPUT_LIMIT), StandardCharsets.UTF_8);
      in.transferTo(OutputStream.nullOutputStream());
      return head;
    } catch (IOException e) {
      return "";
    }
  }

  private static PreStopHook failed(String handler, String why) {
    return new PreStopHook(
        handler, CompletableFuture.failedFuture(new IllegalStateException(why)), () -> {});
  }
}
