package dev.halo.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ApiFrontEndTest {
  private static final String STATUS = "/apis/halo.dev/v1alpha1/namespaces/shop/hags/web/status";

  @Test
  void aWriteReachesTheStoreWithoutItsFieldManager() {
    assertThat(ApiFrontEnd.withoutFieldManager(STATUS + "?fieldManager=halo-operator"))
        .isEqualTo(STATUS);
    assertThat(ApiFrontEnd.withoutFieldManager(STATUS + "?dryRun=All&fieldManager=halo-operator"))
        .isEqualTo(STATUS + "?dryRun=All");
    assertThat(ApiFrontEnd.withoutFieldManager(STATUS)).isEqualTo(STATUS);
  }
}
