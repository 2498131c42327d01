package io.consolidb.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.config.Config;
import com.hazelcast.config.KubernetesConfig;
import io.consolidb.config.ClusterSettings;
import java.util.List;
import org.junit.jupiter.api.Test;

class HazelcastClusterConfigTest {

  @Test
  void config_kubernetesDns_dialsOurPort() {
    Config config = HazelcastClusterConfig.config(new ClusterSettings(true, "0.0.0.0", 5801, List.of(),
        "consolidb-cluster.consolidb.svc.cluster.local", 5901, ClusterSettings.Tls.NONE, "", 0, 6));

    KubernetesConfig kubernetes = config.getNetworkConfig().getJoin().getKubernetesConfig();
    assertThat(kubernetes.isEnabled()).isTrue();
    assertThat(kubernetes.getProperty("service-dns")).isEqualTo("consolidb-cluster.consolidb.svc.cluster.local");
    assertThat(kubernetes.getProperty("service-port")).isEqualTo("5801");
    assertThat(config.getNetworkConfig().getPort()).isEqualTo(5801);
    assertThat(config.getNetworkConfig().getJoin().getTcpIpConfig().isEnabled()).isFalse();
  }

  @Test
  void config_failureDetection_fromTheSetting() {
    Config config = HazelcastClusterConfig.config(new ClusterSettings(true, "127.0.0.1", 5801, List.of(), "", 5901,
        ClusterSettings.Tls.NONE, "", 0, 4));

    assertThat(config.getProperty("hazelcast.max.no.heartbeat.seconds")).isEqualTo("4");
    assertThat(config.getProperty("hazelcast.heartbeat.interval.seconds")).isEqualTo("1");
  }

  @Test
  void eventBus_withTls_requiresClientCertificates_onItsOwnPort() {
    var tls = new ClusterSettings.Tls("node.pem", "node-key.pem", "ca.pem");
    var options = HazelcastClusterConfig.eventBusOptions(new ClusterSettings(true, "127.0.0.1", 5801, List.of(), "",
        5901, tls, "", 0, 6));

    assertThat(options.isSsl()).isTrue();
    assertThat(options.getClientAuth()).isEqualTo(io.vertx.core.http.ClientAuth.REQUIRED);
    assertThat(options.getPort()).isEqualTo(5901);
    assertThat(options.isTrustAll()).isFalse();
  }

  @Test
  void clusterManager_withASecret_sendsOnlyToAttestedMembers() {
    var open = new ClusterSettings(true, "127.0.0.1", 5801, List.of(), "", 5901, ClusterSettings.Tls.NONE, "", 0, 6);
    var secured = new ClusterSettings(true, "127.0.0.1", 5801, List.of(), "", 5901, ClusterSettings.Tls.NONE,
        "0123456789abcdef0123456789abcdef", 0, 6);

    assertThat(HazelcastClusterConfig.clusterManager(open)).isNotInstanceOf(AttestedClusterManager.class);
    assertThat(HazelcastClusterConfig.clusterManager(secured)).isInstanceOf(AttestedClusterManager.class);
  }

  @Test
  void config_members_tcpIpOnTheHost() {
    Config config = HazelcastClusterConfig.config(new ClusterSettings(true, "127.0.0.1", 5801,
        List.of("127.0.0.1:5801", "127.0.0.1:5802"), "", 5901, ClusterSettings.Tls.NONE, "", 0, 6));

    assertThat(config.getNetworkConfig().getJoin().getKubernetesConfig().isEnabled()).isFalse();
    assertThat(config.getNetworkConfig().getJoin().getTcpIpConfig().getMembers())
        .containsExactly("127.0.0.1:5801", "127.0.0.1:5802");
    assertThat(config.getProperty("hazelcast.socket.bind.any")).as("the member port on 127.0.0.1 only").isEqualTo("false");
  }
}
