package dev.halo.operator.election;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which etcd releases Halo trusts, per minor line, compared as numbers. */
class EtcdVersionRulesTest {
  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource({
    "3.4.23, lease bugs",
    "3.4.37, lease bugs",
    "3.4.38, lacks",
    "3.4.43, lacks",
    "3.4.44, trusted",
    "3.4.100, trusted",
    "3.5.9, lease bugs",
    "3.5.22, lease bugs",
    "3.5.23, lacks",
    "3.5.29, lacks",
    "3.5.30, trusted",
    "3.6.0, lease bugs",
    "3.6.4, lease bugs",
    "3.6.5, lacks",
    "3.6.8, lacks",
    "3.6.9, trusted",
    "3.6.10, trusted",
    "3.7.0, trusted",
    "4.0.0, trusted",
    "3.3.27, unsupported",
    "2.3.8, unsupported",
    "v3.4.23, lease bugs",
    "3.5.30-rc.0, trusted",
    "garbage, trusted",
    "'', trusted"
  })
  void judgesEachLineByItsOwnPatchReleases(String version, String verdict) {
    var problem = EtcdVersionRules.problem(version);
    if (verdict.equals("trusted")) {
      assertThat(problem).isEmpty();
    } else {
      assertThat(problem).get().asString().startsWith(version + " ").contains(verdict);
    }
  }

  @Test
  void aWarningNamesEachOutdatedMemberAndTheUpgrade() {
    var warning =
        EtcdVersionRules.warning(
            Map.of(
                "https://etcd-1:2379", "3.5.30",
                "https://etcd-0:2379", "3.5.12",
                "https://etcd-2:2379", "3.5.25"));

    assertThat(warning)
        .get()
        .asString()
        .startsWith("etcd is outdated: https://etcd-0:2379: 3.5.12 has known lease bugs")
        .contains("; https://etcd-2:2379: 3.5.25 lacks lease and auth (RBAC) fixes")
        .doesNotContain("etcd-1")
        .endsWith(
            "Upgrade etcd to 3.4.44, 3.5.30 or 3.6.9 or later (see README, Supported versions)");
    assertThat(EtcdVersionRules.warning(Map.of("http://etcd:2379", "3.6.9"))).isEmpty();
  }
}
