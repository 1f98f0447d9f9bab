package dev.halo.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SandboxTest {
  @Test
  void theKubeletRestartsADeadAgentTenSecondsLaterAsReadmeSays() {
    assertThat(Sandbox.kubeletOptions().agentRestartDelay()).contains(Duration.ofSeconds(10));
  }
}
