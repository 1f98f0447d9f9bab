package dev.halo.chaos;

/** The faults the chaos campaign injects. */
enum FaultKind {
  /** kill -9 of the master's agent (the kubelet reports it and restarts it after 1 s). */
  KILL_MASTER_AGENT,
  /** kill -9 of a standby's agent. */
  KILL_STANDBY_AGENT,
  /** SIGSTOP of the master's agent for TTL + 1 s, then SIGCONT. */
  PAUSE_MASTER,
  /** Deletion of the master's pod (graceful; the operator recreates it). */
  DELETE_MASTER_POD,
  /**
   * The master's agent cut off from etcd, its pod force-deleted (grace period 0) while the agent
   * and workload run on, unmanaged, as on a node that lost its kubelet; killed TTL + 3 s later.
   */
  FORCE_DELETE_MASTER_POD,
  /** The master's agent cut off from etcd (its pod's proxies) for TTL + 1 s, still serving. */
  PARTITION_MASTER_FROM_ETCD,
  /** A standby's agent cut off from etcd for TTL + 1 s. */
  PARTITION_STANDBY_FROM_ETCD,
  /** The master's workload answers its health probe with 503 for 3 s. */
  UNHEALTHY_MASTER,
  /** kill -9 of a random etcd member that is not the raft leader, restarted after 2 s. */
  KILL_ETCD_MEMBER,
  /** kill -9 of the raft leader, restarted after 2 s. */
  KILL_ETCD_LEADER,
  /** Every etcd member stopped for the longest TTL + 1 s, then restarted. */
  STOP_ETCD_CLUSTER,
  /** The operator stopped and started again. */
  RESTART_OPERATOR,
  /** The master's agent killed, and the operator restarted right after (during the handover). */
  RESTART_OPERATOR_DURING_HANDOVER,
  /**
   * SIGSTOP of the operator process for the longest TTL + 2 s, then SIGCONT: a long stop-the-world
   * pause, after which it acts on what it saw before; in half of the cases the master's agent is
   * killed during the pause.
   */
  PAUSE_OPERATOR,
  /**
   * The operator cut off from every etcd member for 4 s (it still reaches the API server); in half
   * of the cases the master's agent is killed meanwhile.
   */
  PARTITION_OPERATOR_FROM_ETCD,
  /**
   * The operator cut off from the API server for 4 s (it still reaches etcd); in half of the cases
   * the master's agent is killed meanwhile.
   */
  PARTITION_OPERATOR_FROM_API,
  /** The API server answers the operator's requests with 503 for 3 s. */
  API_ERRORS,
  /** The API server holds the operator's requests for 3 s. */
  API_HANG,
  /** A change of the pod template: a rolling update, which runs on while later faults hit. */
  ROLLING_UPDATE,
  /** Scale 3 → 4 replicas, and back to 3 later. */
  SCALE,
  /**
   * A group whose stored spec does not fit the model ({@code zones: "a,b,c"}, as an older CRD
   * version could leave it) appears beside the campaign's groups; it must be reported as invalid
   * while the others are served, then it is deleted.
   */
  UNREADABLE_GROUP
}
