package dev.halo.install;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The chart {@code helm/halo}, linted and rendered by Helm itself (helm-java, offline). */
public final class HelmChart {
  public static final Path DIR = Path.of("helm", "halo");
  public static final Path CRD =
      DIR.resolve("crds").resolve("highavailabilitygroups.halo.dev-v1.yml");
  public static final String RELEASE = "halo";
  public static final String NAMESPACE = "halo-system";

  /** The Kubernetes version rendered for; the chart needs 1.30 (pods use the preStop sleep). */
  public static final String KUBE_VERSION = "1.30.0";

  private HelmChart() {}

  /** {@code helm lint --strict helm/halo} with the chart's default values. */
  public static LintResult lint() {
    return new Helm(DIR).lint().strict().call();
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

  private static void deleteQuietly(Path file) {
    try {
      if (file != null) {
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      // a leftover temporary file is harmless
    }
  }
}
