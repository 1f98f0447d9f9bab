package dev.halo.operator;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Samples a group's pods in a loop and records every snapshot with more than one master label. */
final class LabelSampler implements AutoCloseable {
  private final List<List<String>> violations = new CopyOnWriteArrayList<>();
  private final Thread thread;
  private volatile boolean running = true;

  LabelSampler(OperatorHarness h, String ns, String group) {
    thread =
        new Thread(
            () -> {
              while (running) {
                List<String> masters = h.labelledMasters(ns, group);
                if (masters.size() > 1) {
                  violations.add(masters);
                }
              }
            },
            "label-sampler");
    thread.setDaemon(true);
    thread.start();
  }

  List<List<String>> violations() {
    return List.copyOf(violations);
  }

  @Override
  public void close() {
    running = false;
    try {
      thread.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
