package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** How the operator reads its environment, here {@code HALO_ETCD_ENDPOINTS}. */
class OperatorConfigTest {
  private static OperatorConfig.Result parse(String etcdEndpoints) {
    return OperatorConfig.fromEnvironment(
        Map.of("HALO_LEADER_ELECTION", "false", "HALO_ETCD_ENDPOINTS", etcdEndpoints));
  }

  @Test
  void readsACommaSeparatedListOfEtcdEndpoints() {
    OperatorConfig.Result result = parse(" http://etcd-0:2379, https://etcd-1.etcd:2379 ,");

    assertThat(result.errors()).isEmpty();
    assertThat(result.config().orElseThrow().etcdEndpoints())
        .containsExactly("http://etcd-0:2379", "https://etcd-1.etcd:2379");
  }

  @Test
  void reportsAnEntryThatIsNotAnHttpUrlWithHostAndPort() {
    OperatorConfig.Result result = parse("http://etcd-0:2379,etcd:2379,ftp://etcd:21");

    assertThat(result.config()).isEmpty();
    assertThat(result.errors())
        .containsExactly(
            "HALO_ETCD_ENDPOINTS=\"etcd:2379\" is not an http(s) URL with host and port; use"
                + " http://etcd:2379",
            "HALO_ETCD_ENDPOINTS=\"ftp://etcd:21\" is not an http(s) URL with host and port; give"
                + " one like http://etcd-0.etcd:2379, one URL per entry");
  }

  @Test
  void blankOrUnsetMeansNoDefault() {
    assertThat(parse("  ").config().orElseThrow().etcdEndpoints()).isEmpty();
    assertThat(
            OperatorConfig.fromEnvironment(Map.of("HALO_LEADER_ELECTION", "false"))
                .config()
                .orElseThrow()
                .etcdEndpoints())
        .isEmpty();
  }
}
