package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.operator.WriteRefusals.Write;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class GuardedWritesTest {
  private final List<String> events = new ArrayList<>();
  private final AtomicLong now = new AtomicLong(10_000);
  private final GuardedWrites writes =
      new GuardedWrites(
          new GuardedWrites.Events() {
            @Override
            public void warning(HighAvailabilityGroup hag, String reason, String message) {
              events.add("Warning " + reason + " " + message);
            }

            @Override
            public void normal(HighAvailabilityGroup hag, String reason, String message) {
              events.add("Normal " + reason);
            }

            @Override
            public void forget(HighAvailabilityGroup hag, String reason) {
              events.add("forget " + reason);
            }
          },
          now::get);

  private static HighAvailabilityGroup hag() {
    HighAvailabilityGroup hag = new HighAvailabilityGroup();
    hag.setMetadata(new ObjectMetaBuilder().withName("web").withNamespace("shop").build());
    return hag;
  }

  private static Runnable refusing(int code, String message) {
    return () -> {
      throw new KubernetesClientException(
          new StatusBuilder().withCode(code).withReason("Forbidden").withMessage(message).build());
    };
  }

  @Test
  void aRefusedWriteIsToldOnceThenHeldBackUntilItsBackoffEnds() {
    HighAvailabilityGroup hag = hag();
    assertThat(
            writes.send(
                hag,
                Write.ROLE_LABELS,
                "label pod web-0 halo.dev/role=master",
                refusing(403, "denied by policy")))
        .isFalse();

    assertThat(events)
        .singleElement()
        .asString()
        .startsWith(
            "Warning RoleLabelRefused the API server refused to label pod web-0"
                + " halo.dev/role=master (403 Forbidden: denied by policy)")
        .contains("at most every 30 s");
    Duration wait = writes.untilNextRetry("shop/web").orElseThrow();
    assertThat(wait).isBetween(Duration.ofMillis(250), Duration.ofMillis(500));

    AtomicInteger calls = new AtomicInteger();
    assertThat(writes.send(hag, Write.ROLE_LABELS, "label", calls::incrementAndGet)).isFalse();
    assertThat(calls).hasValue(0);
    assertThat(writes.backingOff(hag, Write.ROLE_LABELS)).isTrue();
    assertThat(writes.backingOff(hag, Write.SERVICE)).isFalse();
  }

  @Test
  void theFirstAcceptedWriteAfterTheBackoffClearsTheRefusalAndSaysSo() {
    HighAvailabilityGroup hag = hag();
    writes.send(hag, Write.SERVICE, "update Service web", refusing(403, "no"));
    now.addAndGet(writes.untilNextRetry("shop/web").orElseThrow().toMillis());
    events.clear();

    AtomicInteger calls = new AtomicInteger();
    assertThat(writes.send(hag, Write.SERVICE, "update Service web", calls::incrementAndGet))
        .isTrue();

    assertThat(calls).hasValue(1);
    assertThat(events).containsExactly("forget ServiceRefused", "Normal ServiceApplied");
    assertThat(writes.refusals("shop/web")).isEmpty();
    assertThat(writes.untilNextRetry("shop/web")).isEmpty();
  }

  @Test
  void aWriteNoLongerNeededEndsItsRefusal() {
    HighAvailabilityGroup hag = hag();
    writes.send(hag, Write.DISRUPTION_BUDGET, "create PodDisruptionBudget web", refusing(500, "x"));

    writes.settled(hag, Write.DISRUPTION_BUDGET);
    writes.settled(hag, Write.DISRUPTION_BUDGET);

    assertThat(writes.refusal("shop/web", Write.DISRUPTION_BUDGET)).isEmpty();
    assertThat(events).filteredOn(e -> e.startsWith("Normal")).hasSize(1);
  }

  @Test
  void aTimedOutWriteSaysTheServerDidNotAnswer() {
    writes.send(
        hag(),
        Write.STATUS,
        "write the status of HighAvailabilityGroup shop/web",
        () -> {
          throw new KubernetesClientException(
              "Operation: [patch]", new HttpTimeoutException("request timed out"));
        });

    assertThat(writes.refusal("shop/web", Write.STATUS).orElseThrow())
        .startsWith(
            "the API server did not answer the request to write the status of"
                + " HighAvailabilityGroup shop/web (Timeout: no answer within the request"
                + " timeout). The API server failed or did not answer in time");
  }
}
