package dev.halo.api.v1alpha1;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** A group of pods of which exactly the etcd-elected one is master and receives traffic. */
@Group(HighAvailabilityGroup.GROUP)
@Version(HighAvailabilityGroup.VERSION)
@Kind("HighAvailabilityGroup")
@Plural("highavailabilitygroups")
@ShortNames("hag")
@AdditionalPrinterColumn(
    name = "MASTER",
    jsonPath = ".status.master",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "ZONE",
    jsonPath = ".status.masterZone",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "READY",
    jsonPath = ".status.ready",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "PHASE",
    jsonPath = ".status.phase",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "PAUSED",
    jsonPath = ".spec.paused",
    type = AdditionalPrinterColumn.Type.BOOLEAN,
    getDescription = "spec.paused: the operator changes no pod of the group")
@AdditionalPrinterColumn(
    name = "LAST FAILOVER",
    jsonPath = ".status.lastFailover.time",
    type = AdditionalPrinterColumn.Type.DATE,
    getDescription = "How long ago the master last changed")
@AdditionalPrinterColumn(
    name = "AGE",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
@ValidationRule(
    value = CelRules.NAME_IS_DNS_LABEL,
    message = CelRules.NAME_IS_DNS_LABEL_MESSAGE,
    reason = CelRules.INVALID)
@ValidationRule(
    value = CelRules.POD_NAMES_FIT,
    message = CelRules.POD_NAMES_FIT_MESSAGE,
    fieldPath = CelRules.REPLICAS_FIELD,
    reason = CelRules.INVALID)
@ValidationRule(
    value = CelRules.MASTER_SERVICE_NAME,
    message = CelRules.MASTER_SERVICE_NAME_MESSAGE,
    fieldPath = CelRules.SERVICE_NAME_FIELD,
    reason = CelRules.INVALID)
@ValidationRule(
    value = CelRules.STANDBY_SERVICE_NAME,
    message = CelRules.STANDBY_SERVICE_NAME_MESSAGE,
    fieldPath = CelRules.STANDBY_FIELD,
    reason = CelRules.INVALID)
public class HighAvailabilityGroup
    extends CustomResource<HighAvailabilityGroupSpec, HighAvailabilityGroupStatus>
    implements Namespaced {
  public static final String GROUP = "halo.dev";
  public static final String VERSION = "v1alpha1";
  public static final String CRD_NAME = "highavailabilitygroups.halo.dev";

  @Override
  protected HighAvailabilityGroupStatus initStatus() {
    return new HighAvailabilityGroupStatus();
  }

  // A spec or status of the wrong shape must not fail the informer that lists every group.
  // Required in the CRD: a group without a spec has nothing to run.
  @Override
  @Required
  public HighAvailabilityGroupSpec getSpec() {
    return super.getSpec();
  }

  @Override
  @JsonDeserialize(using = SpecReader.class)
  public void setSpec(HighAvailabilityGroupSpec spec) {
    super.setSpec(spec);
  }

  @Override
  @JsonDeserialize(using = StatusReader.class)
  public void setStatus(HighAvailabilityGroupStatus status) {
    super.setStatus(status);
  }

  /** Whether the stored spec could not be read; then {@link #getSpec()} says why. */
  public boolean hasUnreadableSpec() {
    return getSpec() instanceof UnreadableSpec;
  }
}
