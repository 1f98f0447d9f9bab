package dev.halo.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** Writes a benchmark's figures with the machine they were measured on to target/bench/. */
public final class BenchReport {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private BenchReport() {}

  public static Map<String, Object> machine() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cores", Runtime.getRuntime().availableProcessors());
    m.put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
    m.put("memoryMiB", totalMemoryMib());
    m.put("measuredAt", Instant.now().toString());
    return m;
  }

  /** Where the figures go: target/bench, or the {@code halo.bench.dir} system property. */
  public static Path dir() {
    return Path.of(System.getProperty("halo.bench.dir", "target/bench"));
  }

  public static Path write(String name, Map<String, Object> figures) throws IOException {
    Path dir = dir();
    Files.createDirectories(dir);
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("machine", machine());
    doc.putAll(figures);
    Path file = dir.resolve(name);
    JSON.writeValue(file.toFile(), doc);
    return file;
  }

  private static long totalMemoryMib() {
    var os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      return sun.getTotalMemorySize() / (1024 * 1024);
    }
    return -1;
  }
}
