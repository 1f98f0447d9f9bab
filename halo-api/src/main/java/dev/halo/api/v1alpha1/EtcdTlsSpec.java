package dev.halo.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * TLS to etcd: the Secrets (in the group's namespace) that the agents' CA and client certificate
 * come from, and the name etcd's certificate is checked against. The kubelet mounts the Secrets
 * into the agent container; the operator never reads them.
 */
@ValidationRule(
    value = CelRules.TLS_NAMES_A_SECRET,
    message = CelRules.TLS_NAMES_A_SECRET_MESSAGE,
    fieldPath = CelRules.TLS_SECRET_FIELD,
    reason = CelRules.REQUIRED)
@JsonInclude(JsonInclude.Include.NON_NULL)
public class EtcdTlsSpec {
  @Size(max = CelRules.MAX_DNS_SUBDOMAIN)
  @Pattern(CelRules.DNS_SUBDOMAIN)
  @JsonPropertyDescription(
      "A kubernetes.io/tls Secret with tls.crt and tls.key, the agents' client certificate (mutual"
          + " TLS), and ca.crt, the CA that signed etcd's server certificate, unless caSecretName"
          + " gives it.")
  private String secretName;

  @Size(max = CelRules.MAX_DNS_SUBDOMAIN)
  @Pattern(CelRules.DNS_SUBDOMAIN)
  @JsonPropertyDescription(
      "A Secret with ca.crt, the CA that signed etcd's server certificate; alone for etcd without"
          + " client certificates (e.g. with credentialsSecretName), or to keep the CA apart.")
  private String caSecretName;

  @Size(max = CelRules.MAX_DNS_SUBDOMAIN)
  @Pattern(CelRules.SERVER_NAME)
  @JsonPropertyDescription(
      "The name etcd's server certificate must carry when it is not the endpoints' host (IP"
          + " endpoints, or names the certificate does not list); default: each endpoint's host.")
  private String serverName;

  public String getSecretName() {
    return secretName;
  }

  public void setSecretName(String secretName) {
    this.secretName = secretName;
  }

  public String getCaSecretName() {
    return caSecretName;
  }

  public void setCaSecretName(String caSecretName) {
    this.caSecretName = caSecretName;
  }

  public String getServerName() {
    return serverName;
  }

  public void setServerName(String serverName) {
    this.serverName = serverName;
  }
}
