package dev.halo.agent;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.event.KeyValuePair;

/** The agent's logging in code writes what logback.xml makes the operator write. */
class AgentLoggingTest {
  @AfterEach
  void clearLevel() {
    System.clearProperty(AgentLogging.LEVEL_VARIABLE);
  }

  @Test
  void writesTheSameBytesAsLogbackXmlForEveryLevelWithKeyValuesAndExceptions() throws Exception {
    LoggerContext fromCode = new LoggerContext();
    new AgentLogging().configure(fromCode);
    LoggerContext fromXml = new LoggerContext();
    JoranConfigurator joran = new JoranConfigurator();
    joran.setContext(fromXml);
    joran.doConfigure(getClass().getClassLoader().getResource("logback.xml"));

    for (ILoggingEvent event : events(fromCode)) {
      assertThat(new String(encode(fromCode, event), StandardCharsets.UTF_8))
          .isEqualTo(new String(encode(fromXml, event), StandardCharsets.UTF_8))
          .startsWith("2024-05-06T07:08:09.010Z ");
    }
    for (String name : List.of("io.grpc.netty", "io.netty.channel", "io.etcd.jetcd", "dev.halo")) {
      assertThat(fromCode.getLogger(name).getEffectiveLevel())
          .as(name)
          .isEqualTo(fromXml.getLogger(name).getEffectiveLevel());
    }
  }

  @Test
  void rootLevelFollowsHaloLogLevelAndFallsBackToInfoOnNonsense() {
    System.setProperty(AgentLogging.LEVEL_VARIABLE, "debug");
    assertThat(AgentLogging.rootLevel()).isEqualTo(Level.DEBUG);
    System.setProperty(AgentLogging.LEVEL_VARIABLE, "loud");
    assertThat(AgentLogging.rootLevel()).isEqualTo(Level.INFO);
  }

  private static List<ILoggingEvent> events(LoggerContext context) {
    ch.qos.logback.classic.Logger logger = context.getLogger("dev.halo.agent.Elector");
    List<ILoggingEvent> events = new ArrayList<>();
    for (Level level : List.of(Level.DEBUG, Level.INFO, Level.WARN, Level.ERROR)) {
      LoggingEvent event =
          new LoggingEvent(
              Logger.class.getName(),
              logger,
              level,
              "campaigning {}",
              level == Level.ERROR ? new IllegalStateException("etcd gone") : null,
              new Object[] {"now"});
      event.setTimeStamp(1714979289010L);
      event.addKeyValuePair(new KeyValuePair("key", "/halo/ns/g/election/1"));
      event.addKeyValuePair(new KeyValuePair("revision", 7));
      events.add(event);
    }
    return events;
  }

  private static byte[] encode(LoggerContext context, ILoggingEvent event) {
    var appender =
        (OutputStreamAppender<ILoggingEvent>)
            context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDERR");
    return appender.getEncoder().encode(event);
  }
}
