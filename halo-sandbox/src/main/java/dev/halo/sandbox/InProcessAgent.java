package dev.halo.sandbox;

import dev.halo.agent.Agent;
import dev.halo.agent.AgentConfig;
import dev.halo.agent.AgentConfigParser;
import dev.halo.agent.ElectionClient;
import java.io.IOException;
import java.util.Optional;
import java.util.function.Function;

/** The real agent running inside the test JVM (for scenarios that crash no process). */
public final class InProcessAgent implements AgentHandle {
  private final Agent agent;

  private InProcessAgent(Agent agent) {
    this.agent = agent;
  }

  public static InProcessAgent start(AgentEnv env) {
    return start(env, Optional.empty());
  }

  /** Starts the agent on the etcd client {@code clients} gives, or on its own when empty. */
  public static InProcessAgent start(
      AgentEnv env, Optional<Function<AgentConfig, ElectionClient>> clients) {
    var parsed = AgentConfigParser.parse(env.asMap());
    if (parsed.config().isEmpty()) {
      throw new IllegalArgumentException("bad test agent config: " + parsed.errors());
    }
    AgentConfig config = parsed.config().get();
    try {
      return new InProcessAgent(
          clients.isPresent()
              ? Agent.start(config, clients.get().apply(config))
              : Agent.start(config));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public Agent agent() {
    return agent;
  }

  @Override
  public String member() {
    return agent.config().member();
  }

  @Override
  public int port() {
    return agent.port();
  }

  @Override
  public void close() {
    agent.shutdown();
  }
}
