package dev.halo.agent;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;

/**
 * The agent's logging, set up in code: logback runs it (found through {@code META-INF/services})
 * before it would look for {@code logback.xml}, so an agent start loads no XML parser (about 600
 * classes). Same one-line format and levels as the operator's {@code logback.xml}: time, level,
 * logger, message, key=value pairs, on stderr, at {@code HALO_LOG_LEVEL} (default INFO), with the
 * etcd client's libraries at ERROR. An explicit {@code -Dlogback.configurationFile} still wins.
 * Every JVM with the agent on its class path gets it, {@code halo.jar} and the tests included: its
 * output is the same.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class AgentLogging extends ContextAwareBase implements Configurator {
  /** The pattern of {@code logback.xml}; tests and people read these lines. */
  static final String PATTERN =
      "%d{yyyy-MM-dd'T'HH:mm:ss.SSS'Z',UTC} %-5level %logger{0} %msg %kvp{NONE}%n%ex{short}";

  static final String LEVEL_VARIABLE = "HALO_LOG_LEVEL";

  /** Libraries that log every retry of a broken connection; the agent logs what it means. */
  static final List<String> QUIET = List.of("io.grpc", "io.netty", "io.vertx", "io.etcd.jetcd");

  private static final List<String> LEVELS =
      List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF");

  public AgentLogging() {}

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (System.getProperty("logback.configurationFile") != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern(PATTERN);
    encoder.start();
    ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
    stderr.setContext(context);
    stderr.setName("STDERR"); // the name logback.xml gives it; the sandbox detaches it by name
    stderr.setTarget("System.err");
    stderr.setEncoder(encoder);
    stderr.start();
    QUIET.forEach(name -> context.getLogger(name).setLevel(Level.ERROR));
    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(rootLevel());
    root.addAppender(stderr);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  /**
   * {@code HALO_LOG_LEVEL} as a system property or environment variable, as logback.xml reads it.
   */
  static Level rootLevel() {
    String value = System.getProperty(LEVEL_VARIABLE, System.getenv(LEVEL_VARIABLE));
    if (value == null || value.isBlank()) {
      return Level.INFO;
    }
    if (!LEVELS.contains(value.trim().toUpperCase(Locale.ROOT))) {
      // No logger exists yet to say it with.
      System.err.println(
          "halo agent: "
              + LEVEL_VARIABLE
              + "=\""
              + value
              + "\" is not a log level ("
              + String.join(", ", LEVELS)
              + "); logging at INFO");
      return Level.INFO;
    }
    return Level.toLevel(value.trim(), Level.INFO);
  }
}
