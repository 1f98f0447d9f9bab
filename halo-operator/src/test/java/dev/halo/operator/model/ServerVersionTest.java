package dev.halo.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ServerVersionTest {
  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "v1.28.15, 28",
    "v1.29.3-gke.1, 29",
    "v1.30.2-eks-1552ad0, 30",
    "v1.31.0+k3s1, 31",
    "1.32, 32",
    "v1.35.0-halo-sandbox, 35"
  })
  void readsMajorAndMinorFromTheGitVersionWhateverItsSuffix(String gitVersion, int minor) {
    assertThat(ServerVersion.parse(gitVersion)).contains(new ServerVersion(1, minor));
  }

  @ParameterizedTest(name = "\"{0}\"")
  @ValueSource(strings = {"", "latest", "v1", "1.x", "v1.29garbage", "v99999999999.1"})
  void findsNoVersionInAGitVersionWithoutOne(String gitVersion) {
    assertThat(ServerVersion.parse(gitVersion)).isEmpty();
  }

  @Test
  void fallsBackToMajorAndMinorWhichManagedServersMarkWithAPlus() {
    assertThat(ServerVersion.parse("", "1", "28+")).contains(new ServerVersion(1, 28));
    assertThat(ServerVersion.parse(null, "1", "31")).contains(new ServerVersion(1, 31));
    assertThat(ServerVersion.parse("v1.30.1", "1", "28+")).contains(new ServerVersion(1, 30));
    assertThat(ServerVersion.parse(null, "1", "")).isEmpty();
    assertThat(ServerVersion.parse(null, null, null)).isEmpty();
  }

  @Test
  void printsAsMajorDotMinor() {
    assertThat(new ServerVersion(1, 29)).hasToString("1.29");
  }
}
