package dev.halo.operator;

import dev.halo.common.Failures;
import dev.halo.operator.model.ServerVersion;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.VersionInfo;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reads the API server's release once at start, for the pods the operator builds. */
final class ApiServerVersion {
  private static final Logger log = LoggerFactory.getLogger(ApiServerVersion.class);

  private ApiServerVersion() {}

  /**
   * The release {@code client}'s server reports on {@code /version}, or, when that cannot be read,
   * the oldest supported one: its pods are taken by every supported server.
   */
  static ServerVersion read(KubernetesClient client) {
    String reported;
    try {
      VersionInfo info = client.getKubernetesVersion();
      Optional<ServerVersion> version =
          ServerVersion.parse(info.getGitVersion(), info.getMajor(), info.getMinor());
      if (version.isPresent()) {
        return version.get();
      }
      reported =
          "gitVersion="
              + info.getGitVersion()
              + " major="
              + info.getMajor()
              + " minor="
              + info.getMinor();
    } catch (RuntimeException e) {
      // Any failure, the client's own or a /version answer it cannot parse: start anyway.
      reported = Failures.rootMessage(e);
    }
    log.atWarn()
        .addKeyValue("reported", reported)
        .addKeyValue("assumed", ServerVersion.OLDEST_SUPPORTED)
        .log(
            "cannot read the API server's version; going on as on the oldest supported one"
                + " (the pods the operator builds are the same on every release)");
    return ServerVersion.OLDEST_SUPPORTED;
  }
}
