package dev.halo.api.v1alpha1;

/**
 * The CEL rules ({@code x-kubernetes-validations}) and patterns that the API server enforces on a
 * HighAvailabilityGroup before Halo sees it. Each has the same check in the operator's {@code
 * HighAvailabilityGroupValidator} (the mock API server of the tests enforces no schema).
 * Expressions only touch bounded fields (sizes, scalars, lists with maxItems of strings with
 * maxLength), so the API server's cost estimate accepts them. The rules on the pod template are the
 * exception the estimate still allows: one pass over a list without maxItems (containers, volumes;
 * the estimate takes about a million items) that calls only {@code has}, {@code size} and a
 * comparison with a short literal per item, never a regex, a scan of an unbounded string or a
 * second, nested list.
 */
public final class CelRules {
  private CelRules() {}

  /** A Kubernetes label value that is not empty (zones). */
  public static final String LABEL_VALUE = "^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$";

  /** An optional DNS-1035 label (Service names; empty means the default). */
  public static final String OPTIONAL_DNS_1035 = "^([a-z]([-a-z0-9]*[a-z0-9])?)?$";

  /** A DNS-1123 label (the site's and the shared group's names). */
  public static final String DNS_1123_LABEL = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";

  /** An http(s) URL with host and port (etcd endpoints). */
  public static final String ETCD_URL = "^https?://[^\\s/?#]+:[0-9]+([/?#]\\S*)?$";

  /** The most etcd endpoints a group can list. */
  public static final int MAX_ENDPOINTS = 32;

  /** The longest etcd endpoint URL. */
  public static final int MAX_URL_LENGTH = 512;

  /** A DNS subdomain (RFC 1123), the format of Secret names. */
  public static final String DNS_SUBDOMAIN =
      "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

  /** The longest DNS subdomain. */
  public static final int MAX_DNS_SUBDOMAIN = 253;

  /** A host name or IPv4 address that a TLS server certificate is checked against. */
  public static final String SERVER_NAME =
      "^[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*$";

  /** A path that starts with '/'. */
  public static final String ABSOLUTE_PATH = "^/";

  // Rules on the whole object name a fieldPath, or the API server reports the field as <nil>. A
  // fieldPath must name a property of the schema, and the CRD schema has no metadata properties
  // (fabric8 leaves them out and the API server forbids more than name and generateName there), so
  // each rule about the name points at the spec field that is the other way to satisfy it;
  // name-is-dns-label has none and keeps no fieldPath, its message starting with metadata.name.

  /** Where pod-names-fit points: the replicas give the last pod name its suffix. */
  public static final String REPLICAS_FIELD = ".spec.replicas";

  /** Where master-service-name points: a Service name instead of the group's. */
  public static final String SERVICE_NAME_FIELD = ".spec.service.name";

  /** Where standby-service-name points: no standby Service, no standby name. */
  public static final String STANDBY_FIELD = ".spec.service.standby";

  /** Where the election's scheme rules point (relative to spec.election). */
  public static final String ENDPOINTS_FIELD = ".endpoints";

  /** Where https-needs-tls points (relative to spec.election). */
  public static final String TLS_FIELD = ".tls";

  /** Where etcd-tls-secret points (relative to spec.election.tls). */
  public static final String TLS_SECRET_FIELD = ".secretName";

  /** The {@code reason} of a rule that refuses a value (HTTP 422, like a schema violation). */
  public static final String INVALID = "FieldValueInvalid";

  /** The {@code reason} of a rule that misses a field another one needs. */
  public static final String REQUIRED = "FieldValueRequired";

  /** The {@code reason} of a rule that refuses a repeated list item. */
  public static final String DUPLICATE = "FieldValueDuplicate";

  /** The most zones a group can list (no more than the most replicas). */
  public static final int MAX_ZONES = 99;

  public static final String NAME_IS_DNS_LABEL =
      "self.metadata.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')";
  public static final String NAME_IS_DNS_LABEL_MESSAGE =
      "name-is-dns-label: metadata.name prefixes the pod names, so it must be lowercase letters,"
          + " digits or '-', starting and ending with a letter or digit, without dots";

  public static final String POD_NAMES_FIT =
      "!has(self.spec) || self.metadata.name.size() + 1"
          + " + string((has(self.spec.replicas) ? self.spec.replicas : 3) - 1).size() <= 63";
  public static final String POD_NAMES_FIT_MESSAGE =
      "pod-names-fit: metadata.name is too long: the last pod, <name>-<replicas - 1>, would have"
          + " more than 63 characters; shorten the name";

