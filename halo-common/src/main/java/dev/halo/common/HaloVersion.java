package dev.halo.common;

/** What {@code --version} prints: the version a jar was built as, and the Java that runs it. */
public final class HaloVersion {
  private HaloVersion() {}

  /**
   * The lines of {@code --version} for a part: {@code <part> <version>} from the Implementation-
   * Version of the jar that holds {@code type}, then the Java runtime.
   */
  public static String[] lines(String part, Class<?> type) {
    String version = type.getPackage().getImplementationVersion();
    return new String[] {
      part + " " + (version == null ? "(version unknown: not run from a Halo jar)" : version),
      "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"
    };
  }
}
