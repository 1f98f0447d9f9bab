package dev.halo.operator.election;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.halo.common.ElectionKeys;
import dev.halo.testing.EtcdExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Election views on a 3-member etcd while single members fail. */
class EtcdElectionServiceQuorumIT {
  @RegisterExtension static final EtcdExtension etcd = EtcdExtension.members(3);

  private static final String ELECTION = ElectionKeys.electionName("quorum", "g");

  private final List<ElectionView> heard = new CopyOnWriteArrayList<>();
  private EtcdElectionService service;
  private List<String> endpoints;

  @BeforeEach
  void startService() {
    etcd.ensureAllRunning();
    endpoints = etcd.cluster().clientUrls();
    service = new EtcdElectionService();
    service.addListener(e -> heard.add(service.view(endpoints, e)));
    await().until(() -> service.view(endpoints, ELECTION).reachable());
  }

  @AfterEach
  void stopService() {
    service.close();
  }

  @Test
  void losingAnyOneMemberKeepsViewsReachableAndCurrent() {
    for (int member = 0; member < etcd.cluster().size(); member++) {
      String pod = "pod-" + member;
      etcd.cluster().kill(member);
      // Waits out a raft election if the killed member led.
      etcd.cluster().leaderIndex();
      etcd.cluster().etcdctl("put", ElectionKeys.candidateKey(ELECTION, 100 + member), pod);

      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> service.view(endpoints, ELECTION).isCampaigning(pod));
      etcd.cluster().restart(member);
    }

    assertThat(service.view(endpoints, ELECTION).candidates())
        .extracting(Candidate::member)
        .containsExactly("pod-0", "pod-1", "pod-2");
    assertThat(heard).isNotEmpty().allMatch(ElectionView::reachable);
  }
}
