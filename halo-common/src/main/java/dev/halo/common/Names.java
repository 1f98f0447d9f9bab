package dev.halo.common;

/** Every name Halo gives to an object, derived from the group's name. */
public final class Names {
  private Names() {}

  /** The name of the elector agent container injected into every pod. */
  public static final String AGENT_CONTAINER = "halo-agent";

  /** The shared volume through which the agent hands the role file to the workload. */
  public static final String ROLE_VOLUME = "halo-role";

  public static final String ROLE_MOUNT_PATH = "/var/run/halo";
  public static final String ROLE_FILE = ROLE_MOUNT_PATH + "/role";

  /** The agent's Secret volume of the etcd client certificate (tls.crt, tls.key, ca.crt). */
  public static final String ETCD_TLS_VOLUME = "halo-etcd-tls";

  /** The agent's Secret volume of the CA of etcd's server certificate (ca.crt). */
  public static final String ETCD_CA_VOLUME = "halo-etcd-ca";

  /** The agent's Secret volume of the etcd user's password. */
  public static final String ETCD_CREDENTIALS_VOLUME = "halo-etcd-credentials";

  public static final String ETCD_TLS_MOUNT_PATH = "/etc/halo/etcd/tls";
  public static final String ETCD_CA_MOUNT_PATH = "/etc/halo/etcd/ca";
  public static final String ETCD_CREDENTIALS_MOUNT_PATH = "/etc/halo/etcd/credentials";

  /** The pod of replica {@code index}. */
  public static String pod(String group, int index) {
    return group + "-" + index;
  }

  /** The replica index of a pod name, or -1 if the name is not {@code <group>-<index>}. */
  public static int podIndex(String group, String podName) {
    String prefix = group + "-";
    if (!podName.startsWith(prefix)) {
      return -1;
    }
    String rest = podName.substring(prefix.length());
    if (rest.isEmpty() || rest.length() > 6 || !rest.chars().allMatch(Character::isDigit)) {
      return -1;
    }
    return Integer.parseInt(rest);
  }

  /** The master Service: the group's name unless the spec names it. */
  public static String masterService(String group, String configured) {
    return configured == null || configured.isBlank() ? group : configured;
  }

  /**
   * The EndpointSlice that sends the master Service {@code service} to a master on another site
   * (spec.site.remoteMasterService: EndpointSlice).
   */
  public static String remoteMasterSlice(String service) {
    return service + "-remote-master";
  }

  public static String standbyService(String group) {
    return group + "-standby";
  }

  public static String podDisruptionBudget(String group) {
    return group;
  }
}
