package dev.halo.kubectl;

import dev.halo.common.HaloVersion;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code kubectl halo}: the entry point kubectl runs as {@code kubectl-halo}. */
public final class KubectlHalo {
  static final String USAGE =
      """
      kubectl halo: inspect and steer Halo's HighAvailabilityGroups

      Commands:
        status [GROUP]      master, term, lease TTL, members (role, zone, Ready, campaigning,
                            excluded), last failovers (every group of the namespace without GROUP)
        history GROUP       the group's last failovers, newest first
        switchover GROUP    move the master away from the current one (--to MEMBER: to that one)
        pause GROUP         set spec.paused: the operator stops changing the group
        resume GROUP        clear spec.paused
        explain GROUP       why this member is master and why each other is not

      Options:
        -n, --namespace NS  the namespace (default: the context's, else default)
        --context NAME      a context of the kubeconfig (default: the current one)
        --kubeconfig FILE   the kubeconfig (default: $KUBECONFIG, else ~/.kube/config)
        -o, --output json|yaml  status, history, explain: a document instead of a table
        --to MEMBER         switchover: the member that is to become master
        --wait              switchover: wait for the outcome (exit 1 if refused, 7 if not in time)
        --timeout SECONDS   switchover --wait: how long (default 60)
        -h, --help          this text; --version: the plugin's version

      Exit codes: 0 done, 1 refused, 2 usage, 3 kubeconfig, 4 API server unreachable,
      5 unauthorized or forbidden, 6 no such group, 7 timed out, 8 unexpected answer.
      More: docs/kubectl-plugin.md
      """;

  /** How long {@code switchover --wait} waits without {@code --timeout}. */
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

  private final PrintStream out;
  private final Map<String, String> env;

  KubectlHalo(PrintStream out, Map<String, String> env) {
    this.out = out;
    this.env = env;
  }

  public static void main(String[] argv) {
    if (argv.length == 1 && argv[0].equals(ClassArchiveTraining.COMMAND)) {
      ClassArchiveTraining.run();
      return;
    }
    System.exit(run(argv, System.out, System.err, System.getenv()));
  }

  /** Runs one command line; returns the exit code, having printed the failure on {@code err}. */
  static int run(String[] argv, PrintStream out, PrintStream err, Map<String, String> env) {
    try {
      new KubectlHalo(out, env).dispatch(Args.parse(argv));
      out.flush();
      return 0;
    } catch (Failure f) {
      out.flush();
      err.println("error: " + f.getMessage());
      return f.code();
    }
  }

  private void dispatch(Args args) {
    if (args.flag("--version")) {
      for (String line : HaloVersion.lines("kubectl-halo", KubectlHalo.class)) {
        out.println(line);
      }
      return;
    }
    if (args.command() == null || args.flag("--help")) {
      if (args.command() == null && !args.flag("--help")) {
        throw new Failure(Failure.USAGE, "name a command\n\n" + USAGE);
      }
      out.print(USAGE);
      return;
    }
    switch (args.command()) {
      case "status" -> status(args);
      case "history" -> history(args);
      case "switchover" -> switchover(args);
      case "explain" -> explain(args);
      case "pause" -> pause(args, true);
      case "resume" -> pause(args, false);
      default ->
          throw new Failure(
              Failure.USAGE,
              "unknown command \""
                  + args.command()
                  + "\"; the commands are status, history, switchover, pause, resume, explain");
    }
  }

  private void status(Args args) {
    args.only("status", "--output");
    String format = args.output();
    if (args.arguments().size() > 1) {
      throw new Failure(Failure.USAGE, "one group or none: kubectl halo status [GROUP]");
    }
    Groups groups = groups(args);
    List<Object> docs = new ArrayList<>();
    if (args.arguments().isEmpty()) {
      for (Object hag : groups.list()) {
        docs.add(Summary.status(hag));
      }
    } else {
      docs.add(Summary.status(groups.get(args.arguments().get(0))));
    }
    if (format != null) {
      print(args.arguments().isEmpty() ? Map.of("groups", docs) : docs.get(0), format);
      return;
    }
    if (docs.isEmpty()) {
      out.println("no HighAvailabilityGroup in namespace " + groups.namespace());
    }
    for (int i = 0; i < docs.size(); i++) {
      out.print((i > 0 ? "\n" : "") + Tables.status(map(docs.get(i)), Table.WIDTH));
    }
  }

  private void history(Args args) {
    args.only("history", "--output");
    String format = args.output();
    String name = args.group("history GROUP");
    Map<String, Object> doc = Summary.historyDocument(groups(args).get(name));
    if (format != null) {
      print(doc, format);
    } else {
      out.print(Tables.history(doc, Table.WIDTH));
    }
  }

  private void explain(Args args) {
    args.only("explain", "--output");
    String format = args.output();
    String name = args.group("explain GROUP");
    Groups groups = groups(args);
    Map<String, Object> doc = Explanation.of(groups.get(name), groups.events(name));
    if (format != null) {
      print(doc, format);
    } else {
      out.print(Tables.explain(doc, Table.WIDTH));
    }
  }

  private void switchover(Args args) {
    args.only("switchover", "--to", "--wait", "--timeout");
    String name = args.group("switchover GROUP [--to MEMBER] [--wait] [--timeout SECONDS]");
    if (args.option("--timeout") != null && !args.flag("--wait")) {
      throw new Failure(Failure.USAGE, "--timeout goes with --wait");
    }
    Duration timeout = timeout(args);
    new Switchover(groups(args), out).run(name, args.option("--to"), args.flag("--wait"), timeout);
  }

  private static Duration timeout(Args args) {
    String t = args.option("--timeout");
    if (t == null) {
      return DEFAULT_TIMEOUT;
    }
    try {
      long seconds = Long.parseLong(t.endsWith("s") ? t.substring(0, t.length() - 1) : t);
      if (seconds > 0) {
        return Duration.ofSeconds(seconds);
      }
    } catch (NumberFormatException e) {
      // said below
    }
    throw new Failure(
        Failure.USAGE, "--timeout takes seconds, e.g. --timeout 120, not \"" + t + "\"");
  }

  /** pause and resume: a merge patch of spec.paused, checked in the answer. */
  private void pause(Args args, boolean paused) {
    String command = paused ? "pause" : "resume";
    args.only(command);
    String name = args.group(command + " GROUP");
    Object hag =
        groups(args).patch(name, "{\"spec\":{\"paused\":" + paused + "}}", command + " the group");
    if (paused && !Tree.isTrue(hag, "spec", "paused")) {
      throw new Failure(
          Failure.API_ERROR,
          "the API server took the patch but dropped spec.paused: the HighAvailabilityGroup CRD"
              + " on this cluster predates pausing; upgrade Halo's CRD (docs/install.md) and try"
              + " again");
    }
    out.println(
        paused
            ? name
                + " paused (spec.paused=true): the operator changes nothing of it and reports the"
                + " condition Paused until kubectl halo resume "
                + name
            : name + " resumed (spec.paused=false): the operator manages it again");
  }

  private Groups groups(Args args) {
    List<Path> files =
        KubeConfig.files(
            args.option("--kubeconfig"),
            env.get("KUBECONFIG"),
            Path.of(env.getOrDefault("HOME", System.getProperty("user.home"))));
    return new Groups(
        new Api(KubeConfig.load(files, args.option("--context"), args.option("--namespace"))));
  }

  private void print(Object doc, String format) {
    out.print(format.equals("json") ? Json.write(doc) + "\n" : Yaml.write(doc));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    return o instanceof Map<?, ?> m ? (Map<String, Object>) m : new LinkedHashMap<>();
  }
}
