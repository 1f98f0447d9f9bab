package dev.halo.kubectl;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A parsed command line: the command, its arguments and its options, kubectl's spelling ({@code -n
 * shop}, {@code --namespace=shop}, options anywhere).
 */
record Args(
    String command, List<String> arguments, Map<String, String> options, Set<String> flags) {
  private static final Map<String, String> VALUED =
      Map.of(
          "--kubeconfig", "--kubeconfig",
          "--context", "--context",
          "-n", "--namespace",
          "--namespace", "--namespace",
          "-o", "--output",
          "--output", "--output",
          "--to", "--to",
          "--timeout", "--timeout");
  private static final Set<String> FLAGS = Set.of("--wait", "--help", "-h", "--version");

  static Args parse(String[] argv) {
    List<String> words = new ArrayList<>();
    Map<String, String> options = new HashMap<>();
    Set<String> flags = new HashSet<>();
    for (int i = 0; i < argv.length; i++) {
      String a = argv[i];
      if (!a.startsWith("-") || a.equals("-")) {
        words.add(a);
        continue;
      }
      String name = a;
      String value = null;
      int eq = a.indexOf('=');
      if (a.startsWith("--") && eq > 0) {
        name = a.substring(0, eq);
        value = a.substring(eq + 1);
      }
      if (FLAGS.contains(name) && value == null) {
        flags.add(name.equals("-h") ? "--help" : name);
      } else if (VALUED.containsKey(name)) {
        if (value == null) {
          if (i + 1 >= argv.length) {
            throw new Failure(Failure.USAGE, name + " needs a value; see kubectl halo --help");
          }
          value = argv[++i];
        }
        options.put(VALUED.get(name), value);
      } else {
        throw new Failure(
            Failure.USAGE, "unknown option " + name + "; kubectl halo --help lists the options");
      }
    }
    String command = words.isEmpty() ? null : words.remove(0);
    return new Args(command, List.copyOf(words), Map.copyOf(options), Set.copyOf(flags));
  }

  String option(String name) {
    return options.get(name);
  }

  boolean flag(String name) {
    return flags.contains(name);
  }

  /** The one group this command needs; a usage failure naming {@code usage} otherwise. */
  String group(String usage) {
    if (arguments.size() != 1) {
      throw new Failure(
          Failure.USAGE,
          (arguments.isEmpty() ? "name the group: " : "one group only: ")
              + "kubectl halo "
              + usage);
    }
    return arguments.get(0);
  }

  /** The output format: null (a table), json or yaml. */
  String output() {
    String o = options.get("--output");
    if (o != null && !o.equals("json") && !o.equals("yaml")) {
      throw new Failure(Failure.USAGE, "-o takes json or yaml, not \"" + o + "\"");
    }
    return o;
  }

  /** Refuses options that {@code command} does not take. */
  void only(String command, String... allowed) {
    Set<String> ok = new HashSet<>(Set.of("--kubeconfig", "--context", "--namespace", "--help"));
    ok.addAll(List.of(allowed));
    for (String o : options.keySet()) {
      if (!ok.contains(o)) {
        throw new Failure(
            Failure.USAGE, command + " does not take " + o + "; see kubectl halo --help");
      }
    }
    for (String f : flags) {
      if (!ok.contains(f)) {
        throw new Failure(
            Failure.USAGE, command + " does not take " + f + "; see kubectl halo --help");
      }
    }
  }
}
