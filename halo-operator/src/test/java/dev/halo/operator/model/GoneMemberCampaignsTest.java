package dev.halo.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The agent of a gone pod that campaigns again after each revocation is revoked with growing gaps
 * and reported once per backoff window; explicit times, no waiting.
 */
class GoneMemberCampaignsTest {
  private final GoneMemberCampaigns campaigns = new GoneMemberCampaigns();

  @Test
  void theFirstLeaseOfAGonePodIsRevokedAtOnceAndNotReported() {
    GoneMemberCampaigns.Decision d = campaigns.decide("ns/web", "web-3", "uid-3", 0x10, false, 0);

    assertThat(d.revoke()).isTrue();
    assertThat(d.report()).isEmpty();
  }

  @Test
  void repeatedCampaignsOfTheSameGonePodAreRevokedWithGrowingGapsAndReportedOncePerWindow() {
    // An agent that campaigns again 5 ms after each revocation, decided on every 10 ms for 10 min
    // (a reconcile per election change plus the periodic look).
    long lease = 0x10;
    List<Long> revokedAt = new ArrayList<>();
    List<GoneMemberCampaigns.Report> reports = new ArrayList<>();
    long campaignAt = 0;
    for (long now = 0; now <= 600_000; now += 10) {
      if (now < campaignAt) {
        continue; // revoked; its agent has not campaigned again yet
      }
      GoneMemberCampaigns.Decision d =
          campaigns.decide("ns/web", "web-3", "uid-3", lease, false, now);
      d.report().ifPresent(reports::add);
      if (d.revoke()) {
        revokedAt.add(now);
        lease++; // the agent's next campaign has a new lease
        campaignAt = now + 5;
      }
    }

    List<Long> gaps = new ArrayList<>();
    for (int i = 1; i < revokedAt.size(); i++) {
      gaps.add(revokedAt.get(i) - revokedAt.get(i - 1));
    }
    // 1 s, 2 s, 4 s, ... up to 60 s: the first gaps double, none is shorter than the one before.
    assertThat(gaps.subList(0, 6)).containsExactly(1000L, 2000L, 4000L, 8000L, 16000L, 32000L);
    assertThat(gaps).isSorted().allMatch(g -> g <= 60_000);
    assertThat(gaps.get(gaps.size() - 1)).isEqualTo(60_000);
    // 600 s: 1+2+...+32 = 63 s, then one a minute: about 10 revocations, not 60 000.
    assertThat(revokedAt).hasSizeBetween(10, 20);
    // Each revocation after the first is one campaign, reported once.
    assertThat(reports).hasSize(revokedAt.size() - 1);
    assertThat(reports).extracting(GoneMemberCampaigns.Report::campaigns).doesNotHaveDuplicates();
    assertThat(reports.get(0).message())
        .contains("pod web-3 is gone but its agent keeps campaigning (lease 11");
  }

  @Test
  void theSameLeaseSeenAgainIsLeftToTheCallersOncePerLeaseRule() {
    campaigns.decide("ns/web", "web-3", "uid-3", 0x10, false, 0);

    GoneMemberCampaigns.Decision again =
        campaigns.decide("ns/web", "web-3", "uid-3", 0x10, false, 5);

    assertThat(again.revoke()).isTrue();
    assertThat(again.report()).isEmpty();
  }

  @Test
  void aNewCampaignWithinTheWindowWaitsAndIsCountedOnce() {
    campaigns.decide("ns/web", "web-3", "uid-3", 0x10, false, 0);

    for (long now = 10; now < 1000; now += 10) {
      assertThat(campaigns.decide("ns/web", "web-3", "uid-3", 0x11, false, now).revoke())
          .as("at %d ms", now)
          .isFalse();
    }
    GoneMemberCampaigns.Decision d =
        campaigns.decide("ns/web", "web-3", "uid-3", 0x11, false, 1000);

    assertThat(d.revoke()).isTrue();
    assertThat(d.report()).get().extracting(GoneMemberCampaigns.Report::campaigns).isEqualTo(1);
  }

  @Test
  void aCampaignThatLeadsWhileThePodsCampaignIsRevokedAtOnce() {
    campaigns.decide("ns/web", "web-3", "uid-3", 0x10, false, 0);

    GoneMemberCampaigns.Decision d = campaigns.decide("ns/web", "web-3", "uid-3", 0x11, true, 10);

    assertThat(d.revoke()).isTrue();
    assertThat(d.report()).isPresent();
  }

  @Test
  void anotherGonePodOrAnotherPodOfTheSameNameIsRevokedAtOnce() {
    campaigns.decide("ns/web", "web-3", "uid-3", 0x10, false, 0);

    assertThat(campaigns.decide("ns/web", "web-4", "uid-4", 0x20, false, 10).revoke()).isTrue();
    assertThat(campaigns.decide("ns/web", "web-3", "uid-3b", 0x30, false, 10).revoke()).isTrue();
    assertThat(campaigns.decide("ns/db", "db-3", "uid-d3", 0x40, false, 10).revoke()).isTrue();
  }
}
