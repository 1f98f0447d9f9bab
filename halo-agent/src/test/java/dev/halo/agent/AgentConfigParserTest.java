package dev.halo.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AgentConfigParserTest {
  private static Map<String, String> minimal() {
    Map<String, String> env = new HashMap<>();
    env.put("HALO_ETCD_ENDPOINTS", "http://etcd-0:2379, http://etcd-1:2379");
    env.put("HALO_ELECTION", "/halo/shop/web/election");
    env.put("POD_NAME", "web-0");
    return env;
  }

  private static List<String> errors(Map<String, String> env) {
    return AgentConfigParser.parse(env).errors();
  }

  @Test
  void appliesDefaults() {
    AgentConfig config = AgentConfigParser.parse(minimal()).config().orElseThrow();

    assertThat(config.etcdEndpoints())
        .containsExactly(URI.create("http://etcd-0:2379"), URI.create("http://etcd-1:2379"));
    assertThat(config.member()).isEqualTo("web-0");
    assertThat(config.leaseTtlSeconds()).isEqualTo(5);
    assertThat(config.port()).isEqualTo(8778);
    assertThat(config.health()).isEmpty();
    assertThat(config.healthPeriod()).isEqualTo(Duration.ofSeconds(1));
    assertThat(config.healthFailures()).isEqualTo(3);
  }

  @Test
  void derivesMarginAndRenewalCadenceFromTheTtl() {
    Map<String, String> env = minimal();
    AgentConfig ttl5 = AgentConfigParser.parse(env).config().orElseThrow();
    env.put("HALO_LEASE_TTL_SECONDS", "30");
    AgentConfig ttl30 = AgentConfigParser.parse(env).config().orElseThrow();

    assertThat(ttl5.deadlineMargin()).isEqualTo(Duration.ofSeconds(1));
    assertThat(ttl5.keepAliveInterval()).isEqualTo(Duration.ofMillis(500));
    assertThat(ttl30.deadlineMargin()).isEqualTo(Duration.ofSeconds(6));
    assertThat(ttl30.keepAliveInterval()).isEqualTo(Duration.ofSeconds(2));
    // A standby renews three times per TTL - margin, never faster than a master.
    assertThat(ttl5.standbyKeepAliveInterval()).isEqualTo(Duration.ofMillis(1333));
    assertThat(ttl30.standbyKeepAliveInterval()).isEqualTo(Duration.ofSeconds(8));
    env.put("HALO_LEASE_TTL_SECONDS", "2");
    AgentConfig ttl2 = AgentConfigParser.parse(env).config().orElseThrow();
    assertThat(ttl2.keepAliveInterval()).isEqualTo(Duration.ofMillis(200));
    assertThat(ttl2.standbyKeepAliveInterval()).isEqualTo(Duration.ofMillis(333));
  }

  @Test
  void memberVariableWinsOverPodName() {
    Map<String, String> env = minimal();
    env.put("HALO_MEMBER", "custom");
    assertThat(AgentConfigParser.parse(env).config().orElseThrow().member()).isEqualTo("custom");
  }

  @Test
  void reportsEveryProblemWithTheVariableName() {
    Map<String, String> env = new HashMap<>();
    env.put("HALO_ELECTION", "halo/no-slash/");
    env.put("HALO_LEASE_TTL_SECONDS", "1");
    env.put("HALO_AGENT_PORT", "http");
    env.put("HALO_HEALTH_HTTP", "http://127.0.0.1:8080/health");
    env.put("HALO_HEALTH_TCP", "127.0.0.1:5432");

    assertThat(errors(env))
        .anySatisfy(e -> assertThat(e).startsWith("HALO_ETCD_ENDPOINTS is not set"))
        .anySatisfy(e -> assertThat(e).startsWith("HALO_ELECTION=\"halo/no-slash/\""))
        .anySatisfy(e -> assertThat(e).startsWith("HALO_MEMBER is not set"))
        .anySatisfy(e -> assertThat(e).contains("HALO_LEASE_TTL_SECONDS=\"1\""))
        .anySatisfy(e -> assertThat(e).contains("HALO_AGENT_PORT=\"http\""))
        .anySatisfy(
            e -> assertThat(e).contains("only one of HALO_HEALTH_HTTP and HALO_HEALTH_TCP"));
  }

  @Test
  void parsesTcpHealthAndRejectsBadOnes() {
    Map<String, String> env = minimal();
    env.put("HALO_HEALTH_TCP", "127.0.0.1:5432");
    assertThat(AgentConfigParser.parse(env).config().orElseThrow().health())
        .contains(new AgentConfig.HealthCheck.Tcp("127.0.0.1", 5432));

    env.put("HALO_HEALTH_TCP", "5432");
    assertThat(errors(env)).singleElement().asString().contains("is not host:port");
  }

  @Test
  void roleFileDirectoryMustExist() {
    Map<String, String> env = minimal();
    env.put("HALO_ROLE_FILE", "/nonexistent-halo-dir/role");
    assertThat(errors(env))
        .singleElement()
        .asString()
        .contains("HALO_ROLE_FILE")
        .contains("/nonexistent-halo-dir");
  }

  @Test
  void roleHistoryIsOptionalAndItsDirectoryMustExist() {
    Map<String, String> env = minimal();
    assertThat(AgentConfigParser.parse(env).config().orElseThrow().roleHistory()).isEmpty();

    env.put("HALO_ROLE_HISTORY", "/tmp/web-0.history");
    assertThat(AgentConfigParser.parse(env).config().orElseThrow().roleHistory())
        .contains(Path.of("/tmp/web-0.history"));

    env.put("HALO_ROLE_HISTORY", "/nonexistent-halo-dir/history");
    assertThat(errors(env))
        .singleElement()
        .asString()
        .contains("HALO_ROLE_HISTORY")
        .contains("/nonexistent-halo-dir");
  }
}
