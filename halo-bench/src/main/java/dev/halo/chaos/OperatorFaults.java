package dev.halo.chaos;

import static dev.halo.chaos.ChaosRig.OPERATOR_USER_AGENT;

import dev.halo.sandbox.EmbeddedApiServer;
import dev.halo.sandbox.TcpProxy;
import java.time.Duration;
import java.util.List;

/**
 * The faults that hit the operator: restarts, a long pause, API errors and hangs, and partitions
 * from etcd or from the API server. Each opens an excused window ({@link Disturbances}) while the
 * operator cannot relabel by design, with a grace period after it to catch up.
 */
final class OperatorFaults {
  // After a restart, a pause or a partition from the API, the informers re-list and re-watch.
  private static final Duration CATCH_UP = Duration.ofSeconds(5);
  private static final Duration API_FAULT = Duration.ofSeconds(3);
  private static final Duration PARTITION = Duration.ofSeconds(4);

  private final ChaosRig rig;
  private final ChaosGroups groups;
  private final Disturbances disturbances;
  private final int maxTtl;

  OperatorFaults(ChaosRig rig, ChaosGroups groups, Disturbances disturbances, int maxTtl) {
    this.rig = rig;
    this.groups = groups;
    this.disturbances = disturbances;
    this.maxTtl = maxTtl;
  }

  String restart() throws Exception {
    try (ChaosRig.OperatorFault busy = rig.operatorFault();
        Disturbances.Window w = disturbances.open("operator restart", CATCH_UP)) {
      rig.stopOperator();
      Thread.sleep(500);
      rig.startOperator();
    }
    return "restarted the operator";
  }

  String restartDuringHandover(String group) throws Exception {
    String master = groups.awaitMaster(group);
    try (ChaosRig.OperatorFault busy = rig.operatorFault();
        Disturbances.Window w = disturbances.open("operator restart in a handover", CATCH_UP)) {
      rig.kubelet.crashAgent(master);
      rig.stopOperator();
      Thread.sleep(500);
      rig.startOperator();
    }
    return "killed " + master + "'s agent and restarted the operator";
  }

  /**
   * Stops the operator process with SIGSTOP for the longest TTL + 2 s, then lets it go on. In half
   * of the cases (by the plan's pick) the group's master agent is killed early in the pause, so the
   * election moves on while the operator sees nothing and wakes up to a stale view.
   */
  String pause(FaultPlan.Fault f, String group) throws InterruptedException {
    boolean handover = f.pick() < 0.5;
    String master = handover ? groups.awaitMaster(group) : null;
    long pauseMs = maxTtl * 1000L + 2000;
    try (ChaosRig.OperatorFault busy = rig.operatorFault();
        Disturbances.Window w = disturbances.open("operator paused", CATCH_UP)) {
      rig.operator().pause();
      try {
        if (handover) {
          Thread.sleep(500);
          rig.kubelet.crashAgent(master);
          Thread.sleep(pauseMs - 500);
        } else {
          Thread.sleep(pauseMs);
        }
      } finally {
        rig.operator().resume();
      }
    }
    return "operator paused (SIGSTOP) for " + pauseMs + " ms" + killedDuring(master);
  }

  String apiFault(FaultKind kind) throws InterruptedException {
    boolean errors = kind == FaultKind.API_ERRORS;
    try (ChaosRig.OperatorFault busy = rig.operatorFault();
        Disturbances.Window w = disturbances.open("API " + kind, API_FAULT)) {
      rig.api.injectFault(
          errors ? EmbeddedApiServer.Fault.ERRORS : EmbeddedApiServer.Fault.HANG,
          r -> OPERATOR_USER_AGENT.equals(r.userAgent()),
          API_FAULT);
      Thread.sleep(API_FAULT.toMillis());
    } finally {
      rig.api.clearFault();
    }
    return "API " + (errors ? "errors" : "hang") + " for the operator, 3 s";
  }

  /**
   * Cuts the operator off from etcd (every member's proxy) or from the API server for 4 s while
   * everything else goes on; in half of the cases the group's master agent is killed early in the
   * partition, so there is a failover the operator can see only half of. From etcd it must change
   * no label (fail static) and catch up after; from the API it can write nothing meanwhile.
   */
  String partition(FaultPlan.Fault f, String group) throws InterruptedException {
    boolean fromEtcd = f.kind() == FaultKind.PARTITION_OPERATOR_FROM_ETCD;
    List<TcpProxy> cut = fromEtcd ? rig.operatorEtcdProxies : List.of(rig.operatorApiProxy);
    boolean handover = f.pick() < 0.5;
    String master = handover ? groups.awaitMaster(group) : null;
    String from = fromEtcd ? "etcd" : "the API server";
    try (ChaosRig.OperatorFault busy = rig.operatorFault();
        Disturbances.Window w = disturbances.open("operator cut from " + from, CATCH_UP)) {
      cut.forEach(TcpProxy::cut);
      try {
        if (handover) {
          Thread.sleep(500);
          rig.kubelet.crashAgent(master);
          Thread.sleep(PARTITION.toMillis() - 500);
        } else {
          Thread.sleep(PARTITION.toMillis());
        }
      } finally {
        cut.forEach(TcpProxy::heal);
      }
    }
    return "operator cut from " + from + " for 4 s" + killedDuring(master);
  }

  private static String killedDuring(String master) {
    return master == null ? "" : ", " + master + "'s agent killed meanwhile";
  }
}
