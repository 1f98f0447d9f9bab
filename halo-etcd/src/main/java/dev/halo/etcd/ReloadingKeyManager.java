package dev.halo.etcd;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Shows etcd the client certificate in the cert and key files as they are at each handshake, so a
 * rotated certificate is used by the next connection without rebuilding the client.
 */
final class ReloadingKeyManager extends X509ExtendedKeyManager {
  private static final String ALIAS_PREFIX = "halo-";
  private static final AtomicLong GENERATIONS = new AtomicLong();

  /** One loaded certificate and key; the alias names it, so chain and key always match. */
  private record Material(String alias, X509Certificate[] chain, PrivateKey key) {}

  private final WatchedFiles<Material> material;
  // The material before the latest reload: a handshake may choose an alias just before a reload.
  private volatile Material latest;
  private volatile Material previous;

  ReloadingKeyManager(Path certFile, Path keyFile) throws IOException, GeneralSecurityException {
    this.material =
        new WatchedFiles<>(
            "client certificate",
            List.of(certFile, keyFile),
            () -> load(certFile, keyFile),
            System::nanoTime);
  }

  private static Material load(Path certFile, Path keyFile) throws IOException {
    List<X509Certificate> chain = PemFiles.certificates(certFile);
    PrivateKey key = PemFiles.privateKey(keyFile);
    return new Material(
        ALIAS_PREFIX + GENERATIONS.incrementAndGet(), chain.toArray(X509Certificate[]::new), key);
  }

  private synchronized Material current() {
    Material now = material.current();
    if (latest != now) {
      previous = latest;
      latest = now;
    }
    return now;
  }

  private String alias(String[] keyTypes) {
    Material m = current();
    if (keyTypes == null) {
      return m.alias();
    }
    return Arrays.asList(keyTypes).contains(m.key().getAlgorithm()) ? m.alias() : null;
  }

  private Material byAlias(String alias) {
    Material now = current();
    if (now.alias().equals(alias)) {
      return now;
    }
    Material before = previous;
    return before != null && before.alias().equals(alias) ? before : null;
  }

  @Override
  public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
    return alias(keyTypes);
  }

  @Override
  public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
    return alias(keyTypes);
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    String alias = alias(new String[] {keyType});
    return alias == null ? null : new String[] {alias};
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    Material m = byAlias(alias);
    return m == null ? null : m.chain().clone();
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    Material m = byAlias(alias);
    return m == null ? null : m.key();
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    return null; // a client only
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return null;
  }
}
