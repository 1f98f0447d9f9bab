package dev.halo.operator.model;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.common.Labels;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** The name, labels and owner reference that every object built for a group shares. */
final class GroupMeta {
  private GroupMeta() {}

  static String group(HighAvailabilityGroup hag) {
    return hag.getMetadata().getName();
  }

  static String namespace(HighAvailabilityGroup hag) {
    return hag.getMetadata().getNamespace();
  }

  /** Metadata of an owned object: name, the group's namespace and labels, owned by the group. */
  static ObjectMeta owned(HighAvailabilityGroup hag, String name) {
    return new ObjectMetaBuilder()
        .withName(name)
        .withNamespace(namespace(hag))
        .withLabels(labels(hag))
        .withOwnerReferences(ownerReference(hag))
        .build();
  }

  /** The app.kubernetes.io labels and the group label. */
  static Map<String, String> labels(HighAvailabilityGroup hag) {
    Map<String, String> labels = new TreeMap<>();
    labels.put(Labels.APP_NAME, appName(hag));
    labels.put(Labels.APP_INSTANCE, group(hag));
    labels.put(Labels.APP_MANAGED_BY, Labels.MANAGED_BY_HALO);
    labels.put(Labels.GROUP, group(hag));
    return labels;
  }

  /** The template's app.kubernetes.io/name label, else the group's name. */
  static String appName(HighAvailabilityGroup hag) {
    return Optional.ofNullable(hag.getSpec().getTemplate().getMetadata())
        .map(ObjectMeta::getLabels)
        .map(labels -> labels.get(Labels.APP_NAME))
        .orElse(group(hag));
  }

  static OwnerReference ownerReference(HighAvailabilityGroup hag) {
    return new OwnerReferenceBuilder()
        .withApiVersion(HasMetadata.getApiVersion(HighAvailabilityGroup.class))
        .withKind(HasMetadata.getKind(HighAvailabilityGroup.class))
        .withName(group(hag))
        .withUid(hag.getMetadata().getUid())
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build();
  }
}
