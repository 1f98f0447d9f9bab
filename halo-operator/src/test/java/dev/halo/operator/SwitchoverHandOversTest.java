package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.operator.election.Candidate;
import dev.halo.operator.election.ElectionView;
import dev.halo.operator.election.FakeElectionService;
import dev.halo.operator.election.SwitchoverRequest;
import dev.halo.operator.model.OperatorDefaults;
import dev.halo.operator.model.TestGroups;
import dev.halo.operator.model.TestPods;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A switchover of "web" (queued web-0, web-1, web-2) to web-2: the master is asked to hand over on
 * the election change that shows web-2 next in line, not a reconcile later.
 */
class SwitchoverHandOversTest {
  private static final String ELECTION = "/halo/shop/web/election";
  private static final SwitchoverRequest TO_WEB_2 =
      new SwitchoverRequest("", "web-2", 0x102, 0x100);

  private final FakeElectionService fake = new FakeElectionService();
  private final OperatorDefaults defaults =
      new OperatorDefaults("halo:test", List.of(), List.of("http://etcd:2379"));
  private final SwitchoverHandOvers handOvers =
      new SwitchoverHandOvers(fake, defaults, new LeaseReleaser(fake, defaults));
  private final HighAvailabilityGroup hag = TestGroups.valid("shop", "web");

  private final ElectionView waiting =
      TestPods.view("web-0", "web-1", "web-2").withSwitchover(Optional.of(TO_WEB_2));

  {
    fake.addListener(handOvers::electionChanged);
  }

  /** web-1 queued again: web-0, web-2, then web-1 under a new lease. */
  private ElectionView requeued(Optional<SwitchoverRequest> request) {
    List<Candidate> c = waiting.candidates();
    Candidate back = new Candidate(ELECTION + "/200", "web-1", 30, 0x200);
    return new ElectionView(ELECTION, true, List.of(c.get(0), c.get(2), back), 30, "")
        .withSwitchover(request);
  }

  private SwitchoverHandOvers.Armed toWeb2() {
    return new SwitchoverHandOvers.Armed(hag, "web-0", "web-2", TO_WEB_2, false);
  }

  @Test
  void theMasterIsAskedOnTheChangeThatShowsTheTargetNextInLineOnce() {
    fake.setView(ELECTION, waiting);
    handOvers.arm(toWeb2());
    assertThat(fake.stepDownRequests()).isEmpty();

    fake.update(ELECTION, requeued(Optional.of(TO_WEB_2)));
    fake.fire(ELECTION);

    assertThat(fake.stepDownRequests()).containsExactly(0x100L);
    assertThat(handOvers.handedOver(hag)).map(SwitchoverHandOvers.Armed::target).contains("web-2");
    assertThat(handOvers.handedOver(hag)).isEmpty();
  }

  @Test
  void aQueueThatIsReadyWhenArmedHandsOverAtOnce() {
    fake.setView(ELECTION, requeued(Optional.of(TO_WEB_2)));
    handOvers.arm(toWeb2());
    assertThat(fake.stepDownRequests()).containsExactly(0x100L);
  }

  @Test
  void nothingIsAskedOnceDisarmedOrWhenTheRequestWasWithdrawn() {
    fake.setView(ELECTION, waiting);
    handOvers.arm(toWeb2());
    handOvers.disarm(hag);
    fake.update(ELECTION, requeued(Optional.of(TO_WEB_2)));

    fake.setView(ELECTION, waiting);
    handOvers.arm(toWeb2());
    fake.update(ELECTION, requeued(Optional.empty()));

    assertThat(fake.stepDownRequests()).isEmpty();
    assertThat(handOvers.handedOver(hag)).isEmpty();
  }
}
