package dev.halo.kubectl;

/** A command that cannot go on: the message says what to do, the code is the exit status. */
final class Failure extends RuntimeException {
  /** The request was made and refused, e.g. a switchover the operator refused. */
  static final int REFUSED = 1;

  /** The command line is wrong. */
  static final int USAGE = 2;

  /** No kubeconfig, no such context, or credentials that cannot be read. */
  static final int CONFIG = 3;

  /** The API server cannot be reached. */
  static final int UNREACHABLE = 4;

  /** The API server refused the credentials (401) or the request (403). */
  static final int FORBIDDEN = 5;

  /** No such group (or namespace). */
  static final int NOT_FOUND = 6;

  /** A wait ended before its outcome ({@code --wait}, {@code --timeout}). */
  static final int TIMEOUT = 7;

  /** The API server answered something the plugin cannot use. */
  static final int API_ERROR = 8;

  private final int code;

  Failure(int code, String message) {
    super(message);
    this.code = code;
  }

  Failure(int code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  int code() {
    return code;
  }
}
