package dev.halo.sandbox;

import dev.halo.api.v1alpha1.ElectionSpec;
import dev.halo.api.v1alpha1.EtcdTlsSpec;
import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.common.ElectionKeys;
import dev.halo.etcd.EtcdSecurity;
import dev.halo.operator.model.GroupElection;
import io.etcd.jetcd.auth.Permission;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays, for a secured sandbox, the parts a cluster's admins and cert-manager play: etcd users and
 * roles as docs/etcd-security.md gives them, and client certificates (CN = the etcd user) from the
 * etcd cluster's CA. The operator gets user {@value #OPERATOR} (readwrite {@code /halo/}), etcdctl
 * the read-only user {@value #READER}, and every group of the sandbox's namespace that names a TLS
 * Secret ({@code spec.election.tls.secretName}) that does not exist yet, and uses the sandbox's
 * etcd, gets user and role {@code halo-agent-<ns>-<group>} (readwrite {@code /halo/<ns>/<group>/})
 * and that Secret (kubernetes.io/tls: tls.crt, tls.key, ca.crt). An existing Secret is never
 * touched: it is yours.
 */
public final class SandboxEtcdIssuer implements AutoCloseable {
  /** The operator's etcd user and role, and the CN of its client certificate. */
  public static final String OPERATOR = "halo-operator";

  /** A user that may only read {@code /halo/}, for the etcdctl line the sandbox prints. */
  public static final String READER = "halo-reader";

  private static final Logger log = LoggerFactory.getLogger(SandboxEtcdIssuer.class);
  private static final AtomicLong SERIAL = new AtomicLong();

  private final EtcdCluster etcd;
  private final KubernetesClient client;
  private final String namespace;
  private final CertificateAuthority.Issued operator;
  private final CertificateAuthority.Issued reader;
  private SharedIndexInformer<HighAvailabilityGroup> groups;

  private SandboxEtcdIssuer(EtcdCluster etcd, KubernetesClient client, String namespace) {
    this.etcd = etcd;
    this.client = client;
    this.namespace = namespace;
    etcd.grantPrefix(OPERATOR, "/halo/", Permission.Type.READWRITE);
    etcd.grantPrefix(READER, "/halo/", Permission.Type.READ);
    CertificateAuthority ca = etcd.certificateAuthority();
    this.operator = ca.client(OPERATOR, OPERATOR, CertificateAuthority.KeyFormat.PKCS8, false);
    this.reader = ca.client(READER, READER, CertificateAuthority.KeyFormat.PKCS8, false);
  }

  /**
   * Creates the operator's and the reader's users and certificates on {@code etcd} (secured, auth
   * on) and starts issuing for the groups of {@code namespace}.
   */
  public static SandboxEtcdIssuer start(
      EtcdCluster etcd, KubernetesClient client, String namespace) {
    SandboxEtcdIssuer issuer = new SandboxEtcdIssuer(etcd, client, namespace);
    issuer.groups =
        client
            .resources(HighAvailabilityGroup.class)
            .inNamespace(namespace)
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(HighAvailabilityGroup hag) {
                    issuer.ensure(hag);
                  }

                  @Override
                  public void onUpdate(HighAvailabilityGroup old, HighAvailabilityGroup hag) {
                    issuer.ensure(hag);
                  }

                  @Override
                  public void onDelete(HighAvailabilityGroup hag, boolean unknown) {
                    // Users, roles and Secrets stay, as an admin's would.
                  }
                },
                0);
    return issuer;
  }

  /** How the operator connects: the CA, and its client certificate (CN {@value #OPERATOR}). */
  public EtcdSecurity operatorSecurity() {
    return EtcdSecurity.none()
        .withCaFile(etcd.certificateAuthority().caFile())
        .withClientCertificate(operator.cert(), operator.key());
  }

  /** The etcdctl command (without its subcommand) that reads Halo's keys as {@value #READER}. */
  public String etcdctl() {
    return "ETCDCTL_API=3 etcdctl --endpoints "
        + etcd.secureEndpoints()
        + " --cacert "
        + etcd.certificateAuthority().caFile()
        + " --cert "
        + reader.cert()
        + " --key "
        + reader.key();
  }

  /** The etcd user of a group's agents, as docs/etcd-security.md names it. */
  public static String agentUser(String namespace, String group) {
    return "halo-agent-" + namespace + "-" + group;
  }

  /**
   * Gives the group's agents their etcd user and role and, when the group names a TLS Secret that
   * does not exist, that Secret; a group that lists its own endpoints is left alone.
   */
  public synchronized void ensure(HighAvailabilityGroup hag) {
    Optional<String> secretName = tlsSecret(hag);
    if (secretName.isEmpty()) {
      return;
    }
    String group = hag.getMetadata().getName();
    try {
      if (client.secrets().inNamespace(namespace).withName(secretName.get()).get() != null) {
        return;
      }
      issue(group, secretName.get(), GroupElection.name(withNamespace(hag)));
    } catch (RuntimeException e) {
      log.atWarn()
          .addKeyValue("group", group)
          .addKeyValue("secret", secretName.get())
          .addKeyValue("error", e.getMessage())
          .log("sandbox: cannot issue the group's etcd certificate");
    }
  }

  /**
   * Grants the group's agent user its prefix and writes {@code secretName} with a new client
   * certificate for it from the same CA (creating or replacing the Secret: a rotation).
   */
  public void issue(String group, String secretName) {
    issue(group, secretName, ElectionKeys.electionName(namespace, group));
  }

  /**
   * As {@link #issue(String, String)}, granting the keys of {@code election}: a site of a group
   * spread over several gets the shared group's {@code /halo/_sites/<group>/}, as
   * docs/etcd-security.md says, the same on every site.
   */
  public void issue(String group, String secretName, String election) {
    String user = agentUser(namespace, group);
    etcd.grantPrefix(user, ElectionKeys.groupPrefix(election), Permission.Type.READWRITE);
    CertificateAuthority ca = etcd.certificateAuthority();
    CertificateAuthority.Issued cert =
        ca.client(
            user + "-" + SERIAL.incrementAndGet(),
            user,
            CertificateAuthority.KeyFormat.PKCS8,
            false);
    Secret secret =
        new SecretBuilder()
            .withNewMetadata()
            .withName(secretName)
            .withNamespace(namespace)
            .addToLabels("app.kubernetes.io/managed-by", "halo-sandbox")
            .endMetadata()
            .withType("kubernetes.io/tls")
            .withData(
                Map.of(
                    "tls.crt", base64(cert.cert()),
                    "tls.key", base64(cert.key()),
                    "ca.crt", base64(ca.caFile())))
            .build();
    client.secrets().inNamespace(namespace).resource(secret).createOr(op -> op.update());
    log.atInfo()
        .addKeyValue("group", group)
        .addKeyValue("secret", secretName)
        .addKeyValue("etcdUser", user)
        .log("sandbox: issued the group's etcd client certificate");
  }

  private HighAvailabilityGroup withNamespace(HighAvailabilityGroup hag) {
    if (hag.getMetadata().getNamespace() == null) {
      hag.getMetadata().setNamespace(namespace);
    }
    return hag;
  }

  private static Optional<String> tlsSecret(HighAvailabilityGroup hag) {
    ElectionSpec election = hag.getSpec() == null ? null : hag.getSpec().getElection();
    if (election == null
        || election.getTls() == null
        || election.getEndpoints() != null && !election.getEndpoints().isEmpty()) {
      return Optional.empty();
    }
    return Optional.ofNullable(election.getTls())
        .map(EtcdTlsSpec::getSecretName)
        .filter(s -> !s.isBlank());
  }

  private static String base64(Path file) {
    try {
      return Base64.getEncoder().encodeToString(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    if (groups != null) {
      groups.close();
    }
  }
}
