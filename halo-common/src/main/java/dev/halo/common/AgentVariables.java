package dev.halo.common;

/**
 * The environment variables that configure the agent: the operator writes them, the agent reads
 * them.
 */
public final class AgentVariables {
  private AgentVariables() {}

  public static final String ETCD_ENDPOINTS = "HALO_ETCD_ENDPOINTS";

  /** PEM file of the CA that signed etcd's server certificate (turns TLS on). */
  public static final String ETCD_CACERT = "HALO_ETCD_CACERT";

  /** PEM file of the client certificate shown to etcd (mutual TLS); needs {@link #ETCD_KEY}. */
  public static final String ETCD_CERT = "HALO_ETCD_CERT";

  /** PEM file of the client certificate's private key (PKCS#8, PKCS#1 or SEC1). */
  public static final String ETCD_KEY = "HALO_ETCD_KEY";

  /** The etcd user to authenticate as; needs {@link #ETCD_PASSWORD_FILE}. */
  public static final String ETCD_USER = "HALO_ETCD_USER";

  /** File holding the etcd user's password, read at each authentication (never the password). */
  public static final String ETCD_PASSWORD_FILE = "HALO_ETCD_PASSWORD_FILE";

  /** The name etcd's server certificate is checked against, instead of each endpoint's host. */
  public static final String ETCD_SERVER_NAME = "HALO_ETCD_SERVER_NAME";

  public static final String ELECTION = "HALO_ELECTION";
  public static final String MEMBER = "HALO_MEMBER";
  public static final String POD_NAME = "POD_NAME";

  /** The pod's UID (downward API {@code metadata.uid}), published in the member identity. */
  public static final String POD_UID = "HALO_POD_UID";

  /** The UID of the HighAvailabilityGroup that owns the pod, published in the member identity. */
  public static final String GROUP_UID = "HALO_GROUP_UID";

  /**
   * The site (cluster) the agent runs on, for a group spread over several sites; published in the
   * member identity. Unset for a group on one site.
   */
  public static final String SITE = "HALO_SITE";

  /**
   * Where the other sites would reach this member (the pod IP, downward API {@code status.podIP});
   * published in the member identity next to {@link #SITE}.
   */
  public static final String SITE_ADDRESS = "HALO_SITE_ADDRESS";

  public static final String LEASE_TTL_SECONDS = "HALO_LEASE_TTL_SECONDS";
  public static final String AGENT_ADDRESS = "HALO_AGENT_ADDRESS";
  public static final String AGENT_PORT = "HALO_AGENT_PORT";
  public static final String HEALTH_HTTP = "HALO_HEALTH_HTTP";
  public static final String HEALTH_TCP = "HALO_HEALTH_TCP";
  public static final String HEALTH_PERIOD_MS = "HALO_HEALTH_PERIOD_MS";
  public static final String HEALTH_FAILURES = "HALO_HEALTH_FAILURES";
  public static final String ROLE_FILE = "HALO_ROLE_FILE";
  public static final String ROLE_WEBHOOK = "HALO_ROLE_WEBHOOK";

  /**
   * A file the agent appends one JSON line to per role transition (monotonic timestamps, term,
   * lease), for test harnesses that check no two master intervals overlap; unset in pods.
   */
  public static final String ROLE_HISTORY = "HALO_ROLE_HISTORY";

  /**
   * Set only by the sandbox (never in a pod): the pid of the process that started the agent; the
   * agent shuts down gracefully when that process is gone.
   */
  public static final String PARENT_PID = "HALO_PARENT_PID";
}
