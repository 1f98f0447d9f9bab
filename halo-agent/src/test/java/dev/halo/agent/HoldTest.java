package dev.halo.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** An agent learns from a hold key (its site's, its own) whether it may campaign, and why not. */
class HoldTest {
  private static final String KEY = "/halo/_sites/orders/hold/lyon";
  private static final Optional<String> NONE = Optional.empty();
  private static final Optional<String> HELD = Optional.of("manual failover");

  private final FakeClock clock = new FakeClock();
  private final ManualScheduler exec = new ManualScheduler(clock);
  private final AtomicReference<CompletableFuture<Optional<String>>> answer =
      new AtomicReference<>();
  private final AtomicInteger reads = new AtomicInteger();
  private final List<Optional<String>> told = new ArrayList<>();
  private final ElectionClient client =
      (ElectionClient)
          Proxy.newProxyInstance(
              ElectionClient.class.getClassLoader(),
              new Class<?>[] {ElectionClient.class},
              (proxy, method, args) -> {
                if (!method.getName().equals("value") || !KEY.equals(args[0])) {
                  throw new UnsupportedOperationException(method.getName());
                }
                reads.incrementAndGet();
                return answer.get();
              });
  private final Hold hold = new Hold(client, KEY, "site", 1000, exec, told::add);

  @Test
  void tellsTheFirstAnswerAndThenOnlyChanges() {
    answer.set(CompletableFuture.completedFuture(NONE));
    hold.start();
    exec.runDue();
    exec.advance(Duration.ofSeconds(3));
    assertThat(told).containsExactly(NONE);

    answer.set(CompletableFuture.completedFuture(HELD));
    exec.advance(Duration.ofSeconds(1));
    answer.set(CompletableFuture.completedFuture(NONE));
    exec.advance(Duration.ofSeconds(1));
    assertThat(told).containsExactly(NONE, HELD, NONE);
  }

  @Test
  void failedReadsKeepTheLastAnswerAndBackOffUntilAnAnswerComesAgain() {
    answer.set(CompletableFuture.completedFuture(HELD));
    hold.start();
    exec.runDue();
    answer.set(CompletableFuture.failedFuture(new IllegalStateException("etcd down")));
    int before = reads.get();
    exec.advance(Duration.ofSeconds(60));

    assertThat(told).containsExactly(HELD);
    // One read a period would be 60; the backoff (from 1 s doubling to 16 s, each delay at least
    // half its ceiling) allows 11 at the most, and still reads at least every 16 s.
    assertThat(reads.get() - before).isBetween(4, 11);

    answer.set(CompletableFuture.completedFuture(NONE));
    exec.advance(Duration.ofSeconds(Hold.CAP_PERIODS));
    assertThat(told).containsExactly(HELD, NONE);
    int answered = reads.get();
    exec.advance(Duration.ofSeconds(5));
    assertThat(reads.get() - answered).as("back to one read a period").isBetween(5, 6);
  }

  @Test
  void readNowReadsAtOnceTellsAChangeBeforeItCompletesAndKeepsOnePeriodicChain() {
    answer.set(CompletableFuture.completedFuture(NONE));
    hold.start();
    exec.runDue();
    int periodic = reads.get();

    answer.set(CompletableFuture.completedFuture(HELD));
    List<Optional<String>> toldWhenDone = new ArrayList<>();
    CompletableFuture<Void> done = hold.readNow().thenRun(() -> toldWhenDone.addAll(told));
    exec.runDue();
    assertThat(done).isDone();
    assertThat(toldWhenDone).containsExactly(NONE, HELD);
    assertThat(reads.get()).isEqualTo(periodic + 1);

    int before = reads.get();
    exec.advance(Duration.ofSeconds(5));
    assertThat(reads.get() - before).as("still one read a period").isBetween(5, 6);
  }

  @Test
  void readNowCompletesAfterAFailedReadAndKeepsTheLastAnswer() {
    answer.set(CompletableFuture.completedFuture(HELD));
    hold.start();
    exec.runDue();

    answer.set(CompletableFuture.failedFuture(new IllegalStateException("etcd down")));
    CompletableFuture<Void> done = hold.readNow();
    exec.runDue();
    assertThat(done).isCompleted();
    assertThat(told).containsExactly(HELD);
  }

  @Test
  void stopsReadingWhenClosed() {
    answer.set(CompletableFuture.completedFuture(NONE));
    hold.start();
    exec.runDue();
    hold.close();
    int before = reads.get();
    exec.advance(Duration.ofSeconds(5));
    assertThat(reads.get()).isEqualTo(before);
  }

  @Test
  void aChangedReasonIsToldToo() {
    answer.set(CompletableFuture.completedFuture(HELD));
    hold.start();
    exec.runDue();
    answer.set(
        CompletableFuture.completedFuture(Optional.of("spec.election.neverMaster.zones: c")));
    exec.advance(Duration.ofSeconds(1));

    assertThat(told).containsExactly(HELD, Optional.of("spec.election.neverMaster.zones: c"));
  }
}
