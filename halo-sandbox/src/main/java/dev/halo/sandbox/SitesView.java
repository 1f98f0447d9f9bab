package dev.halo.sandbox;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.api.v1alpha1.HighAvailabilityGroupStatus;
import dev.halo.api.v1alpha1.RemoteMaster;
import dev.halo.common.Labels;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The live view of a multi-site sandbox: which site holds the master and etcd's leader, each site
 * (cut off or connected) with its group and pods, each site's last events, and the commands to cut
 * and heal a site.
 */
final class SitesView {
  private SitesView() {}

  /** The whole screen as text. */
  static String render(Sandbox sandbox, Map<String, EventFeed> feeds, String logFile) {
    SiteNetwork network = sandbox.network();
    StringBuilder s = new StringBuilder();
    List<String> names = network.sites();
    String witness =
        sandbox.sites().size() < names.size() ? "  witness " + names.get(names.size() - 1) : "";
    s.append("Halo sandbox   ")
        .append(sandbox.sites().size())
        .append(" sites")
        .append(witness)
        .append("   RTT ")
        .append(network.rtt().toMillis())
        .append(" ms   etcd leader ")
        .append(sandbox.etcd().currentLeader().map(names::get).orElse("none"))
        .append("   Ctrl-C stops everything\n");
    s.append("master: ").append(master(sandbox)).append("\n\n");
    s.append(
        String.format(
            "%-7s %-10s %-24s %-6s %-6s %-8s %-16s %s%n",
            "SITE", "LINK", "API", "GROUP", "READY", "MASTER", "REMOTE MASTER", "PHASE"));
    for (String name : names) {
      String link = network.isCut(name) ? "CUT" : "connected";
      Optional<SandboxSite> site =
          sandbox.sites().stream().filter(x -> x.name().equals(name)).findFirst();
      if (site.isEmpty()) {
        s.append(String.format("%-7s %-10s %s%n", name, link, "(witness: etcd only)"));
        continue;
      }
      for (HighAvailabilityGroup g : site.get().groups()) {
        HighAvailabilityGroupStatus st = g.getStatus();
        s.append(
            String.format(
                "%-7s %-10s %-24s %-6s %-6s %-8s %-16s %s%n",
                name,
                link,
                site.get().api().url(),
                g.getMetadata().getName(),
                st == null ? "-" : LiveView.dash(st.getReady()),
                st == null ? "-" : LiveView.dash(st.getMaster()),
                st == null ? "-" : remote(st.getRemoteMaster()),
                st == null ? "-" : LiveView.dash(st.getPhase())));
      }
    }
    s.append(
        String.format(
            "%n%-7s %-12s %-5s %-8s %-6s %-10s %s%n",
            "SITE", "POD", "ZONE", "ROLE", "READY", "AGENT", "AGENT PID"));
    for (SandboxSite site : sandbox.sites()) {
      Map<String, LocalKubelet.PodView> running =
          site.kubelet().view().stream()
              .collect(Collectors.toMap(LocalKubelet.PodView::name, Function.identity()));
      for (Pod pod : site.pods()) {
        Map<String, String> labels =
            pod.getMetadata().getLabels() == null ? Map.of() : pod.getMetadata().getLabels();
        LocalKubelet.PodView v = running.get(pod.getMetadata().getName());
        s.append(
            String.format(
                "%-7s %-12s %-5s %-8s %-6s %-10s %s%n",
                site.name(),
                pod.getMetadata().getName(),
                LiveView.dash(labels.get(Labels.ZONE)),
                LiveView.dash(labels.get(Labels.ROLE)),
                LiveView.ready(pod),
                v == null ? "-" : v.agentState(),
                v == null || v.agentPid().isEmpty() ? "-" : v.agentPid().getAsLong()));
      }
    }
    s.append("\nEVENTS\n");
    feeds.forEach(
        (site, feed) ->
            feed.last()
                .forEach(
                    line -> s.append("  ").append(site).append("  ").append(line).append('\n')));
    s.append("\nTRY (logs: ").append(logFile).append(")\n");
    SiteControl control = sandbox.siteControl();
    String first = sandbox.sites().get(0).name();
    s.append("  export KUBECONFIG=").append(sandbox.kubeconfig()).append('\n');
    s.append("  kubectl --context ").append(first).append(" get hag,pods -L halo.dev/role\n");
    s.append("  ")
        .append(control.command("cut", first))
        .append("    # cut ")
        .append(first)
        .append(" off\n");
    s.append("  ").append(control.command("heal", first)).append('\n');
    return s.toString();
  }

  /** "web-1 on site lyon", from the site whose status names its own master. */
  private static String master(Sandbox sandbox) {
    for (SandboxSite site : sandbox.sites()) {
      for (HighAvailabilityGroup g : site.groups()) {
        if (g.getStatus() != null
            && g.getStatus().getMaster() != null
            && !g.getStatus().getMaster().isBlank()) {
          return g.getStatus().getMaster() + " on site " + site.name();
        }
      }
    }
    return "none";
  }

  private static String remote(RemoteMaster remote) {
    return remote == null || remote.getPod() == null
        ? "-"
        : remote.getSite() + "/" + remote.getPod();
  }
}
