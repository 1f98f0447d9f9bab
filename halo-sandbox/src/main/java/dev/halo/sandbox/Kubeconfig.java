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
    writeYaml(
        file,
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
            ""));
  }

  /**
   * Writes a kubeconfig with a cluster and a context per entry of {@code servers} (site name to
   * server URL), each named after the site; the first is the current context.
   */
  static void write(Path file, java.util.Map<String, String> servers) {
    StringBuilder yaml = new StringBuilder("apiVersion: v1\nkind: Config\nclusters:\n");
    servers.forEach(
        (site, url) ->
            yaml.append("- name: ")
                .append(site)
                .append("\n  cluster:\n    server: ")
                .append(url)
                .append('\n'));
    yaml.append("contexts:\n");
    servers.forEach(
        (site, url) ->
            yaml.append("- name: ")
                .append(site)
                .append("\n  context:\n    cluster: ")
                .append(site)
                .append("\n    user: halo-sandbox\n    namespace: default\n"));
    yaml.append("current-context: ").append(servers.keySet().iterator().next()).append('\n');
    yaml.append("users:\n- name: halo-sandbox\n  user: {}\n");
    writeYaml(file, yaml.toString());
  }

  private static void writeYaml(Path file, String yaml) {
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
