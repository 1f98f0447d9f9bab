package dev.halo.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ResourcePathTest {
  @Test
  void parsesNamespacedCustomResourceWithSubresource() {
    assertThat(
            ResourcePath.parse(
                "/apis/halo.dev/v1alpha1/namespaces/shop/highavailabilitygroups/web/status?x=1"))
        .contains(
            new ResourcePath(
                "halo.dev", "v1alpha1", "shop", "highavailabilitygroups", "web", "status"));
  }

  @Test
  void parsesCoreCollectionsAndNamespacesThemselves() {
    assertThat(ResourcePath.parse("/api/v1/pods?watch=true"))
        .contains(new ResourcePath("", "v1", null, "pods", null, null));
    assertThat(ResourcePath.parse("/api/v1/namespaces/default"))
        .contains(new ResourcePath("", "v1", null, "namespaces", "default", null));
    assertThat(ResourcePath.parse("/api/v1/namespaces/default/pods/web-0").get().collectionPath())
        .isEqualTo("/api/v1/namespaces/default/pods");
  }

  @Test
  void discoveryPathsNameNoResource() {
    assertThat(ResourcePath.parse("/api/v1")).isEmpty();
    assertThat(ResourcePath.parse("/apis/halo.dev/v1alpha1")).isEmpty();
    assertThat(ResourcePath.parse("/version")).isEmpty();
  }
}
