package dev.halo.operator.model;

import dev.halo.api.v1alpha1.HighAvailabilityGroupSpec;
import java.util.List;

/**
 * The etcd client URLs a group's election lives on: {@code spec.election.endpoints} when the group
 * lists any, else the operator's default ({@code HALO_ETCD_ENDPOINTS}). Every reader of the
 * endpoints goes through here, so the pods, the election watch and lease revocation agree.
 */
public final class EtcdEndpoints {
  private EtcdEndpoints() {}

  /** The effective endpoints; empty when neither the group nor the operator gives any. */
  public static List<String> of(HighAvailabilityGroupSpec spec, OperatorDefaults defaults) {
    return usesOperatorDefault(spec) ? defaults.etcdEndpoints() : spec.getElection().getEndpoints();
  }

  /** Whether the group lists no endpoints of its own, so the operator's default applies. */
  public static boolean usesOperatorDefault(HighAvailabilityGroupSpec spec) {
    return spec == null
        || spec.getElection() == null
        || spec.getElection().getEndpoints() == null
        || spec.getElection().getEndpoints().isEmpty();
  }
}
