package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import dev.halo.common.AgentDefaults;
import dev.halo.etcd.EtcdSecurity;
import dev.halo.operator.model.EtcdSecrets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the operator reads its environment. */
class OperatorConfigTest {
  private static final Map<String, String> BASE = Map.of("POD_NAMESPACE", "halo-system");

  private static OperatorConfig.Result parse(Map<String, String> extra) {
    Map<String, String> env = new HashMap<>(BASE);
    env.putAll(extra);
    return OperatorConfig.fromEnvironment(env);
  }

  private static OperatorConfig.Result parseEtcd(String etcdEndpoints) {
    return parse(Map.of("HALO_ETCD_ENDPOINTS", etcdEndpoints));
  }

  @Test
  void agentJvmOptionsDefaultToTheAgentDefaults() {
    assertThat(parse(Map.of()).config().orElseThrow().agentJvmOptions())
        .isEqualTo(AgentDefaults.JVM_OPTIONS);
    assertThat(parse(Map.of("HALO_AGENT_JVM_OPTIONS", "  ")).config().orElseThrow())
        .extracting(OperatorConfig::agentJvmOptions)
        .isEqualTo(AgentDefaults.JVM_OPTIONS);
  }

  @Test
  void theWatchBoundIsThirtySecondsOrWholeSecondsGiven() {
    assertThat(parse(Map.of()).config().orElseThrow().watchStaleAfter())
        .isEqualTo(Duration.ofSeconds(30));
    assertThat(
            parse(Map.of("HALO_WATCH_STALE_SECONDS", " 5 "))
                .config()
                .orElseThrow()
                .watchStaleAfter())
        .isEqualTo(Duration.ofSeconds(5));
    assertThat(parse(Map.of("HALO_WATCH_STALE_SECONDS", "0")).errors())
        .singleElement()
        .asString()
        .contains("HALO_WATCH_STALE_SECONDS=\"0\"", "whole number of seconds, 1 or more");
    assertThat(parse(Map.of("HALO_WATCH_STALE_SECONDS", "30s")).errors())
        .singleElement()
        .asString()
        .contains("\"30s\"");
  }

  @Test
  void agentJvmOptionsAreSplitOnSpaces() {
    assertThat(
            parse(Map.of("HALO_AGENT_JVM_OPTIONS", " -Xmx48m  -XX:+UseSerialGC "))
                .config()
                .orElseThrow()
                .agentJvmOptions())
        .containsExactly("-Xmx48m", "-XX:+UseSerialGC");
  }

  @Test
  void agentJvmOptionsThatAreNotOptionsAreRejected() {
    assertThat(parse(Map.of("HALO_AGENT_JVM_OPTIONS", "-Xmx48m 48m")).errors())
        .singleElement()
        .asString()
        .contains("HALO_AGENT_JVM_OPTIONS", "\"48m\"");
  }

  @Test
  void readsACommaSeparatedListOfEtcdEndpoints() {
    OperatorConfig.Result result = parseEtcd(" http://etcd-0:2379, http://etcd-1.etcd:2379 ,");

    assertThat(result.errors()).isEmpty();
    assertThat(result.config().orElseThrow().etcdEndpoints())
        .containsExactly("http://etcd-0:2379", "http://etcd-1.etcd:2379");
  }

  @Test
  void readsTheEtcdSecuritySettingsAndRefusesHttpsWithoutThem(@TempDir Path dir)
      throws IOException {
    Path ca = Files.writeString(dir.resolve("ca.crt"), "ca");
    Path password = Files.writeString(dir.resolve("password"), "secret");
    Map<String, String> env =
        Map.of(
            "HALO_LEADER_ELECTION", "false",
            "HALO_ETCD_ENDPOINTS", "https://etcd-0.etcd:2379",
            "HALO_ETCD_CACERT", ca.toString(),
            "HALO_ETCD_USER", "halo-operator",
            "HALO_ETCD_PASSWORD_FILE", password.toString());

    OperatorConfig config = OperatorConfig.fromEnvironment(env).config().orElseThrow();

    assertThat(config.etcdSecurity())
        .isEqualTo(EtcdSecurity.none().withCaFile(ca).withUser("halo-operator", password));
    assertThat(parseEtcd("https://etcd-0.etcd:2379").errors())
        .singleElement()
        .asString()
        .contains("https:// URLs but no TLS setting", "HALO_ETCD_CACERT");
  }

  @Test
  void reportsAnEntryThatIsNotAnHttpUrlWithHostAndPort() {
    OperatorConfig.Result result = parseEtcd("http://etcd-0:2379,etcd:2379,ftp://etcd:21");

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
    assertThat(parseEtcd("  ").config().orElseThrow().etcdEndpoints()).isEmpty();
    assertThat(
            OperatorConfig.fromEnvironment(Map.of("HALO_LEADER_ELECTION", "false"))
                .config()
                .orElseThrow()
                .etcdEndpoints())
        .isEmpty();
  }

