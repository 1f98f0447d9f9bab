package dev.halo.sandbox;

import java.util.LinkedHashMap;
import java.util.Map;

/** Builds the HALO_* environment of a test agent; the agent always binds to loopback. */
public final class AgentEnv {
  private final Map<String, String> env = new LinkedHashMap<>();

  private AgentEnv(String endpoints, String election, String member) {
    env.put("HALO_ETCD_ENDPOINTS", endpoints);
    env.put("HALO_ELECTION", election);
    env.put("HALO_MEMBER", member);
    env.put("HALO_AGENT_ADDRESS", "127.0.0.1");
    env.put("HALO_AGENT_PORT", Integer.toString(Http.freePort()));
  }

  public static AgentEnv of(String endpoints, String election, String member) {
    return new AgentEnv(endpoints, election, member);
  }

  public AgentEnv ttl(int seconds) {
    return set("HALO_LEASE_TTL_SECONDS", Integer.toString(seconds));
  }

  public AgentEnv set(String key, String value) {
    env.put(key, value);
    return this;
  }

  public String member() {
    return env.get("HALO_MEMBER");
  }

  public int port() {
    return Integer.parseInt(env.get("HALO_AGENT_PORT"));
  }

  public Map<String, String> asMap() {
    return Map.copyOf(env);
  }
}
