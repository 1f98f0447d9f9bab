package dev.halo.kubectl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The API server, namespace and credentials that kubectl would use: the files of {@code
 * --kubeconfig} or {@code KUBECONFIG} (merged as kubectl merges them: the first file that names an
 * entry wins), else {@code ~/.kube/config}; the current context or {@code --context}.
 */
final class KubeConfig {
  /**
   * Where and as whom to call.
   *
   * @param context the context's name, for messages
   * @param user the user's name in the kubeconfig, for messages
   * @param credentials token, basic auth or client certificate (any may be absent)
   */
  record Target(
      String context,
      String server,
      String namespace,
      String user,
      Credentials credentials,
      byte[] caPem,
      boolean insecure) {}

  /** What the user entry gives: a bearer token, basic auth, or a client certificate and key. */
  record Credentials(String token, String basic, byte[] certPem, byte[] keyPem) {
    static final Credentials NONE = new Credentials(null, null, null, null);
  }

  private KubeConfig() {}

  /** The files kubectl reads, in order: {@code --kubeconfig}, {@code KUBECONFIG}, the default. */
  static List<Path> files(String flag, String env, Path home) {
    if (flag != null) {
      return List.of(Path.of(flag));
    }
    List<Path> files = new ArrayList<>();
    if (env != null && !env.isBlank()) {
      for (String p : env.split(java.io.File.pathSeparator)) {
        if (!p.isBlank()) {
          files.add(Path.of(p));
        }
      }
      return files;
    }
    return List.of(home.resolve(".kube").resolve("config"));
  }

  /** Resolves the target of {@code context} (null: the current one) in {@code files}. */
  static Target load(List<Path> files, String context, String namespace) {
    List<Path> present = files.stream().filter(Files::isRegularFile).toList();
    if (present.isEmpty()) {
      throw new Failure(
          Failure.CONFIG,
          "no kubeconfig: "
              + (files.size() == 1 ? files.get(0) : files)
              + " does not exist. Point KUBECONFIG or --kubeconfig at the file your cluster's"
              + " tooling wrote (kubectl config view shows what kubectl uses), or run make"
              + " sandbox, which writes one");
    }
    List<Object> docs = new ArrayList<>();
    for (Path f : present) {
      docs.add(read(f));
    }
    String ctxName = context != null ? context : first(docs, "current-context");
    if (ctxName == null || ctxName.isBlank()) {
      throw new Failure(
          Failure.CONFIG,
          "the kubeconfig sets no current context; name one with --context ("
              + String.join(", ", names(docs, "contexts"))
              + ") or run kubectl config use-context <name>");
    }
    Named ctx = named(docs, present, "contexts", ctxName);
    if (ctx == null) {
      throw new Failure(
          Failure.CONFIG,
          "the kubeconfig has no context \""
              + ctxName
              + "\"; its contexts are: "
              + String.join(", ", names(docs, "contexts")));
    }
    String clusterName = Tree.string(ctx.value(), "context", "cluster");
    String userName = Tree.string(ctx.value(), "context", "user");
    Named cluster = clusterName == null ? null : named(docs, present, "clusters", clusterName);
    if (cluster == null || Tree.string(cluster.value(), "cluster", "server") == null) {
      throw new Failure(
          Failure.CONFIG,
          "context \""
              + ctxName
              + "\" names the cluster \""
              + clusterName
              + "\", which the kubeconfig does not define with a server address");
    }
    Named user = userName == null ? null : named(docs, present, "users", userName);
    Map<String, Object> c = Tree.map(cluster.value(), "cluster");
    String ns = namespace;
    if (ns == null) {
      ns = Tree.string(ctx.value(), "context", "namespace");
    }
    return new Target(
        ctxName,
        Tree.string(c, "server").replaceAll("/+$", ""),
        ns == null || ns.isBlank() ? "default" : ns,
        userName == null ? "(none)" : userName,
        user == null ? Credentials.NONE : credentials(user, userName),
        bytes(c, "certificate-authority", cluster.dir()),
        Tree.isTrue(c, "insecure-skip-tls-verify"));
  }

  private static Credentials credentials(Named user, String name) {
    Map<String, Object> u = Tree.map(user.value(), "user");
    if (u.containsKey("auth-provider")) {
      throw new Failure(
          Failure.CONFIG,
          "user \""
              + name
              + "\" logs in through an auth-provider, which kubectl-halo does not run; use a"
              + " context whose user has a token, a client certificate or an exec plugin");
    }
    String token = Tree.string(u, "token");
    if (token == null && Tree.string(u, "tokenFile") != null) {
      token = new String(file(user.dir(), Tree.string(u, "tokenFile")), StandardCharsets.UTF_8);
    }
    String basic = null;
    if (Tree.string(u, "username") != null) {
      basic =
          Base64.getEncoder()
              .encodeToString(
                  (Tree.string(u, "username") + ":" + Tree.string(u, "password"))
                      .getBytes(StandardCharsets.UTF_8));
    }
    Credentials own =
        new Credentials(
            token == null ? null : token.strip(),
            basic,
            bytes(u, "client-certificate", user.dir()),
            bytes(u, "client-key", user.dir()));
    if (u.get("exec") instanceof Map<?, ?> exec && own.token() == null && own.certPem() == null) {
      return ExecCredential.run(exec, name);
    }
    return own;
  }

  /** {@code <key>-data} (base64) or the file {@code <key>} names; null when neither is set. */
  private static byte[] bytes(Map<String, Object> entry, String key, Path dir) {
    String data = Tree.string(entry, key + "-data");
    if (data != null) {
      return Base64.getMimeDecoder().decode(data);
    }
    String file = Tree.string(entry, key);
    return file == null ? null : file(dir, file);
  }

  private static byte[] file(Path dir, String name) {
    Path p =
        dir.resolve(
            name.startsWith("~/") ? System.getProperty("user.home") + name.substring(1) : name);
    try {
      return Files.readAllBytes(p);
    } catch (IOException e) {
      throw new Failure(
          Failure.CONFIG, "cannot read " + p + ", which the kubeconfig names: " + e.getMessage());
    }
  }

  private static Object read(Path file) {
    try {
      return Yaml.parse(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException | IllegalArgumentException e) {
      throw new Failure(
          Failure.CONFIG, "cannot read the kubeconfig " + file + ": " + e.getMessage());
    }
  }

  private record Named(Object value, Path dir) {}

  private static Named named(List<Object> docs, List<Path> files, String list, String name) {
    for (int i = 0; i < docs.size(); i++) {
      for (Object e : Tree.list(docs.get(i), list)) {
        if (name.equals(Tree.string(e, "name"))) {
          Path parent = files.get(i).toAbsolutePath().getParent();
          return new Named(e, parent);
        }
      }
    }
    return null;
  }

  private static String first(List<Object> docs, String key) {
    for (Object d : docs) {
      String v = Tree.string(d, key);
      if (v != null && !v.isBlank()) {
        return v;
      }
    }
    return null;
  }

  private static List<String> names(List<Object> docs, String list) {
    List<String> names = new ArrayList<>();
    for (Object d : docs) {
      for (Object e : Tree.list(d, list)) {
        names.add(Tree.string(e, "name"));
      }
    }
    return names;
  }
}
