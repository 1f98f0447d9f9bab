package dev.halo.install;

import dev.halo.sandbox.EtcdCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The {@code etcdctl} commands of docs/etcd-security.md, section by section, run as written against
 * a test cluster: placeholders such as {@code <ns>} filled in, and a password file ({@code < file})
 * given as standard input.
 */
final class EtcdSecurityDoc {
  static final Path PAGE = Path.of("docs/etcd-security.md");
  private static final String FENCE = "```";

  private final List<String> lines;

  private EtcdSecurityDoc(List<String> lines) {
    this.lines = lines;
  }

  static EtcdSecurityDoc read() {
    try {
      return new EtcdSecurityDoc(Files.readAllLines(PAGE));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The etcdctl lines of the code blocks under the heading {@code title}, up to the next one. */
  List<String> commands(String title) {
    List<String> found = new ArrayList<>();
    boolean inSection = false;
    boolean inCode = false;
    for (String line : lines) {
      if (line.startsWith(FENCE)) {
        inCode = !inCode;
      } else if (!inCode && line.startsWith("#")) {
        inSection = line.replaceFirst("^#+ ", "").equals(title);
      } else if (inSection && inCode && line.startsWith("etcdctl ")) {
        found.add(line);
      }
    }
    if (found.isEmpty()) {
      throw new IllegalStateException(PAGE + " has no etcdctl commands under \"" + title + "\"");
    }
    return found;
  }

  /**
   * Runs the commands under {@code title} on {@code cluster}, with {@code values} in place of their
   * placeholders and {@code password} as the content of any password file; returns them as run.
   */
  List<String> run(EtcdCluster cluster, String title, Map<String, String> values, String password) {
    List<String> ran = new ArrayList<>();
    for (String command : commands(title)) {
      String filled = command;
      for (Map.Entry<String, String> v : values.entrySet()) {
        filled = filled.replace(v.getKey(), v.getValue());
      }
      List<String> args = new ArrayList<>(Arrays.asList(filled.split(" +")));
      args.remove(0); // etcdctl
      String stdin = "";
      int redirect = args.indexOf("<");
      if (redirect >= 0) {
        args.subList(redirect, redirect + 2).clear();
        stdin = password + "\n";
      }
      cluster.etcdctlWithInput(stdin, args.toArray(String[]::new));
      ran.add(filled);
    }
    return ran;
  }
}
