package dev.halo.kubectl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line: what each mistake prints and which exit code it gives. */
class KubectlHaloTest {
  @TempDir Path dir;

  private record Result(int code, String out, String err) {}

  private Result run(String... argv) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        KubectlHalo.run(
            argv,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            Map.of("HOME", dir.toString()));
    return new Result(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void noCommandIsAUsageErrorThatShowsTheCommands() {
    Result r = run();

    assertThat(r.code()).isEqualTo(Failure.USAGE);
    assertThat(r.err()).contains("name a command", "status [GROUP]", "switchover GROUP");
  }

  @Test
  void helpPrintsTheUsageAndTheExitCodes() {
    Result r = run("--help");

    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("Exit codes: 0 done, 1 refused, 2 usage");
  }

  @Test
  void anUnknownCommandNamesTheCommands() {
    Result r = run("stauts");

    assertThat(r.code()).isEqualTo(Failure.USAGE);
    assertThat(r.err()).contains("unknown command \"stauts\"", "status, history");
  }

  @Test
  void anUnknownOptionIsNamed() {
    Result r = run("status", "--colour");

    assertThat(r.code()).isEqualTo(Failure.USAGE);
    assertThat(r.err()).contains("unknown option --colour");
  }

  @Test
  void anOptionWithoutItsValueSaysSo() {
    Result r = run("status", "-n");

    assertThat(r.code()).isEqualTo(Failure.USAGE);
    assertThat(r.err()).contains("-n needs a value");
  }

  @Test
  void historyNeedsAGroup() {
    Result r = run("history");

    assertThat(r.code()).isEqualTo(Failure.USAGE);
    assertThat(r.err()).contains("name the group: kubectl halo history GROUP");
  }

  @Test
  void statusTakesOneGroupAtMost() {
    assertThat(run("status", "web", "api").err()).contains("one group or none");
  }

  @Test
  void onlyJsonAndYamlAreOutputFormats() {
    Result r = run("status", "-o", "wide");

    assertThat(r.code()).isEqualTo(Failure.USAGE);
    assertThat(r.err()).contains("-o takes json or yaml, not \"wide\"");
  }

  @Test
  void anOptionOfAnotherCommandIsRefused() {
    Result r = run("history", "web", "--to", "web-1");

    assertThat(r.code()).isEqualTo(Failure.USAGE);
    assertThat(r.err()).contains("history does not take --to");
  }

  @Test
  void withoutAKubeconfigItSaysWhereItLookedAndWhatToDo() {
    Result r = run("status");

    assertThat(r.code()).isEqualTo(Failure.CONFIG);
    assertThat(r.err())
        .contains(
            "no kubeconfig", dir.resolve(".kube/config").toString(), "KUBECONFIG", "--kubeconfig");
  }

  @Test
  void switchoverNeedsAGroupAndTakesTimeoutOnlyWithWait() {
    assertThat(run("switchover").err()).contains("name the group: kubectl halo switchover GROUP");
    Result r = run("switchover", "web", "--timeout", "30");
    assertThat(r.code()).isEqualTo(Failure.USAGE);
    assertThat(r.err()).contains("--timeout goes with --wait");
  }

  @Test
  void aTimeoutIsSeconds() {
    Result r = run("switchover", "web", "--wait", "--timeout", "soon");

    assertThat(r.code()).isEqualTo(Failure.USAGE);
    assertThat(r.err()).contains("--timeout takes seconds");
  }

  @Test
  void pauseTakesOneGroupAndNoOutputFormat() {
    assertThat(run("pause").err()).contains("name the group: kubectl halo pause GROUP");
    assertThat(run("resume", "web", "-o", "json").err()).contains("resume does not take --output");
  }
}
