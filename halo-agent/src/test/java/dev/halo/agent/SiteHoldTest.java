package dev.halo.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** An agent of a multi-site group learns from its site's hold key whether it may campaign. */
class SiteHoldTest {
  private static final String KEY = "/halo/_sites/orders/hold/lyon";

  private final FakeClock clock = new FakeClock();
  private final ManualScheduler exec = new ManualScheduler(clock);
  private final AtomicReference<CompletableFuture<Boolean>> answer = new AtomicReference<>();
  private final AtomicInteger reads = new AtomicInteger();
  private final List<Boolean> told = new ArrayList<>();
  private final ElectionClient client =
      (ElectionClient)
          Proxy.newProxyInstance(
              ElectionClient.class.getClassLoader(),
              new Class<?>[] {ElectionClient.class},
              (proxy, method, args) -> {
                if (!method.getName().equals("exists") || !KEY.equals(args[0])) {
                  throw new UnsupportedOperationException(method.getName());
                }
                reads.incrementAndGet();
                return answer.get();
              });
  private final SiteHold hold = new SiteHold(client, KEY, 1000, exec, told::add);

  @Test
  void tellsTheFirstAnswerAndThenOnlyChanges() {
    answer.set(CompletableFuture.completedFuture(false));
    hold.start();
    exec.runDue();
    exec.advance(Duration.ofSeconds(3));
    assertThat(told).containsExactly(false);

    answer.set(CompletableFuture.completedFuture(true));
    exec.advance(Duration.ofSeconds(1));
    answer.set(CompletableFuture.completedFuture(false));
    exec.advance(Duration.ofSeconds(1));
    assertThat(told).containsExactly(false, true, false);
  }

  @Test
  void aFailedReadKeepsTheLastAnswerAndReadsAgainOnlyAPeriodLater() {
    answer.set(CompletableFuture.completedFuture(true));
    hold.start();
    exec.runDue();
    answer.set(CompletableFuture.failedFuture(new IllegalStateException("etcd down")));
    int before = reads.get();
    exec.advance(Duration.ofSeconds(5));

    assertThat(told).containsExactly(true);
    assertThat(reads.get() - before).isEqualTo(5);
  }

  @Test
  void stopsReadingWhenClosed() {
    answer.set(CompletableFuture.completedFuture(false));
    hold.start();
    exec.runDue();
    hold.close();
    int before = reads.get();
    exec.advance(Duration.ofSeconds(5));
    assertThat(reads.get()).isEqualTo(before);
  }
}
