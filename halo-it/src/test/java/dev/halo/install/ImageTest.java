package dev.halo.install;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.common.AgentDefaults;
import dev.halo.operator.OperatorConfig;
import dev.halo.operator.OperatorMain;
import dev.halo.operator.model.PodFactory;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What can be checked of the images without building them (make image and make image-test do that,
 * as root, outside make test): that the Dockerfile builds what scripts/image-build.sh builds, and
 * that both, the chart, the Makefile and the operator agree on the jars' paths, the user and the
 * names.
 */
class ImageTest {
  private final List<String> dockerfile = lines(Path.of("Dockerfile"));
  private final Map<String, String> imageEnv = imageEnv();

  @Test
  void dockerfileBuildsTheJarsWithMavenAndTheRuntimeWithTheScriptsOfMakeImage() {
    List<String> stages = dockerfile.stream().filter(l -> l.startsWith("FROM ")).toList();
    assertThat(stages)
        .containsExactly(
            "FROM maven:3.9-eclipse-temurin-17 AS build",
            "FROM eclipse-temurin:25-jdk AS jre",
            "FROM debian:bookworm AS base",
            "FROM debian:bookworm AS aot",
            "FROM scratch AS runtime",
            "FROM runtime AS agent",
            "FROM runtime AS operator");
    assertThat(dockerfile)
        .contains("COPY scripts/image-jre.sh /usr/local/bin/")
        .contains("RUN image-jre.sh \"$JAVA_HOME\" /jre")
        .contains("COPY scripts/image-base.sh /usr/local/bin/")
        .contains("&& image-base.sh /rootfs")
        .contains(
            "COPY scripts/image-aot.sh scripts/image.env scripts/image-lib.sh /usr/local/bin/")
        .contains("RUN image-aot.sh / /halo-agent.aot");
    assertThat(lines(Path.of(".dockerignore")))
        .contains(
            "!scripts/image-base.sh",
            "!scripts/image-jre.sh",
            "!scripts/image-aot.sh",
            "!scripts/image.env",
            "!scripts/image-lib.sh");
    assertThat(Path.of("scripts/image-build.sh"))
        .content()
        .contains(
            "\"$scripts/image-base.sh\"", "\"$scripts/image-jre.sh\"", "\"$scripts/image-aot.sh\"");
  }

  /**
   * Only the agent's image carries its AOT cache and the option that uses it, in {@code
   * JDK_JAVA_OPTIONS} (the operator puts AgentDefaults' on the command line, which also run on Java
   * 17); the training stage runs the agent's jar and runtime at the paths the image has them.
   */
  @Test
  void theAgentImageAloneCarriesItsAotCacheAndTheOptionThatUsesIt() {
    String cache = imageEnv.get("AGENT_AOT_CACHE_PATH");
    assertThat(cache).startsWith("/opt/halo/");
    String env = "ENV JDK_JAVA_OPTIONS=\"-XX:AOTCache=" + cache + "\"";
    List<String> agent = stage("agent");
    assertThat(agent).contains("COPY --from=aot /halo-agent.aot " + cache, env);
    assertThat(stage("operator"))
        .noneMatch(l -> l.contains("JDK_JAVA_OPTIONS") || l.contains(cache));
    assertThat(stage("runtime")).noneMatch(l -> l.contains("JDK_JAVA_OPTIONS"));
    assertThat(stage("aot"))
        .contains("COPY --from=jre /jre " + imageEnv.get("JAVA_HOME"))
        .contains(
            "COPY --from=build /src/halo-agent/target/halo-agent.jar " + PodFactory.AGENT_JAR);
    assertThat(String.join("\n", AgentDefaults.JVM_OPTIONS)).doesNotContain("AOTCache");
  }

  @Test
  void eachImageHasTheLayoutOfMakeImage() {
    String javaHome = imageEnv.get("JAVA_HOME");
    assertThat(dockerfile)
        .contains("COPY --from=base /rootfs/ /")
        .contains("COPY --from=jre /jre " + javaHome)
        .contains("ENV JAVA_HOME=" + javaHome)
        .contains("ENV PATH=" + imageEnv.get("IMAGE_PATH"));
    assertThat(imageEnv.get("IMAGE_PATH")).startsWith(javaHome + "/bin:");
  }

  @Test
  void eachPartsJarIsWhereTheChartAndTheOperatorRunIt() {
    assertThat(imageEnv)
        .containsEntry("AGENT_JAR_PATH", PodFactory.AGENT_JAR)
        .containsEntry("OPERATOR_JAR_PATH", OperatorMain.JAR);
    assertThat(dockerfile)
        .contains("COPY --from=build /src/halo-agent/target/halo-agent.jar " + PodFactory.AGENT_JAR)
        .contains("ENTRYPOINT [\"java\", \"-jar\", \"" + PodFactory.AGENT_JAR + "\"]")
        .contains(
            "COPY --from=build /src/halo-operator/target/halo-operator.jar " + OperatorMain.JAR)
        .contains("ENTRYPOINT [\"java\", \"-jar\", \"" + OperatorMain.JAR + "\"]");
    assertThat(operatorDeployment().getSpec().getTemplate().getSpec().getContainers().get(0))
        .satisfies(c -> assertThat(c.getCommand()).containsExactly("java"))
        .satisfies(c -> assertThat(c.getArgs()).containsSubsequence("-jar", OperatorMain.JAR));
  }

