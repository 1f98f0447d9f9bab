package dev.halo.operator.election;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.halo.common.ElectionKeys;
import dev.halo.common.FenceValue;
import dev.halo.testing.EtcdExtension;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The operator's removal paths, step by step, on a real etcd (docs/fencing.md). */
class EtcdFencesIT {
  @RegisterExtension static final EtcdExtension etcd = EtcdExtension.members(1);

  private static final int TTL = 5;
  private static final AtomicInteger groups = new AtomicInteger();

  private final String election = ElectionKeys.electionName("test", "f" + groups.incrementAndGet());
  private EtcdElectionService service;
  private List<String> endpoints;
  private Client client;

  @BeforeEach
  void start() {
    endpoints = etcd.cluster().clientUrls();
    service = new EtcdElectionService();
    client = etcd.cluster().admin();
  }

  @AfterEach
  void stop() {
    service.close();
    client.close();
  }

  /** A candidate key under a fresh lease of {@link #TTL} seconds, as an agent campaigns. */
  private Candidate campaign(String member) throws Exception {
    long lease = client.getLeaseClient().grant(TTL).get().getID();
    String key = ElectionKeys.candidateKey(election, lease);
    client
        .getKVClient()
        .put(bytes(key), bytes(member), PutOption.builder().withLeaseId(lease).build())
        .get();
    KeyValue kv = client.getKVClient().get(bytes(key)).get().getKvs().get(0);
    return new Candidate(key, member, kv.getCreateRevision(), lease);
  }

  private static KeyRemoval removal(Candidate key, RemovalPath path, Optional<Candidate> witness) {
    FenceValue fence =
        new FenceValue(
            key.leaseId(),
            key.createRevision(),
            key.member(),
            "uid-" + key.member(),
            "uid-group",
            "podDeleted",
            0,
            path.label(),
            FenceValue.REVOKING);
    return new KeyRemoval(key, path, witness, fence);
  }

  private Optional<KeyValue> get(String key) throws Exception {
    return client.getKVClient().get(bytes(key)).get().getKvs().stream().findFirst();
  }

  private boolean leaseAlive(long lease) throws Exception {
    return client.getLeaseClient().timeToLive(lease, LeaseOption.DEFAULT).get().getTTL() > 0;
  }

  private Removed remove(KeyRemoval removal) throws Exception {
    return service.remove(endpoints, election, removal).get();
  }

  @Test
  void aFencedKeyGoesWithItsLeaseAndTheFenceOutlivesTheLeaseTtlByASecond() throws Exception {
    Candidate master = campaign("web-0");
    String fenceKey = ElectionKeys.fenceKey(election, master.leaseId());

    Removed removed = remove(removal(master, RemovalPath.FENCED, Optional.empty()));

    assertThat(removed).isEqualTo(new Removed(RemovalPath.FENCED, TTL, true));
    assertThat(get(master.key())).isEmpty();
    assertThat(leaseAlive(master.leaseId())).isFalse();
    KeyValue fence = get(fenceKey).orElseThrow();
    FenceValue value = FenceValue.decode(fence.getValue().toString(StandardCharsets.UTF_8)).get();
    assertThat(value.armed()).isTrue();
    assertThat(value.ttlSeconds()).isEqualTo(TTL);
    assertThat(value.fencedCreateRevision()).isEqualTo(master.createRevision());
    assertThat(value.member()).isEqualTo("web-0");
    assertThat(
            client
                .getLeaseClient()
                .timeToLive(fence.getLease(), LeaseOption.DEFAULT)
                .get()
                .getGrantedTTL())
        .isEqualTo(TTL + 1);
  }

  @Test
  void aNeverLeaderGoesAtOnceAndLeavesNoFence() throws Exception {
    Candidate leader = campaign("web-0");
    Candidate standby = campaign("web-1");

    Removed removed = remove(removal(standby, RemovalPath.NEVER_LEADER, Optional.of(leader)));

    assertThat(removed).isEqualTo(new Removed(RemovalPath.NEVER_LEADER, 0, true));
    assertThat(get(standby.key())).isEmpty();
    assertThat(leaseAlive(standby.leaseId())).isFalse();
    assertThat(get(ElectionKeys.fenceKey(election, standby.leaseId()))).isEmpty();
    assertThat(get(leader.key())).as("the leader is untouched").isPresent();
  }

  @Test
  void aNeverLeaderWhoseWitnessWentMayHaveLedAndIsFenced() throws Exception {
    Candidate leader = campaign("web-0");
    Candidate standby = campaign("web-1");
    client.getLeaseClient().revoke(leader.leaseId()).get(); // the standby leads from here

    Removed removed = remove(removal(standby, RemovalPath.NEVER_LEADER, Optional.of(leader)));

    assertThat(removed).isEqualTo(new Removed(RemovalPath.FENCED, TTL, true));
    assertThat(get(standby.key())).isEmpty();
    assertThat(get(ElectionKeys.fenceKey(election, standby.leaseId())))
        .hasValueSatisfying(kv -> assertThat(kv.getLease()).isNotZero());
  }

  @Test
  void aKeyThatWentMeanwhileNeedsNoFence() throws Exception {
    Candidate gone = campaign("web-0");
    client.getKVClient().delete(bytes(gone.key())).get(); // its agent left on its own

    Removed removed = remove(removal(gone, RemovalPath.FENCED, Optional.empty()));

    assertThat(removed.done()).isFalse();
    assertThat(get(ElectionKeys.fenceKey(election, gone.leaseId()))).isEmpty();
  }

  @Test
  void aFenceLeftRevokingIsFinishedRevokedAndArmed() throws Exception {
    Candidate master = campaign("web-0");
    String fenceKey = ElectionKeys.fenceKey(election, master.leaseId());
    // What an operator that stopped between the fence's transaction and the revoke left behind.
    FenceValue revoking =
        new FenceValue(
            master.leaseId(),
            master.createRevision(),
            "web-0",
            "",
            "",
            "podDeleted",
            TTL,
            FenceValue.FENCED,
            FenceValue.REVOKING);
    client.getKVClient().put(bytes(fenceKey), bytes(revoking.encode())).get();
    client.getKVClient().delete(bytes(master.key())).get();
    await().until(() -> !service.view(endpoints, election).fences().isEmpty());
    Fence seen = service.view(endpoints, election).fences().get(0);
    assertThat(seen.unfinished()).isTrue();

    Removed finished = service.finishFence(endpoints, seen).get();

    assertThat(finished).isEqualTo(new Removed(RemovalPath.FENCED, TTL, true));
    assertThat(leaseAlive(master.leaseId())).isFalse();
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                service.view(endpoints, election).fences().stream().anyMatch(f -> !f.unfinished()));
    assertThat(get(fenceKey)).hasValueSatisfying(kv -> assertThat(kv.getLease()).isNotZero());
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
