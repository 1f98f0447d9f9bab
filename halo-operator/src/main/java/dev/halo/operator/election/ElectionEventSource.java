package dev.halo.operator.election;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.common.ElectionKeys;
import dev.halo.operator.model.EtcdEndpoints;
import dev.halo.operator.model.GroupElection;
import dev.halo.operator.model.OperatorDefaults;
import io.javaoperatorsdk.operator.OperatorException;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings etcd election changes into the Java Operator SDK: a change of election {@code
 * /halo/<namespace>/<group>/election} triggers a reconcile of HighAvailabilityGroup {@code
 * <namespace>/<group>}, and the group's {@link ElectionView} is its secondary resource. The
 * election of a group spread over sites ({@code /halo/_sites/<shared group>/election}) names no
 * namespace: it reconciles the groups of this cluster that were last seen campaigning in it.
 *
 * <p>It does not close the service: whoever created the service owns it.
 */
public final class ElectionEventSource
    extends AbstractEventSource<ElectionView, HighAvailabilityGroup> {
  private static final Logger log = LoggerFactory.getLogger(ElectionEventSource.class);
  private final ElectionService service;
  private final OperatorDefaults defaults;
  private final AtomicBoolean listening = new AtomicBoolean();
  // Site elections and this cluster's groups in them. A group that left one stays listed: that
  // costs a spare reconcile on a change there, never a missed one.
  private final Map<String, Set<ResourceID>> siteGroups = new ConcurrentHashMap<>();

  public ElectionEventSource(ElectionService service, OperatorDefaults defaults) {
    super(ElectionView.class, "etcd-elections");
    this.service = service;
    this.defaults = defaults;
  }

  /** The service this source reads; the reconciler revokes leases through it. */
  public ElectionService service() {
    return service;
  }

  @Override
  public Set<ElectionView> getSecondaryResources(HighAvailabilityGroup group) {
    List<String> endpoints = EtcdEndpoints.of(group.getSpec(), defaults);
    if (endpoints.isEmpty()) {
      return Set.of();
    }
    String election = GroupElection.name(group);
    if (GroupElection.site(group.getSpec()).isPresent()) {
      siteGroups
          .computeIfAbsent(election, e -> ConcurrentHashMap.newKeySet())
          .add(ResourceID.fromResource(group));
    }
    return Set.of(service.view(endpoints, election));
  }

  @Override
  public void start() throws OperatorException {
    // The service has no way to remove a listener, so it is added once and gated by isRunning().
    if (listening.compareAndSet(false, true)) {
      service.addListener(this::onElectionChanged);
    }
    super.start();
  }

  /** The group an election belongs to, if the name has the form Halo gives it. */
  static Optional<ResourceID> groupOf(String election) {
    String[] parts = election == null ? new String[0] : election.split("/", -1);
    boolean wellFormed =
        parts.length == 5
            && parts[0].isEmpty()
            && parts[1].equals("halo")
            && !parts[2].isEmpty()
            && !parts[2].equals(ElectionKeys.SITES_SEGMENT)
            && !parts[3].isEmpty()
            && parts[4].equals("election");
    return wellFormed ? Optional.of(new ResourceID(parts[3], parts[2])) : Optional.empty();
  }

  private void onElectionChanged(String election) {
    if (isRunning()) {
      log.atDebug().addKeyValue("election", election).log("election changed; reconciling");
      groupOf(election).ifPresent(id -> getEventHandler().handleEvent(new Event(id)));
      siteGroups
          .getOrDefault(election, Set.of())
          .forEach(id -> getEventHandler().handleEvent(new Event(id)));
    }
  }
}
