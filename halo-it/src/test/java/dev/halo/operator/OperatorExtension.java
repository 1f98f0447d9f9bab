package dev.halo.operator;

import dev.halo.testing.EtcdExtension;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One mock API server and one real operator per test class, on the class's etcd; register it after
 * the {@link EtcdExtension} it uses. The operator's API calls go to {@code target/rbac/<class>.txt}
 * for {@link RbacIT}.
 */
final class OperatorExtension implements BeforeAllCallback, AfterAllCallback {
  private final EtcdExtension etcd;
  private OperatorHarness harness;

  OperatorExtension(EtcdExtension etcd) {
    this.etcd = etcd;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    Awaitility.ignoreExceptionsByDefault();
    harness = new OperatorHarness(etcd.cluster());
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (harness != null) {
      harness.close();
      harness.apiCalls.write(context.getRequiredTestClass().getSimpleName());
    }
  }

  OperatorHarness harness() {
    return harness;
  }
}
