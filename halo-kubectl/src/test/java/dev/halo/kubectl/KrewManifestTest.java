package dev.halo.kubectl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KrewManifestTest {
  @TempDir Path dir;

  @Test
  void theManifestParsesAndCarriesTheArchivesSha256() throws IOException {
    Path archive = dir.resolve("kubectl-halo-0.1.0.tar.gz");
    Files.writeString(archive, "not really a tarball");

    Object m =
        Yaml.parse(
            KrewManifest.of(
                archive, "0.1.0", "https://example.org/releases/v0.1.0/kubectl-halo-0.1.0.tar.gz"));

    assertThat(Tree.string(m, "apiVersion"))
        .isEqualTo("krew.googlecontainertools.github.com/v1alpha2");
    assertThat(Tree.string(m, "kind")).isEqualTo("Plugin");
    assertThat(Tree.string(m, "metadata", "name")).isEqualTo("halo");
    assertThat(Tree.string(m, "spec", "version")).isEqualTo("v0.1.0");
    assertThat(Tree.string(m, "spec", "shortDescription")).isNotBlank();
    List<?> platforms = Tree.list(m, "spec", "platforms");
    assertThat(platforms).hasSize(1);
    Object p = platforms.get(0);
    // sha256sum of the archive's bytes, as Krew checks them.
    assertThat(Tree.string(p, "sha256"))
        .matches("[0-9a-f]{64}")
        .isEqualTo("b3b786ecd6e4f6ab3398d0b1bfd62dbc47534c8723cd3802f642f7203a3b55d7");
    assertThat(Tree.string(p, "bin")).isEqualTo("kubectl-halo");
    assertThat(Tree.list(p, "files").stream().map(f -> Tree.string(f, "from")).toList())
        .containsExactly("kubectl-halo", "kubectl-halo.jar");
    assertThat(
            List.<Object>copyOf(
                Tree.list(Tree.list(p, "selector", "matchExpressions").get(0), "values")))
        .containsExactly("linux", "darwin");
  }

  @Test
  void onlyHttpsUrls() {
    assertThatThrownBy(() -> KrewManifest.of(dir, "0.1.0", "http://example.org/x.tar.gz"))
        .hasMessageContaining("https only");
  }
}
