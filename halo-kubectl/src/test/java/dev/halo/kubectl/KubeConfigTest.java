package dev.halo.kubectl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KubeConfigTest {
  @TempDir Path dir;

  private Path write(String name, String yaml) throws IOException {
    Path f = dir.resolve(name);
    Files.writeString(f, yaml);
    return f;
  }

  private static final String TWO_CONTEXTS =
      """
      apiVersion: v1
      kind: Config
      clusters:
      - cluster:
          certificate-authority-data: %s
          server: https://10.0.0.1:6443/
        name: prod
      - name: dev
        cluster: {"server": "http://127.0.0.1:8080"}
      contexts:
      - context:
          cluster: prod
          user: admin   # kubeadm's admin
          namespace: shop
        name: prod
      - name: dev
        context:
          cluster: dev
          user: "dev-user"
      current-context: prod
      users:
      - name: admin
        user:
          token: 's3cret'
      - name: dev-user
        user: {}
      """
          .formatted(Base64.getEncoder().encodeToString("CA".getBytes(StandardCharsets.UTF_8)));

  @Test
  void theCurrentContextGivesServerNamespaceTokenAndCa() throws IOException {
    KubeConfig.Target t = KubeConfig.load(List.of(write("config", TWO_CONTEXTS)), null, null);

    assertThat(t.server()).isEqualTo("https://10.0.0.1:6443");
    assertThat(t.namespace()).isEqualTo("shop");
    assertThat(t.credentials().token()).isEqualTo("s3cret");
    assertThat(new String(t.caPem(), StandardCharsets.UTF_8)).isEqualTo("CA");
  }

  @Test
  void contextAndNamespaceOptionsWin() throws IOException {
    KubeConfig.Target t = KubeConfig.load(List.of(write("config", TWO_CONTEXTS)), "dev", "other");

    assertThat(t.server()).isEqualTo("http://127.0.0.1:8080");
    assertThat(t.namespace()).isEqualTo("other");
    assertThat(t.user()).isEqualTo("dev-user");
    assertThat(t.credentials().token()).isNull();
  }

  @Test
  void aContextWithoutNamespaceUsesDefault() throws IOException {
    assertThat(KubeConfig.load(List.of(write("config", TWO_CONTEXTS)), "dev", null).namespace())
        .isEqualTo("default");
  }

  @Test
  void anUnknownContextListsTheKnownOnes() throws IOException {
    Path f = write("config", TWO_CONTEXTS);

    assertThatThrownBy(() -> KubeConfig.load(List.of(f), "staging", null))
        .isInstanceOf(Failure.class)
        .hasMessageContaining("no context \"staging\"")
        .hasMessageContaining("prod, dev");
  }

  @Test
  void kubeconfigFilesMergeAndTheFirstThatNamesAnEntryWins() throws IOException {
    Path first =
        write(
            "a", "current-context: dev\nusers:\n- name: dev-user\n  user:\n    tokenFile: token\n");
    Files.writeString(dir.resolve("token"), "from-file\n");
    Path second = write("b", TWO_CONTEXTS);

    KubeConfig.Target t =
        KubeConfig.load(
            KubeConfig.files(null, first + java.io.File.pathSeparator + second, dir), null, null);

    assertThat(t.context()).isEqualTo("dev");
    assertThat(t.credentials().token()).isEqualTo("from-file");
  }

  @Test
  void theDefaultFileIsUnderHome() {
    assertThat(KubeConfig.files(null, null, dir)).containsExactly(dir.resolve(".kube/config"));
    assertThat(KubeConfig.files("x", "y", dir)).containsExactly(Path.of("x"));
  }

  @Test
  void anExecPluginsTokenIsUsed() throws IOException {
    Path f =
        write(
            "config",
            """
            clusters:
            - name: c
              cluster:
                server: https://k
            contexts:
            - name: c
              context:
                cluster: c
                user: u
            current-context: c
            users:
            - name: u
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1
                  command: sh
                  args:
                  - -c
                  - 'echo "{\\"status\\":{\\"token\\":\\"$T\\"}}"'
                  env:
                  - name: T
                    value: from-exec
            """);

    assertThat(KubeConfig.load(List.of(f), null, null).credentials().token())
        .isEqualTo("from-exec");
  }
}
