package dev.halo.bench;

import java.util.concurrent.Callable;

/**
 * Ends the JVM of a bench or campaign run with {@code mvn exec:java}: that plugin waits for every
 * non-daemon thread (Vert.x, the embedded API server) before it reports an exception, so a run that
 * failed would otherwise hang silently instead of exiting non-zero with its cause.
 */
public final class Mains {
  private Mains() {}

  /** Runs {@code body} and exits with its code, or with 1 and the cause when it throws. */
  public static void exitWith(String what, Callable<Integer> body) {
    int code;
    try {
      code = body.call();
    } catch (Throwable t) {
      System.err.println(what + " failed: " + t);
      t.printStackTrace();
      code = 1;
    }
    System.out.flush();
    System.err.flush();
    System.exit(code);
  }
}
