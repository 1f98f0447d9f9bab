package dev.halo.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.api.v1alpha1.EtcdTlsSpec;
import dev.halo.api.v1alpha1.HighAvailabilityGroupSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which etcd Secrets a group's agents use: its own, else for default endpoints the operator's. */
class EtcdSecretsTest {
  private static final EtcdSecrets GROUP_DEFAULTS =
      new EtcdSecrets(
          Optional.of("default-tls"),
          Optional.empty(),
          Optional.of("etcd.example"),
          Optional.of("default-user"));
  private static final OperatorDefaults DEFAULTS =
      new OperatorDefaults("halo:1", List.of(), List.of("https://etcd-0:2379"), GROUP_DEFAULTS);

  private final HighAvailabilityGroupSpec spec = TestGroups.valid("shop", "web").getSpec();

  private void ownTls(String secret, String ca) {
    EtcdTlsSpec tls = new EtcdTlsSpec();
    tls.setSecretName(secret);
    tls.setCaSecretName(ca);
    spec.getElection().setTls(tls);
  }

  @Test
  void aGroupWithItsOwnEndpointsNeverGetsTheOperatorsSecrets() {
    spec.getElection().setEndpoints(new ArrayList<>(List.of("http://etcd:2379")));

    assertThat(EtcdSecrets.of(spec, DEFAULTS)).isEqualTo(EtcdSecrets.NONE);
    assertThat(EtcdSecrets.of(spec, DEFAULTS).isEmpty()).isTrue();
  }

  @Test
  void aGroupOnTheDefaultEndpointsGetsTheOperatorsSecrets() {
    spec.getElection().getEndpoints().clear();

    assertThat(EtcdSecrets.of(spec, DEFAULTS)).isEqualTo(GROUP_DEFAULTS);
    spec.setElection(null);
    assertThat(EtcdSecrets.of(spec, DEFAULTS)).isEqualTo(GROUP_DEFAULTS);
  }

  @Test
  void theGroupsOwnTlsReplacesTheDefaultTlsAsAWholeAndKeepsTheDefaultCredentials() {
    spec.getElection().getEndpoints().clear();
    ownTls(null, "own-ca");

    EtcdSecrets secrets = EtcdSecrets.of(spec, DEFAULTS);

    assertThat(secrets.tlsSecret()).isEmpty();
    assertThat(secrets.caSecret()).contains("own-ca");
    assertThat(secrets.serverName()).as("the default's server name goes with its TLS").isEmpty();
    assertThat(secrets.credentialsSecret()).contains("default-user");
  }

  @Test
  void theGroupsOwnCredentialsReplaceTheDefaultOnes() {
    spec.getElection().getEndpoints().clear();
    spec.getElection().setCredentialsSecretName("own-user");

    EtcdSecrets secrets = EtcdSecrets.of(spec, DEFAULTS);

    assertThat(secrets.credentialsSecret()).contains("own-user");
    assertThat(secrets.tlsSecret()).contains("default-tls");
  }

  @Test
  void theCaComesFromTheCaSecretElseFromTheTlsSecret() {
    ownTls("client", null);
    assertThat(EtcdSecrets.own(spec.getElection()).caSource()).contains("client");
    ownTls("client", "ca");
    assertThat(EtcdSecrets.own(spec.getElection()).caSource()).contains("ca");
  }

  @Test
  void blankNamesCountAsUnset() {
    assertThat(
            new EtcdSecrets(Optional.of(" "), Optional.of(""), Optional.empty(), Optional.of("  ")))
        .isEqualTo(EtcdSecrets.NONE);
  }
}
