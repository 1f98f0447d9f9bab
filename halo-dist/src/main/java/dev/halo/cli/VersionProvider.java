package dev.halo.cli;

import picocli.CommandLine.IVersionProvider;

/** Reads the version from the jar's manifest. */
final class VersionProvider implements IVersionProvider {
  @Override
  public String[] getVersion() {
    String version = HaloCommand.class.getPackage().getImplementationVersion();
    return new String[] {"halo " + (version == null ? "dev" : version)};
  }
}
