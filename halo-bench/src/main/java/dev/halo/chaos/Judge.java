package dev.halo.chaos;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Decides, sample by sample, which of the invariants of docs/design.md a group breaks. Pure: the
 * {@link Checker} feeds it what it observed; tests feed it made-up samples.
 *
 * <ul>
 *   <li>{@code DUAL_LABEL}: two pods labelled master in one list of the group's pods.
 *   <li>{@code DUAL_ROLE}: two agents answer {@code master} on {@code /role} in one sample.
 *   <li>{@code ROLE_NOT_LEADER}: an agent answers {@code master} while etcd names another leader
 *       both before and after its answer, unless a fence of that agent's own lease holds the leader
 *       back (docs/fencing.md): an old master whose key the operator removed while it may still run
 *       answers master until its deadline by design, and the leader waits for it; if the leader
 *       answered master too, {@code DUAL_ROLE} says so.
 *   <li>{@code LABEL_LAG}: the labelled master differs from etcd's (stable) leader for longer than
 *       {@link #ALLOWED_LABEL_LAG_MS}.
 *   <li>{@code NO_MASTER}: no pod labelled master for longer than TTL + 2 s while a healthy standby
 *       (Ready, its agent campaigning) exists.
 *   <li>{@code HAG_LOST}: the group's HighAvailabilityGroup is gone.
 *   <li>{@code AGENT_EXIT}: an agent process ended that no fault ended (a crash, an
 *       OutOfMemoryError, an exit); its restart by the kubelet does not excuse it. The details
 *       carry its last log lines.
 * </ul>
 *
 * Samples taken while a fault makes relabelling impossible by design are excused: they neither
 * start nor extend a lag or no-master window, and the excused time is reported. The windows ({@link
 * Disturbances}, opened by the faults): etcd without quorum (the operator is fail-static) plus TTL
 * + 2 s; the operator stopped, paused, or cut off from etcd or from the API server, plus 5 s; its
 * API calls failing or held, plus 3 s; a forced deletion of a master whose agent runs on, until
 * that agent's own deadline (TTL after it was cut off from etcd) plus 2 s, since the next master
 * must not be master before it. {@code DUAL_LABEL}, {@code DUAL_ROLE} and {@code ROLE_NOT_LEADER}
 * are never excused.
 */
final class Judge {
  static final long ALLOWED_LABEL_LAG_MS = 3000;
  static final long NO_MASTER_SLACK_MS = 2000;

  /** What the checker saw of one group at one instant. */
  record Sample(
      long atMs,
      String group,
      int ttlSeconds,
      String leaderBefore,
      String leaderAfter,
      List<String> labelled,
      List<String> roleMaster,
      List<String> healthyStandbys,
      boolean hagExists,
      boolean excused,
      List<String> fencedMasters) {
    /** A sample in which no agent that answers master is fenced. */
    Sample(
        long atMs,
        String group,
        int ttlSeconds,
        String leaderBefore,
        String leaderAfter,
        List<String> labelled,
        List<String> roleMaster,
        List<String> healthyStandbys,
        boolean hagExists,
        boolean excused) {
      this(
          atMs,
          group,
          ttlSeconds,
          leaderBefore,
          leaderAfter,
          labelled,
          roleMaster,
          healthyStandbys,
          hagExists,
          excused,
          List.of());
    }

    /** etcd's leader when it was the same before and after the sample, else null. */
    String stableLeader() {
      return leaderBefore != null && leaderBefore.equals(leaderAfter) ? leaderBefore : null;
    }
  }

  /** A broken invariant. */
  record Violation(String kind, String group, long atMs, long durationMs, String details) {}

  private static final class GroupState {
    Long noMasterSince;
    Long lagSince;
    String lagDetails;
    boolean noMasterReported;
    boolean lagReported;
    boolean dualLabelOpen;
    boolean dualRoleOpen;
    boolean roleNotLeaderOpen;
    boolean hagLostReported;
    long lastAtMs;
  }

  private final Map<String, GroupState> groups = new HashMap<>();
  private final List<Violation> violations = new ArrayList<>();
  private long maxNoMasterMs;
  private long maxLabelLagMs;
  private long excusedMs;
  private long samples;
  private long agentExits;

  synchronized void accept(Sample s) {
    samples++;
    GroupState g = groups.computeIfAbsent(s.group(), k -> new GroupState());
    if (s.excused() && g.lastAtMs > 0) {
      excusedMs += Math.max(0, s.atMs() - g.lastAtMs);
    }
    g.lastAtMs = s.atMs();
    if (!s.hagExists()) {
      if (!g.hagLostReported) {
        violations.add(new Violation("HAG_LOST", s.group(), s.atMs(), 0, "the group is gone"));
        g.hagLostReported = true;
      }
      return;
    }
    boolean dualLabel = s.labelled().size() > 1;
    if (dualLabel && !g.dualLabelOpen) {
      violations.add(
          new Violation("DUAL_LABEL", s.group(), s.atMs(), 0, "labelled master: " + s.labelled()));
    }
    g.dualLabelOpen = dualLabel;
    boolean dualRole = s.roleMaster().size() > 1;
    if (dualRole && !g.dualRoleOpen) {
      violations.add(
          new Violation("DUAL_ROLE", s.group(), s.atMs(), 0, "/role master: " + s.roleMaster()));
    }
    g.dualRoleOpen = dualRole;
    String leader = s.stableLeader();
    boolean roleNotLeader =
        leader != null
            && !leader.isEmpty()
            && s.roleMaster().stream()
                .anyMatch(p -> !p.equals(leader) && !s.fencedMasters().contains(p));
    if (roleNotLeader && !g.roleNotLeaderOpen) {
      violations.add(
          new Violation(
              "ROLE_NOT_LEADER",
              s.group(),
              s.atMs(),
              0,
              "/role master: " + s.roleMaster() + " while etcd's leader is " + leader));
    }
    g.roleNotLeaderOpen = roleNotLeader;

    // The label follows etcd.
    boolean lag =
        !s.excused()
            && leader != null
            && !leader.isEmpty()
            && !s.labelled().equals(List.of(leader));
    if (lag) {
      if (g.lagSince == null) {
        g.lagSince = s.atMs();
        g.lagReported = false;
      }
      g.lagDetails = "labelled " + s.labelled() + ", etcd leader " + leader;
      long lasted = s.atMs() - g.lagSince;
      maxLabelLagMs = Math.max(maxLabelLagMs, lasted);
      if (lasted > ALLOWED_LABEL_LAG_MS && !g.lagReported) {
        violations.add(new Violation("LABEL_LAG", s.group(), g.lagSince, lasted, g.lagDetails));
        g.lagReported = true;
      }
    } else {
      g.lagSince = null;
    }

    // A master while a healthy standby exists.
    boolean noMaster = !s.excused() && s.labelled().isEmpty() && !s.healthyStandbys().isEmpty();
    if (noMaster) {
      if (g.noMasterSince == null) {
        g.noMasterSince = s.atMs();
        g.noMasterReported = false;
      }
      long lasted = s.atMs() - g.noMasterSince;
      maxNoMasterMs = Math.max(maxNoMasterMs, lasted);
      if (lasted > s.ttlSeconds() * 1000L + NO_MASTER_SLACK_MS && !g.noMasterReported) {
        violations.add(
            new Violation(
                "NO_MASTER",
                s.group(),
                g.noMasterSince,
                lasted,
                "no labelled master; healthy standbys " + s.healthyStandbys()));
        g.noMasterReported = true;
      }
    } else {
      g.noMasterSince = null;
    }
  }

  /** Counts an agent exit; one that no fault caused is a violation. */
  synchronized void agentExited(long atMs, String group, AgentExits.Exit exit) {
    agentExits++;
    if (exit.causedByAFault()) {
      return;
    }
    violations.add(
        new Violation(
            "AGENT_EXIT",
            group,
            atMs,
            0,
            "the agent of "
                + exit.pod()
                + " exited with code "
                + exit.exitCode()
                + " ("
                + exit.reason()
                + ": "
                + exit.message()
                + ") though no fault hit it; its last "
                + exit.lastLines().size()
                + " log lines:\n"
                + String.join("\n", exit.lastLines())));
  }

  /** Records a violation found outside the samples (e.g. a pod missing at the end). */
  synchronized void add(Violation v) {
    violations.add(v);
  }

  synchronized List<Violation> violations() {
    return List.copyOf(violations);
  }

  synchronized Map<String, Object> figures() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("samples", samples);
    m.put("maxNoMasterMs", maxNoMasterMs);
    m.put("maxLabelLagMs", maxLabelLagMs);
    m.put("excusedSampleMs", excusedMs);
    m.put("agentExits", agentExits);
    return m;
  }

  static boolean same(String a, String b) {
    return Objects.equals(a, b);
  }
}
