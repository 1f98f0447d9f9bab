package dev.halo.agent;

import dev.halo.common.Failures;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this agent's site is held out of the election ({@link
 * dev.halo.common.ElectionKeys#siteHoldKey}, which its site's operator puts in manual failover mode
 * while the master is on another site). It reads the key, and again a period after each answer, and
 * tells {@code onHold} the first answer and every change. A failed read keeps the last answer (fail
 * static) and is tried again the next period, so an etcd that fails at once costs one call per
 * period, no more.
 */
final class SiteHold implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SiteHold.class);

  private final ElectionClient client;
  private final String key;
  private final long periodMillis;
  private final Consumer<Boolean> onHold;
  private final ScheduledExecutorService exec;
  private volatile boolean closed;
  private Boolean held;

  SiteHold(
      ElectionClient client,
      String key,
      long periodMillis,
      ScheduledExecutorService exec,
      Consumer<Boolean> onHold) {
    this.client = client;
    this.key = key;
    this.periodMillis = periodMillis;
    this.exec = exec;
    this.onHold = onHold;
  }

  /** Starts reading, the first time at once. */
  void start() {
    exec.execute(this::read);
  }

  // On the executor thread; the next read is scheduled when this one is answered.
  private void read() {
    if (closed) {
      return;
    }
    client
        .exists(key)
        .whenCompleteAsync(
            (exists, error) -> {
              if (!closed) {
                exec.schedule(this::read, periodMillis, TimeUnit.MILLISECONDS);
              }
              if (error != null) {
                log.atDebug()
                    .addKeyValue("key", key)
                    .addKeyValue("error", Failures.rootMessage(error))
                    .log("site hold not read; keeping the last answer");
                return;
              }
              if (!exists.equals(held)) {
                held = exists;
                log.atInfo()
                    .addKeyValue("key", key)
                    .addKeyValue("held", exists)
                    .log(
                        exists
                            ? "this site is held out of the election (manual failover)"
                            : "this site may campaign");
                onHold.accept(exists);
              }
            },
            exec);
  }

  @Override
  public void close() {
    closed = true;
  }
}
