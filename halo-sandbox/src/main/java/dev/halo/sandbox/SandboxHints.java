package dev.halo.sandbox;

import dev.halo.common.ElectionKeys;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/** The commands the sandbox prints, ready to paste, for the group it shows. */
final class SandboxHints {
  private SandboxHints() {}

  /**
   * The commands for {@code group}: kubectl, etcdctl ({@code etcdctl}: the command up to its
   * subcommand, with the certificates it needs; the seed equivalence of docs/design.md), the curl
   * loop through {@code serviceUrl} (a redis-cli loop for the Redis example), and how to delete the
   * master's pod or crash its agent.
   */
  static List<String> commands(
      Path kubeconfig,
      String etcdctl,
      String group,
      String master,
      OptionalLong masterAgentPid,
      String serviceUrl) {
    String pod = master == null ? "<master>" : master;
    List<String> lines = new ArrayList<>();
    lines.add("export KUBECONFIG=" + kubeconfig);
    lines.add("kubectl get hag");
    lines.add("kubectl get pods -L halo.dev/role,halo.dev/zone");
    lines.add("kubectl get pods -L halo.dev/role -w          # follow the labels");
    lines.add(
        etcdctl
            + " get "
            + ElectionKeys.electionName(Sandbox.NAMESPACE, group)
            + " --prefix --sort-by=CREATE --order=ASCEND --limit=1 --print-value-only");
    if (serviceUrl != null && RedisExample.NAME.equals(group)) {
      String port = serviceUrl.substring(serviceUrl.lastIndexOf(':') + 1);
      lines.add(
          "while true; do redis-cli -p " + port + " incr visits || echo failed; sleep 0.2; done");
    } else if (serviceUrl != null) {
      lines.add(
          "while true; do curl -s -m 1 " + serviceUrl + " || echo unavailable; sleep 0.2; done");
    }
    lines.add("kubectl delete pod " + pod + "                 # graceful: the master resigns");
    lines.add(
        "kill -9 "
            + (masterAgentPid.isPresent()
                ? Long.toString(masterAgentPid.getAsLong())
                : "<agent pid>")
            + "     # crash "
            + pod
            + "'s agent; the operator sees it die");
    return lines;
  }
}
