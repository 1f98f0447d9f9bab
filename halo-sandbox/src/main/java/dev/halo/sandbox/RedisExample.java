package dev.halo.sandbox;

import dev.halo.api.v1alpha1.EtcdTlsSpec;
import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code halo sandbox --example redis}: the Redis example of {@code examples/redis/} as it is, run
 * by the kubelet as real {@code redis-server} and hook processes. What differs from a cluster is
 * the sandbox's etcd, and what a process on this machine needs: the pods ask for real processes,
 * the {@code redis} container names its program (an image has it as its entrypoint), and the hook
 * finds the master's port in the kubelet's peers file instead of the headless Service's DNS names.
 */
final class RedisExample {
  private static final Logger log = LoggerFactory.getLogger(RedisExample.class);
  static final String RESOURCE_DIR = "examples/redis/";
  static final String MANIFEST = RESOURCE_DIR + "redis.yaml";
  static final String HOOK = "halo-redis-role.sh";
  static final String HOOK_CONFIG_MAP = "redis-role-hook";

  /** The group, its master Service, and the container running {@code redis-server}. */
  static final String NAME = "redis";

  static final int REDIS_PORT = 6379;
  private static final List<String> PROGRAMS = List.of("redis-server", "redis-cli", "sh");

  private RedisExample() {}

  /** Fails with what to install when a program the example runs is not on this machine. */
  static void requirePrograms(String pathVariable) {
    List<String> missing = new ArrayList<>();
    for (String program : PROGRAMS) {
      if (WorkloadCommand.resolve(program, pathVariable, WorkloadCommand::executable).isEmpty()) {
        missing.add(program);
      }
    }
    if (!missing.isEmpty()) {
      throw new IllegalStateException(
          "--example redis runs "
              + String.join(", ", missing)
              + " as local processes and this machine has none on its PATH; install them with"
              + " 'sudo apt-get install redis-server' (make deps does it), or leave out --example");
    }
  }

  /** The manifest's objects: the headless Service {@code redis-peers} and the group. */
  record Manifest(List<Service> services, HighAvailabilityGroup group) {}

  /** The manifest as packaged; throws when it holds no group. */
  static Manifest manifest() {
    List<Service> services = new ArrayList<>();
    HighAvailabilityGroup group = null;
    try (InputStream in = resource(MANIFEST)) {
      Object parsed = Serialization.unmarshal(in);
      for (Object o : parsed instanceof List<?> list ? list : List.of(parsed)) {
        if (o instanceof Service service) {
          services.add(service);
        } else if (o instanceof HasMetadata object
            && HasMetadata.getKind(HighAvailabilityGroup.class).equals(object.getKind())) {
          // A custom resource parses as a generic one unless its class was registered.
          group = Serialization.jsonMapper().convertValue(object, HighAvailabilityGroup.class);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (group == null) {
      throw new IllegalStateException(
          MANIFEST + " holds no HighAvailabilityGroup; rebuild the jar");
    }
    return new Manifest(services, group);
  }

  /** The hook script as packaged. */
  static String hookScript() {
    try (InputStream in = resource(RESOURCE_DIR + HOOK)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The group of the manifest as the sandbox runs it (see the class comment). */
  static HighAvailabilityGroup forSandbox(HighAvailabilityGroup hag) {
    // The sandbox's etcd: the operator's endpoints, and a client certificate the sandbox issues
    // (left out again for a plaintext etcd).
    hag.getSpec().getElection().setEndpoints(new ArrayList<>());
    EtcdTlsSpec tls = new EtcdTlsSpec();
    tls.setSecretName(NAME + "-etcd-tls");
    hag.getSpec().getElection().setTls(tls);
    PodTemplateSpec template = hag.getSpec().getTemplate();
    Map<String, String> annotations =
        template.getMetadata().getAnnotations() == null
            ? new HashMap<>()
            : new HashMap<>(template.getMetadata().getAnnotations());
    annotations.put(WorkloadCommand.RUN_COMMAND_ANNOTATION, "true");
    template.getMetadata().setAnnotations(annotations);
    for (Container c : template.getSpec().getContainers()) {
      if (NAME.equals(c.getName())) {
        c.setCommand(List.of("redis-server"));
        List<String> args = new ArrayList<>(List.of("--port", Integer.toString(REDIS_PORT)));
        args.addAll(c.getArgs());
        c.setArgs(args);
      } else if (c.getCommand() != null && !c.getCommand().isEmpty()) {
        List<EnvVar> env = new ArrayList<>();
        for (EnvVar var : c.getEnv()) {
          if (!"REDIS_MASTER_HOST_PATTERN".equals(var.getName())) {
            env.add(var);
          }
        }
        // The kubelet defines these ahead of the container's own variables.
        env.add(new EnvVar("REDIS_PORT", "$(HALO_SANDBOX_PORT_REDIS)", null));
        // The master's container port, which the peers file maps to its local port.
        env.add(new EnvVar("REDIS_MASTER_PORT", Integer.toString(REDIS_PORT), null));
        env.add(new EnvVar("REDIS_PEERS_FILE", "$(" + WorkloadCommand.PEERS_VARIABLE + ")", null));
        c.setEnv(env);
      }
    }
    return hag;
  }

  /**
   * Applies the example to the sandbox's one site: the hook's ConfigMap, the Services, the group.
   */
  static void applyTo(SandboxSite site) {
    requirePrograms(System.getenv("PATH"));
    ConfigMap hook =
        new ConfigMapBuilder()
            .withNewMetadata()
            .withName(HOOK_CONFIG_MAP)
            .withNamespace(Sandbox.NAMESPACE)
            .endMetadata()
            .addToData(HOOK, hookScript())
            .build();
    site.client().resource(hook).createOr(NonDeletingOperation::update);
    Manifest manifest = manifest();
    for (Service service : manifest.services()) {
      service.getMetadata().setNamespace(Sandbox.NAMESPACE);
      site.client().resource(service).createOr(NonDeletingOperation::update);
    }
    HighAvailabilityGroup hag = forSandbox(manifest.group());
    hag.getMetadata().setNamespace(Sandbox.NAMESPACE);
    SandboxExample.apply(site, hag);
    log.atInfo()
        .addKeyValue("group", NAME)
        .addKeyValue("configMap", HOOK_CONFIG_MAP)
        .log("sandbox: applied the Redis example");
  }

  private static InputStream resource(String name) {
    InputStream in = RedisExample.class.getClassLoader().getResourceAsStream(name);
    if (in == null) {
      throw new IllegalStateException(name + " is not in the jar; rebuild it");
    }
    return in;
  }
}
