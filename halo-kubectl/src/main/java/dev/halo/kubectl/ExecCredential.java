package dev.halo.kubectl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Runs a kubeconfig user's exec plugin (e.g. a cloud's token helper) as kubectl does. */
final class ExecCredential {
  private ExecCredential() {}

  static KubeConfig.Credentials run(Map<?, ?> exec, String user) {
    List<String> command = new ArrayList<>();
    command.add(String.valueOf(exec.get("command")));
    for (Object a : Tree.list(exec, "args")) {
      command.add(String.valueOf(a));
    }
    ProcessBuilder pb = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
    for (Object e : Tree.list(exec, "env")) {
      pb.environment().put(Tree.string(e, "name"), Tree.string(e, "value"));
    }
    String api = Tree.string(exec, "apiVersion");
    pb.environment()
        .put(
            "KUBERNETES_EXEC_INFO",
            "{\"apiVersion\":\""
                + (api == null ? "client.authentication.k8s.io/v1" : api)
                + "\",\"kind\":\"ExecCredential\",\"spec\":{\"interactive\":false}}");
    String out;
    int exit;
    try {
      Process p = pb.start();
      p.getOutputStream().close();
      out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      exit = p.waitFor();
    } catch (IOException e) {
      throw new Failure(
          Failure.CONFIG,
          "user \""
              + user
              + "\" gets credentials from the command \""
              + command.get(0)
              + "\", which cannot run: "
              + e.getMessage()
              + (exec.get("installHint") == null ? "" : "; " + exec.get("installHint")));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Failure(Failure.CONFIG, "interrupted while running " + command.get(0));
    }
    if (exit != 0) {
      throw new Failure(
          Failure.CONFIG,
          "the credential command \"" + String.join(" ", command) + "\" exited with " + exit);
    }
    Object status;
    try {
      status = Tree.at(Json.parse(out), "status");
    } catch (IllegalArgumentException e) {
      throw new Failure(
          Failure.CONFIG,
          "the credential command \"" + command.get(0) + "\" printed no ExecCredential JSON");
    }
    String cert = Tree.string(status, "clientCertificateData");
    String key = Tree.string(status, "clientKeyData");
    return new KubeConfig.Credentials(
        Tree.string(status, "token"),
        null,
        cert == null ? null : cert.getBytes(StandardCharsets.UTF_8),
        key == null ? null : key.getBytes(StandardCharsets.UTF_8));
  }
}
