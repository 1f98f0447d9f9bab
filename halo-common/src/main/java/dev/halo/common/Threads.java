package dev.halo.common;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Thread factories for Halo's background threads: daemons, named after their job. */
public final class Threads {
  private Threads() {}

  /**
   * Daemon threads named {@code <name>-<n>} (n counts from 1 per factory), so a thread dump says
   * which part owns each; daemons, so they never keep a stopping JVM alive.
   */
  public static ThreadFactory daemons(String name) {
    AtomicInteger ids = new AtomicInteger();
    return task -> daemon(name + "-" + ids.incrementAndGet(), task);
  }

  /** One daemon thread named {@code name}, not started. */
  public static Thread daemon(String name, Runnable task) {
    Thread t = new Thread(task, name);
    t.setDaemon(true);
    return t;
  }
}
