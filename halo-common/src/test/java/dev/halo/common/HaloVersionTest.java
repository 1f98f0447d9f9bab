package dev.halo.common;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HaloVersionTest {
  @Test
  void namesThePartAndTheJavaRuntime() {
    String[] lines = HaloVersion.lines("halo-agent", HaloVersion.class);

    assertThat(lines).hasSize(2);
    // Test classes come from a directory, not a jar with a manifest.
    assertThat(lines[0]).isEqualTo("halo-agent (version unknown: not run from a Halo jar)");
    assertThat(lines[1]).startsWith("Java " + Runtime.version() + " (");
  }
}
