package dev.halo.etcd;

import static dev.halo.common.AgentVariables.ETCD_CACERT;
import static dev.halo.common.AgentVariables.ETCD_CERT;
import static dev.halo.common.AgentVariables.ETCD_ENDPOINTS;
import static dev.halo.common.AgentVariables.ETCD_KEY;
import static dev.halo.common.AgentVariables.ETCD_PASSWORD_FILE;
import static dev.halo.common.AgentVariables.ETCD_SERVER_NAME;
import static dev.halo.common.AgentVariables.ETCD_USER;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How to prove who etcd is and who we are: TLS trust and client certificate files, an etcd user
 * with a password file, and the name etcd's certificate must carry. Every part is optional; none
 * set means plaintext without auth. Files are paths, read when used, so a rotated Secret takes
 * effect without a restart; the password itself is never held here.
 *
 * @param caFile PEM file of the CA that signed etcd's server certificate
 * @param certFile PEM file of the client certificate (mutual TLS)
 * @param keyFile PEM file of its private key (PKCS#8, PKCS#1 or SEC1)
 * @param user the etcd user to authenticate as (with {@code passwordFile})
 * @param passwordFile the file holding that user's password
 * @param serverName the name etcd's certificate is checked against instead of each endpoint's host
 */
public record EtcdSecurity(
    Optional<Path> caFile,
    Optional<Path> certFile,
    Optional<Path> keyFile,
    Optional<String> user,
    Optional<Path> passwordFile,
    Optional<String> serverName) {

  /** Plaintext, no auth. */
  public static EtcdSecurity none() {
    return new EtcdSecurity(
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty());
  }

  /** The settings in the {@code HALO_ETCD_*} variables of {@code env}; blank counts as unset. */
  public static EtcdSecurity fromEnvironment(Map<String, String> env) {
    return new EtcdSecurity(
        value(env, ETCD_CACERT).map(Path::of),
        value(env, ETCD_CERT).map(Path::of),
        value(env, ETCD_KEY).map(Path::of),
        value(env, ETCD_USER),
        value(env, ETCD_PASSWORD_FILE).map(Path::of),
        value(env, ETCD_SERVER_NAME));
  }

  /**
   * The {@code HALO_ETCD_*} variables that give these settings: the inverse of {@link
   * #fromEnvironment}.
   */
  public Map<String, String> toEnvironment() {
    Map<String, String> env = new java.util.LinkedHashMap<>();
    caFile.ifPresent(f -> env.put(ETCD_CACERT, f.toString()));
    certFile.ifPresent(f -> env.put(ETCD_CERT, f.toString()));
    keyFile.ifPresent(f -> env.put(ETCD_KEY, f.toString()));
    user.ifPresent(u -> env.put(ETCD_USER, u));
    passwordFile.ifPresent(f -> env.put(ETCD_PASSWORD_FILE, f.toString()));
    serverName.ifPresent(n -> env.put(ETCD_SERVER_NAME, n));
    return env;
  }

  public EtcdSecurity withCaFile(Path file) {
    return new EtcdSecurity(Optional.of(file), certFile, keyFile, user, passwordFile, serverName);
  }

  public EtcdSecurity withClientCertificate(Path cert, Path key) {
    return new EtcdSecurity(
        caFile, Optional.of(cert), Optional.of(key), user, passwordFile, serverName);
  }

  public EtcdSecurity withUser(String name, Path password) {
    return new EtcdSecurity(
        caFile, certFile, keyFile, Optional.of(name), Optional.of(password), serverName);
  }

  public EtcdSecurity withServerName(String name) {
    return new EtcdSecurity(caFile, certFile, keyFile, user, passwordFile, Optional.of(name));
  }

  /** Whether any TLS setting is given: then every endpoint must be {@code https://}. */
  public boolean tls() {
    return caFile.isPresent()
        || certFile.isPresent()
        || keyFile.isPresent()
        || serverName.isPresent();
  }

  /** Whether calls carry a token from user/password authentication. */
  public boolean passwordAuth() {
    return user.isPresent();
  }

  /** Whether we show a client certificate (etcd then takes its CN as the user if no token). */
  public boolean clientCertificate() {
    return certFile.isPresent();
  }

  /**
   * Every problem of these settings with {@code endpoints}, each naming the variable and the fix;
   * empty when they can be used.
   */
  public List<String> problems(List<URI> endpoints) {
    List<String> problems = new ArrayList<>();
    if (certFile.isPresent() != keyFile.isPresent()) {
      problems.add(
          certFile.isPresent()
              ? ETCD_CERT + " is set without " + ETCD_KEY + ": give the client certificate's key"
              : ETCD_KEY + " is set without " + ETCD_CERT + ": give the client certificate");
    }
    if (user.isPresent() != passwordFile.isPresent()) {
      problems.add(
          user.isPresent()
              ? ETCD_USER
                  + " is set without "
                  + ETCD_PASSWORD_FILE
                  + ": give the file that holds the user's password (e.g. a mounted Secret)"
              : ETCD_PASSWORD_FILE + " is set without " + ETCD_USER + ": give the etcd user");
    }
    fileProblem(ETCD_CACERT, caFile).ifPresent(problems::add);
    fileProblem(ETCD_CERT, certFile).ifPresent(problems::add);
    fileProblem(ETCD_KEY, keyFile).ifPresent(problems::add);
    fileProblem(ETCD_PASSWORD_FILE, passwordFile).ifPresent(problems::add);
    schemeProblem(endpoints).ifPresent(problems::add);
    return problems;
  }

  private Optional<String> schemeProblem(List<URI> endpoints) {
    List<String> http =
        endpoints.stream().filter(e -> "http".equals(e.getScheme())).map(URI::toString).toList();
    List<String> https =
        endpoints.stream().filter(e -> "https".equals(e.getScheme())).map(URI::toString).toList();
    if (!http.isEmpty() && !https.isEmpty()) {
      return Optional.of(
          ETCD_ENDPOINTS
              + " mixes http:// and https:// URLs: an etcd cluster speaks one or the other;"
              + " list them all with the same scheme");
    }
    if (tls() && !http.isEmpty()) {
      return Optional.of(
          "TLS settings ("
              + String.join(", ", tlsVariables())
              + ") are given but "
              + ETCD_ENDPOINTS
              + " has http:// URLs ("
              + String.join(",", http)
              + "): use https:// URLs for a TLS etcd, or remove the TLS settings");
    }
    if (!tls() && !https.isEmpty()) {
      return Optional.of(
          ETCD_ENDPOINTS
              + " has https:// URLs but no TLS setting is given: set "
              + ETCD_CACERT
              + " to the CA that signed etcd's server certificate (and "
              + ETCD_CERT
              + "/"
              + ETCD_KEY
              + " if etcd asks for client certificates)");
    }
    return Optional.empty();
  }

  private List<String> tlsVariables() {
    List<String> set = new ArrayList<>();
    caFile.ifPresent(f -> set.add(ETCD_CACERT));
    certFile.ifPresent(f -> set.add(ETCD_CERT));
    keyFile.ifPresent(f -> set.add(ETCD_KEY));
    serverName.ifPresent(f -> set.add(ETCD_SERVER_NAME));
    return set;
  }

  private static Optional<String> fileProblem(String variable, Optional<Path> file) {
    if (file.isEmpty() || Files.isReadable(file.get())) {
      return Optional.empty();
    }
    return Optional.of(
        variable
            + "="
            + file.get()
            + (Files.exists(file.get()) ? " cannot be read" : " does not exist")
            + ": mount the Secret that holds it there, readable by this process");
  }

  private static Optional<String> value(Map<String, String> env, String variable) {
    return Optional.ofNullable(env.get(variable)).map(String::strip).filter(v -> !v.isEmpty());
  }
}
