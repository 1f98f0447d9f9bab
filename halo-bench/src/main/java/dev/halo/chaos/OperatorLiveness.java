package dev.halo.chaos;

import dev.halo.common.Threads;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's liveness probe, as the chart's Deployment has it but faster: every second it asks
 * {@code /healthz}, and after three answers of unhealthy in a row (not silence: a paused operator
 * is not restarted for that) it restarts the operator, in an excused window as any restart. Idle
 * while a fault is at work on the operator ({@link ChaosRig#operatorFault()}). Each restart is
 * recorded for the report, with the reason the operator gave.
 */
final class OperatorLiveness implements AutoCloseable {
  // Logged as the campaign: its log is what a reader of a failed run follows.
  private static final Logger log = LoggerFactory.getLogger(ChaosCampaign.class);
  private static final Duration PERIOD = Duration.ofSeconds(1);
  private static final int FAILURE_THRESHOLD = 3;
  private static final Duration CATCH_UP = Duration.ofSeconds(5);

  private final ChaosRig rig;
  private final Disturbances disturbances;
  private final long campaignStart;
  private final List<Map<String, Object>> restarts = new ArrayList<>();
  private final Thread thread;
  private volatile boolean closed;

  OperatorLiveness(ChaosRig rig, Disturbances disturbances, long campaignStart) {
    this.rig = rig;
    this.disturbances = disturbances;
    this.campaignStart = campaignStart;
    this.thread = Threads.daemon("chaos-liveness", this::run);
    thread.start();
  }

  private void run() {
    int failures = 0;
    while (!closed) {
      try {
        Thread.sleep(PERIOD.toMillis());
        failures = rig.probeOperator() ? failures + 1 : 0;
        if (failures >= FAILURE_THRESHOLD) {
          failures = 0;
          restart();
        }
      } catch (InterruptedException e) {
        return;
      } catch (Exception e) {
        log.atWarn().addKeyValue("error", e.toString()).log("chaos: liveness restart failed");
      }
    }
  }

  private void restart() throws Exception {
    long at = System.nanoTime();
    String reason;
    try (Disturbances.Window w =
        disturbances.open("operator restarted by its liveness probe", CATCH_UP)) {
      reason = rig.restartUnhealthyOperator();
    }
    if (reason == null) {
      return; // a fault took the operator meanwhile
    }
    log.atWarn()
        .addKeyValue("reason", reason)
        .addKeyValue("tookMs", (System.nanoTime() - at) / 1_000_000)
        .log("chaos: the liveness probe restarted the operator");
    synchronized (restarts) {
      restarts.add(Map.of("atMs", (at - campaignStart) / 1_000_000, "reason", reason));
    }
  }

  /** Each restart: when (ms into the campaign) and the operator's own reason. */
  List<Map<String, Object>> restarts() {
    synchronized (restarts) {
      return List.copyOf(restarts);
    }
  }

  @Override
  public void close() throws InterruptedException {
    closed = true;
    thread.interrupt();
    thread.join(10_000);
  }
}
