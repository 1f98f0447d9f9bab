package dev.halo.common;

import java.util.Map;

/**
 * Every label key Halo reads or writes, and their fixed values (annotations: {@link Annotations}).
 */
public final class Labels {
  private Labels() {}

  public static final String GROUP = "halo.dev/group";
  public static final String ZONE = "halo.dev/zone";
  public static final String ROLE = "halo.dev/role";
  public static final String INDEX = "halo.dev/index";

  public static final String ROLE_MASTER = "master";
  public static final String ROLE_STANDBY = "standby";

  public static final String APP_NAME = "app.kubernetes.io/name";
  public static final String APP_INSTANCE = "app.kubernetes.io/instance";
  public static final String APP_MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String MANAGED_BY_HALO = "halo";

  /** On an EndpointSlice: the Service it serves endpoints for (Kubernetes' key). */
  public static final String SERVICE_NAME = "kubernetes.io/service-name";

  /** On an EndpointSlice: who keeps it; Kubernetes' own controller leaves others' slices alone. */
  public static final String ENDPOINT_SLICE_MANAGED_BY = "endpointslice.kubernetes.io/managed-by";

  /** {@link #ENDPOINT_SLICE_MANAGED_BY}'s value on the slices Halo keeps. */
  public static final String ENDPOINT_SLICE_MANAGER = "halo.dev";

  /** The node label that pins a pod to a zone. */
  public static final String TOPOLOGY_ZONE = "topology.kubernetes.io/zone";

  /** The selector of every pod of a group. */
  public static Map<String, String> groupSelector(String group) {
    return Map.of(GROUP, group);
  }

  /** The selector of a group's master: what the master Service selects. */
  public static Map<String, String> masterSelector(String group) {
    return Map.of(GROUP, group, ROLE, ROLE_MASTER);
  }

  /** The selector of a group's standbys: what the standby Service selects. */
  public static Map<String, String> standbySelector(String group) {
    return Map.of(GROUP, group, ROLE, ROLE_STANDBY);
  }
}
