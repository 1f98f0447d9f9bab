package dev.halo.operator.election;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which etcd server releases Halo trusts. Below the minimum of each line (3.4.38, 3.5.23, 3.6.5)
 * known lease bugs break Halo's guarantees: a revoked lease could be renewed "successfully", and a
 * stalled old raft leader could revoke leases kept alive elsewhere (fixed in 3.4.31, 3.5.13,
 * 3.6.0). Below the recommended release (3.4.44, 3.5.30, 3.6.9) lease and auth (RBAC) fixes are
 * missing, among them CVE-2026-33413 (fixed in 3.4.42, 3.5.28, 3.6.9). 3.3 and older are not
 * supported. Versions compare numerically; a line newer than 3.6 is trusted.
 */
public final class EtcdVersionRules {
  /** The oldest trustworthy and the recommended patch release of each supported minor line. */
  private record Line(int minimum, int recommended) {}

  private static final Map<Integer, Line> LINES =
      Map.of(4, new Line(38, 44), 5, new Line(23, 30), 6, new Line(5, 9));

  private static final Pattern VERSION = Pattern.compile("^v?(\\d+)\\.(\\d+)\\.(\\d+)");

  static final String RECOMMENDED = "3.4.44, 3.5.30 or 3.6.9 or later";

  private EtcdVersionRules() {}

  /** What is wrong with one member's version; empty when it is trusted or cannot be read. */
  public static Optional<String> problem(String version) {
    Matcher m = VERSION.matcher(version == null ? "" : version.strip());
    if (!m.find()) {
      return Optional.empty();
    }
    int major = Integer.parseInt(m.group(1));
    int minor = Integer.parseInt(m.group(2));
    int patch = Integer.parseInt(m.group(3));
    if (major < 3 || (major == 3 && minor < 4)) {
      return Optional.of(
          version
              + " is unsupported (Halo needs etcd 3.4 or later, and trusts its leases from"
              + " 3.4.38 / 3.5.23 / 3.6.5)");
    }
    Line line = major == 3 ? LINES.get(minor) : null;
    if (line == null) {
      return Optional.empty();
    }
    if (patch < line.minimum()) {
      return Optional.of(
          version
              + " has known lease bugs that break failover guarantees (a revoked lease renewed"
              + " \"successfully\"; a stalled old leader revoking live leases); 3."
              + minor
              + "."
              + line.minimum()
              + " is the minimum");
    }
    if (patch < line.recommended()) {
      return Optional.of(
          version
              + " lacks lease and auth (RBAC) fixes, among them CVE-2026-33413; 3."
              + minor
              + "."
              + line.recommended()
              + " is recommended");
    }
    return Optional.empty();
  }

  /**
   * The warning for a cluster whose members report {@code versions} (member endpoint → version),
   * naming each member that is too old and what to upgrade to; empty when all are trusted.
   */
  public static Optional<String> warning(Map<String, String> versions) {
    List<String> problems = new ArrayList<>();
    new TreeMap<>(versions)
        .forEach((member, v) -> problem(v).ifPresent(p -> problems.add(member + ": " + p)));
    if (problems.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        "etcd is outdated: "
            + String.join("; ", problems)
            + ". Upgrade etcd to "
            + RECOMMENDED
            + " (see README, Supported versions)");
  }
}
