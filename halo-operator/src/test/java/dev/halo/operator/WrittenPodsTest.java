package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.operator.model.PodState;
import dev.halo.operator.model.TestPods;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The operator's own label writes, laid over a pod cache that has not delivered them yet. */
class WrittenPodsTest {
  private final WrittenPods written = new WrittenPods();

  private static Pod at(Pod pod, String resourceVersion) {
    return new PodBuilder(pod)
        .editMetadata()
        .withResourceVersion(resourceVersion)
        .endMetadata()
        .build();
  }

  private static List<String> roles(List<Pod> pods) {
    return pods.stream().map(p -> PodState.name(p) + "=" + PodState.role(p)).toList();
  }

  @Test
  void aWriteTheCacheHasNotDeliveredShowsOverIt() {
    List<Pod> cached =
        List.of(
            at(TestPods.pod("web-0", "master"), "10"), at(TestPods.pod("web-1", "standby"), "11"));
    written.wrote(at(TestPods.pod("web-0", "standby"), "20"));

    assertThat(roles(written.over(cached))).containsExactly("web-0=standby", "web-1=standby");
  }

  @Test
  void theCacheStandsOnceItHasTheWriteOrALaterVersion() {
    written.wrote(at(TestPods.pod("web-0", "standby"), "20"));

    List<Pod> later = List.of(at(TestPods.pod("web-0", "master"), "21"));
    assertThat(roles(written.over(later))).containsExactly("web-0=master");
  }

  @Test
  void aSnapshotOlderThanTheWriteGetsItEvenAfterTheCacheCaughtUp() {
    written.wrote(at(TestPods.pod("web-0", "standby"), "20"));
    written.over(List.of(at(TestPods.pod("web-0", "standby"), "20")));

    List<Pod> older = List.of(at(TestPods.pod("web-0", "master"), "10"));
    Pod seen = written.over(older).get(0);
    assertThat(PodState.role(seen)).isEqualTo("standby");
    assertThat(seen.getMetadata().getResourceVersion()).isEqualTo("10");
  }

  @Test
  void anotherPodOfTheSameNameIsNotReplaced() {
    written.wrote(at(TestPods.pod("web-0", "master"), "20"));
    Pod recreated =
        new PodBuilder(at(TestPods.pod("web-0", null), "5"))
            .editMetadata()
            .withUid("a-new-pod")
            .endMetadata()
            .build();

    assertThat(written.over(List.of(recreated))).containsExactly(recreated);
  }

  @Test
  void versionsThatAreNotNumbersLeaveTheCacheAsItIs() {
    written.wrote(at(TestPods.pod("web-0", "standby"), "b"));
    List<Pod> cached = List.of(at(TestPods.pod("web-0", "master"), "a"));

    assertThat(roles(written.over(cached))).containsExactly("web-0=master");
  }

  @Test
  void anOlderAnswerDoesNotReplaceANewerWrite() {
    written.wrote(at(TestPods.pod("web-0", "master"), "30"));
    written.wrote(at(TestPods.pod("web-0", "standby"), "20"));
    List<Pod> cached = List.of(at(TestPods.pod("web-0", "standby"), "10"));

    assertThat(roles(written.over(cached))).containsExactly("web-0=master");
  }

  @Test
  void aForgottenPodLeavesTheCacheAsItIs() {
    written.wrote(at(TestPods.pod("web-0", "standby"), "20"));
    written.forget("shop", List.of("web-0"));
    List<Pod> cached = List.of(at(TestPods.pod("web-0", "master"), "10"));

    assertThat(roles(written.over(cached))).containsExactly("web-0=master");
  }
}
