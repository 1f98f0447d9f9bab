package dev.halo.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.api.v1alpha1.HighAvailabilityGroupSpec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which etcd a group's election lives on: its own endpoints, else the operator's default. */
class EtcdEndpointsTest {
  private static final List<String> DEFAULT_ETCD = List.of("http://etcd-0:2379");
  private static final OperatorDefaults WITH_DEFAULT = OperatorDefaults.of("halo:1", DEFAULT_ETCD);
  private static final OperatorDefaults NO_DEFAULT = OperatorDefaults.of("halo:1");

  private final HighAvailabilityGroupSpec spec = TestGroups.valid("shop", "web").getSpec();

  @Test
  void theGroupsOwnEndpointsWinOverTheDefault() {
    assertThat(EtcdEndpoints.of(spec, WITH_DEFAULT)).containsExactly("http://127.0.0.1:2379");
    assertThat(EtcdEndpoints.usesOperatorDefault(spec)).isFalse();
  }

  @Test
  void emptyOrAbsentEndpointsUseTheDefault() {
    spec.getElection().setEndpoints(new ArrayList<>());
    assertThat(EtcdEndpoints.of(spec, WITH_DEFAULT)).isEqualTo(DEFAULT_ETCD);

    spec.getElection().setEndpoints(null);
    assertThat(EtcdEndpoints.of(spec, WITH_DEFAULT)).isEqualTo(DEFAULT_ETCD);

    spec.setElection(null);
    assertThat(EtcdEndpoints.of(spec, WITH_DEFAULT)).isEqualTo(DEFAULT_ETCD);
    assertThat(EtcdEndpoints.of(null, WITH_DEFAULT)).isEqualTo(DEFAULT_ETCD);
    assertThat(EtcdEndpoints.usesOperatorDefault(spec)).isTrue();
  }

  @Test
  void isEmptyWhenNeitherTheGroupNorTheOperatorGivesAny() {
    spec.setElection(null);

    assertThat(EtcdEndpoints.of(spec, NO_DEFAULT)).isEmpty();
  }
}
