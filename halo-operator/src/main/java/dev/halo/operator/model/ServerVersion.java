package dev.halo.operator.model;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Kubernetes release of the API server, which the operator logs at start (its pods are the same
 * on every supported release).
 *
 * @param major 1 for every Kubernetes release so far
 * @param minor e.g. 28 for 1.28
 */
public record ServerVersion(int major, int minor) implements Comparable<ServerVersion> {
  /** The oldest release Halo supports; assumed when the server's version cannot be read. */
  public static final ServerVersion OLDEST_SUPPORTED = new ServerVersion(1, 28);

  // "v1.29.3-gke.1", "1.30", "v1.31.0+k3s1": the leading major.minor is all that matters.
  private static final Pattern GIT_VERSION =
      Pattern.compile("^v?(\\d{1,4})\\.(\\d{1,4})(?:[.+-].*)?$");
  // Managed servers report e.g. minor "28+".
  private static final Pattern NUMBER = Pattern.compile("^(\\d{1,4})\\+?$");

  /**
   * The version in a server's {@code /version} answer: its {@code gitVersion}, or else its {@code
   * major} and {@code minor}; empty when neither can be read.
   */
  public static Optional<ServerVersion> parse(String gitVersion, String major, String minor) {
    Optional<ServerVersion> fromGit = parse(gitVersion);
    if (fromGit.isPresent()) {
      return fromGit;
    }
    Optional<Integer> ma = number(major);
    Optional<Integer> mi = number(minor);
    return ma.isPresent() && mi.isPresent()
        ? Optional.of(new ServerVersion(ma.get(), mi.get()))
        : Optional.empty();
  }

  /** The version in a {@code gitVersion} such as {@code v1.29.3-gke.1}; empty if it has none. */
  public static Optional<ServerVersion> parse(String gitVersion) {
    if (gitVersion == null) {
      return Optional.empty();
    }
    Matcher m = GIT_VERSION.matcher(gitVersion.trim());
    return m.matches()
        ? Optional.of(new ServerVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))))
        : Optional.empty();
  }

  private static Optional<Integer> number(String value) {
    if (value == null) {
      return Optional.empty();
    }
    Matcher m = NUMBER.matcher(value.trim());
    return m.matches() ? Optional.of(Integer.parseInt(m.group(1))) : Optional.empty();
  }

  @Override
  public int compareTo(ServerVersion other) {
    return major != other.major
        ? Integer.compare(major, other.major)
        : Integer.compare(minor, other.minor);
  }

  @Override
  public String toString() {
    return major + "." + minor;
  }
}
