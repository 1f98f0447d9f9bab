package dev.halo.operator.validation;

import java.util.Locale;

/**
 * Every check the validator makes, by a stable id (e.g. {@code zone-duplicate}): each problem it
 * reports names one, so tests and docs can list them all and show where the CRD refuses each one
 * already (docs/crd-reference.md).
 */
public enum Rule {
  SPEC_READABLE,
  NAME_MISSING,
  NAME_NOT_DNS_LABEL,
  POD_NAMES_FIT,
  MASTER_SERVICE_NAME,
  STANDBY_SERVICE_NAME,
  SPEC_MISSING,
  REPLICAS_MISSING,
  REPLICAS_RANGE,
  ZONES_TOO_MANY,
  ZONE_BLANK,
  ZONE_NOT_LABEL_VALUE,
  ZONE_DUPLICATE,
  TEMPLATE_MISSING,
  TEMPLATE_SPEC_MISSING,
  CONTAINERS_EMPTY,
  CONTAINER_NULL,
  CONTAINER_NAME_MISSING,
  CONTAINER_NAME_BLANK,
  CONTAINER_NAME_RESERVED,
  CONTAINER_IMAGE_MISSING,
  CONTAINER_IMAGE_BLANK,
  ROLE_MOUNT_PATH,
  ROLE_VOLUME_NAME,
  ETCD_VOLUME_NAME,
  ELECTION_MISSING,
  ENDPOINTS_EMPTY,
  ENDPOINTS_TOO_MANY,
  ENDPOINT_BLANK,
  ENDPOINT_NOT_URL,
  ENDPOINT_TOO_LONG,
  ONE_SCHEME,
  TLS_NEEDS_HTTPS,
  HTTPS_NEEDS_TLS,
  TLS_NAMES_A_SECRET,
  SECRET_NAME,
  SERVER_NAME,
  LEASE_TTL_TOO_SHORT,
  LEASE_TTL_TOO_LONG,
  HEALTH_BOTH_CHECKS,
  HEALTH_NO_CHECK,
  PORT_MISSING,
  PORT_RANGE,
  HEALTH_PATH_RELATIVE,
  HEALTH_PERIOD_TOO_SHORT,
  HEALTH_FAILURE_THRESHOLD,
  SERVICE_TYPE,
  SERVICE_NAME,
  SERVICE_PORTS,
  AGENT_PORT_IN_USE,
  SITE_NAME,
  SITE_GROUP,
  SITE_ENDPOINTS;

  /** The rule's id as docs and tests name it: {@code zone-duplicate}. */
  public String id() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
