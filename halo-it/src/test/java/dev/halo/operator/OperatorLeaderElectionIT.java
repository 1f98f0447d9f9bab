package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.halo.common.AgentDefaults;
import dev.halo.sandbox.EmbeddedApiServer;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Two operator replicas: one takes the Lease and reconciles, the other waits. */
class OperatorLeaderElectionIT {
  private static final String RULES_REVIEW =
      "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SelfSubjectRulesReview\","
          + "\"status\":{\"incomplete\":false,\"resourceRules\":[{\"verbs\":[\"*\"],"
          + "\"apiGroups\":[\"*\"],\"resources\":[\"*\"]}]}}";

  private static EmbeddedApiServer apiServer() {
    EmbeddedApiServer k8s = EmbeddedApiServer.start();
    // The SDK checks its permissions before electing; the mock has no authorizer to ask.
    k8s.expect()
        .post()
        .withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
        .andReturn(201, RULES_REVIEW)
        .always();
    k8s.client()
        .namespaces()
        .resource(
            new NamespaceBuilder().withNewMetadata().withName("halo-system").endMetadata().build())
        .create();
    return k8s;
  }

  private static final OperatorConfig CONFIG =
      new OperatorConfig(
          Set.of(),
          "halo:test",
          List.of(),
          true,
          "halo-system",
          "127.0.0.1",
          0,
          AgentDefaults.JVM_OPTIONS);

  private static Lease lease(EmbeddedApiServer k8s) {
    return k8s.client().leases().inNamespace("halo-system").withName(HaloOperator.LEASE_NAME).get();
  }

  @Test
  void exactlyOneReplicaHoldsTheLease() throws Exception {
    try (EmbeddedApiServer k8s = apiServer()) {
      OperatorConfig config = CONFIG;
      try (HaloOperator first = HaloOperator.start(k8s.newClient(), config);
          HaloOperator second = HaloOperator.start(k8s.newClient(), config)) {
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> {
                  Lease lease = lease(k8s);
                  return lease != null && lease.getSpec().getHolderIdentity() != null;
                });
        Lease lease = lease(k8s);
        assertThat(lease.getSpec().getHolderIdentity()).startsWith("halo-");
        assertThat(first.isLeader() ^ second.isLeader()).as("exactly one leader").isTrue();
      }
    }
  }

  @Test
  void aGracefulStopReleasesTheLeaseSoTheStandbyTakesOverAtOnce() throws Exception {
    try (EmbeddedApiServer k8s = apiServer();
        HaloOperator first = HaloOperator.start(k8s.newClient(), CONFIG);
        HaloOperator second = HaloOperator.start(k8s.newClient(), CONFIG)) {
      await().atMost(Duration.ofSeconds(30)).until(() -> first.isLeader() || second.isLeader());
      HaloOperator leader = first.isLeader() ? first : second;
      HaloOperator standby = leader == first ? second : first;
      String leaderIdentity = lease(k8s).getSpec().getHolderIdentity();

      leader.close();

      // Released as fabric8 releases (a merge patch keeps the holder): the Lease now lasts one
      // second from its renewal instead of the full duration, or the standby already took it.
      Lease released = lease(k8s);
      if (leaderIdentity.equals(released.getSpec().getHolderIdentity())) {
        assertThat(released.getSpec().getLeaseDurationSeconds())
            .as("the stopped leader's Lease is released: %s", released.getSpec())
            .isEqualTo(1);
      }
      await().atMost(Duration.ofSeconds(30)).until(standby::isLeader);
      assertThat(lease(k8s).getSpec().getHolderIdentity())
          .startsWith("halo-")
          .isNotEqualTo(leaderIdentity);
    }
  }
}
