package dev.halo.testing;

import dev.halo.sandbox.AgentHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * Samples every agent's {@code /role} in a loop on its own thread and records each instant at which
 * more than one agent said {@code master} (docs/design.md invariant 1).
 *
 * <p>Agents are asked one after another, so a clean handover between two questions could look like
 * two masters. A suspected pair is therefore asked again in reverse order: if A said master before
 * B did and again after B did, both held master at the moment B answered.
 */
public final class RoleSampler implements AutoCloseable {
  /** One observation of every agent's role. */
  public record Sample(long atMillis, List<String> masters) {}

  private final List<? extends AgentHandle> agents;
  private final List<Sample> violations = new CopyOnWriteArrayList<>();
  private final Thread thread;
  private volatile boolean running = true;

  public RoleSampler(List<? extends AgentHandle> agents) {
    this.agents = List.copyOf(agents);
    this.thread = new Thread(this::loop, "role-sampler");
    thread.setDaemon(true);
    thread.start();
  }

  private void loop() {
    while (running) {
      List<AgentHandle> masters = new ArrayList<>();
      for (AgentHandle agent : agents) {
        if ("master".equals(agent.role())) {
          masters.add(agent);
        }
      }
      if (masters.size() > 1 && confirmed(masters)) {
        violations.add(
            new Sample(
                System.currentTimeMillis(), masters.stream().map(AgentHandle::member).toList()));
      }
    }
  }

  private static boolean confirmed(List<AgentHandle> masters) {
    for (int i = masters.size() - 1; i >= 0; i--) {
      if (!"master".equals(masters.get(i).role())) {
        return false;
      }
    }
    return true;
  }

  public List<Sample> violations() {
    return List.copyOf(violations);
  }

  public String describe() {
    return violations.stream().map(Sample::toString).collect(Collectors.joining("\n"));
  }

  @Override
  public void close() {
    running = false;
    try {
      thread.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