  /**
   * Maven reads every module the root pom lists, even those {@code -pl} leaves out, so the build
   * stage needs each one's pom and sources, and .dockerignore must let them through.
   */
  @Test
  void buildStageHasEveryModuleTheRootPomLists() throws IOException {
    Matcher module =
        Pattern.compile("<module>([^<]+)</module>").matcher(Files.readString(Path.of("pom.xml")));
    List<String> modules = module.results().map(m -> m.group(1)).toList();
    assertThat(modules).contains("halo-agent", "halo-operator", "halo-etcd");
    List<String> ignore = lines(Path.of(".dockerignore"));
    assertThat(ignore).contains("*", "!pom.xml", "!halo-*/pom.xml", "!halo-*/src/");
    for (String m : modules) {
      assertThat(m).as("a module the .dockerignore patterns let through").startsWith("halo-");
      assertThat(dockerfile).as("the build stage copies " + m).contains("COPY " + m + " ./" + m);
    }
  }

  @Test
  void runsAsTheNonRootUserTheChartDeclares() {
    String user =
        dockerfile.stream().filter(l -> l.startsWith("USER ")).reduce((a, b) -> b).orElseThrow();
    Matcher uid = Pattern.compile("USER (\\d+):(\\d+)").matcher(user);
    assertThat(uid.matches()).as("numeric USER uid:gid, so runAsNonRoot can check it").isTrue();
    assertThat(Long.parseLong(uid.group(1))).isPositive();
    assertThat(imageEnv).containsEntry("IMAGE_USER", uid.group(1) + ":" + uid.group(2));
    assertThat(operatorDeployment().getSpec().getTemplate().getSpec().getSecurityContext())
        .satisfies(s -> assertThat(s.getRunAsUser()).isEqualTo(Long.parseLong(uid.group(1))))
        .satisfies(s -> assertThat(s.getRunAsGroup()).isEqualTo(Long.parseLong(uid.group(2))));
  }

  /**
   * make image names the images as the chart does by default: the operator's repository and tag,
   * and the agent's with "-agent"; the operator's own default (no chart) is the operator's image,
   * which carries the agent's jar too.
   */
  @Test
  void makeImageNamesWhatTheChartAndTheOperatorDefaultTo() throws IOException {
    String chart = Files.readString(HelmChart.DIR.resolve("Chart.yaml"));
    Matcher appVersion = Pattern.compile("(?m)^appVersion: \"([^\"]+)\"").matcher(chart);
    assertThat(appVersion.find()).isTrue();
    String tag = appVersion.group(1);
    assertThat(lines(Path.of("Makefile")))
        .contains(
            "IMAGE_REPOSITORY ?= halo",
            "IMAGE_TAG ?= " + tag,
            "AGENT_IMAGE_REPOSITORY ?= $(IMAGE_REPOSITORY)-agent");
    Deployment deployment = operatorDeployment();
    assertThat(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo("halo:" + tag);
    assertThat(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
        .filteredOn(e -> e.getName().equals("HALO_AGENT_IMAGE"))
        .extracting(EnvVar::getValue)
        .containsExactly("halo-agent:" + tag);
    assertThat(OperatorConfig.DEFAULT_AGENT_IMAGE).isEqualTo("halo:" + tag);
  }

  /** The lines of the Dockerfile's stage {@code name}, from its FROM to the next. */
  private List<String> stage(String name) {
    int from = -1;
    for (int i = 0; i < dockerfile.size(); i++) {
      if (dockerfile.get(i).startsWith("FROM ")) {
        if (from >= 0) {
          return dockerfile.subList(from, i);
        }
        if (dockerfile.get(i).endsWith(" AS " + name)) {
          from = i;
        }
      }
    }
    assertThat(from).as("a stage " + name).isNotNegative();
    return dockerfile.subList(from, dockerfile.size());
  }

  private static Deployment operatorDeployment() {
    return HelmChart.render("").stream()
        .filter(Deployment.class::isInstance)
        .map(Deployment.class::cast)
        .findFirst()
        .orElseThrow();
  }

  /** scripts/image.env: NAME=value lines, what make image and make image-test share. */
  private static Map<String, String> imageEnv() {
    Map<String, String> env = new LinkedHashMap<>();
    for (String line : lines(Path.of("scripts", "image.env"))) {
      int eq = line.indexOf('=');
      if (!line.startsWith("#") && eq > 0) {
        env.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    return env;
  }

  private static List<String> lines(Path file) {
    try {
      return Files.readAllLines(file).stream().map(String::strip).toList();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
