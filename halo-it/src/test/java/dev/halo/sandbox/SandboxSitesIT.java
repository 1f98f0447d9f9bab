package dev.halo.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.api.v1alpha1.RemoteMaster;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code halo sandbox --sites 2 --site-rtt-ms 20}, in this JVM: two sites (paris, lyon) with their
 * own API server, operator and kubelet, a witness (nice) with only etcd, one etcd member per site
 * behind proxies that add the RTT. One master over both sites; cutting the master's site off
 * through the site control lets the other site elect one; healing brings the cut site back as a
 * standby site.
 */
class SandboxSitesIT {
  private static final Duration CONVERGE = Duration.ofSeconds(90);
  private static final Duration RTT = Duration.ofMillis(20);
  private static Sandbox sandbox;

  /** Where the master is: the site and the pod that its own site labels master. */
  private record Master(SandboxSite site, String pod) {}

  @BeforeAll
  static void start() {
    Awaitility.ignoreExceptionsByDefault();
    sandbox = Sandbox.start(new Sandbox.Options(3, 0, 0, Optional.empty(), true, true, 2, RTT));
  }

  @AfterAll
  static void stop() {
    if (sandbox != null) {
      sandbox.close();
    }
  }

  @Test
  void oneMasterOverBothSitesMovesToTheOtherSiteWhenItsSiteIsCutOffAndTheSiteComesBackAsStandby()
      throws Exception {
    assertThat(sandbox.sites()).extracting(SandboxSite::name).containsExactly("paris", "lyon");
    assertThat(Files.readString(sandbox.kubeconfig()))
        .contains("- name: paris", "- name: lyon", "current-context: paris");
    assertThat(sandbox.etcd().size()).isEqualTo(3);
    assertThat(sandbox.site("paris").etcdEndpoints()).hasSize(3);
    Master first = awaitOneMasterSeenByBothSites();

    assertThat(control("POST", "/sites/" + first.site().name() + "/cut"))
        .contains(first.site().name() + " cut");
    SandboxSite other = otherThan(first.site());
    Master second =
        await().atMost(CONVERGE).until(() -> masterOn(other), Optional::isPresent).get();
    assertThat(second.site()).isSameAs(other);
    // The cut site's agents lost etcd's majority: none of them still thinks it is master.
    await()
        .atMost(CONVERGE)
        .until(
            () ->
                first.site().kubelet().view().stream()
                    .map(v -> first.site().kubelet().agent(v.name()).role())
                    .noneMatch("master"::equals));

    assertThat(control("POST", "/sites/" + first.site().name() + "/heal"))
        .contains(first.site().name() + " connected");
    Master after = awaitOneMasterSeenByBothSites();
    assertThat(after.site()).isSameAs(other);
    assertThat(control("GET", "/sites")).contains("paris connected", "lyon connected");
  }

  /** Exactly one pod of both sites labelled master, and the other site names it remote master. */
  private static Master awaitOneMasterSeenByBothSites() {
    return await()
        .atMost(CONVERGE)
        .until(
            () -> {
              List<Master> masters =
                  sandbox.sites().stream().flatMap(s -> masterOn(s).stream()).toList();
              if (masters.size() != 1) {
                return null;
              }
              Master m = masters.get(0);
              RemoteMaster remote = status(otherThan(m.site())).getRemoteMaster();
              return remote != null
                      && m.pod().equals(remote.getPod())
                      && m.site().name().equals(remote.getSite())
                  ? m
                  : null;
            },
            m -> m != null);
  }

  private static Optional<Master> masterOn(SandboxSite site) {
    List<String> masters = site.masters();
    return masters.size() == 1 ? Optional.of(new Master(site, masters.get(0))) : Optional.empty();
  }

  private static SandboxSite otherThan(SandboxSite site) {
    return sandbox.sites().stream().filter(s -> s != site).findFirst().orElseThrow();
  }

  private static dev.halo.api.v1alpha1.HighAvailabilityGroupStatus status(SandboxSite site) {
    HighAvailabilityGroup hag = site.groups().get(0);
    return hag.getStatus();
  }

  private static String control(String method, String path) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(sandbox.siteControl().url() + path))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .build();
    HttpResponse<String> response =
        HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return response.body();
  }
}
