package dev.halo.common;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/** What a failure of an asynchronous call was, in words an operator can act on. */
public final class Failures {
  private Failures() {}

  /** The failure inside the wrappers futures add (CompletionException, ExecutionException). */
  public static Throwable unwrap(Throwable failure) {
    Throwable t = failure;
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** The innermost cause: the one that says what went wrong (e.g. "connection refused"). */
  public static Throwable rootCause(Throwable failure) {
    Throwable t = failure;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t;
  }

  /** The innermost cause as {@code Type: message}, for logs and status. */
  public static String rootMessage(Throwable failure) {
    Throwable root = rootCause(failure);
    if (root instanceof TimeoutException && root.getMessage() == null) {
      return "no answer in time (timeout)";
    }
    if (root instanceof java.nio.channels.UnresolvedAddressException) {
      return "UnresolvedAddressException: the host name does not resolve";
    }
    return root.getClass().getSimpleName() + ": " + root.getMessage();
  }

  /** Whether etcd said the lease does not exist (any more), anywhere in the cause chain. */
  public static boolean isLeaseNotFound(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (String.valueOf(t.getMessage()).contains("requested lease not found")) {
        return true;
      }
    }
    return false;
  }
}
