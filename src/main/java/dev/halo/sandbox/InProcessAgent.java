package dev.halo.sandbox;

import dev.halo.agent.Agent;
import dev.halo.agent.AgentConfigParser;
import java.io.IOException;

/** The real agent running inside the test JVM (for scenarios that crash no process). */
public final class InProcessAgent implements AgentHandle {
  private final Agent agent;

  private InProcessAgent(Agent agent) {
    this.agent = agent;
  }

  public static InProcessAgent start(AgentEnv env) {
    var parsed = AgentConfigParser.parse(env.asMap());
    if (parsed.config().isEmpty()) {
      throw new IllegalArgumentException("bad test agent config: " + parsed.errors());
    }
    try {
      return new InProcessAgent(Agent.start(parsed.config().get()));
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
