package dev.halo.operator.election;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.etcd.EtcdFailure;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ReachabilityTest {
  private static final long GRACE = TimeUnit.SECONDS.toNanos(4);

  private final AtomicLong now = new AtomicLong();
  private final Reachability reachability = new Reachability("http://etcd:2379", GRACE, now::get);

  @Test
  void itIsNotReadyBeforeTheFirstRead() {
    assertThat(reachability.isReady()).isFalse();
    assertThat(reachability.error())
        .contains("waiting for the first read of etcd http://etcd:2379");
  }

  @Test
  void itHasNoVerdictUntilTheFirstReadEnds() {
    assertThat(reachability.isKnown()).isFalse();
    assertThat(reachability.isUnreachable()).isFalse();
  }

  @Test
  void aSucceededFirstReadIsAVerdict() {
    reachability.ready();

    assertThat(reachability.isKnown()).isTrue();
  }

  @Test
  void aFailedFirstReadIsAVerdict() {
    reachability.failed("connection refused");

    assertThat(reachability.isKnown()).isTrue();
  }

  @Test
  void aFailedFirstReadMakesItUnreachableAtOnce() {
    assertThat(reachability.failed("connection refused")).isTrue();

    assertThat(reachability.isUnreachable()).isTrue();
    assertThat(reachability.error())
        .isEqualTo("etcd http://etcd:2379 unreachable: connection refused");
  }

  @Test
  void failuresWithinTheGraceKeepItReady() {
    reachability.ready();
    now.addAndGet(GRACE - 1);

    assertThat(reachability.failed("leader changed")).isFalse();
    assertThat(reachability.failed("leader changed")).isFalse();

    assertThat(reachability.isReady()).isTrue();
    assertThat(reachability.error()).isEmpty();
  }

  @Test
  void twoFailuresAfterTheGraceMakeItUnreachableOnce() {
    reachability.ready();
    now.addAndGet(GRACE);

    assertThat(reachability.failed("timeout")).isFalse();
    assertThat(reachability.failed("timeout")).isTrue();
    assertThat(reachability.failed("refused")).isFalse();

    assertThat(reachability.isUnreachable()).isTrue();
    assertThat(reachability.error()).endsWith("refused");
  }

  @Test
  void anAnswerBetweenFailuresRestartsTheCount() {
    reachability.ready();
    now.addAndGet(GRACE);
    reachability.failed("timeout");

    reachability.answered();
    now.addAndGet(1);

    assertThat(reachability.failed("timeout")).isFalse();
    assertThat(reachability.isReady()).isTrue();
  }

  @Test
  void aSuccessfulReadMakesItReadyAgain() {
    reachability.failed("refused");

    assertThat(reachability.ready()).isTrue();
    assertThat(reachability.ready()).isFalse();
    assertThat(reachability.isReady()).isTrue();
    assertThat(reachability.error()).isEmpty();
  }

  @Test
  void keepsTheKindOfFailureAndReportsAChangeOfKind() {
    assertThat(reachability.failed("connection refused")).isTrue();
    assertThat(reachability.reason()).isEqualTo("Unreachable");

    EtcdFailure auth =
        new EtcdFailure(EtcdFailure.Kind.AUTH_FAILED, "etcd rejected user halo's password");

    assertThat(reachability.failed(auth)).as("etcd is back but refuses us: news").isTrue();
    assertThat(reachability.reason()).isEqualTo("AuthFailed");
    assertThat(reachability.error())
        .isEqualTo("etcd http://etcd:2379: etcd rejected user halo's password");
    assertThat(reachability.failed(auth)).isFalse();

    reachability.ready();

    assertThat(reachability.error()).isEmpty();
  }
}
