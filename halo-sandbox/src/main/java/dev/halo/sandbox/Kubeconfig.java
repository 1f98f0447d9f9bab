package dev.halo.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The kubeconfig through which kubectl reaches the embedded API server. */
final class Kubeconfig {
  private Kubeconfig() {}

  /**
   * Writes a kubeconfig for the server at {@code url} (cluster, context and user {@code
   * halo-sandbox}, no credentials, namespace {@code default}), creating the parent directories.
   */
  static void write(Path file, String url) {
    String yaml =
        String.join(
            "\n",
            "apiVersion: v1",
            "kind: Config",
            "clusters:",
            "- name: halo-sandbox",
            "  cluster:",
            "    server: " + url,
            "contexts:",
            "- name: halo-sandbox",
            "  context:",
            "    cluster: halo-sandbox",
            "    user: halo-sandbox",
            "    namespace: default",
            "current-context: halo-sandbox",
            "users:",
            "- name: halo-sandbox",
            "  user: {}",
            "");
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.writeString(file, yaml, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the kubeconfig " + file + ": " + e, e);
    }
  }
}
