package dev.halo.operator;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusCause;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.http.HttpTimeoutException;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeoutException;

/**
 * Why the API server did not accept a write, as a person reads it: the HTTP code, the Status reason
 * and message, and the fields a 422 names ({@code status.details.causes[].field}). A write that got
 * no answer (a timeout, the server unreachable) has code 0 and is handled like a 500.
 *
 * @param code the HTTP status code, or 0 when no answer came
 * @param reason the Status reason ({@code Forbidden}, {@code Invalid}...), {@code Timeout} or
 *     {@code NoAnswer}
 * @param message the API server's message, or what went wrong on the way
 * @param fields the fields the server refused, each with its message
 */
record WriteFailure(int code, String reason, String message, List<Field> fields) {

  /** One refused field: its path and what the server said about it. */
  record Field(String path, String message) {}

  WriteFailure {
    fields = List.copyOf(fields);
  }

  /** The failure an exception of the fabric8 client stands for. */
  static WriteFailure of(KubernetesClientException e) {
    Status status = e.getStatus();
    int code = e.getCode() > 0 ? e.getCode() : codeOf(status);
    if (code <= 0) {
      boolean timedOut = timedOut(e);
      return new WriteFailure(
          0,
          timedOut ? "Timeout" : "NoAnswer",
          timedOut ? "no answer within the request timeout" : rootMessage(e),
          List.of());
    }
    String reason = status == null || status.getReason() == null ? "" : status.getReason();
    String message =
        status != null && status.getMessage() != null ? status.getMessage() : e.getMessage();
    return new WriteFailure(code, reason, Objects.toString(message, ""), fields(status));
  }

  /** A 5xx, a timeout or no answer at all: the server's trouble, not the object's. */
  boolean serverSide() {
    return code == 0 || code >= 500;
  }

  /** {@code 422 Invalid: <message>; field spec.selector: <message>}. */
  String describe() {
    StringBuilder s = new StringBuilder();
    s.append(code > 0 ? code + (reason.isEmpty() ? "" : " " + reason) : reason);
    s.append(": ").append(message);
    for (Field f : fields) {
      s.append("; field ").append(f.path()).append(": ").append(f.message());
    }
    return s.toString();
  }

  /** What to look at, from the kind of failure. */
  String advice() {
    if (serverSide()) {
      return "The API server failed or did not answer in time: check its health and slow"
          + " admission webhooks";
    }
    return switch (code) {
      case 403 ->
          "Check the operator's RBAC (the chart's ClusterRole) and the namespace's admission"
              + " policies (PodSecurity, ResourceQuota, webhooks)";
      case 422 ->
          fields.isEmpty()
              ? "Fix the value the server refused (in the group's spec, or a webhook or policy"
                  + " that changes the object)"
              : "Fix "
                  + String.join(", ", fields.stream().map(Field::path).toList())
                  + " (in the group's spec, or a webhook or policy that changes the object)";
      case 409 -> "Another writer changed the object at the same time";
      case 429 -> "The API server is throttling requests";
      default -> "Fix the cause the API server names";
    };
  }

  private static int codeOf(Status status) {
    return status == null || status.getCode() == null ? 0 : status.getCode();
  }

  private static List<Field> fields(Status status) {
    if (status == null || status.getDetails() == null || status.getDetails().getCauses() == null) {
      return List.of();
    }
    return status.getDetails().getCauses().stream()
        .filter(c -> c.getField() != null && !c.getField().isBlank())
        .map(c -> new Field(c.getField(), causeMessage(c)))
        .toList();
  }

  private static String causeMessage(StatusCause c) {
    return c.getMessage() != null ? c.getMessage() : Objects.toString(c.getReason(), "");
  }

  private static boolean timedOut(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof HttpTimeoutException
          || t instanceof TimeoutException
          || t instanceof java.net.SocketTimeoutException) {
        return true;
      }
    }
    return false;
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage() != null ? root.getMessage() : root.toString();
  }
}