  private static OperatorConfig withEtcd(String endpoints) {
    return OperatorConfig.fromEnvironment(
            Map.of("HALO_LEADER_ELECTION", "false", "HALO_ETCD_ENDPOINTS", endpoints))
        .config()
        .orElseThrow();
  }

  private static final Map<String, String> IN_CLUSTER =
      Map.of("KUBERNETES_SERVICE_HOST", "10.96.0.1");

  @Test
  void loopbackEtcdEndpointsAreWarnedAboutInACluster() {
    for (String loopback :
        new String[] {
          "http://127.0.0.1:2379",
          "http://127.1.2.3:2379",
          "http://localhost:2379",
          "http://[::1]:2379"
        }) {
      assertThat(
              OperatorConfig.loopbackWarning(
                  withEtcd("http://etcd-0.etcd:2379," + loopback), IN_CLUSTER))
          .as(loopback)
          .hasValueSatisfying(
              w -> assertThat(w).contains("HALO_ETCD_ENDPOINTS", loopback, "loopback"));
    }
  }

  @Test
  void reachableEtcdEndpointsAreNotWarnedAbout() {
    assertThat(
            OperatorConfig.loopbackWarning(
                withEtcd("http://etcd.halo-system.svc:2379,http://10.0.0.5:2379"), IN_CLUSTER))
        .isEmpty();
  }

  @Test
  void loopbackIsRightOutsideACluster() {
    // The sandbox runs etcd, agents and the operator on one host.
    assertThat(OperatorConfig.loopbackWarning(withEtcd("http://127.0.0.1:2379"), Map.of()))
        .isEmpty();
  }

  /** The operator's own CA file, which https:// HALO_ETCD_ENDPOINTS need. */
  private static String operatorCa(Path dir) throws IOException {
    return Files.writeString(dir.resolve("ca.crt"), "ca").toString();
  }

  @Test
  void readsTheEtcdSecretsForGroups(@TempDir Path dir) throws IOException {
    OperatorConfig config =
        parse(
                Map.of(
                    "HALO_ETCD_ENDPOINTS", "https://etcd:2379",
                    "HALO_ETCD_CACERT", operatorCa(dir),
                    "HALO_GROUP_ETCD_TLS_SECRET", "etcd-client",
                    "HALO_GROUP_ETCD_CA_SECRET", " etcd-ca ",
                    "HALO_GROUP_ETCD_SERVER_NAME", "etcd.internal",
                    "HALO_GROUP_ETCD_CREDENTIALS_SECRET", "etcd-agents"))
            .config()
            .orElseThrow();

    assertThat(config.groupEtcdSecrets().asMap())
        .containsExactly(
            entry("caSecret", "etcd-ca"),
            entry("credentialsSecret", "etcd-agents"),
            entry("serverName", "etcd.internal"),
            entry("tlsSecret", "etcd-client"));
    assertThat(parse(Map.of()).config().orElseThrow().groupEtcdSecrets())
        .isEqualTo(EtcdSecrets.NONE);
  }

  @Test
  void refusesEtcdSecretsForGroupsThatDoNotFitTheDefaultEndpoints(@TempDir Path dir)
      throws IOException {
    assertThat(parse(Map.of("HALO_GROUP_ETCD_CREDENTIALS_SECRET", "agents")).errors())
        .singleElement()
        .asString()
        .startsWith("HALO_GROUP_ETCD_* Secrets are set but HALO_ETCD_ENDPOINTS is not");
    assertThat(
            parse(
                    Map.of(
                        "HALO_ETCD_ENDPOINTS", "http://etcd:2379",
                        "HALO_GROUP_ETCD_CA_SECRET", "etcd-ca"))
                .errors())
        .singleElement()
        .asString()
        .contains("HALO_ETCD_ENDPOINTS are http:// URLs");
    assertThat(
            parse(
                    Map.of(
                        "HALO_ETCD_ENDPOINTS", "https://etcd:2379",
                        "HALO_ETCD_CACERT", operatorCa(dir),
                        "HALO_GROUP_ETCD_SERVER_NAME", "etcd.internal"))
                .errors())
        .containsExactly(
            "HALO_GROUP_ETCD_SERVER_NAME is set without HALO_GROUP_ETCD_TLS_SECRET or"
                + " HALO_GROUP_ETCD_CA_SECRET: name the Secret whose ca.crt the agents trust");
    assertThat(
            parse(
                    Map.of(
                        "HALO_ETCD_ENDPOINTS", "http://etcd:2379",
                        "HALO_GROUP_ETCD_CREDENTIALS_SECRET", "Agents"))
                .errors())
        .singleElement()
        .asString()
        .startsWith("HALO_GROUP_ETCD_CREDENTIALS_SECRET=\"Agents\" is not a Secret name");
  }
}
