package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A write that does not come back on its watch within the bound is a stall. */
class WatchFreshnessTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final WatchFreshness watch = new WatchFreshness(Duration.ofSeconds(30), now::get);

  private static Pod pod(String name, String resourceVersion) {
    return new PodBuilder()
        .withNewMetadata()
        .withNamespace("ns")
        .withName(name)
        .withResourceVersion(resourceVersion)
        .endMetadata()
        .build();
  }

  private void wrote(Pod pod) {
    watch.wrote(
        WatchFreshness.POD,
        "ns/" + pod.getMetadata().getName(),
        pod.getMetadata().getResourceVersion());
  }

  private void delivered(Pod pod, boolean deleted) {
    watch.delivered(
        WatchFreshness.POD,
        "ns/" + pod.getMetadata().getName(),
        pod.getMetadata().getResourceVersion(),
        deleted);
  }

  private void advance(Duration d) {
    now.addAndGet(d.toNanos());
  }

  @Test
  void aWriteDeliveredInTimeIsNoStall() {
    wrote(pod("web-0", "10"));
    advance(Duration.ofSeconds(5));
    delivered(pod("web-0", "10"), false);
    advance(Duration.ofMinutes(5));

    assertThat(watch.stall()).isEmpty();
    assertThat(watch.oldestUnseen()).isZero();
  }

  @Test
  void aWriteUnseenPastTheBoundIsAStallNamingThePodAndVersion() {
    wrote(pod("web-0", "10"));
    advance(Duration.ofSeconds(30));
    assertThat(watch.stall()).as("at the bound, not past it").isEmpty();
    assertThat(watch.oldestUnseen()).isEqualTo(Duration.ofSeconds(30));

    advance(Duration.ofMillis(1));

    assertThat(watch.stall())
        .hasValueSatisfying(
            s -> {
              assertThat(s.kind()).isEqualTo("Pod");
              assertThat(s.object()).isEqualTo("ns/web-0");
              assertThat(s.resourceVersion()).isEqualTo("10");
              assertThat(s.unseenFor()).isEqualTo(Duration.ofMillis(30_001));
            });
  }

  @Test
  void anOlderVersionDeliveredLateDoesNotClearTheWrite() {
    wrote(pod("web-0", "10"));
    delivered(pod("web-0", "9"), false);
    advance(Duration.ofSeconds(31));

    assertThat(watch.stall()).isPresent();

    delivered(pod("web-0", "12"), false);
    assertThat(watch.stall()).as("a later version carries the write").isEmpty();
  }

  @Test
  void aWatchFasterThanTheWritesAnswerLeavesNothingPending() {
    delivered(pod("web-0", "10"), false);
    wrote(pod("web-0", "10"));
    advance(Duration.ofMinutes(1));

    assertThat(watch.stall()).isEmpty();
  }

  @Test
  void writesInARowWaitForTheLatestFromTheEarliest() {
    wrote(pod("web-0", "10"));
    advance(Duration.ofSeconds(20));
    wrote(pod("web-0", "11"));
    delivered(pod("web-0", "10"), false);
    advance(Duration.ofSeconds(11));

    assertThat(watch.stall())
        .as("version 11 is still unseen, and its wait began with the first write")
        .hasValueSatisfying(s -> assertThat(s.resourceVersion()).isEqualTo("11"));
  }

  @Test
  void aDeletionDeliveredClearsThePod() {
    wrote(pod("web-0", "10"));
    delivered(pod("web-0", "9"), true);
    advance(Duration.ofMinutes(1));

    assertThat(watch.stall()).isEmpty();
  }

  @Test
  void theOldestOfSeveralPodsIsReported() {
    wrote(pod("web-1", "20"));
    advance(Duration.ofSeconds(10));
    wrote(pod("web-0", "21"));
    advance(Duration.ofSeconds(25));

    assertThat(watch.stall()).hasValueSatisfying(s -> assertThat(s.object()).isEqualTo("ns/web-1"));
  }

  @Test
  void aKindWithACacheLookupIsSeenWhenTheCacheHoldsTheVersionOrLostTheObject() {
    Map<String, String> cache = new HashMap<>();
    watch.lookUp(WatchFreshness.GROUP, object -> Optional.ofNullable(cache.get(object)));
    cache.put("ns/web", "40");
    watch.wrote(WatchFreshness.GROUP, "ns/web", "41");
    watch.wrote(WatchFreshness.GROUP, "ns/db", "42");
    advance(Duration.ofSeconds(31));

    assertThat(watch.stall())
        .as("the cache still holds version 40 of ns/web")
        .hasValueSatisfying(s -> assertThat(s.object()).isEqualTo("ns/web"));

    cache.put("ns/web", "43");
    assertThat(watch.stall()).as("ns/db is not in the cache: deleted").isEmpty();
  }

  @Test
  void versionsThatAreNotNumbersAreComparedForEquality() {
    assertThat(WatchFreshness.atLeast("12", "9")).isTrue();
    assertThat(WatchFreshness.atLeast("9", "12")).isFalse();
    assertThat(WatchFreshness.atLeast("abc", "abc")).isTrue();
    assertThat(WatchFreshness.atLeast("abd", "abc")).isFalse();
  }

  @Test
  void theBoundMustBePositive() {
    assertThatThrownBy(() -> new WatchFreshness(Duration.ZERO, now::get))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
