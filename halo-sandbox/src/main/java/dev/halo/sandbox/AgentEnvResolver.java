package dev.halo.sandbox;

import dev.halo.common.AgentVariables;
import dev.halo.sandbox.LocalKubelet.AgentMode;
import dev.halo.sandbox.LocalKubelet.Options;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves the environment of a pod's agent container as a kubelet does ({@code value}, {@code
 * $(VAR)}, {@code fieldRef}, {@code configMapKeyRef}, {@code secretKeyRef}), then points it at this
 * machine: the agent's address and port, its role file and the pod's workload.
 */
final class AgentEnvResolver {
  private static final Logger log = LoggerFactory.getLogger(AgentEnvResolver.class);
  private static final String NODE_NAME = "halo-sandbox-node";
  private static final Pattern VAR_REF = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_.-]*)\\)");
  private static final Pattern LABEL_REF =
      Pattern.compile("metadata\\.(labels|annotations)\\['(.+)'\\]");

  private final KubernetesClient client;
  private final String namespace;
  private final AgentMode mode;
  private final Options options;
  private final EtcdCluster etcd;

  AgentEnvResolver(
      KubernetesClient client,
      String namespace,
      AgentMode mode,
      Options options,
      EtcdCluster etcd) {
    this.client = client;
    this.namespace = namespace;
    this.mode = mode;
    this.options = options;
    this.etcd = etcd;
  }

  /**
   * The agent's variables, in order; throws when a required reference cannot be resolved. With a
   * {@code roleHistory} file the agent appends its role transitions to it.
   */
  Map<String, String> agentEnv(KubeletPod rt, Path roleFile, Optional<Path> roleHistory) {
    Map<String, String> env = containerEnv(rt, rt.agentContainer);
    env.replaceAll((name, value) -> toLocalMount(value, rt.mounts));
    env.put(AgentVariables.AGENT_ADDRESS, KubeletPod.IP);
    // An in-process agent binds a port of its own choosing (its handle reports it): a free port
    // picked here could be taken by another pod's server before the agent binds it, and with
    // hundreds of pods starting at once that happened. A process agent needs it up front.
    env.put(
        AgentVariables.AGENT_PORT,
        mode == AgentMode.IN_PROCESS ? "0" : Integer.toString(Http.freePort()));
    env.put(AgentVariables.ROLE_FILE, roleFile.toString());
    roleHistory.ifPresent(file -> env.put(AgentVariables.ROLE_HISTORY, file.toString()));
    Map<Integer, Integer> processPorts = new LinkedHashMap<>();
    rt.processes.values().forEach(wp -> processPorts.putAll(wp.ports));
    pointAtWorkload(env, processPorts, rt.workload.port());
    if (options.overrideEtcdEndpoints()) {
      env.put(AgentVariables.ETCD_ENDPOINTS, etcd.endpoints());
    }
    env.putAll(options.extraEnv());
    return env;
  }

  /**
   * The container's {@code env}, in order, each reference resolved; throws when a required one
   * cannot be. The same resolution for the agent and for a workload process.
   */
  Map<String, String> containerEnv(KubeletPod rt, Container container) {
    return containerEnv(rt, container, Map.of());
  }

  /**
   * The same after {@code first}, variables the kubelet defines ahead of the container's own, which
   * these can refer to with {@code $(NAME)}.
   */
  Map<String, String> containerEnv(KubeletPod rt, Container container, Map<String, String> first) {
    Map<String, String> env = new LinkedHashMap<>(first);
    for (EnvVar var : container.getEnv()) {
      String value = resolve(rt.pod, var, env);
      if (value != null) {
        env.put(var.getName(), value);
      }
    }
    if (!container.getEnvFrom().isEmpty()) {
      log.atWarn()
          .addKeyValue("pod", rt.name)
          .addKeyValue("container", container.getName())
          .log("kubelet: envFrom is not supported, ignored");
    }
    return env;
  }

  /**
   * A path under one of the container's mount paths, pointed at the directory the kubelet wrote the
   * volume into: the agent runs on this machine, where nothing is mounted at {@code /etc/...}.
   */
  static String toLocalMount(String value, Map<String, Path> mounts) {
    for (Map.Entry<String, Path> mount : mounts.entrySet()) {
      String path = mount.getKey().endsWith("/") ? mount.getKey() : mount.getKey() + "/";
      if (value.equals(mount.getKey()) || value.equals(path)) {
        return mount.getValue().toString();
      }
      if (value.startsWith(path)) {
        return mount.getValue().resolve(value.substring(path.length())).toString();
      }
    }
    return value;
  }

  /**
   * The workload health checks and role webhook the pod asks for go to the local port of the
   * workload process whose container declares that port; to the demo workload (its {@code /health}
   * for an HTTP check) when no process maps it.
   */
  static void pointAtWorkload(
      Map<String, String> env, Map<Integer, Integer> processPorts, int demoPort) {
    String http = env.get(AgentVariables.HEALTH_HTTP);
    if (http != null) {
      Integer local = processPorts.get(port(http));
      env.put(
          AgentVariables.HEALTH_HTTP,
          local == null
              ? "http://" + KubeletPod.IP + ":" + demoPort + "/health"
              : toPort(http, local));
    }
    String tcp = env.get(AgentVariables.HEALTH_TCP);
    if (tcp != null) {
      Integer local = processPorts.get(tcpPort(tcp));
      env.put(AgentVariables.HEALTH_TCP, KubeletPod.IP + ":" + (local == null ? demoPort : local));
    }
    String webhook = env.get(AgentVariables.ROLE_WEBHOOK);
    if (webhook != null && !webhook.isBlank()) {
      Integer local = processPorts.get(port(webhook));
      env.put(AgentVariables.ROLE_WEBHOOK, toPort(webhook, local == null ? demoPort : local));
    }
  }

  private static int port(String url) {
    URI uri = URI.create(url);
    return uri.getPort() >= 0 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
  }

  private static int tcpPort(String hostPort) {
    try {
      return Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static String toPort(String url, int port) {
    URI uri = URI.create(url);
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
    return "http://" + KubeletPod.IP + ":" + port + path + query;
  }

  private String resolve(Pod pod, EnvVar var, Map<String, String> earlier) {
    EnvVarSource from = var.getValueFrom();
    if (from == null) {
      return expand(Objects.requireNonNullElse(var.getValue(), ""), earlier);
    }
    if (from.getFieldRef() != null) {
      return fieldRef(pod, from.getFieldRef().getFieldPath());
    }
    if (from.getConfigMapKeyRef() != null) {
      return configMapKey(from);
    }
    if (from.getSecretKeyRef() != null) {
      return secretKey(from);
    }
    log.atWarn()
        .addKeyValue("pod", pod.getMetadata().getName())
        .addKeyValue("variable", var.getName())
        .log("kubelet: unsupported valueFrom, variable left unset");
    return null;
  }

  private String configMapKey(EnvVarSource from) {
    var ref = from.getConfigMapKeyRef();
    var map = client.configMaps().inNamespace(namespace).withName(ref.getName()).get();
    String value = map == null || map.getData() == null ? null : map.getData().get(ref.getKey());
    return required(
        value, ref.getOptional(), "configMap " + ref.getName() + " key " + ref.getKey());
  }

  private String secretKey(EnvVarSource from) {
    var ref = from.getSecretKeyRef();
    var secret = client.secrets().inNamespace(namespace).withName(ref.getName()).get();
    String value = null;
    if (secret != null && secret.getData() != null && secret.getData().get(ref.getKey()) != null) {
      value =
          new String(
              Base64.getDecoder().decode(secret.getData().get(ref.getKey())),
              StandardCharsets.UTF_8);
    } else if (secret != null && secret.getStringData() != null) {
      value = secret.getStringData().get(ref.getKey());
    }
    return required(value, ref.getOptional(), "secret " + ref.getName() + " key " + ref.getKey());
  }

  private static String required(String value, Boolean optional, String what) {
    if (value == null && !Boolean.TRUE.equals(optional)) {
      throw new IllegalStateException(what + " not found");
    }
    return value;
  }

  private String fieldRef(Pod pod, String path) {
    switch (path) {
      case "metadata.name":
        return pod.getMetadata().getName();
      case "metadata.namespace":
        return namespace;
      case "metadata.uid":
        return pod.getMetadata().getUid();
      case "spec.nodeName":
        return NODE_NAME;
      case "spec.serviceAccountName":
        return Objects.requireNonNullElse(pod.getSpec().getServiceAccountName(), "default");
      case "status.podIP":
      case "status.podIPs":
      case "status.hostIP":
      case "status.hostIPs":
        return KubeletPod.IP;
      default:
        Matcher m = LABEL_REF.matcher(path);
        if (m.matches()) {
          Map<String, String> values =
              m.group(1).equals("labels")
                  ? pod.getMetadata().getLabels()
                  : pod.getMetadata().getAnnotations();
          return values == null ? "" : values.getOrDefault(m.group(2), "");
        }
        throw new IllegalStateException("unsupported fieldRef " + path);
    }
  }

  /** Kubernetes' {@code $(VAR)} expansion: earlier variables only, {@code $$} escapes. */
  static String expand(String value, Map<String, String> earlier) {
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < value.length()) {
      if (value.startsWith("$$", i)) {
        out.append('$');
        i += 2;
        continue;
      }
      Matcher m = VAR_REF.matcher(value).region(i, value.length());
      if (m.lookingAt() && earlier.containsKey(m.group(1))) {
        out.append(earlier.get(m.group(1)));
        i = m.end();
        continue;
      }
      out.append(value.charAt(i++));
    }
    return out.toString();
  }
}
