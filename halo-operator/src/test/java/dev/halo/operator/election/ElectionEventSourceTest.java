package dev.halo.operator.election;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.api.v1alpha1.ElectionSpec;
import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.api.v1alpha1.HighAvailabilityGroupSpec;
import dev.halo.operator.model.OperatorDefaults;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class ElectionEventSourceTest {
  private static final String WEB = "/halo/shop/web/election";
  private static final List<String> ENDPOINTS = List.of("http://etcd-0:2379", "http://etcd-1:2379");

  private final FakeElectionService service = new FakeElectionService();
  private final ElectionEventSource source =
      new ElectionEventSource(service, OperatorDefaults.of("halo:test"));
  private final List<Event> events = new CopyOnWriteArrayList<>();

  ElectionEventSourceTest() {
    source.setEventHandler(events::add);
  }

  @Test
  void aChangedElectionTriggersItsGroup() {
    source.start();

    service.fire(WEB);

    assertThat(events).containsExactly(new Event(new ResourceID("web", "shop")));
  }

  @Test
  void keysThatAreNotGroupElectionsAreIgnored() {
    source.start();

    List.of(
            "/halo/shop/web",
            "/halo/shop/web/election/694d7a1c2b3e0100",
            "/halo//web/election",
            "/halo/shop//election",
            "/other/shop/web/election",
            "halo/shop/web/election",
            "/halo/shop/web/elections",
            "")
        .forEach(service::fire);

    assertThat(events).isEmpty();
  }

  @Test
  void nothingIsDispatchedBeforeStart() {
    service.fire(WEB);

    assertThat(events).isEmpty();
    assertThat(service.listenerCount()).isZero();
  }

  @Test
  void nothingIsDispatchedAfterStop() {
    source.start();
    source.stop();

    service.fire(WEB);

    assertThat(events).isEmpty();
  }

  @Test
  void restartingListensOnceAndDispatchesAgain() {
    source.start();
    source.stop();
    source.start();

    service.fire(WEB);

    assertThat(service.listenerCount()).isEqualTo(1);
    assertThat(events).hasSize(1);
  }

  @Test
  void theGroupsViewIsItsSecondaryResource() {
    ElectionView view = service.setCandidates(WEB, "web-1", "web-0");

    assertThat(source.getSecondaryResources(group(ENDPOINTS))).containsExactly(view);
    assertThat(service.endpointsAskedFor(WEB)).contains(ENDPOINTS);
  }

  @Test
  void aGroupWithoutEndpointsHasNoSecondaryResource() {
    HighAvailabilityGroup noSpec = group(ENDPOINTS);
    noSpec.setSpec(null);
    HighAvailabilityGroup noElection = group(ENDPOINTS);
    noElection.getSpec().setElection(null);

    assertThat(source.getSecondaryResources(noSpec)).isEmpty();
    assertThat(source.getSecondaryResources(noElection)).isEmpty();
    assertThat(source.getSecondaryResources(group(null))).isEmpty();
    assertThat(source.getSecondaryResources(group(List.of()))).isEmpty();
  }

  @Test
  void aGroupWithoutEndpointsWatchesTheOperatorsDefault() {
    List<String> defaultEtcd = List.of("http://etcd-default:2379");
    ElectionEventSource withDefault =
        new ElectionEventSource(service, OperatorDefaults.of("halo:test", defaultEtcd));
    ElectionView view = service.setCandidates(WEB, "web-0");

    assertThat(withDefault.getSecondaryResources(group(List.of()))).containsExactly(view);
    assertThat(service.endpointsAskedFor(WEB)).contains(defaultEtcd);
  }

  @Test
  void groupOfReadsNamespaceAndName() {
    assertThat(ElectionEventSource.groupOf("/halo/prod-eu/db-main/election"))
        .contains(new ResourceID("db-main", "prod-eu"));
    assertThat(ElectionEventSource.groupOf(null)).isEmpty();
  }

  private static HighAvailabilityGroup group(List<String> endpoints) {
    ElectionSpec election = new ElectionSpec();
    election.setEndpoints(endpoints);
    HighAvailabilityGroupSpec spec = new HighAvailabilityGroupSpec();
    spec.setElection(election);
    HighAvailabilityGroup group = new HighAvailabilityGroup();
    group.setMetadata(new ObjectMetaBuilder().withNamespace("shop").withName("web").build());
    group.setSpec(spec);
    return group;
  }
}
