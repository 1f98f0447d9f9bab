package dev.halo.operator;

import dev.halo.sandbox.LocalKubelet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * An operator IT whose every test gets a fresh namespace on its class's operator and a kubelet that
 * runs that namespace's pods, closed after the test. Each subclass keeps its own etcd and operator
 * extensions (one etcd per class) and hands the operator to this constructor.
 */
abstract class NamespaceWithKubelet {
  private final OperatorExtension operator;
  private final LocalKubelet.AgentMode agents;

  protected OperatorHarness h;
  protected String ns;
  protected LocalKubelet kubelet;

  NamespaceWithKubelet(OperatorExtension operator, LocalKubelet.AgentMode agents) {
    this.operator = operator;
    this.agents = agents;
  }

  @BeforeEach
  void namespaceWithKubelet() {
    h = operator.harness();
    ns = h.newNamespace();
    kubelet = h.kubelet(ns, agents);
  }

  @AfterEach
  void stopKubelet() {
    kubelet.close();
  }
}
