package dev.halo.sandbox;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * How a workload container's {@code command} becomes a local process (no I/O but looking for the
 * program): whether the pod asks for it, which program, which arguments with the container ports
 * replaced by the local ports they map to, and the variables telling it those ports.
 */
final class WorkloadCommand {
  /** The pod annotation that makes the kubelet run its workload containers' commands. */
  static final String RUN_COMMAND_ANNOTATION = "sandbox.halo.dev/run-command";

  /** The first mapped port, for a program that reads one port from the environment. */
  static final String PORT_VARIABLE = "PORT";

  /** Prefix of the variable naming each named port's local port ({@code <NAME>} upper case). */
  static final String NAMED_PORT_PREFIX = "HALO_SANDBOX_PORT_";

  /**
   * Names the file in which the kubelet lists every pod's local ports, one {@code
   * <pod>:<containerPort>=127.0.0.1:<local port>} per line ({@link ProcessPeers}): the sandbox's
   * stand-in for reaching another pod by name.
   */
  static final String PEERS_VARIABLE = "HALO_SANDBOX_PEERS";

  private WorkloadCommand() {}

  /** Whether the pod asks for real processes: its annotation {@value #RUN_COMMAND_ANNOTATION}. */
  static boolean requested(Pod pod) {
    Map<String, String> annotations = pod.getMetadata().getAnnotations();
    return annotations != null && "true".equals(annotations.get(RUN_COMMAND_ANNOTATION));
  }

  /** The program the container names, when it has a command and the program is on this machine. */
  static Optional<Path> program(Container c, String pathVariable) {
    if (c.getCommand() == null || c.getCommand().isEmpty()) {
      return Optional.empty();
    }
    return resolve(c.getCommand().get(0), pathVariable, WorkloadCommand::executable);
  }

  /**
   * An absolute path that is {@code executable}, or a bare name found in one of {@code
   * pathVariable}'s directories as a shell does; a relative path with a slash is not looked for.
   */
  static Optional<Path> resolve(String program, String pathVariable, Predicate<Path> executable) {
    if (program == null || program.isBlank()) {
      return Optional.empty();
    }
    if (program.startsWith("/")) {
      Path path = Path.of(program);
      return executable.test(path) ? Optional.of(path) : Optional.empty();
    }
    if (program.contains("/") || pathVariable == null) {
      return Optional.empty();
    }
    for (String dir : pathVariable.split(File.pathSeparator)) {
      if (!dir.isEmpty()) {
        Path candidate = Path.of(dir, program);
        if (executable.test(candidate)) {
          return Optional.of(candidate);
        }
      }
    }
    return Optional.empty();
  }

  static boolean executable(Path path) {
    return Files.isRegularFile(path) && Files.isExecutable(path);
  }

  /**
   * The process's command line: the program, the rest of {@code command}, then {@code args}, with
   * {@code $(VAR)} references expanded from {@code env} as Kubernetes does, and every argument that
   * is exactly a container port replaced by its local port.
   */
  static List<String> argv(
      Path program, Container c, Map<String, String> env, Map<Integer, Integer> ports) {
    List<String> rest = new ArrayList<>(c.getCommand().subList(1, c.getCommand().size()));
    if (c.getArgs() != null) {
      rest.addAll(c.getArgs());
    }
    rest.replaceAll(arg -> AgentEnvResolver.expand(arg, env));
    List<String> argv = new ArrayList<>();
    argv.add(program.toString());
    argv.addAll(substitutePorts(rest, ports));
    return argv;
  }

  /** Each argument that is exactly a container port's number becomes its local port. */
  static List<String> substitutePorts(List<String> args, Map<Integer, Integer> ports) {
    List<String> out = new ArrayList<>(args.size());
    for (String arg : args) {
      Integer local = isPortNumber(arg) ? ports.get(Integer.parseInt(arg)) : null;
      out.add(local == null ? arg : Integer.toString(local));
    }
    return out;
  }

  private static boolean isPortNumber(String arg) {
    return !arg.isEmpty() && arg.length() <= 5 && arg.chars().allMatch(Character::isDigit);
  }

  /**
   * {@value #PORT_VARIABLE} = the first port's local port, and {@value #NAMED_PORT_PREFIX}{@code
   * <NAME>} for each named port (upper case, {@code -} as {@code _}).
   */
  static Map<String, String> portEnv(List<ContainerPort> declared, Map<Integer, Integer> ports) {
    Map<String, String> env = new LinkedHashMap<>();
    for (ContainerPort port : declared) {
      Integer local = ports.get(port.getContainerPort());
      if (local == null) {
        continue;
      }
      env.putIfAbsent(PORT_VARIABLE, Integer.toString(local));
      if (port.getName() != null && !port.getName().isBlank()) {
        String name = port.getName().toUpperCase(Locale.ROOT).replace('-', '_');
        env.put(NAMED_PORT_PREFIX + name, Integer.toString(local));
      }
    }
    return env;
  }

  /**
   * {@value #NAMED_PORT_PREFIX}{@code <NAME>} for each named port of one container: every container
   * of the pod gets those of all its containers, as they share one network.
   */
  static Map<String, String> namedPortEnv(
      List<ContainerPort> declared, Map<Integer, Integer> ports) {
    Map<String, String> env = portEnv(declared, ports);
    env.remove(PORT_VARIABLE);
    return env;
  }

  /**
   * The process's whole environment: this machine's {@code PATH} and {@code HOME}, {@code HOSTNAME}
   * = the pod's name (as in a container), the container's resolved {@code env}, then the port
   * variables, which win: the program must listen where the kubelet says.
   */
  static Map<String, String> processEnv(
      String pod,
      Map<String, String> host,
      Map<String, String> container,
      Map<String, String> ports) {
    Map<String, String> env = new LinkedHashMap<>();
    for (String name : List.of("PATH", "HOME")) {
      if (host.get(name) != null) {
        env.put(name, host.get(name));
      }
    }
    env.put("HOSTNAME", pod);
    env.putAll(container);
    env.putAll(ports);
    return env;
  }
}
