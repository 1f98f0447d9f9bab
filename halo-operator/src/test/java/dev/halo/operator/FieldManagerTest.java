package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;

class FieldManagerTest {
  private static final String PODS = "https://k8s:6443/api/v1/namespaces/shop/pods";

  @Test
  void namesTheOperatorOnCreatesUpdatesAndPatches() {
    for (String method : new String[] {"POST", "PUT", "PATCH"}) {
      assertThat(FieldManager.named(method, URI.create(PODS)))
          .hasToString(PODS + "?fieldManager=halo-operator");
    }
  }

  @Test
  void keepsTheQueryItHas() {
    assertThat(FieldManager.named("PATCH", URI.create(PODS + "/web-0?dryRun=All")))
        .hasToString(PODS + "/web-0?dryRun=All&fieldManager=halo-operator");
  }

  @Test
  void leavesAFieldManagerAlreadyNamed() {
    URI apply = URI.create(PODS + "/web-0?fieldManager=other&force=true");

    assertThat(FieldManager.named("PATCH", apply)).isEqualTo(apply);
  }

  @Test
  void leavesReadsAndDeletesAlone() {
    assertThat(FieldManager.named("GET", URI.create(PODS))).hasToString(PODS);
    assertThat(FieldManager.named("DELETE", URI.create(PODS + "/web-0")))
        .hasToString(PODS + "/web-0");
  }
}
