package dev.halo.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.api.v1alpha1.RemoteMaster;
import dev.halo.api.v1alpha1.ServiceSpec;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

class EndpointSliceFactoryTest {
  private final HighAvailabilityGroup hag = TestGroups.valid("shop", "web");
  private final RemoteMaster lyon = new RemoteMaster("orders-lyon-0", "lyon", "10.2.0.7");

  @Test
  void theSliceServesTheMasterServiceAndIsKeptByHaloNotByKubernetes() {
    EndpointSlice slice = EndpointSliceFactory.remoteMaster(hag, lyon);

    assertThat(slice.getMetadata().getName()).isEqualTo("web-remote-master");
    assertThat(slice.getMetadata().getNamespace()).isEqualTo("shop");
    assertThat(slice.getMetadata().getLabels())
        .containsEntry("kubernetes.io/service-name", "web")
        .containsEntry("endpointslice.kubernetes.io/managed-by", "halo.dev")
        .containsEntry("app.kubernetes.io/managed-by", "halo")
        .containsEntry("halo.dev/group", "web");
    assertThat(slice.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(o -> assertThat(o.getUid()).isEqualTo("uid-shop-web"));
  }

  @Test
  void theSliceListsTheRemoteMastersAddressReadyWithTheServicePorts() {
    EndpointSlice slice = EndpointSliceFactory.remoteMaster(hag, lyon);

    assertThat(slice.getAddressType()).isEqualTo("IPv4");
    assertThat(slice.getEndpoints())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getAddresses()).containsExactly("10.2.0.7");
              assertThat(e.getConditions().getReady()).isTrue();
            });
    assertThat(slice.getPorts())
        .extracting(EndpointPort::getName, EndpointPort::getPort, EndpointPort::getProtocol)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("http", 8080, "TCP"));
  }

  @Test
  void theSliceFollowsAConfiguredServiceNameAndResolvesANamedTargetPort() {
    hag.getSpec().setService(new ServiceSpec());
    hag.getSpec().getService().setName("web-primary");
    hag.getSpec()
        .getService()
        .setPorts(
            List.of(
                new ServicePortBuilder()
                    .withName("web")
                    .withPort(80)
                    .withTargetPort(new IntOrString("http"))
                    .build()));

    EndpointSlice slice = EndpointSliceFactory.remoteMaster(hag, lyon);

    assertThat(slice.getMetadata().getName()).isEqualTo("web-primary-remote-master");
    assertThat(slice.getMetadata().getLabels())
        .containsEntry("kubernetes.io/service-name", "web-primary");
    assertThat(slice.getPorts()).extracting(EndpointPort::getPort).containsExactly(8080);
  }

  @Test
  void addressTypesFollowTheAddress() {
    assertThat(EndpointSliceFactory.addressType("10.2.0.7")).isEqualTo("IPv4");
    assertThat(EndpointSliceFactory.addressType("fd00::7")).isEqualTo("IPv6");
    assertThat(EndpointSliceFactory.addressType("web-0.lyon.example")).isEqualTo("FQDN");
  }

  @Test
  void aSliceDriftsWhenTheRemoteMasterMovesButNotForServerDefaults() {
    EndpointSlice desired = EndpointSliceFactory.remoteMaster(hag, lyon);
    EndpointSlice asStored =
        new EndpointSliceBuilder(desired)
            .editMetadata()
            .withResourceVersion("7")
            .endMetadata()
            .build();
    EndpointSlice moved =
        EndpointSliceFactory.remoteMaster(
            hag, new RemoteMaster("orders-lyon-1", "lyon", "10.2.0.8"));

    assertThat(EndpointSliceFactory.drifted(asStored, desired)).isFalse();
    assertThat(EndpointSliceFactory.drifted(asStored, moved)).isTrue();
  }
}
