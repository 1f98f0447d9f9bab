package dev.halo.install;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ApiCallTest {
  private static ApiCall call(String method, String uri) {
    return ApiCall.of(method, uri).orElseThrow();
  }

  @Test
  void mapsCoreNamespacedRequests() {
    assertThat(call("GET", "/api/v1/namespaces/shop/pods?labelSelector=a%3Db"))
        .isEqualTo(new ApiCall("shop", "", "pods", "list"));
    assertThat(call("GET", "/api/v1/namespaces/shop/pods?watch=true&resourceVersion=1"))
        .isEqualTo(new ApiCall("shop", "", "pods", "watch"));
    assertThat(call("GET", "/api/v1/namespaces/shop/pods/web-0"))
        .isEqualTo(new ApiCall("shop", "", "pods", "get"));
    assertThat(call("PATCH", "/api/v1/namespaces/shop/pods/web-0"))
        .isEqualTo(new ApiCall("shop", "", "pods", "patch"));
    assertThat(call("DELETE", "/api/v1/namespaces/shop/pods?labelSelector=x"))
        .isEqualTo(new ApiCall("shop", "", "pods", "deletecollection"));
    assertThat(call("POST", "/api/v1/namespaces/shop/events"))
        .isEqualTo(new ApiCall("shop", "", "events", "create"));
  }

  @Test
  void mapsGroupsSubresourcesAndClusterScope() {
    assertThat(
            call(
                "PUT", "/apis/halo.dev/v1alpha1/namespaces/shop/highavailabilitygroups/web/status"))
        .isEqualTo(new ApiCall("shop", "halo.dev", "highavailabilitygroups/status", "update"));
    assertThat(call("GET", "/apis/halo.dev/v1alpha1/highavailabilitygroups?watch=true"))
        .isEqualTo(new ApiCall("", "halo.dev", "highavailabilitygroups", "watch"));
    assertThat(call("DELETE", "/apis/policy/v1/namespaces/shop/poddisruptionbudgets/web"))
        .isEqualTo(new ApiCall("shop", "policy", "poddisruptionbudgets", "delete"));
    assertThat(call("GET", "/api/v1/namespaces/shop"))
        .isEqualTo(new ApiCall("", "", "namespaces", "get"));
    assertThat(call("GET", "/api/v1/namespaces"))
        .isEqualTo(new ApiCall("", "", "namespaces", "list"));
  }

  @Test
  void mapsDiscoveryAsNonResourceRequests() {
    assertThat(call("GET", "/version")).isEqualTo(new ApiCall("", "", "/version", "get"));
    assertThat(call("GET", "/apis/halo.dev/v1alpha1").isNonResource()).isTrue();
    assertThat(call("GET", "/api/v1").isNonResource()).isTrue();
  }
}
