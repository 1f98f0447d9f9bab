package dev.halo.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LifecycleHandlerBuilder;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PreStopHookTest {
  private static final Container APP =
      new ContainerBuilder()
          .withName("app")
          .addNewPort()
          .withName("http")
          .withContainerPort(8080)
          .endPort()
          .build();
  // 8080 is the app's, 9090 the agent's: the pod shares one network.
  private static final PreStopHook.Target TARGET =
      new PreStopHook.Target(
          "web-0", APP, Map.of(8080, 41000, 9090, 42000), Optional.empty(), Map.of());

  @Test
  void portNumberOfAnyContainerOfThePodMapsToItsLocalPort() {
    assertThat(PreStopHook.localPort(new IntOrString(8080), TARGET)).contains(41000);
    assertThat(PreStopHook.localPort(new IntOrString(9090), TARGET)).contains(42000);
  }

  @Test
  void namedPortIsTheContainersOwnAndAnUndeclaredNumberIsTakenAsItIs() {
    assertThat(PreStopHook.localPort(new IntOrString("http"), TARGET)).contains(41000);
    assertThat(PreStopHook.localPort(new IntOrString("metrics"), TARGET)).isEmpty();
    assertThat(PreStopHook.localPort(new IntOrString(7000), TARGET)).contains(7000);
  }

  @Test
  void unknownNamedPortFailsTheHookSayingWhatToDo() {
    PreStopHook hook =
        PreStopHook.start(
            new LifecycleHandlerBuilder()
                .withNewHttpGet()
                .withPort(new IntOrString("drain"))
                .endHttpGet()
                .build(),
            TARGET,
            Duration.ofSeconds(1),
            Runnable::run);

    assertThat(hook.result)
        .failsWithin(Duration.ofSeconds(1))
        .withThrowableThat()
        .withMessageContaining("container app has no port named drain");
  }

  @Test
  void execHookOfAContainerWithoutProcessIsNotRunAndSucceeds() {
    PreStopHook hook =
        PreStopHook.start(
            new LifecycleHandlerBuilder().withNewExec().withCommand("false").endExec().build(),
            TARGET,
            Duration.ofSeconds(1),
            Runnable::run);

    assertThat(hook.result).succeedsWithin(Duration.ofSeconds(1)).asString().startsWith("not run");
  }
}
