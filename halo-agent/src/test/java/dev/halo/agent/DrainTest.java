package dev.halo.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.common.ElectionKeys;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A drain's wait for its successor's route backs off while etcd fails the reads. */
class DrainTest {
  private final FakeClock clock = new FakeClock();
  private final ManualScheduler exec = new ManualScheduler(clock);
  private final AtomicInteger reads = new AtomicInteger();
  private volatile boolean failing = true;

  private final ElectionClient client =
      (ElectionClient)
          Proxy.newProxyInstance(
              ElectionClient.class.getClassLoader(),
              new Class<?>[] {ElectionClient.class},
              (proxy, method, args) ->
                  switch (method.getName()) {
                    case "value" -> {
                      reads.incrementAndGet();
                      yield failing
                          ? CompletableFuture.failedFuture(new IllegalStateException("etcd down"))
                          : CompletableFuture.completedFuture(
                              java.util.Optional.of(ElectionKeys.routed("web-1", 9)));
                    }
                    case "leader" ->
                        failing
                            ? CompletableFuture.failedFuture(new IllegalStateException("etcd down"))
                            : CompletableFuture.completedFuture(
                                new ElectionClient.LeaderView(java.util.Optional.empty(), 9));
                    default -> throw new UnsupportedOperationException(method.getName());
                  });

  private final Drain drain =
      new Drain(
          client,
          exec,
          clock::nanoTime,
          "web-0",
          ElectionKeys.electionName("shop", "web"),
          () -> true,
          () -> 5L,
          () -> CompletableFuture.completedFuture(null));

  @Test
  void failedReadsBackOffAndAnAnswerEndsTheWait() {
    CompletableFuture<Drain.Result> result = drain.start(Duration.ofSeconds(60));
    exec.runDue();
    exec.advance(Duration.ofSeconds(20));

    assertThat(result).isNotDone();
    // One read every 50 ms would be 400; the backoff (50 ms doubling to 1 s, each delay at least
    // half its ceiling) allows about 45 at the most and still reads at least once a second.
    assertThat(reads.get()).isBetween(20, 45);

    failing = false;
    exec.advance(Duration.ofSeconds(1));
    assertThat(result).isCompleted();
    assertThat(result.join().outcome()).isEqualTo(Drain.Outcome.HANDED_OVER);
    assertThat(result.join().successor()).isEqualTo("web-1");
  }
}
