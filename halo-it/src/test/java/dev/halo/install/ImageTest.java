package dev.halo.install;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.operator.OperatorConfig;
import dev.halo.operator.OperatorMain;
import dev.halo.operator.model.PodFactory;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What can be checked of the image without a Docker engine: the Dockerfile's shape, and that it,
 * the chart, the Makefile and the operator agree on the jar's path, the user and the tag.
 */
class ImageTest {
  private final List<String> dockerfile = lines(Path.of("Dockerfile"));

  @Test
  void buildsWithMavenAndRunsOnAJreOnly() {
    List<String> stages = dockerfile.stream().filter(l -> l.startsWith("FROM ")).toList();
    assertThat(stages).hasSize(2);
    assertThat(stages.get(0)).startsWith("FROM maven:3.9-eclipse-temurin-17 AS build");
    assertThat(stages.get(1)).startsWith("FROM eclipse-temurin:17-jre");
  }

  @Test
  void runtimeCopiesEachPartsJarWhereTheChartAndTheOperatorRunIt() {
    assertThat(dockerfile)
        .contains(
            "COPY --from=build /src/halo-operator/target/halo-operator.jar " + OperatorMain.JAR)
        .contains("COPY --from=build /src/halo-agent/target/halo-agent.jar " + PodFactory.AGENT_JAR)
        .contains("ENTRYPOINT [\"java\", \"-jar\", \"" + OperatorMain.JAR + "\"]");
    assertThat(operatorArgs()).containsSubsequence("-jar", OperatorMain.JAR, "operator");
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
    Deployment deployment =
        HelmChart.render("").stream()
            .filter(Deployment.class::isInstance)
            .map(Deployment.class::cast)
            .findFirst()
            .orElseThrow();
    assertThat(deployment.getSpec().getTemplate().getSpec().getSecurityContext().getRunAsUser())
        .isEqualTo(Long.parseLong(uid.group(1)));
  }

  @Test
  void makeImageTagsWhatTheChartAndTheOperatorDefaultTo() throws IOException {
    String chart = Files.readString(HelmChart.DIR.resolve("Chart.yaml"));
    Matcher appVersion = Pattern.compile("(?m)^appVersion: \"([^\"]+)\"").matcher(chart);
    assertThat(appVersion.find()).isTrue();
    List<String> makefile = lines(Path.of("Makefile"));
    assertThat(makefile)
        .contains("IMAGE_REPOSITORY ?= halo", "IMAGE_TAG ?= " + appVersion.group(1));
    assertThat(OperatorConfig.DEFAULT_AGENT_IMAGE).isEqualTo("halo:" + appVersion.group(1));
  }

  private static List<String> operatorArgs() {
    return HelmChart.render("").stream()
        .filter(Deployment.class::isInstance)
        .map(Deployment.class::cast)
        .findFirst()
        .orElseThrow()
        .getSpec()
        .getTemplate()
        .getSpec()
        .getContainers()
        .get(0)
        .getArgs();
  }

  private static List<String> lines(Path file) {
    try {
      return Files.readAllLines(file).stream().map(String::strip).toList();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
