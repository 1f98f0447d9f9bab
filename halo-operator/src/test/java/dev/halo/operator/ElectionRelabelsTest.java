package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.operator.election.Candidate;
import dev.halo.operator.election.ElectionView;
import dev.halo.operator.election.FakeElectionService;
import dev.halo.operator.model.Membership;
import dev.halo.operator.model.OperatorDefaults;
import dev.halo.operator.model.TestGroups;
import dev.halo.operator.model.TestPods;
import io.fabric8.kubernetes.api.model.Pod;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Group "web" relabelled on its election's watch event: from the view just delivered, only while
 * followed and active, never from an older election than the freshest, one relabel per burst.
 */
class ElectionRelabelsTest {
  private static final String ELECTION = "/halo/shop/web/election";

  /** What the labeller was handed: the election revision and the pods. */
  private record Call(long revision, Optional<String> leader, List<Pod> pods) {}

  private final FakeElectionService fake = new FakeElectionService();
  private final OperatorDefaults defaults =
      new OperatorDefaults("halo:test", List.of(), List.of("http://etcd:2379"));
  private final HighAvailabilityGroup hag = group();
  private final List<Pod> pods =
      List.of(
          TestPods.pod("web-0", "master"),
          TestPods.pod("web-1", "standby"),
          TestPods.pod("web-2", "standby"));
  private final List<Call> calls = new ArrayList<>();
  private final List<Runnable> queued = new ArrayList<>();
  private final AtomicBoolean active = new AtomicBoolean(true);
  private Optional<HighAvailabilityGroup> cached = Optional.of(hag);
  private final ElectionRelabels relabels =
      new ElectionRelabels(
          fake,
          defaults,
          (group, p, members) -> {
            calls.add(new Call(members.view().revision(), members.leaderPod(), p));
            return new RoleLabeller.Labelled(p, members.leaderPod());
          },
          p -> p.stream().map(TestPods::notReady).toList(),
          new OperatorMetrics(),
          queued::add);

  /** A valid group "web" whose UID the test candidates carry. */
  private static HighAvailabilityGroup group() {
    HighAvailabilityGroup hag = TestGroups.valid("shop", "web");
    hag.getMetadata().setUid(TestPods.GROUP_UID);
    return hag;
  }

  @BeforeEach
  void start() {
    fake.addListener(relabels::electionChanged);
    relabels.start(
        new ElectionRelabels.Cache() {
          @Override
          public Optional<HighAvailabilityGroup> group(ResourceID id) {
            return cached.filter(g -> ResourceID.fromResource(g).equals(id));
          }

          @Override
          public List<Pod> pods(HighAvailabilityGroup group) {
            return pods;
          }
        },
        active::get);
  }

  /** The queue of web-0, web-1, web-2 in which {@code leader} leads, at {@code revision}. */
  private static ElectionView led(String leader, long revision) {
    List<Candidate> queue = new ArrayList<>();
    long created = 11;
    for (String member : List.of("web-0", "web-1", "web-2")) {
      long lease = 0x100 + queue.size();
      String key = ELECTION + "/" + Long.toHexString(lease);
      queue.add(TestPods.own(key, member, member.equals(leader) ? 10 : created++, lease));
    }
    return new ElectionView(ELECTION, true, queue, revision, "");
  }

  private void runQueued() {
    List<Runnable> now = List.copyOf(queued);
    queued.clear();
    now.forEach(Runnable::run);
  }

  @Test
  void aFollowedGroupIsRelabelledFromTheElectionJustDeliveredAndTheFreshestPods() {
    relabels.follow(hag);
    fake.update(ELECTION, led("web-1", 30));
    runQueued();

    assertThat(calls).hasSize(1);
    assertThat(calls.get(0).revision()).isEqualTo(30);
    assertThat(calls.get(0).leader()).contains("web-1");
    // Read through the operator's own writes (here: each pod marked not ready).
    assertThat(calls.get(0).pods()).isEqualTo(pods.stream().map(TestPods::notReady).toList());
  }

  @Test
  void changesThatArriveWhileARelabelWaitsAreTakenTogether() {
    relabels.follow(hag);
    fake.update(ELECTION, led("web-1", 30));
    fake.update(ELECTION, led("web-2", 31));
    fake.fire(ELECTION);
    assertThat(queued).hasSize(1);
    runQueued();

    assertThat(calls).extracting(Call::revision).containsExactly(31L);
    fake.update(ELECTION, led("web-0", 32));
    runQueued();
    assertThat(calls).extracting(Call::revision).containsExactly(31L, 32L);
  }

  @Test
  void nothingIsRelabelledUnlessAReconcileFoundTheGroupValidAndThisReplicaLeads() {
    fake.update(ELECTION, led("web-1", 30));
    runQueued();
    assertThat(calls).as("not followed yet").isEmpty();

    relabels.follow(hag);
    active.set(false);
    fake.update(ELECTION, led("web-2", 31));
    runQueued();
    assertThat(calls).as("another replica leads").isEmpty();

    active.set(true);
    relabels.unfollow(hag);
    fake.update(ELECTION, led("web-0", 32));
    runQueued();
    assertThat(calls).as("found invalid since").isEmpty();
  }

  @Test
  void aGroupThatIsInvalidGoneOrWhoseEtcdIsUnreachableIsLeftToTheReconcile() {
    relabels.follow(hag);
    HighAvailabilityGroup invalid = group();
    invalid.getSpec().setReplicas(-1);
    cached = Optional.of(invalid);
    fake.update(ELECTION, led("web-1", 30));
    runQueued();
    assertThat(calls).as("invalid in the cache").isEmpty();

    cached = Optional.empty();
    fake.update(ELECTION, led("web-2", 31));
    runQueued();
    assertThat(calls).as("gone").isEmpty();

    cached = Optional.of(hag);
    fake.setUnreachable(ELECTION, "connection refused");
    fake.fire(ELECTION);
    runQueued();
    assertThat(calls).as("fail static").isEmpty();
  }

  @Test
  void aReconcileThatReadAnOlderElectionLabelsFromTheFreshestOne() {
    Membership read = TestPods.members(pods, led("web-1", 30));
    fake.setView(ELECTION, led("web-2", 31));

    ElectionRelabels.Assigned assigned = relabels.assign(hag, pods, read);

    assertThat(calls).extracting(Call::revision).containsExactly(31L);
    assertThat(calls.get(0).leader()).contains("web-2");
    assertThat(assigned.members().view().revision()).isEqualTo(31);
    assertThat(assigned.labelled().master()).contains("web-2");
  }

  @Test
  void aReconcileThatReadTheFreshestElectionLabelsFromIt() {
    Membership read = TestPods.members(pods, led("web-1", 31));
    fake.setView(ELECTION, led("web-1", 31));

    ElectionRelabels.Assigned assigned = relabels.assign(hag, pods, read);

    assertThat(assigned.members()).isSameAs(read);
    assertThat(calls.get(0).leader()).contains("web-1");
  }
}
