package dev.halo.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.common.Labels;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServiceFactoryTest {
  private final HighAvailabilityGroup hag = TestGroups.valid("shop", "web");

  private static ServicePort port(String name, int port, int target, String protocol) {
    return new ServicePortBuilder()
        .withName(name)
        .withPort(port)
        .withTargetPort(new IntOrString(target))
        .withProtocol(protocol)
        .build();
  }

  @Test
  void masterSelectsOnlyTheGroupsMaster() {
    Service master = ServiceFactory.master(hag);

    assertThat(master.getMetadata().getName()).isEqualTo("web");
    assertThat(master.getMetadata().getNamespace()).isEqualTo("shop");
    assertThat(master.getSpec().getSelector())
        .containsExactlyInAnyOrderEntriesOf(Labels.masterSelector("web"));
    assertThat(master.getSpec().getType()).isEqualTo("ClusterIP");
  }

  @Test
  void masterForARemoteMasterHasNoSelectorAndNamesThatMaster() {
    Service master =
        ServiceFactory.masterForRemote(
            hag, new dev.halo.api.v1alpha1.RemoteMaster("orders-lyon-0", "lyon", "10.2.0.7"));

    assertThat(master.getSpec().getSelector()).isNull();
    assertThat(master.getMetadata().getAnnotations())
        .containsEntry("halo.dev/remote-master", "lyon/orders-lyon-0");
    assertThat(ServiceFactory.routesRemote(master)).isTrue();
    assertThat(ServiceFactory.routesRemote(ServiceFactory.master(hag))).isFalse();
    assertThat(master.getSpec().getPorts())
        .isEqualTo(ServiceFactory.master(hag).getSpec().getPorts());
  }

  @Test
  void masterTakesTheConfiguredNameAndType() {
    hag.getSpec().getService().setName("web-primary");
    hag.getSpec().getService().setType("LoadBalancer");

    Service master = ServiceFactory.master(hag);

    assertThat(master.getMetadata().getName()).isEqualTo("web-primary");
    assertThat(master.getSpec().getType()).isEqualTo("LoadBalancer");
  }

  @Test
  void exposesEveryContainerPortOfTheWorkloadByDefault() {
    hag.getSpec()
        .getTemplate()
        .getSpec()
        .getContainers()
        .add(
            new ContainerBuilder()
                .withName("dns")
                .withImage("example/dns:1")
                .addNewPort()
                .withContainerPort(53)
                .withProtocol("UDP")
                .endPort()
                .build());

    assertThat(ServiceFactory.master(hag).getSpec().getPorts())
        .containsExactly(port("http", 8080, 8080, "TCP"), port("udp-53", 53, 53, "UDP"));
  }

  @Test
  void exposesTheConfiguredPortsWhenGiven() {
    ServicePort http = port("http", 80, 8080, "TCP");
    hag.getSpec().getService().getPorts().add(http);

    assertThat(ServiceFactory.master(hag).getSpec().getPorts())
        .singleElement()
        .isEqualTo(http)
        .isNotSameAs(http);
  }

  @Test
  void standbySelectsTheStandbysThroughAClusterIp() {
    hag.getSpec().getService().setType("LoadBalancer");

    Service standby = ServiceFactory.standby(hag);

    assertThat(standby.getMetadata().getName()).isEqualTo("web-standby");
    assertThat(standby.getSpec().getSelector())
        .containsExactlyInAnyOrderEntriesOf(Labels.standbySelector("web"));
    assertThat(standby.getSpec().getType()).isEqualTo("ClusterIP");
    assertThat(standby.getSpec().getPorts())
        .isEqualTo(ServiceFactory.master(hag).getSpec().getPorts());
  }

  @Test
  void labelsAndIsControlledByTheGroup() {
    Service master = ServiceFactory.master(hag);

    assertThat(master.getMetadata().getLabels())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                Labels.APP_NAME, "web",
                Labels.APP_INSTANCE, "web",
                Labels.APP_MANAGED_BY, "halo",
                Labels.GROUP, "web"));
    assertThat(master.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            owner -> {
              assertThat(owner.getKind()).isEqualTo("HighAvailabilityGroup");
              assertThat(owner.getController()).isTrue();
            });
  }

  @Test
  void seesNoDriftInWhatTheServerFillsIn() {
    Service desired = ServiceFactory.master(hag);
    Service actual = new ServiceBuilder(desired).build();
    actual.getSpec().setClusterIP("10.0.0.7");
    actual.getSpec().setSessionAffinity("None");
    actual.getSpec().getPorts().get(0).setNodePort(30080);

    assertThat(ServiceFactory.selectorDrifted(actual, desired)).isFalse();
  }

  @Test
  void seesADefaultedTargetPortAndTypeAsUnchanged() {
    hag.getSpec().getService().setType(null);
    hag.getSpec().getService().getPorts().add(new ServicePortBuilder().withPort(80).build());
    Service desired = ServiceFactory.master(hag);
    Service actual = new ServiceBuilder(desired).build();
    actual.getSpec().setType("ClusterIP");
    actual.getSpec().getPorts().set(0, port(null, 80, 80, "TCP"));

    assertThat(ServiceFactory.selectorDrifted(actual, desired)).isFalse();
  }

  @Test
  void seesAChangedSelectorAsDrift() {
    Service desired = ServiceFactory.master(hag);
    Service actual = new ServiceBuilder(desired).build();
    actual.getSpec().setSelector(Labels.groupSelector("web"));

    assertThat(ServiceFactory.selectorDrifted(actual, desired)).isTrue();
  }

  @Test
  void seesChangedPortsOrTypeAsDrift() {
    Service desired = ServiceFactory.master(hag);
    Service otherPort = new ServiceBuilder(desired).build();
    otherPort.getSpec().getPorts().get(0).setTargetPort(new IntOrString(9090));
    Service otherType = new ServiceBuilder(desired).build();
    otherType.getSpec().setType("NodePort");

    assertThat(ServiceFactory.selectorDrifted(otherPort, desired)).isTrue();
    assertThat(ServiceFactory.selectorDrifted(otherType, desired)).isTrue();
  }
}
