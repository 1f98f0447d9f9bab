package dev.halo.operator.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.api.v1alpha1.EtcdTlsSpec;
import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.operator.model.EtcdSecrets;
import dev.halo.operator.model.OperatorDefaults;
import dev.halo.operator.model.TestGroups;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** TLS settings go with https:// endpoints and only with them; Secret names are valid. */
class EtcdSecretRulesTest {
  private static final String PREFIX = "HighAvailabilityGroup shop/web: ";
  private static final OperatorDefaults NO_DEFAULTS = OperatorDefaults.of("halo:test");

  private final HighAvailabilityGroup hag = TestGroups.valid("shop", "web");

  private List<String> errors(OperatorDefaults defaults) {
    return HighAvailabilityGroupValidator.validate(hag, defaults);
  }

  private void endpoints(String... urls) {
    hag.getSpec().getElection().setEndpoints(new ArrayList<>(List.of(urls)));
  }

  private EtcdTlsSpec tls(String secret, String ca) {
    EtcdTlsSpec tls = new EtcdTlsSpec();
    tls.setSecretName(secret);
    tls.setCaSecretName(ca);
    hag.getSpec().getElection().setTls(tls);
    return tls;
  }

  private static OperatorDefaults defaults(String endpoint, EtcdSecrets secrets) {
    return new OperatorDefaults("halo:test", List.of(), List.of(endpoint), secrets);
  }

  private static EtcdSecrets caOnly(String ca) {
    return new EtcdSecrets(Optional.empty(), Optional.of(ca), Optional.empty(), Optional.empty());
  }

  @Test
  void acceptsHttpsEndpointsWithTlsAndHttpEndpointsWithout() {
    endpoints("https://etcd-0:2379", "https://etcd-1:2379");
    tls("etcd-client", null).setServerName("etcd.internal");
    hag.getSpec().getElection().setCredentialsSecretName("etcd-user");
    assertThat(errors(NO_DEFAULTS)).isEmpty();

    endpoints("http://etcd-0:2379");
    hag.getSpec().getElection().setTls(null);
    assertThat(errors(NO_DEFAULTS)).isEmpty();
  }

  @Test
  void refusesHttpsEndpointsWithoutTls() {
    endpoints("https://etcd-0:2379");

    assertThat(errors(NO_DEFAULTS))
        .containsExactly(
            PREFIX
                + "spec.election.tls is not set but spec.election.endpoints are https:// URLs;"
                + " set tls.caSecretName (a Secret with ca.crt) or tls.secretName (a"
                + " kubernetes.io/tls Secret with the client certificate and ca.crt)");
  }

  @Test
  void refusesTlsWithHttpEndpoints() {
    tls(null, "etcd-ca");

    assertThat(errors(NO_DEFAULTS))
        .containsExactly(
            PREFIX
                + "spec.election.endpoints are http:// URLs but spec.election.tls is set; use"
                + " https:// URLs for a TLS etcd, or remove spec.election.tls");
  }

  @Test
  void refusesMixedSchemesOnce() {
    endpoints("https://etcd-0:2379", "http://etcd-1:2379");
    tls(null, "etcd-ca");

    assertThat(errors(NO_DEFAULTS))
        .containsExactly(
            PREFIX
                + "spec.election.endpoints mixes http:// and https:// URLs; an etcd cluster"
                + " speaks one or the other, list every member with the same scheme");
  }

  @Test
  void refusesTlsThatNamesNoSecretAndInvalidNames() {
    endpoints("https://etcd-0:2379");
    tls(null, null).setServerName("etcd internal");
    hag.getSpec().getElection().setCredentialsSecretName("Etcd_User");

    assertThat(errors(NO_DEFAULTS))
        .containsExactlyInAnyOrder(
            PREFIX
                + "spec.election.tls.serverName \"etcd internal\" is not a host name or IPv4"
                + " address: letters, digits, '-' and '.', in parts that start and end with a"
                + " letter or digit",
            PREFIX
                + "spec.election.tls names no Secret; set secretName (a kubernetes.io/tls Secret"
                + " with tls.crt, tls.key and ca.crt) or caSecretName (a Secret with ca.crt), or"
                + " both",
            PREFIX
                + "spec.election.credentialsSecretName \"Etcd_User\" is not a Secret name; use at"
                + " most 253 lowercase letters, digits, '-' or '.', in parts that start and end"
                + " with a letter or digit");
  }

  @Test
  void aGroupOnHttpsDefaultEndpointsNeedsTlsFromItselfOrTheOperator() {
    hag.getSpec().setElection(null);

    assertThat(errors(defaults("https://etcd:2379", EtcdSecrets.NONE)))
        .containsExactly(
            PREFIX
                + "spec.election.tls is not set and the operator's default HALO_ETCD_ENDPOINTS"
                + " are https:// URLs; set tls.caSecretName or tls.secretName, or"
                + " HALO_GROUP_ETCD_TLS_SECRET or HALO_GROUP_ETCD_CA_SECRET on the operator"
                + " (chart value groups.etcd.tls)");
    assertThat(errors(defaults("https://etcd:2379", caOnly("site-ca")))).isEmpty();
  }

  @Test
  void aGroupOnHttpDefaultEndpointsMayNotBringItsOwnTls() {
    endpoints();
    tls(null, "etcd-ca");

    assertThat(errors(defaults("http://etcd:2379", EtcdSecrets.NONE)))
        .containsExactly(
            PREFIX
                + "spec.election.tls gives TLS settings (the group's or the operator's for"
                + " groups) but the operator's default HALO_ETCD_ENDPOINTS are http:// URLs;"
                + " remove them, or give the group its own https:// spec.election.endpoints");
  }

  @Test
  void theOperatorsDefaultsDoNotApplyToAGroupWithItsOwnEndpoints() {
    endpoints("https://own-etcd:2379");

    assertThat(errors(defaults("https://etcd:2379", caOnly("site-ca"))))
        .singleElement()
        .asString()
        .contains("spec.election.tls is not set but spec.election.endpoints are https://");
  }

  @Test
  void reservesTheNamesOfTheEtcdSecretVolumes() {
    hag.getSpec()
        .getTemplate()
        .getSpec()
        .getVolumes()
        .add(new VolumeBuilder().withName("halo-etcd-tls").build());

    assertThat(errors(NO_DEFAULTS))
        .containsExactly(
            PREFIX
                + "spec.template.spec.volumes[0].name \"halo-etcd-tls\" is reserved for the etcd"
                + " Secret volumes that Halo adds to the agent; rename the volume");
  }
}