  public static final String MASTER_SERVICE_NAME =
      "!has(self.spec) || (has(self.spec.service) && has(self.spec.service.name)"
          + " && self.spec.service.name != '') || self.metadata.name.matches('^[a-z]')";
  public static final String MASTER_SERVICE_NAME_MESSAGE =
      "master-service-name: metadata.name names the master Service, whose name must start with a"
          + " letter; rename the group or set spec.service.name";

  public static final String STANDBY_SERVICE_NAME =
      "!has(self.spec) || !has(self.spec.service) || !has(self.spec.service.standby)"
          + " || !self.spec.service.standby"
          + " || (self.metadata.name.size() <= 55 && self.metadata.name.matches('^[a-z]'))";
  public static final String STANDBY_SERVICE_NAME_MESSAGE =
      "standby-service-name: the standby Service <name>-standby needs a name of at most 55"
          + " characters that starts with a letter; rename the group or set spec.service.standby"
          + " to false";

  /** Where never-master-ordinals points. */
  public static final String NEVER_MASTER_ORDINALS_FIELD = ".election.neverMaster.ordinals";

  /** Where never-master-zones points. */
  public static final String NEVER_MASTER_ZONES_FIELD = ".election.neverMaster.zones";

  private static final String NO_NEVER_MASTER =
      "!has(self.election) || !has(self.election.neverMaster) || ";

  public static final String NEVER_MASTER_ORDINALS =
      NO_NEVER_MASTER
          + "!has(self.election.neverMaster.ordinals) || self.election.neverMaster.ordinals.all(o,"
          + " o < (has(self.replicas) ? self.replicas : 3))";
  public static final String NEVER_MASTER_ORDINALS_MESSAGE =
      "never-master-ordinals: spec.election.neverMaster.ordinals lists an ordinal that is no pod"
          + " of the group; list ordinals 0..spec.replicas-1";

  public static final String NEVER_MASTER_ZONES =
      NO_NEVER_MASTER
          + "!has(self.election.neverMaster.zones) || self.election.neverMaster.zones.all(z,"
          + " has(self.zones) && z in self.zones)";
  public static final String NEVER_MASTER_ZONES_MESSAGE =
      "never-master-zones: spec.election.neverMaster.zones lists a zone that is not in"
          + " spec.zones; list zones of spec.zones";

  public static final String UNIQUE_ZONES = "self.all(z, self.exists_one(y, y == z))";
  public static final String UNIQUE_ZONES_MESSAGE =
      "unique-zones: spec.zones lists a zone more than once; list each zone once";

  /** Where preferred-zones points. */
  public static final String PREFERRED_ZONES_FIELD = ".election.preferred";

  /** On spec: every zone spec.election.preferred names is one of spec.zones. */
  public static final String PREFERRED_ZONES =
      "!has(self.election) || !has(self.election.preferred)"
          + " || self.election.preferred.all(p, has(self.zones) && p in self.zones)";

  public static final String PREFERRED_ZONES_MESSAGE =
      "preferred-zones: spec.election.preferred names a zone that is not in spec.zones; list"
          + " zones of spec.zones, most preferred first";

  // Rules on spec.template: the pod template is fabric8's model, so its own schema carries no
  // required fields or bounds; these rules sit on the template and point into it.

  /** Where template-spec points. */
  public static final String POD_SPEC_FIELD = ".spec";

  /** Where the container rules point. */
  public static final String CONTAINERS_FIELD = ".spec.containers";

  /** Where role-volume-reserved points. */
  public static final String VOLUMES_FIELD = ".spec.volumes";

  public static final String TEMPLATE_SPEC = "has(self.spec)";
  public static final String TEMPLATE_SPEC_MESSAGE =
      "template-spec: spec.template.spec is missing; give the workload's pod spec";

  public static final String CONTAINERS_NOT_EMPTY =
      "!has(self.spec) || (has(self.spec.containers) && size(self.spec.containers) > 0)";
  public static final String CONTAINERS_NOT_EMPTY_MESSAGE =
      "containers-not-empty: spec.template.spec.containers is empty; add the workload's container";

  public static final String CONTAINER_NAMES =
      "!has(self.spec) || !has(self.spec.containers)"
          + " || self.spec.containers.all(c, has(c.name) && size(c.name) > 0)";
  public static final String CONTAINER_NAMES_MESSAGE =
      "container-names: every container of spec.template.spec.containers needs a name";

  /** The name of the container Halo adds (halo-common's {@code Names.AGENT_CONTAINER}). */
  public static final String AGENT_CONTAINER = "halo-agent";

