package dev.halo.operator.model;

import dev.halo.api.v1alpha1.ElectionSpec;
import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.api.v1alpha1.HighAvailabilityGroupSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/** Valid HighAvailabilityGroups for tests to start from and change. */
public final class TestGroups {
  private TestGroups() {}

  /**
   * Three replicas over zones a, b and c; one workload container "app" (image "example/app:1",
   * containerPort 8080 named "http"); etcd at http://127.0.0.1:2379 with a 5 s lease TTL.
   */
  public static HighAvailabilityGroup valid(String namespace, String name) {
    HighAvailabilityGroup hag = new HighAvailabilityGroup();
    hag.setMetadata(
        new ObjectMetaBuilder()
            .withNamespace(namespace)
            .withName(name)
            .withUid("uid-" + namespace + "-" + name)
            .withGeneration(1L)
            .build());
    HighAvailabilityGroupSpec spec = new HighAvailabilityGroupSpec();
    spec.setReplicas(3);
    spec.setZones(new ArrayList<>(List.of("a", "b", "c")));
    spec.setTemplate(template());
    ElectionSpec election = new ElectionSpec();
    election.setEndpoints(new ArrayList<>(List.of("http://127.0.0.1:2379")));
    election.setLeaseTTLSeconds(5);
    spec.setElection(election);
    hag.setSpec(spec);
    return hag;
  }

  private static PodTemplateSpec template() {
    return new PodTemplateSpecBuilder()
        .withNewMetadata()
        .withLabels(new LinkedHashMap<>())
        .withAnnotations(new LinkedHashMap<>())
        .endMetadata()
        .withNewSpec()
        .addNewContainer()
        .withName("app")
        .withImage("example/app:1")
        .addNewPort()
        .withName("http")
        .withContainerPort(8080)
        .withProtocol("TCP")
        .endPort()
        .endContainer()
        .endSpec()
        .build();
  }
}
