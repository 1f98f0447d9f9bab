package dev.halo.operator;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

/**
 * Whether the operator has any Kubernetes API to talk to before it starts: without a kubeconfig and
 * outside a pod, fabric8 falls back to {@code https://kubernetes.default.svc}, which does not
 * resolve, and the operator would fail 20-45 s later with a stack trace instead of saying what is
 * missing.
 */
final class ApiTarget {
  static final Path SERVICE_ACCOUNT_TOKEN =
      Path.of("/var/run/secrets/kubernetes.io/serviceaccount/token");

  private ApiTarget() {}

  /**
   * What is missing, or empty when fabric8 finds an API: an explicit master URL, a kubeconfig file
   * ({@code KUBECONFIG}, else {@code ~/.kube/config}), or a pod's service account.
   */
  static Optional<String> missing(Map<String, String> env, Path home, Path serviceAccountToken) {
    if (!env.getOrDefault("KUBERNETES_MASTER", "").isBlank()
        || System.getProperty("kubernetes.master") != null) {
      return Optional.empty();
    }
    String kubeconfig = env.getOrDefault("KUBECONFIG", "");
    boolean kubeconfigFound =
        kubeconfig.isBlank()
            ? Files.isRegularFile(home.resolve(".kube/config"))
            : Arrays.stream(kubeconfig.split(":"))
                .anyMatch(f -> !f.isBlank() && Files.isRegularFile(Path.of(f)));
    boolean inPod =
        !env.getOrDefault("KUBERNETES_SERVICE_HOST", "").isBlank()
            && Files.isRegularFile(serviceAccountToken);
    if (kubeconfigFound || inPod) {
      return Optional.empty();
    }
    String where =
        kubeconfig.isBlank()
            ? "no kubeconfig at " + home.resolve(".kube/config")
            : "no kubeconfig file among KUBECONFIG=" + kubeconfig;
    return Optional.of(
        "no Kubernetes API to talk to: "
            + where
            + ", and not running in a pod (KUBERNETES_SERVICE_HOST or the service account token is"
            + " missing); run it in the cluster (helm install, see docs/install.md) or point"
            + " KUBECONFIG at your cluster's kubeconfig");
  }
}
