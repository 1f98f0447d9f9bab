package dev.halo.sandbox;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.api.v1alpha1.HighAvailabilityGroupStatus;
import dev.halo.common.Labels;
import dev.halo.common.Threads;
import dev.halo.operator.status.Conditions;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The sandbox's terminal screen, redrawn every second: the groups (with a {@code Valid=False}
 * message when a group is rejected), the pods (zone, role label, ready, agent pid, workload port),
 * the Service proxy ports and their endpoints, the last events, and the commands to paste.
 */
public final class LiveView implements AutoCloseable {
  private static final String CLEAR = "\033[H\033[2J";
  private static final String EXAMPLE_GROUP = "web";

  private final Sandbox sandbox;
  private final Map<String, EventFeed> feeds;
  private final PrintStream out;
  private final String logFile;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(r -> Threads.daemon("sandbox-live-view", r));

  LiveView(Sandbox sandbox, Map<String, EventFeed> feeds, PrintStream out, String logFile) {
    this.sandbox = sandbox;
    this.feeds = new java.util.LinkedHashMap<>(feeds);
    this.out = out;
    this.logFile = logFile;
  }

  /** Starts redrawing; {@code feeds} has each site's events by site name ({@code ""}: one site). */
  public static LiveView start(
      Sandbox sandbox, Map<String, EventFeed> feeds, PrintStream out, String logFile) {
    LiveView view = new LiveView(sandbox, feeds, out, logFile);
    view.timer.scheduleWithFixedDelay(view::draw, 0, 1, TimeUnit.SECONDS);
    return view;
  }

  private void draw() {
    try {
      out.print(CLEAR + render());
      out.flush();
    } catch (RuntimeException e) {
      out.println("(the view could not be drawn: " + e.getMessage() + ")");
    }
  }

  /** The whole screen as text. */
  String render() {
    if (sandbox.sites().size() > 1) {
      return SitesView.render(sandbox, feeds, logFile);
    }
    EventFeed feed = feeds.get("");
    StringBuilder s = new StringBuilder();
    s.append("Halo sandbox   API ")
        .append(sandbox.api().url())
        .append("   etcd ")
        .append(sandbox.etcd().size())
        .append(" member(s)   namespace ")
        .append(Sandbox.NAMESPACE)
        .append("   Ctrl-C stops everything\n\n");
    List<HighAvailabilityGroup> groups = sandbox.groups();
    s.append(
        String.format(
            "%-12s %-8s %-10s %-6s %-10s %s%n",
            "GROUP", "READY", "MASTER", "ZONE", "PHASE", "VALID"));
    for (HighAvailabilityGroup g : groups) {
      HighAvailabilityGroupStatus st = g.getStatus();
      s.append(
          String.format(
              "%-12s %-8s %-10s %-6s %-10s %s%n",
              g.getMetadata().getName(),
              st == null ? "-" : dash(st.getReady()),
              st == null ? "-" : dash(st.getMaster()),
              st == null ? "-" : dash(st.getMasterZone()),
              st == null ? "-" : dash(st.getPhase()),
              valid(st)));
    }
    Map<String, LocalKubelet.PodView> running =
        sandbox.kubelet().view().stream()
            .collect(java.util.stream.Collectors.toMap(LocalKubelet.PodView::name, v -> v));
    s.append(
        String.format(
            "%n%-12s %-6s %-8s %-6s %-10s %-9s %s%n",
            "POD", "ZONE", "ROLE", "READY", "AGENT", "AGENT PID", "WORKLOAD"));
    List<Pod> pods =
        sandbox.client().pods().inNamespace(Sandbox.NAMESPACE).list().getItems().stream()
            .sorted(java.util.Comparator.comparing(p -> p.getMetadata().getName()))
            .toList();
    for (Pod pod : pods) {
      Map<String, String> labels = pod.getMetadata().getLabels();
      LocalKubelet.PodView v = running.get(pod.getMetadata().getName());
      s.append(
          String.format(
              "%-12s %-6s %-8s %-6s %-10s %-9s %s%n",
              pod.getMetadata().getName()
                  + (pod.getMetadata().getDeletionTimestamp() == null ? "" : "*"),
              dash(labels.get(Labels.ZONE)),
              dash(labels.get(Labels.ROLE)),
              ready(pod),
              v == null ? "-" : v.agentState(),
              v == null || v.agentPid().isEmpty() ? "-" : Long.toString(v.agentPid().getAsLong()),
              v == null || v.workloadPort() == 0 ? "-" : "127.0.0.1:" + v.workloadPort()));
    }
    s.append(String.format("%n%-12s %-6s %-24s %s%n", "SERVICE", "PORT", "LOCAL", "ENDPOINTS"));
    for (ServiceProxy.Route r : sandbox.proxy().routes()) {
      s.append(
          String.format(
              "%-12s %-6d %-24s %s%n",
              r.service(),
              r.servicePort(),
              "http://127.0.0.1:" + r.localPort(),
              String.join(",", sandbox.proxy().endpoints(r.service()))));
    }
    s.append("\nEVENTS\n");
    feed.last().forEach(line -> s.append("  ").append(line).append('\n'));
    s.append("\nTRY (logs: ").append(logFile).append(")\n");
    hints(groups).forEach(line -> s.append("  ").append(line).append('\n'));
    return s.toString();
  }

  private List<String> hints(List<HighAvailabilityGroup> groups) {
    HighAvailabilityGroup shown =
        groups.stream()
            .filter(g -> g.getMetadata().getName().equals(EXAMPLE_GROUP))
            .findFirst()
            .orElse(groups.isEmpty() ? null : groups.get(0));
    String name = shown == null ? EXAMPLE_GROUP : shown.getMetadata().getName();
    String master =
        shown == null || shown.getStatus() == null ? null : shown.getStatus().getMaster();
    OptionalLong pid =
        sandbox.kubelet().view().stream()
            .filter(v -> v.name().equals(master))
            .map(LocalKubelet.PodView::agentPid)
            .findFirst()
            .orElse(OptionalLong.empty());
    String url =
        sandbox.proxy().routes().stream()
            .filter(r -> r.service().equals(name))
            .map(r -> "http://127.0.0.1:" + r.localPort())
            .findFirst()
            .orElse(null);
    return SandboxHints.commands(sandbox.kubeconfig(), sandbox.etcdctl(), name, master, pid, url);
  }

  private static String valid(HighAvailabilityGroupStatus status) {
    if (status == null) {
      return "-";
    }
    Optional<Condition> valid =
        status.getConditions().stream()
            .filter(c -> Conditions.VALID.equals(c.getType()))
            .findFirst();
    return valid
        .map(c -> "True".equals(c.getStatus()) ? "True" : "False: " + c.getMessage())
        .orElse("-");
  }

  /** "true" when the pod's Ready condition is True, else "false" (also for {@link SitesView}). */
  static String ready(Pod pod) {
    return pod.getStatus() != null
            && pod.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()))
        ? "true"
        : "false";
  }

  /** The value, or "-" when there is none (also for {@link SitesView}). */
  static String dash(String value) {
    return value == null || value.isBlank() ? "-" : value;
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
