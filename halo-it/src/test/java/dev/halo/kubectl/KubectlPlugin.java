package dev.halo.kubectl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The plugin as Krew installs it (the launcher and the jar in one directory), run as a process the
 * way kubectl runs {@code kubectl-halo}, with its own cache directory for the class archive.
 */
final class KubectlPlugin {
  /** One run: exit code, standard output and error, and the wall time from exec to exit. */
  record Run(int code, String out, String err, long millis) {
    @Override
    public String toString() {
      return "exit " + code + " after " + millis + " ms\n" + out + err;
    }
  }

  private final Path launcher;
  private final Path kubeconfig;
  private final Path cache;

  private KubectlPlugin(Path launcher, Path kubeconfig, Path cache) {
    this.launcher = launcher;
    this.kubeconfig = kubeconfig;
    this.cache = cache;
  }

  /**
   * Installs the launcher and the jar under {@code dir} and runs them against {@code kubeconfig}.
   */
  static KubectlPlugin install(Path dir, Path kubeconfig) throws IOException {
    Path jar =
        Path.of(System.getProperty("halo.kubectl.jar", "halo-kubectl/target/kubectl-halo.jar"));
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          jar + " is missing: build it with mvn -pl halo-kubectl package");
    }
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path launcher = bin.resolve("kubectl-halo");
    Files.copy(
        Path.of("halo-kubectl/src/main/sh/kubectl-halo"),
        launcher,
        StandardCopyOption.REPLACE_EXISTING);
    launcher.toFile().setExecutable(true);
    Files.copy(jar, bin.resolve("kubectl-halo.jar"), StandardCopyOption.REPLACE_EXISTING);
    return new KubectlPlugin(launcher, kubeconfig, Files.createDirectories(dir.resolve("cache")));
  }

  Run run(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(launcher.toString()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("KUBECONFIG", kubeconfig.toString());
    pb.environment().put("XDG_CACHE_HOME", cache.toString());
    Path out = Files.createTempFile(cache, "out", ".txt");
    Path err = Files.createTempFile(cache, "err", ".txt");
    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    long start = System.nanoTime();
    Process p = pb.start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException(
          "kubectl-halo " + String.join(" ", args) + " did not end in 120 s");
    }
    long millis = (System.nanoTime() - start) / 1_000_000;
    Run run =
        new Run(
            p.exitValue(),
            Files.readString(out, StandardCharsets.UTF_8),
            Files.readString(err, StandardCharsets.UTF_8),
            millis);
    Files.delete(out);
    Files.delete(err);
    return run;
  }
}
