package dev.halo.sandbox;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** An agent under test, in-process or as an OS process, reached through its HTTP API. */
public interface AgentHandle extends AutoCloseable {
  String member();

  int port();

  /** {@code master}, {@code standby}, or {@code down} when the agent does not answer. */
  default String role() {
    return Http.get("http://127.0.0.1:" + port() + "/role", Duration.ofMillis(300))
        .map(String::strip)
        .orElse("down");
  }

  /** The parsed {@code /status}, or empty when the agent does not answer. */
  default Optional<Map<String, Object>> status() {
    return Http.get("http://127.0.0.1:" + port() + "/status", Duration.ofMillis(500))
        .map(Http::json);
  }

  @Override
  void close();
}
