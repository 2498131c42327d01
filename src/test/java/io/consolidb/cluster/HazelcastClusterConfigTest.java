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
  void config_members_tcpIpOnTheHost() {
    Config config = HazelcastClusterConfig.config(new ClusterSettings(true, "127.0.0.1", 5801,
        List.of("127.0.0.1:5801", "127.0.0.1:5802"), "", 5901, ClusterSettings.Tls.NONE, "", 0, 6));

    assertThat(config.getNetworkConfig().getJoin().getKubernetesConfig().isEnabled()).isFalse();
    assertThat(config.getNetworkConfig().getJoin().getTcpIpConfig().getMembers())
        .containsExactly("127.0.0.1:5801", "127.0.0.1:5802");
  }
}
