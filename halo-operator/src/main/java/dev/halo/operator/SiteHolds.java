package dev.halo.operator;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.common.Annotations;
import dev.halo.common.ElectionKeys;
import dev.halo.operator.election.ElectionService;
import dev.halo.operator.model.EtcdEndpoints;
import dev.halo.operator.model.GroupElection;
import dev.halo.operator.model.Membership;
import dev.halo.operator.model.OperatorDefaults;
import dev.halo.operator.model.SiteFailover;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this site's hold key ({@link ElectionKeys#siteHoldKey}) as {@link SiteFailover} says: put
 * while the site is held out (manual failover, the master elsewhere), deleted otherwise; and
 * removes the {@value Annotations#ACTIVATE_SITE} annotation once the site holds the master, so that
 * letting a site in acts once. What was written is remembered per group, so etcd is written only on
 * a change (and once after the operator starts); a failed write is tried again after {@link
 * #RETRY_MS}.
 */
final class SiteHolds {
  private static final Logger log = LoggerFactory.getLogger(SiteHolds.class);

  /** Normal event: this site's pods stopped campaigning (manual failover, master elsewhere). */
  static final String HELD_OUT = "SiteHeldOut";

  /** Normal event: this site's pods campaign again (let in, or holding the master). */
  static final String LET_IN = "SiteLetIn";

  static final long RETRY_MS = 2_000;

  private final ElectionService elections;
  private final OperatorDefaults defaults;
  private final EventRecorder events;
  private final ObjectWriter writer;
  private final LongSupplier clockMillis;

  /** Group → the hold state written last, or being written. */
  private final Map<String, Written> written = new ConcurrentHashMap<>();

  private record Written(boolean held, long atMillis, boolean failed) {}

  SiteHolds(
      ElectionService elections,
      OperatorDefaults defaults,
      EventRecorder events,
      ObjectWriter writer,
      LongSupplier clockMillis) {
    this.elections = elections;
    this.defaults = defaults;
    this.events = events;
    this.writer = writer;
    this.clockMillis = clockMillis;
  }

  /** Puts or deletes the hold as the site's state asks; returns the state (empty: no site). */
  Optional<SiteFailover.State> act(HighAvailabilityGroup hag, Membership members) {
    Optional<SiteFailover.State> state = SiteFailover.of(hag, members);
    if (state.isEmpty()) {
      return state;
    }
    if (state.get() == SiteFailover.State.HOLDS_MASTER && SiteFailover.activated(hag)) {
      writer.removeAnnotation(hag, Annotations.ACTIVATE_SITE);
    }
    String group = HighAvailabilityGroupReconciler.key(hag);
    boolean held = state.get().held();
    long now = clockMillis.getAsLong();
    Written last = written.get(group);
    boolean due =
        last == null || last.held() != held || (last.failed() && now - last.atMillis() >= RETRY_MS);
    if (!due) {
      return state;
    }
    Written attempt = new Written(held, now, false);
    written.put(group, attempt);
    String site = GroupElection.siteName(hag);
    String key = ElectionKeys.siteHoldKey(members.view().election(), site);
    String why = SiteFailover.describe(state.get(), members, hag.getMetadata().getName());
    elections
        .setSiteHold(EtcdEndpoints.of(hag.getSpec(), defaults), key, held, why)
        .whenComplete(
            (ok, error) -> {
              if (error != null) {
                written.replace(group, attempt, new Written(held, now, true));
                log.atWarn()
                    .addKeyValue("group", group)
                    .addKeyValue("key", key)
                    .addKeyValue("held", held)
                    .addKeyValue("retryInMs", RETRY_MS)
                    .addKeyValue("error", error.toString())
                    .log("could not write the site's hold; trying again");
                return;
              }
              log.atInfo()
                  .addKeyValue("group", group)
                  .addKeyValue("key", key)
                  .addKeyValue("held", held)
                  .addKeyValue("why", why)
                  .log(held ? "site held out of the election" : "site may campaign");
              if (last != null || held) {
                events.normal(hag, held ? HELD_OUT : LET_IN, why);
              }
            });
    return state;
  }

  /** Forgets a deleted group (its hold, if any, stays: its pods are gone anyway). */
  void forget(HighAvailabilityGroup hag) {
    written.remove(HighAvailabilityGroupReconciler.key(hag));
  }
}
