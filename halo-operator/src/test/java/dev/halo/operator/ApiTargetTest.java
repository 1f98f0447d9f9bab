package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The operator says what is missing when it has no Kubernetes API at all, before it starts. */
class ApiTargetTest {
  @TempDir Path home;

  private Path token() {
    return home.resolve("no-token");
  }

  @Test
  void namesTheMissingKubeconfigOutsideAPod() {
    assertThat(ApiTarget.missing(Map.of(), home, token()))
        .hasValueSatisfying(
            m ->
                assertThat(m)
                    .contains("no kubeconfig at " + home.resolve(".kube/config"))
                    .contains("KUBECONFIG"));
  }

  @Test
  void namesTheKubeconfigVariableWhenItsFilesAreMissing() {
    assertThat(ApiTarget.missing(Map.of("KUBECONFIG", "/nowhere/a:/nowhere/b"), home, token()))
        .hasValueSatisfying(m -> assertThat(m).contains("KUBECONFIG=/nowhere/a:/nowhere/b"));
  }

  @Test
  void acceptsTheDefaultKubeconfig() throws IOException {
    Files.createDirectories(home.resolve(".kube"));
    Files.writeString(home.resolve(".kube/config"), "apiVersion: v1\n");

    assertThat(ApiTarget.missing(Map.of(), home, token())).isEmpty();
  }

  @Test
  void acceptsAnyExistingFileOfKubeconfig() throws IOException {
    Path config = Files.writeString(home.resolve("cfg"), "apiVersion: v1\n");

    assertThat(ApiTarget.missing(Map.of("KUBECONFIG", "/nowhere:" + config), home, token()))
        .isEmpty();
  }

  @Test
  void acceptsAPodsServiceAccount() throws IOException {
    Path token = Files.writeString(home.resolve("token"), "t");

    assertThat(ApiTarget.missing(Map.of("KUBERNETES_SERVICE_HOST", "10.0.0.1"), home, token))
        .isEmpty();
    assertThat(ApiTarget.missing(Map.of("KUBERNETES_SERVICE_HOST", "10.0.0.1"), home, token()))
        .isPresent();
  }

  @Test
  void acceptsAnExplicitMasterUrl() {
    assertThat(ApiTarget.missing(Map.of("KUBERNETES_MASTER", "https://api:6443"), home, token()))
        .isEmpty();
  }
}
