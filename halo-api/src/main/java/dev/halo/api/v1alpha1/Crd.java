package dev.halo.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The HighAvailabilityGroup CRD as shipped: the one generated from the Java model, with the printer
 * columns in the order the model declares them (the generator sorts them by name). {@code make
 * manifests} writes it to {@code crds/}; the sandbox installs it.
 */
public final class Crd {
  /** Where the crd-generator plugin puts the generated CRD on the classpath. */
  public static final String GENERATED =
      "META-INF/fabric8/" + HighAvailabilityGroup.CRD_NAME + "-v1.yml";

  /** Where the committed copy lives in the repository (and in the Helm chart). */
  public static final Path COMMITTED = Path.of("crds", HighAvailabilityGroup.CRD_NAME + "-v1.yml");

  private Crd() {}

  /** Loads the generated CRD from the classpath and puts the printer columns in model order. */
  public static CustomResourceDefinition load() {
    try (InputStream in = Crd.class.getClassLoader().getResourceAsStream(GENERATED)) {
      if (in == null) {
        throw new IllegalStateException(
            GENERATED + " is not on the classpath: run `mvn process-classes` (make manifests)");
      }
      CustomResourceDefinition crd = Serialization.unmarshal(in, CustomResourceDefinition.class);
      crd.getSpec().getVersions().forEach(Crd::orderColumns);
      return crd;
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + GENERATED, e);
    }
  }

  private static void orderColumns(CustomResourceDefinitionVersion version) {
    List<String> order =
        Arrays.stream(
                HighAvailabilityGroup.class.getAnnotationsByType(AdditionalPrinterColumn.class))
            .map(AdditionalPrinterColumn::name)
            .toList();
    version
        .getAdditionalPrinterColumns()
        .sort(
            Comparator.comparingInt(
                (CustomResourceColumnDefinition c) -> order.indexOf(c.getName())));
  }

  /** {@code make manifests}: writes the CRD to the path given (default: crds/). */
  public static void main(String[] args) throws IOException {
    Path target = args.length > 0 ? Path.of(args[0]) : COMMITTED;
    Files.createDirectories(target.toAbsolutePath().getParent());
    Files.writeString(
        target,
        "# Generated from dev.halo.api.v1alpha1 by `make manifests`; do not edit.\n"
            + Serialization.asYaml(load()));
    System.out.println("wrote " + target);
  }
}