  public static final String AGENT_NAME_RESERVED =
      "!has(self.spec) || !has(self.spec.containers)"
          + " || self.spec.containers.all(c, !has(c.name) || c.name != '"
          + AGENT_CONTAINER
          + "')";
  public static final String AGENT_NAME_RESERVED_MESSAGE =
      "agent-name-reserved: a container of spec.template.spec.containers is named "
          + AGENT_CONTAINER
          + ", which is reserved for the elector agent that Halo adds; rename the container";

  public static final String CONTAINER_IMAGES =
      "!has(self.spec) || !has(self.spec.containers)"
          + " || self.spec.containers.all(c, has(c.image) && size(c.image) > 0)";
  public static final String CONTAINER_IMAGES_MESSAGE =
      "container-images: every container of spec.template.spec.containers needs an image";

  /** The name of the role volume Halo adds (halo-common's {@code Names.ROLE_VOLUME}). */
  public static final String ROLE_VOLUME = "halo-role";

  public static final String ROLE_VOLUME_RESERVED =
      "!has(self.spec) || !has(self.spec.volumes)"
          + " || self.spec.volumes.all(v, !has(v.name) || v.name != '"
          + ROLE_VOLUME
          + "')";
  public static final String ROLE_VOLUME_RESERVED_MESSAGE =
      "role-volume-reserved: a volume of spec.template.spec.volumes is named "
          + ROLE_VOLUME
          + ", which is reserved for the role volume that Halo adds; rename the volume";

  /** Where service-ports points, from spec. */
  public static final String SERVICE_PORTS_FIELD = ".service.ports";

  public static final String SERVICE_PORTS =
      "(has(self.service) && has(self.service.ports) && size(self.service.ports) > 0)"
          + " || !has(self.template) || !has(self.template.spec)"
          + " || !has(self.template.spec.containers) || size(self.template.spec.containers) == 0"
          + " || self.template.spec.containers.exists(c, has(c.ports) && size(c.ports) > 0)";
  public static final String SERVICE_PORTS_MESSAGE =
      "service-ports: spec.service.ports is empty and the workload containers declare no"
          + " containerPort; list the Service's ports or add containerPorts to the workload";

  public static final String ONE_HEALTH_CHECK = "has(self.httpGet) != has(self.tcpSocket)";
  public static final String ONE_HEALTH_CHECK_MESSAGE =
      "one-health-check: spec.health must set exactly one of httpGet and tcpSocket";

  // The three scheme rules are disjoint, so one mistake gives one message, and look only at the
  // URLs' schemes (a malformed URL fails its pattern). An empty endpoints list uses the operator's
  // defaults, which the operator checks.

  public static final String ONE_SCHEME =
      "!has(self.endpoints) || !self.endpoints.exists(e, e.startsWith('https://'))"
          + " || !self.endpoints.exists(e, e.startsWith('http://'))";
  public static final String ONE_SCHEME_MESSAGE =
      "one-scheme: spec.election.endpoints mixes http:// and https:// URLs; an etcd cluster"
          + " speaks one or the other, list every member with the same scheme";

  public static final String TLS_NEEDS_HTTPS =
      "!has(self.tls) || !has(self.endpoints) || !self.endpoints.exists(e, e.startsWith('http://'))"
          + " || self.endpoints.exists(e, e.startsWith('https://'))";
  public static final String TLS_NEEDS_HTTPS_MESSAGE =
      "tls-needs-https: spec.election.tls is set but spec.election.endpoints are http:// URLs;"
          + " use https:// URLs for a TLS etcd, or remove spec.election.tls";

  public static final String HTTPS_NEEDS_TLS =
      "has(self.tls) || !has(self.endpoints) || !self.endpoints.exists(e, e.startsWith('https://'))"
          + " || self.endpoints.exists(e, e.startsWith('http://'))";
  public static final String HTTPS_NEEDS_TLS_MESSAGE =
      "https-needs-tls: spec.election.endpoints are https:// URLs but spec.election.tls is not"
          + " set; set tls.caSecretName (a Secret with ca.crt) or tls.secretName (a"
          + " kubernetes.io/tls Secret with the client certificate and ca.crt)";

  public static final String TLS_NAMES_A_SECRET = "has(self.secretName) || has(self.caSecretName)";
  public static final String TLS_NAMES_A_SECRET_MESSAGE =
      "tls-names-a-secret: spec.election.tls needs secretName (a kubernetes.io/tls Secret with"
          + " tls.crt, tls.key and ca.crt) or caSecretName (a Secret with ca.crt), or both";
}
