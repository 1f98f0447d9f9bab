package dev.halo.operator.validation;

import static dev.halo.operator.validation.Problems.quote;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.api.v1alpha1.HighAvailabilityGroupSpec;
import dev.halo.api.v1alpha1.ServiceSpec;
import dev.halo.common.Names;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.Optional;

/** Checks that the group's name yields valid pod and Service names. */
final class NameRules {
  private static final String FIELD = "metadata.name";

  private NameRules() {}

  static void check(HighAvailabilityGroup hag, Problems problems) {
    String group = Optional.ofNullable(hag.getMetadata()).map(ObjectMeta::getName).orElse("");
    if (group.isBlank()) {
      problems.add(Rule.NAME_MISSING, FIELD, "is missing; name the group");
      return;
    }
    HighAvailabilityGroupSpec spec = hag.getSpec();
    if (podNamesFit(group, HighAvailabilityGroupValidator.replicasForNames(spec), problems)) {
      Optional<ServiceSpec> service = Optional.ofNullable(spec).map(s -> s.getService());
      masterServiceName(group, service, problems);
      standbyServiceName(group, service, problems);
    }
  }

  private static boolean podNamesFit(String group, int replicas, Problems problems) {
    String lastPod = Names.pod(group, replicas - 1);
    if (Dns.isDns1123Label(lastPod)) {
      return true;
    }
    if (lastPod.length() > Dns.MAX_LABEL_LENGTH && Dns.isDns1123Label(group)) {
      int max = Dns.MAX_LABEL_LENGTH - (lastPod.length() - group.length());
      problems.add(
          Rule.POD_NAMES_FIT,
          FIELD,
          quote(group)
              + " is too long: pod "
              + quote(lastPod)
              + " would have "
              + lastPod.length()
              + " characters, more than "
              + Dns.MAX_LABEL_LENGTH
              + "; use at most "
              + max
              + " characters");
    } else {
      problems.add(
          Rule.NAME_NOT_DNS_LABEL,
          FIELD,
          quote(group) + " cannot prefix pod names; use " + Dns.DNS_1123_RULE);
    }
    return false;
  }

  private static void masterServiceName(
      String group, Optional<ServiceSpec> service, Problems problems) {
    boolean named = service.map(ServiceSpec::getName).filter(n -> !n.isBlank()).isPresent();
    if (!named && !Dns.isDns1035Label(group)) {
      problems.add(
          Rule.MASTER_SERVICE_NAME,
          FIELD,
          quote(group)
              + " cannot name the master Service, whose name must start with a letter;"
              + " rename the group or set spec.service.name");
    }
  }

  private static void standbyServiceName(
      String group, Optional<ServiceSpec> service, Problems problems) {
    boolean standby = service.map(ServiceSpec::getStandby).orElse(false);
    String name = Names.standbyService(group);
    if (standby && !Dns.isDns1035Label(name)) {
      int max = Dns.MAX_LABEL_LENGTH - (name.length() - group.length());
      problems.add(
          Rule.STANDBY_SERVICE_NAME,
          FIELD,
          quote(group)
              + " cannot name the standby Service "
              + quote(name)
              + ", which needs "
              + Dns.DNS_1035_RULE
              + "; use a group name of at most "
              + max
              + " characters that starts with a letter, or set spec.service.standby to false");
    }
  }
}
