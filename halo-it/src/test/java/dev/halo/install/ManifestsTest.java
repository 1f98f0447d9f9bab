package dev.halo.install;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** deploy/ and the chart's CRD are what the model and the chart produce (make manifests). */
class ManifestsTest {
  private static final String FIX = ": run `make manifests` and commit the result";

  @Test
  void generatedFilesAreUpToDate() throws IOException {
    for (Map.Entry<Path, String> file : Manifests.expected().entrySet()) {
      assertThat(file.getKey()).as(file.getKey() + " is missing" + FIX).exists();
      assertThat(Files.readString(file.getKey()))
          .as(file.getKey() + " is out of date" + FIX)
          .isEqualTo(file.getValue());
    }
  }

  @Test
  void deployHoldsOnlyGeneratedFilesBesideTheExamples() throws IOException {
    try (Stream<Path> files = Files.list(Manifests.DEPLOY)) {
      assertThat(files.filter(Files::isRegularFile))
          .as(
              "files in deploy/ that make manifests does not write (examples go to deploy/examples/)")
          .allMatch(Manifests.expected()::containsKey);
    }
  }

  @Test
  void deployAppliesInDependencyOrder() {
    assertThat(Manifests.expected().keySet())
        .filteredOn(p -> p.startsWith(Manifests.DEPLOY))
        .extracting(p -> p.getFileName().toString())
        .isSorted()
        .containsExactly("00-namespace.yaml", "01-crd.yaml", "02-operator.yaml");
  }
}
