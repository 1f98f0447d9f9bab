package dev.halo.install;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import dev.halo.sandbox.TempFiles;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The chart {@code helm/halo}, linted and rendered by Helm itself (helm-java, offline). */
public final class HelmChart {
  public static final Path DIR = Path.of("helm", "halo");
  public static final Path CRD =
      DIR.resolve("crds").resolve("highavailabilitygroups.halo.dev-v1.yml");
  public static final String RELEASE = "halo";
  public static final String NAMESPACE = "halo-system";

  /**
   * The Kubernetes version rendered for: the oldest supported one, so rendering fails if the
   * chart's {@code kubeVersion} refuses it.
   */
  public static final String KUBE_VERSION = "1.28.0";

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private HelmChart() {}

  /** {@code helm lint --strict helm/halo} with the chart's default values. */
  public static LintResult lint() {
    return new Helm(DIR).lint().strict().call();
  }

  /**
   * {@code helm lint --strict} of a copy of the chart whose values.yaml has {@code values} merged
   * in (helm-java's lint takes no values of its own).
   */
  public static LintResult lint(String values) {
    Path copy = null;
    try {
      copy = Files.createTempDirectory("halo-chart");
      copyTree(DIR, copy);
      JsonNode merged =
          merge(YAML.readTree(DIR.resolve("values.yaml").toFile()), YAML.readTree(values));
      YAML.writeValue(copy.resolve("values.yaml").toFile(), merged);
      return new Helm(copy).lint().strict().call();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      deleteQuietly(copy);
    }
  }

  /**
   * {@code helm template halo helm/halo -n halo-system -f <values>} without the CRD; {@code values}
   * is YAML overriding the chart's values (empty: the defaults). Throws {@link
   * IllegalStateException} with Helm's message when the values or the templates are wrong.
   */
  public static String template(String values) {
    TemplateCommand template =
        new Helm(DIR)
            .template()
            .withName(RELEASE)
            .withNamespace(NAMESPACE)
            .withKubeVersion(KUBE_VERSION)
            .skipCrds();
    if (values.isBlank()) {
      return template.call();
    }
    Path file = null;
    try {
      file = Files.createTempFile("halo-values", ".yaml");
      Files.writeString(file, values);
      return template.withValuesFile(file).call();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      deleteQuietly(file);
    }
  }

  /** The rendered objects, parsed as Kubernetes objects. */
  public static List<HasMetadata> render(String values) {
    return parse(template(values));
  }

  public static List<HasMetadata> parse(String yaml) {
    Object parsed = Serialization.unmarshal(yaml);
    if (parsed instanceof KubernetesList list) {
      return list.getItems();
    }
    if (parsed instanceof List<?> list) {
      return list.stream().map(HasMetadata.class::cast).toList();
    }
    return parsed == null ? List.of() : List.of((HasMetadata) parsed);
  }

  /** Values merged as Helm merges -f files: maps recursively, anything else replaced. */
  private static JsonNode merge(JsonNode base, JsonNode override) {
    if (base instanceof ObjectNode target && override != null && override.isObject()) {
      override
          .fields()
          .forEachRemaining(
              f -> target.set(f.getKey(), merge(target.get(f.getKey()), f.getValue())));
      return target;
    }
    return override == null || override.isMissingNode() ? base : override;
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path p : paths.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }

  private static void deleteQuietly(Path fileOrDir) {
    try {
      TempFiles.deleteRecursively(fileOrDir);
    } catch (UncheckedIOException e) {
      // a leftover temporary file or directory is harmless
    }
  }
}
