package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.http.HttpTimeoutException;
import org.junit.jupiter.api.Test;

class WriteFailureTest {
  private static Status status(int code, String reason, String message) {
    return new StatusBuilder()
        .withStatus("Failure")
        .withCode(code)
        .withReason(reason)
        .withMessage(message)
        .build();
  }

  @Test
  void anInvalidWriteNamesEveryFieldTheServerRefused() {
    Status invalid = status(422, "Invalid", "Service \"web\" is invalid");
    invalid.setDetails(
        new io.fabric8.kubernetes.api.model.StatusDetailsBuilder()
            .withName("web")
            .withKind("services")
            .addNewCause()
            .withField("spec.selector")
            .withMessage("Invalid value: \"halo.dev/role\": must be master")
            .withReason("FieldValueInvalid")
            .endCause()
            .addNewCause()
            .withMessage("a cause without a field")
            .endCause()
            .build());

    WriteFailure f = WriteFailure.of(new KubernetesClientException(invalid));

    assertThat(f.code()).isEqualTo(422);
    assertThat(f.fields())
        .containsExactly(
            new WriteFailure.Field(
                "spec.selector", "Invalid value: \"halo.dev/role\": must be master"));
    assertThat(f.describe())
        .isEqualTo(
            "422 Invalid: Service \"web\" is invalid; field spec.selector: Invalid value:"
                + " \"halo.dev/role\": must be master");
    assertThat(f.advice()).startsWith("Fix spec.selector");
    assertThat(f.serverSide()).isFalse();
  }

  @Test
  void aForbiddenWriteKeepsTheServersMessageAndPointsAtRbacAndAdmission() {
    WriteFailure f =
        WriteFailure.of(
            new KubernetesClientException(
                status(403, "Forbidden", "pods \"web-0\" is forbidden: denied by a webhook")));

    assertThat(f.describe())
        .isEqualTo("403 Forbidden: pods \"web-0\" is forbidden: denied by a webhook");
    assertThat(f.advice()).contains("RBAC").contains("webhooks");
  }

  @Test
  void aWriteWithNoAnswerWithinTheTimeoutIsTheServersTroubleLikeA500() {
    WriteFailure timedOut =
        WriteFailure.of(
            new KubernetesClientException(
                "Operation: [patch]", new HttpTimeoutException("request timed out")));
    WriteFailure failed =
        WriteFailure.of(
            new KubernetesClientException(status(500, "InternalError", "etcdserver: timeout")));

    assertThat(timedOut.code()).isZero();
    assertThat(timedOut.reason()).isEqualTo("Timeout");
    assertThat(timedOut.serverSide()).isTrue();
    assertThat(failed.serverSide()).isTrue();
    assertThat(timedOut.advice()).isEqualTo(failed.advice()).contains("did not answer in time");
  }

  @Test
  void anUnreachableServerIsNoAnswerWithTheCause() {
    WriteFailure f =
        WriteFailure.of(
            new KubernetesClientException(
                "Operation: [create]", new java.net.ConnectException("Connection refused")));

    assertThat(f.code()).isZero();
    assertThat(f.reason()).isEqualTo("NoAnswer");
    assertThat(f.message()).isEqualTo("Connection refused");
  }
}
