package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.testing.EtcdExtension;
import java.util.OptionalInt;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One mock API server and one real operator per test class, on the class's etcd; register it after
 * the {@link EtcdExtension} it uses. After the class it checks that the chart's RBAC grants every
 * API call that class's operator made (that the chart grants nothing more is {@link RbacIT}'s).
 */
final class OperatorExtension implements BeforeAllCallback, AfterAllCallback {
  private final EtcdExtension etcd;
  private final OptionalInt kubernetesMinor;
  private OperatorHarness harness;

  OperatorExtension(EtcdExtension etcd) {
    this(etcd, OptionalInt.empty());
  }

  private OperatorExtension(EtcdExtension etcd, OptionalInt kubernetesMinor) {
    this.etcd = etcd;
    this.kubernetesMinor = kubernetesMinor;
  }

  /** The operator on an API server that reports, and behaves as, Kubernetes 1.{@code minor}. */
  static OperatorExtension onKubernetes(EtcdExtension etcd, int minor) {
    return new OperatorExtension(etcd, OptionalInt.of(minor));
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    Awaitility.ignoreExceptionsByDefault();
    harness = new OperatorHarness(etcd.cluster(), kubernetesMinor);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (harness != null) {
      harness.close();
      assertThat(ApiCallRecorder.notGrantedByChart(harness.apiCalls.calls()))
          .as(
              "calls the operator made in %s that the chart's RBAC does not allow"
                  + " (helm/halo/templates/_helpers.tpl)",
              context.getRequiredTestClass().getSimpleName())
          .isEmpty();
    }
  }

  OperatorHarness harness() {
    return harness;
  }
}
