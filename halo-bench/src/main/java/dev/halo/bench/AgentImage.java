package dev.halo.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.halo.sandbox.AgentProcess;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * The agent image of {@code make image} as {@code umoci unpack} leaves it (a bundle: {@code
 * config.json}, the runtime configuration an engine would use, and {@code rootfs/}), run the way a
 * container engine runs it: chrooted into its filesystem, as its user, with only its environment
 * (so its {@code JDK_JAVA_OPTIONS} and AOT cache). The caller mounts {@code /proc} in the rootfs
 * and runs as root (scripts/image-agent-bench.sh does both).
 */
record AgentImage(Path rootfs, String user, Map<String, String> environment, String jar) {

  static AgentImage read(Path bundle) throws IOException {
    JsonNode config = new ObjectMapper().readTree(bundle.resolve("config.json").toFile());
    Map<String, String> env = new LinkedHashMap<>();
    for (JsonNode var : config.path("process").path("env")) {
      String text = var.asText();
      int eq = text.indexOf('=');
      env.put(text.substring(0, eq), text.substring(eq + 1));
    }
    List<String> args = new ArrayList<>();
    config.path("process").path("args").forEach(arg -> args.add(arg.asText()));
    int jar = args.indexOf("-jar");
    if (jar < 0 || jar + 1 >= args.size()) {
      throw new IllegalArgumentException(bundle + ": the image's command has no -jar: " + args);
    }
    JsonNode user = config.path("process").path("user");
    return new AgentImage(
        bundle.resolve(config.path("root").path("path").asText("rootfs")).toAbsolutePath(),
        user.path("uid").asInt() + ":" + user.path("gid").asInt(),
        env,
        args.get(jar + 1));
  }

  /** How AgentProcess starts the image's java: chroot, the user, the image's environment. */
  AgentProcess.Launcher launcher() {
    return new AgentProcess.Launcher(
        List.of(onPath("chroot"), "--userspec=" + user, rootfs.toString(), "java"),
        Optional.of(environment),
        jar);
  }

  /** What the image runs, for the report: its Java and the options its configuration adds. */
  Map<String, Object> describe() throws IOException {
    Properties release = new Properties();
    String javaHome = environment.getOrDefault("JAVA_HOME", "/opt/java/openjdk");
    try (var in =
        Files.newBufferedReader(rootfs.resolve(javaHome.substring(1)).resolve("release"))) {
      release.load(in);
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("java", "Java " + release.getProperty("JAVA_VERSION", "?").replace("\"", ""));
    m.put("JDK_JAVA_OPTIONS", environment.getOrDefault("JDK_JAVA_OPTIONS", ""));
    m.put("jar", jar);
    return m;
  }

  private static String onPath(String command) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
      Path candidate = Path.of(dir, command);
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    throw new IllegalStateException(command + " is not on the PATH");
  }
}
