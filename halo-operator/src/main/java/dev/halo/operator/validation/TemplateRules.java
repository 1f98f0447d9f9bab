package dev.halo.operator.validation;

import static dev.halo.operator.validation.Problems.quote;

import dev.halo.common.Names;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** Checks the workload's pod template, leaving room for what Halo adds to it. */
final class TemplateRules {
  private static final String CONTAINERS = "spec.template.spec.containers";
  private static final List<String> ETCD_VOLUMES =
      List.of(Names.ETCD_TLS_VOLUME, Names.ETCD_CA_VOLUME, Names.ETCD_CREDENTIALS_VOLUME);

  private TemplateRules() {}

  static void check(PodTemplateSpec template, Problems problems) {
    if (template == null) {
      problems.add(
          Rule.TEMPLATE_MISSING,
          "spec.template",
          "is missing; give the pod template of the workload");
      return;
    }
    PodSpec spec = template.getSpec();
    if (spec == null) {
      problems.add(
          Rule.TEMPLATE_SPEC_MISSING,
          "spec.template.spec",
          "is missing; give the workload's pod spec");
      return;
    }
    List<Container> containers = Optional.ofNullable(spec.getContainers()).orElse(List.of());
    if (containers.isEmpty()) {
      problems.add(Rule.CONTAINERS_EMPTY, CONTAINERS, "is empty; add the workload's container");
    }
    for (int i = 0; i < containers.size(); i++) {
      container(CONTAINERS + "[" + i + "]", containers.get(i), problems);
    }
    volumes(Optional.ofNullable(spec.getVolumes()).orElse(List.of()), problems);
  }

  /** The template's workload containers that are present, for rules about their ports. */
  static List<Container> containers(PodTemplateSpec template) {
    return Optional.ofNullable(template)
        .map(PodTemplateSpec::getSpec)
        .map(PodSpec::getContainers)
        .orElse(List.of())
        .stream()
        .filter(Objects::nonNull)
        .toList();
  }

  private static void container(String field, Container container, Problems problems) {
    if (container == null) {
      problems.add(Rule.CONTAINER_NULL, field, "is empty; give the container a name and an image");
      return;
    }
    String name = container.getName();
    if (name == null || name.isEmpty()) {
      problems.add(Rule.CONTAINER_NAME_MISSING, field + ".name", "is missing; name the container");
    } else if (name.isBlank()) {
      problems.add(Rule.CONTAINER_NAME_BLANK, field + ".name", "is blank; name the container");
    } else if (Names.AGENT_CONTAINER.equals(name)) {
      problems.add(
          Rule.CONTAINER_NAME_RESERVED,
          field + ".name",
          quote(name) + " is reserved for the elector agent that Halo adds; rename the container");
    }
    String image = container.getImage();
    if (image == null || image.isEmpty()) {
      problems.add(
          Rule.CONTAINER_IMAGE_MISSING, field + ".image", "is missing; give the container's image");
    } else if (image.isBlank()) {
      problems.add(
          Rule.CONTAINER_IMAGE_BLANK, field + ".image", "is blank; give the container's image");
    }
    mounts(field, Optional.ofNullable(container.getVolumeMounts()).orElse(List.of()), problems);
  }

  private static void mounts(String container, List<VolumeMount> mounts, Problems problems) {
    for (int i = 0; i < mounts.size(); i++) {
      VolumeMount mount = mounts.get(i);
      if (mount != null && Names.ROLE_MOUNT_PATH.equals(mount.getMountPath())) {
        problems.add(
            Rule.ROLE_MOUNT_PATH,
            container + ".volumeMounts[" + i + "].mountPath",
            quote(Names.ROLE_MOUNT_PATH)
                + " is where Halo mounts the role file; mount the volume elsewhere");
      }
    }
  }

  private static void volumes(List<Volume> volumes, Problems problems) {
    for (int i = 0; i < volumes.size(); i++) {
      Volume volume = volumes.get(i);
      if (volume != null && Names.ROLE_VOLUME.equals(volume.getName())) {
        problems.add(
            Rule.ROLE_VOLUME_NAME,
            "spec.template.spec.volumes[" + i + "].name",
            quote(Names.ROLE_VOLUME)
                + " is reserved for the role volume that Halo adds; rename the volume");
      } else if (volume != null && ETCD_VOLUMES.contains(volume.getName())) {
        problems.add(
            Rule.ETCD_VOLUME_NAME,
            "spec.template.spec.volumes[" + i + "].name",
            quote(volume.getName())
                + " is reserved for the etcd Secret volumes that Halo adds to the agent; rename"
                + " the volume");
      }
    }
  }
}
