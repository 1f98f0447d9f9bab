package dev.halo.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ConnectException;
import java.nio.channels.UnresolvedAddressException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** The one-line causes that logs, status and command errors show. */
class FailuresTest {
  @Test
  void namesTheInnermostCause() {
    Throwable failure =
        new CompletionException(
            new IllegalStateException("outer", new ConnectException("refused")));

    assertThat(Failures.rootMessage(failure)).isEqualTo("ConnectException: refused");
  }

  @Test
  void saysWhatAnUnresolvedHostMeans() {
    Throwable failure =
        new CompletionException(new ConnectException().initCause(new UnresolvedAddressException()));

    assertThat(Failures.rootMessage(failure))
        .isEqualTo("UnresolvedAddressException: the host name does not resolve");
  }

  @Test
  void saysATimeoutWithoutMessageIsOne() {
    assertThat(Failures.rootMessage(new CompletionException(new TimeoutException())))
        .isEqualTo("no answer in time (timeout)");
  }
}
