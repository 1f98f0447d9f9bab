package dev.halo.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The real kubectl binary against one kubeconfig, with a discovery cache of its own. */
final class Kubectl {
  static final Path BINARY = Path.of("/usr/bin/kubectl");

  /** A finished kubectl run. */
  record Run(int exit, String out, String err) {}

  private final Path kubeconfig;
  private final Path dir;

  /** Fails (never skips) when kubectl is missing; {@code dir} holds the cache and outputs. */
  Kubectl(Path kubeconfig, Path dir) {
    assertThat(Files.isExecutable(BINARY))
        .as(
            "kubectl is missing: install it (e.g. apt-get install kubectl) so that "
                + BINARY
                + " exists; these tests drive the real binary")
        .isTrue();
    this.kubeconfig = kubeconfig;
    this.dir = dir;
  }

  /** The full command line for {@code args}. */
  List<String> command(String... args) {
    List<String> command = new ArrayList<>();
    command.add(BINARY.toString());
    command.add("--kubeconfig=" + kubeconfig);
    // A cache of its own: kubectl's discovery cache is keyed by host:port and outlives servers.
    command.add("--cache-dir=" + dir.resolve("cache"));
    command.addAll(List.of(args));
    return command;
  }

  /** Runs kubectl to completion (at most 60 s). */
  Run run(String... args) throws IOException, InterruptedException {
    Path out = Files.createTempFile(dir, "out", ".txt");
    Path err = Files.createTempFile(dir, "err", ".txt");
    Process process =
        new ProcessBuilder(command(args))
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("kubectl " + String.join(" ", args) + " did not finish in 60 s");
    }
    return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
  }

  /** Runs kubectl, asserts it succeeded, and returns its output. */
  String ok(String... args) throws IOException, InterruptedException {
    Run run = run(args);
    assertThat(run.exit()).as("kubectl %s failed: %s", String.join(" ", args), run.err()).isZero();
    return run.out();
  }
}
